//! A fake grant table for the frontends' host tests (blkfront's and netfront's): pages by
//! grant ref, and the refs the fake backend keeps mapped (which cannot be ended).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::abi::grant_table::GrantRef;
use crate::blkfront::bufpool::{BufPage, Granter};
use crate::grant::GrantError;

/// One granted page of the fake table.
pub struct Entry {
    pub data: Vec<u8>,
    pub writable: bool,
}

/// The fake grant table: granted pages by ref, and the refs the backend keeps mapped.
#[derive(Default)]
pub struct Table {
    pub pages: BTreeMap<GrantRef, Entry>,
    pub mapped: BTreeSet<GrantRef>,
    pub next: GrantRef,
    pub grants_made: u64,
}

pub type Grants = Arc<Mutex<Table>>;

/// A page of the fake table, as the frontend holds it.
pub struct Page {
    gref: GrantRef,
    table: Grants,
}

impl BufPage for Page {
    fn gref(&self) -> GrantRef {
        self.gref
    }
    fn read(&self, off: usize, out: &mut [u8]) {
        let t = self.table.lock().unwrap();
        out.copy_from_slice(&t.pages[&self.gref].data[off..off + out.len()]);
    }
    fn write(&self, off: usize, data: &[u8]) {
        let mut t = self.table.lock().unwrap();
        t.pages.get_mut(&self.gref).unwrap().data[off..off + data.len()].copy_from_slice(data);
    }
}

/// Grants pages in the fake table; refuses to end one the backend keeps mapped.
pub struct FakeGranter(pub Grants);

impl Granter for FakeGranter {
    type Page = Page;
    fn grant(&mut self, writable: bool) -> Result<Page, GrantError> {
        let mut t = self.0.lock().unwrap();
        t.next += 1;
        t.grants_made += 1;
        let gref = t.next;
        t.pages.insert(
            gref,
            Entry {
                data: vec![0; 4096],
                writable,
            },
        );
        Ok(Page {
            gref,
            table: self.0.clone(),
        })
    }
    fn end(&mut self, page: Page) -> Result<(), Page> {
        let mut t = self.0.lock().unwrap();
        if t.mapped.contains(&page.gref) {
            return Err(page);
        }
        t.pages.remove(&page.gref);
        Ok(())
    }
}
