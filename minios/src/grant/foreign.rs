//! Several of another domain's grants mapped in order: the memory of a multi-page ring the
//! peer shares with us (vchan's rings of order 12 and more).

use alloc::vec::Vec;

use super::{map_foreign, ForeignPage, GrantError};
use crate::abi::grant_table::GrantRef;
use crate::abi::xen::DomId;

/// Another domain's granted pages, mapped into our address space in the order of their
/// refs. Dropping it unmaps them.
pub struct ForeignPages {
    pages: Vec<ForeignPage>,
    readonly: bool,
}

impl ForeignPages {
    /// Maps each of `domid`'s `grefs`, read-only or read-write. If one does not map, those
    /// mapped already are unmapped and its error is returned.
    pub fn map(domid: DomId, grefs: &[GrantRef], readonly: bool) -> Result<Self, GrantError> {
        let pages = grefs
            .iter()
            .map(|&gref| map_foreign(domid, gref, readonly))
            .collect::<Result<_, _>>()?;
        Ok(Self { pages, readonly })
    }

    /// The mappings, in order.
    pub fn pages(&self) -> &[ForeignPage] {
        &self.pages
    }

    /// Whether the pages are mapped read-only.
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    /// Unmaps every page; returns the first error (the slots of those that failed are
    /// leaked rather than reused).
    pub fn unmap(self) -> Result<(), GrantError> {
        let mut first = Ok(());
        for page in self.pages {
            if let Err(e) = page.unmap() {
                first = first.and(Err(e));
            }
        }
        first
    }
}
