//! The guest's shared memory as ring memory: the boot rings' pages and frame-pool pages.

use super::SharedMem;
use crate::sys::mm::PoolPage;
use crate::sys::shared::SharedPage;

impl SharedMem for SharedPage {
    fn len(&self) -> usize {
        4096
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
        4096
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
