//! Mapping another domain's grant into our address space (GNTTABOP_map_grant_ref).

use super::status::{GntStatus, GrantError};
use super::table::{grant_table_op, restore_own_mapping};
use crate::abi::grant_table::{
    GnttabMapGrantRef, GnttabUnmapGrantRef, GrantHandle, GrantRef, GNTMAP_HOST_MAP,
    GNTMAP_READONLY, GNTTABOP_MAP_GRANT_REF, GNTTABOP_UNMAP_GRANT_REF,
};
use crate::abi::xen::DomId;
use crate::sys::mm::{pfn_to_va, Frames};
use crate::sys::shared::SharedPage;
use crate::sys::xen::update_va_mapping;

/// Another domain's granted page, mapped into our address space.
pub struct ForeignPage {
    /// The pool frame whose address holds the mapping; `None` once unmapped.
    slot: Option<Frames>,
    handle: GrantHandle,
    readonly: bool,
    /// The mapping; never handed out, so it cannot outlive the unmap.
    page: SharedPage,
}

/// Maps `domid`'s grant `gref` (GNTTABOP_map_grant_ref with GNTMAP_host_map).
pub fn map_foreign(
    domid: DomId,
    gref: GrantRef,
    readonly: bool,
) -> Result<ForeignPage, GrantError> {
    let slot = Frames::alloc(1)?;
    let va = pfn_to_va(slot.pfn());
    let mut op = [GnttabMapGrantRef {
        host_addr: va as u64,
        flags: GNTMAP_HOST_MAP | if readonly { GNTMAP_READONLY } else { 0 },
        r#ref: gref,
        dom: domid,
        ..Default::default()
    }];
    // Empty the PTE first (flushing the TLB entry of our own frame), then let Xen map the
    // foreign frame there.
    // SAFETY: the pool frame is ours alone (held in `slot`) and nothing references it.
    let mapped = unsafe { update_va_mapping(va, 0) }
        .map_err(GrantError::from)
        // SAFETY: a map_grant_ref struct whose host_addr is our (now empty) address.
        .and_then(|()| unsafe { grant_table_op(GNTTABOP_MAP_GRANT_REF, &mut op) })
        .and_then(|()| GntStatus::check(op[0].status).map_err(GrantError::from));
    if let Err(e) = mapped {
        // SAFETY: our slot; nothing references its address.
        if unsafe { restore_own_mapping(slot.pfn()) }.is_err() {
            slot.leak();
        }
        return Err(e);
    }
    Ok(ForeignPage {
        slot: Some(slot),
        handle: op[0].handle,
        readonly,
        // SAFETY: `va` maps the foreign frame until `unmap`, which consumes this struct; the
        // SharedPage stays inside it, and writes are refused on read-only mappings.
        page: unsafe { SharedPage::new(va) },
    })
}

impl ForeignPage {
    /// Whether the mapping is read-only.
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    /// Copies `out.len()` bytes from offset `off` (panics past the page).
    pub fn read_bytes(&self, off: usize, out: &mut [u8]) {
        self.page.read_bytes(off, out)
    }

    /// Copies `data` to offset `off` (panics past the page).
    pub fn write_bytes(&self, off: usize, data: &[u8]) -> Result<(), GrantError> {
        self.writable()?;
        self.page.write_bytes(off, data);
        Ok(())
    }

    /// Loads the u32 at `off` (acquire).
    pub fn load_u32(&self, off: usize) -> u32 {
        self.page.load_u32(off)
    }

    /// Stores `value` at `off` (release).
    pub fn store_u32(&self, off: usize, value: u32) -> Result<(), GrantError> {
        self.writable()?;
        self.page.store_u32(off, value);
        Ok(())
    }

    /// Loads the byte at `off` (acquire).
    pub fn load_u8(&self, off: usize) -> u8 {
        self.page.load_u8(off)
    }

    /// Stores `value` at `off` (release).
    pub fn store_u8(&self, off: usize, value: u8) -> Result<(), GrantError> {
        self.writable()?;
        self.page.store_u8(off, value);
        Ok(())
    }

    /// ORs `bits` into the byte at `off` (atomic, a full barrier); returns the old value.
    pub fn fetch_or_u8(&self, off: usize, bits: u8) -> Result<u8, GrantError> {
        self.writable()?;
        Ok(self.page.fetch_or_u8(off, bits))
    }

    /// ANDs the byte at `off` with `mask` (atomic, a full barrier); returns the old value.
    pub fn fetch_and_u8(&self, off: usize, mask: u8) -> Result<u8, GrantError> {
        self.writable()?;
        Ok(self.page.fetch_and_u8(off, mask))
    }

    fn writable(&self) -> Result<(), GrantError> {
        if self.readonly {
            Err(GrantError::ReadOnly)
        } else {
            Ok(())
        }
    }

    /// Unmaps the page (GNTTABOP_unmap_grant_ref). If Xen refuses, the address slot is
    /// leaked rather than reused.
    pub fn unmap(mut self) -> Result<(), GrantError> {
        self.unmap_inner()
    }

    /// Unmaps once: the slot goes back to the pool if its own mapping was restored, else it
    /// is leaked. A second call (from drop, after `unmap`) does nothing.
    fn unmap_inner(&mut self) -> Result<(), GrantError> {
        let Some(slot) = self.slot.take() else {
            return Ok(());
        };
        let mut op = [GnttabUnmapGrantRef {
            host_addr: self.page.addr() as u64,
            handle: self.handle,
            ..Default::default()
        }];
        // SAFETY: an unmap struct for a mapping we made. The page is not accessed after this:
        // `unmap` consumes the ForeignPage, or we are in its drop.
        let result = unsafe { grant_table_op(GNTTABOP_UNMAP_GRANT_REF, &mut op) }
            .and_then(|()| GntStatus::check(op[0].status).map_err(GrantError::from))
            // SAFETY: the foreign mapping is gone and nothing references the slot's address.
            .and_then(|()| unsafe { restore_own_mapping(slot.pfn()) });
        match result {
            Ok(()) => drop(slot),
            Err(_) => slot.leak(),
        }
        result
    }
}

impl Drop for ForeignPage {
    fn drop(&mut self) {
        if let Err(e) = self.unmap_inner() {
            log::warn!("grant: unmapping a foreign page failed ({e}); its slot is leaked");
        }
    }
}
