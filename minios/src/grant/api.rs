//! Our grant table on Xen: set up on first use, one global table.

use super::flags::revoke;
use super::refs::RefAllocator;
use super::GrantError;
use crate::abi::grant_table::GrantRef;
use crate::abi::xen::DomId;
use crate::sys::grant::{table, Table};
use crate::sys::mm::PoolPage;
use alloc::vec::Vec;

struct Grants {
    table: &'static Table,
    refs: spin::Mutex<RefAllocator>,
}

static GRANTS: spin::Once<Result<Grants, GrantError>> = spin::Once::new();

fn grants() -> Result<&'static Grants, GrantError> {
    let g = GRANTS.call_once(|| {
        table().map(|table| Grants {
            refs: spin::Mutex::new(RefAllocator::new(table.nr_entries())),
            table,
        })
    });
    match g {
        Ok(g) => Ok(g),
        Err(e) => {
            log::error!("grant table setup failed: {e}");
            Err(GrantError::NotSetUp)
        }
    }
}

/// Number of entries in our grant table (sets it up if needed).
pub fn nr_entries() -> Result<u32, GrantError> {
    Ok(grants()?.table.nr_entries())
}

/// Grant references in use now: granted and not ended, including those leaked because a
/// peer still held them when they were dropped. A driver that ended every grant it made
/// leaves this where it found it.
pub fn refs_in_use() -> Result<usize, GrantError> {
    Ok(grants()?.refs.lock().in_use_count())
}

/// Access to one of our frames granted to another domain. Dropping it ends the access, or,
/// if the peer still uses the frame, leaks the ref (never reused) with a warning.
#[derive(Debug)]
pub struct Grant {
    gref: GrantRef,
    domid: DomId,
}

impl Grant {
    /// Grants `domid` access to `page`, read-only or read-write. The caller keeps the page
    /// alive until the grant has ended (see [`GrantedPage`], which pairs them).
    ///
    /// Only frame-pool pages can be granted: minios touches them only through volatile or
    /// atomic accesses, so a peer writing them cannot break what Rust assumes about memory.
    /// (Even a page freed while still granted is only ever reused as another pool page.)
    pub fn new(domid: DomId, page: &PoolPage, readonly: bool) -> Result<Self, GrantError> {
        let g = grants()?;
        let gref = g.refs.lock().alloc().ok_or(GrantError::NoFreeRefs)?;
        if let Err(e) = g.table.grant(gref, domid, page, readonly) {
            // Nothing was published: the ref is free again.
            let _ = g.refs.lock().free(gref);
            return Err(e);
        }
        Ok(Self { gref, domid })
    }

    /// The grant reference to give the peer.
    pub fn gref(&self) -> GrantRef {
        self.gref
    }

    /// The domain granted access.
    pub fn domid(&self) -> DomId {
        self.domid
    }

    /// Ends the access. If the peer still has the frame mapped (or a copy is running) the
    /// grant is unchanged and handed back with [`GrantError::InUse`]: try again later.
    pub fn end(self) -> Result<(), (Self, GrantError)> {
        match self.try_end() {
            Ok(()) => {
                core::mem::forget(self);
                Ok(())
            }
            Err(e) => Err((self, e)),
        }
    }

    fn try_end(&self) -> Result<(), GrantError> {
        let g = grants()?;
        revoke(&g.table.flags(self.gref))?;
        if g.refs.lock().free(self.gref).is_err() {
            // Only a Grant frees its ref, once: this cannot happen.
            log::error!("grant ref {} was not allocated", self.gref);
        }
        Ok(())
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        if let Err(e) = self.try_end() {
            log::warn!(
                "grant ref {} to domain {} still in use ({e}); leaking it",
                self.gref,
                self.domid
            );
        }
    }
}

/// A zeroed page of ours granted to another domain (a shared ring, a buffer). Dropping it
/// ends the grant and frees the frame, or leaks both if the peer still maps it.
pub struct GrantedPage {
    page: Option<PoolPage>,
    grant: Option<Grant>,
}

impl GrantedPage {
    /// Allocates a page and grants it to `domid`.
    pub fn new(domid: DomId, readonly: bool) -> Result<Self, GrantError> {
        let page = PoolPage::alloc()?;
        let grant = Grant::new(domid, &page, readonly)?;
        Ok(Self {
            page: Some(page),
            grant: Some(grant),
        })
    }

    /// The grant reference to give the peer.
    pub fn gref(&self) -> GrantRef {
        self.grant.as_ref().map_or(0, Grant::gref)
    }

    /// The page itself.
    pub fn page(&self) -> &PoolPage {
        self.page
            .as_ref()
            .expect("a GrantedPage holds its page until dropped")
    }

    /// Ends the grant and frees the page; on [`GrantError::InUse`] it is handed back.
    pub fn end(mut self) -> Result<(), (Self, GrantError)> {
        let Some(grant) = self.grant.take() else {
            return Ok(());
        };
        match grant.end() {
            Ok(()) => Ok(()),
            Err((grant, e)) => {
                self.grant = Some(grant);
                Err((self, e))
            }
        }
    }
}

impl Drop for GrantedPage {
    fn drop(&mut self) {
        if let Some(grant) = self.grant.take() {
            if let Err((grant, e)) = grant.end() {
                log::warn!(
                    "granted page (ref {}) still in use ({e}); leaking it",
                    grant.gref()
                );
                core::mem::forget(grant);
                core::mem::forget(self.page.take());
            }
        }
    }
}

/// Zeroed pages of ours granted to one domain, in order: the memory of a multi-page shared
/// ring (`ring-ref0`, `ring-ref1`, ...). Dropping it ends every grant and frees the pages,
/// or leaks those the peer still maps.
pub struct GrantedPages {
    pages: Vec<GrantedPage>,
}

impl GrantedPages {
    /// Allocates `count` pages and grants each to `domid`.
    pub fn new(domid: DomId, count: usize, readonly: bool) -> Result<Self, GrantError> {
        let pages = (0..count)
            .map(|_| GrantedPage::new(domid, readonly))
            .collect::<Result<_, _>>()?;
        Ok(Self { pages })
    }

    /// The grant references, in page order.
    pub fn grefs(&self) -> impl Iterator<Item = GrantRef> + '_ {
        self.pages.iter().map(GrantedPage::gref)
    }

    /// The pages, in order.
    pub fn pages(&self) -> &[GrantedPage] {
        &self.pages
    }

    /// Ends every grant and frees the pages; those still in use are handed back (in order)
    /// with the first error.
    pub fn end(self) -> Result<(), (Self, GrantError)> {
        let mut left = Vec::new();
        let mut first = None;
        for page in self.pages {
            if let Err((page, e)) = page.end() {
                first.get_or_insert(e);
                left.push(page);
            }
        }
        match first {
            None => Ok(()),
            Some(e) => Err((Self { pages: left }, e)),
        }
    }
}
