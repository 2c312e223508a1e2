//! The guest's shared memory as ring memory: the boot rings' pages and frame-pool pages.

use super::mem::{page_pieces, PAGE};
use super::SharedMem;
use crate::grant::GrantedPages;
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
