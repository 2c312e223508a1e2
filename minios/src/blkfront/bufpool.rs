//! Buffer pages granted to the backend.
//!
//! Only frame-pool pages may be granted, so data always travels through pages of ours and
//! is copied to and from the caller's buffers. With persistent grants (both sides offered
//! `feature-persistent`) the pool keeps its pages granted and reuses them, last freed first
//! (the LIFO `io/blkif.h` recommends, so a backend that keeps only its most recent mappings
//! still finds them); every page is granted writable, as the backend may map it once for
//! all uses. Without, each request grants its pages (read-only for writes) and ends the
//! grants when it completes.
//!
//! Pages the backend may still hold (the request failed or timed out, or ending the grant
//! was refused) are set aside and ended only when the device has closed.

use alloc::vec::Vec;

use crate::abi::grant_table::GrantRef;
use crate::grant::GrantError;

/// A page of ours granted to the backend.
pub trait BufPage {
    /// The grant reference the backend maps.
    fn gref(&self) -> GrantRef;
    /// Copies `out.len()` bytes from offset `off`.
    fn read(&self, off: usize, out: &mut [u8]);
    /// Copies `data` to offset `off`.
    fn write(&self, off: usize, data: &[u8]);
}

/// Grants pages to the backend and ends the grants.
pub trait Granter {
    /// A granted page.
    type Page: BufPage;
    /// A page granted to the backend, writable by it if `writable`.
    fn grant(&mut self, writable: bool) -> Result<Self::Page, GrantError>;
    /// Ends the page's grant; the page is handed back if the backend still maps it.
    fn end(&mut self, page: Self::Page) -> Result<(), Self::Page>;
}

/// Counters of a pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Grants made.
    pub granted: u64,
    /// Pages handed out again without a new grant (persistent grants).
    pub reused: u64,
    /// Grants ended.
    pub ended: u64,
    /// Pages handed out now.
    pub out: usize,
    /// Pages set aside until the device closes.
    pub set_aside: usize,
}

/// The buffer pages of one queue.
pub struct BufPool<G: Granter> {
    granter: G,
    persistent: bool,
    free: Vec<G::Page>,
    aside: Vec<G::Page>,
    out: usize,
    limit: usize,
    stats: PoolStats,
}

impl<G: Granter> BufPool<G> {
    /// A pool that has at most `limit` pages granted (handed out or, with `persistent`, kept
    /// for reuse) at once.
    pub fn new(granter: G, persistent: bool, limit: usize) -> Self {
        Self {
            granter,
            persistent,
            free: Vec::new(),
            aside: Vec::new(),
            out: 0,
            limit,
            stats: PoolStats::default(),
        }
    }

    /// Sets whether pages are kept granted for reuse (decided once the backend connected);
    /// turning it off ends the grants kept so far.
    pub fn set_persistent(&mut self, on: bool) {
        self.persistent = on;
        if !on {
            let kept: Vec<_> = self.free.drain(..).collect();
            for p in kept {
                self.end(p);
            }
        }
    }

    /// The most pages handed out at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Counters.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            out: self.out,
            set_aside: self.aside.len(),
            ..self.stats
        }
    }

    /// Pages that could be handed out now.
    pub fn available(&self) -> usize {
        self.limit.saturating_sub(self.out + self.aside.len())
    }

    /// `n` pages (writable by the backend if `writable`), or `None` if the pool has not
    /// that many to spare now (wait for pages to come back).
    pub fn take(&mut self, n: usize, writable: bool) -> Result<Option<Vec<G::Page>>, GrantError> {
        if n > self.available() {
            return Ok(None);
        }
        let mut pages = Vec::with_capacity(n);
        for _ in 0..n {
            match self.take_one(writable) {
                Ok(Some(p)) => pages.push(p),
                Ok(None) => break,
                Err(e) => {
                    self.give(pages);
                    return Err(e);
                }
            }
        }
        Ok(Some(pages))
    }

    /// One page, as [`BufPool::take`] hands them out (without allocating a `Vec`).
    pub fn take_one(&mut self, writable: bool) -> Result<Option<G::Page>, GrantError> {
        if self.available() == 0 {
            return Ok(None);
        }
        let page = match self.free.pop() {
            Some(p) => {
                self.stats.reused += 1;
                p
            }
            None => {
                let p = self.granter.grant(self.persistent || writable)?;
                self.stats.granted += 1;
                p
            }
        };
        self.out += 1;
        Ok(Some(page))
    }

    /// Takes back pages the backend is done with.
    pub fn give(&mut self, pages: impl IntoIterator<Item = G::Page>) {
        for p in pages {
            self.out = self.out.saturating_sub(1);
            if self.persistent {
                self.free.push(p);
            } else {
                self.end(p);
            }
        }
    }

    /// Takes back pages the backend may still use: they are ended only by [`BufPool::close`].
    pub fn set_aside(&mut self, pages: Vec<G::Page>) {
        self.out -= pages.len().min(self.out);
        self.aside.extend(pages);
    }

    fn end(&mut self, page: G::Page) {
        match self.granter.end(page) {
            Ok(()) => self.stats.ended += 1,
            Err(p) => self.aside.push(p),
        }
    }

    /// Ends every grant the pool holds (the backend has closed); returns how many the
    /// backend still held (those are kept, never reused).
    pub fn close(&mut self) -> usize {
        let pages: Vec<_> = self.free.drain(..).chain(self.aside.drain(..)).collect();
        for p in pages {
            self.end(p);
        }
        self.persistent = false;
        self.limit = 0;
        self.aside.len()
    }
}
