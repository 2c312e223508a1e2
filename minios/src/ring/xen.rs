//! The guest's shared memory as ring memory: the boot rings' pages and frame-pool pages.

use super::mem::{page_pieces, PAGE};
use super::{SharedFlags, SharedMem};
use crate::grant::{ForeignPage, ForeignPages, GrantError, GrantedPages};
use crate::sys::mm::PoolPage;
use crate::sys::shared::SharedPage;

impl SharedMem for SharedPage {
    fn len(&self) -> usize {
        PAGE
    }
    fn load_u32(&self, off: usize) -> u32 {
        SharedPage::load_u32(self, off)
    }
    fn store_u32(&self, off: usize, value: u32) {
        SharedPage::store_u32(self, off, value)
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        self.read_bytes(off, out)
    }
    fn write(&self, off: usize, data: &[u8]) {
        self.write_bytes(off, data)
    }
}

impl SharedMem for PoolPage {
    fn len(&self) -> usize {
        PAGE
    }
    fn load_u32(&self, off: usize) -> u32 {
        PoolPage::load_u32(self, off)
    }
    fn store_u32(&self, off: usize, value: u32) {
        PoolPage::store_u32(self, off, value)
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        self.read_bytes(off, out)
    }
    fn write(&self, off: usize, data: &[u8]) {
        self.write_bytes(off, data)
    }
}

/// The pages one after the other: accesses that cross a page boundary are split.
impl SharedMem for GrantedPages {
    fn len(&self) -> usize {
        self.pages().len() * PAGE
    }
    fn load_u32(&self, off: usize) -> u32 {
        self.pages()[off / PAGE].page().load_u32(off % PAGE)
    }
    fn store_u32(&self, off: usize, value: u32) {
        self.pages()[off / PAGE].page().store_u32(off % PAGE, value)
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        for (page, at, range) in page_pieces(off, out.len()) {
            self.pages()[page].page().read_bytes(at, &mut out[range]);
        }
    }
    fn write(&self, off: usize, data: &[u8]) {
        for (page, at, range) in page_pieces(off, data.len()) {
            self.pages()[page].page().write_bytes(at, &data[range]);
        }
    }
}

/// The first page's flags: the byte at `off` of the pages one after the other.
impl SharedFlags for GrantedPages {
    fn load_u8(&self, off: usize) -> u8 {
        self.pages()[off / PAGE].page().load_u8(off % PAGE)
    }
    fn store_u8(&self, off: usize, value: u8) {
        self.pages()[off / PAGE].page().store_u8(off % PAGE, value)
    }
    fn fetch_or_u8(&self, off: usize, bits: u8) -> u8 {
        self.pages()[off / PAGE]
            .page()
            .fetch_or_u8(off % PAGE, bits)
    }
    fn fetch_and_u8(&self, off: usize, mask: u8) -> u8 {
        self.pages()[off / PAGE]
            .page()
            .fetch_and_u8(off % PAGE, mask)
    }
}

/// Ring code writes only memory it produces into; a read-only mapping is only ever a ring
/// we consume, whose indices live elsewhere. A write to one is a bug of ours, not the peer's.
fn writable<T>(r: Result<T, GrantError>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("ring code wrote a foreign page it mapped read-only: {e}"),
    }
}

impl SharedMem for ForeignPage {
    fn len(&self) -> usize {
        PAGE
    }
    fn load_u32(&self, off: usize) -> u32 {
        ForeignPage::load_u32(self, off)
    }
    fn store_u32(&self, off: usize, value: u32) {
        writable(ForeignPage::store_u32(self, off, value))
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        self.read_bytes(off, out)
    }
    fn write(&self, off: usize, data: &[u8]) {
        writable(self.write_bytes(off, data))
    }
}

impl SharedFlags for ForeignPage {
    fn load_u8(&self, off: usize) -> u8 {
        ForeignPage::load_u8(self, off)
    }
    fn store_u8(&self, off: usize, value: u8) {
        writable(ForeignPage::store_u8(self, off, value))
    }
    fn fetch_or_u8(&self, off: usize, bits: u8) -> u8 {
        writable(ForeignPage::fetch_or_u8(self, off, bits))
    }
    fn fetch_and_u8(&self, off: usize, mask: u8) -> u8 {
        writable(ForeignPage::fetch_and_u8(self, off, mask))
    }
}

/// The mapped pages one after the other.
impl SharedMem for ForeignPages {
    fn len(&self) -> usize {
        self.pages().len() * PAGE
    }
    fn load_u32(&self, off: usize) -> u32 {
        self.pages()[off / PAGE].load_u32(off % PAGE)
    }
    fn store_u32(&self, off: usize, value: u32) {
        writable(self.pages()[off / PAGE].store_u32(off % PAGE, value))
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        for (page, at, range) in page_pieces(off, out.len()) {
            self.pages()[page].read_bytes(at, &mut out[range]);
        }
    }
    fn write(&self, off: usize, data: &[u8]) {
        for (page, at, range) in page_pieces(off, data.len()) {
            writable(self.pages()[page].write_bytes(at, &data[range]));
        }
    }
}
