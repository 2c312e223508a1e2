//! Mapping another domain's grant into our address space (GNTTABOP_map_grant_ref).

use super::{grant_table_op, restore_own_mapping};
use crate::abi::grant_table::{
    GnttabMapGrantRef, GnttabUnmapGrantRef, GrantHandle, GrantRef, GNTMAP_HOST_MAP,
    GNTMAP_READONLY, GNTTABOP_MAP_GRANT_REF, GNTTABOP_UNMAP_GRANT_REF,
};
use crate::abi::xen::DomId;
use crate::grant::{GntStatus, GrantError};
use crate::sys::mm::pfn_to_va;
use crate::sys::shared::SharedPage;
use crate::sys::xen::update_va_mapping;

/// Another domain's granted page, mapped into our address space.
pub struct ForeignPage {
    pfn: usize,
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
    let pfn = crate::mm::alloc_frames(1).ok_or(GrantError::NoFrames)?;
    let va = pfn_to_va(pfn);
    let mut op = [GnttabMapGrantRef {
        host_addr: va as u64,
        flags: GNTMAP_HOST_MAP | if readonly { GNTMAP_READONLY } else { 0 },
        r#ref: gref,
        dom: domid,
        ..Default::default()
    }];
    // Empty the PTE first (flushing the TLB entry of our own frame), then let Xen map the
    // foreign frame there.
    // SAFETY: the pool frame is ours alone and nothing references it.
    let mapped = unsafe { update_va_mapping(va, 0) }
        .map_err(|e| GrantError::Hypercall(e.0))
        // SAFETY: a map_grant_ref struct whose host_addr is our (now empty) address.
        .and_then(|()| unsafe { grant_table_op(GNTTABOP_MAP_GRANT_REF, &mut op) })
        .and_then(|()| GntStatus::check(op[0].status).map_err(GrantError::from));
    if let Err(e) = mapped {
        if restore_own_mapping(pfn).is_ok() {
            crate::mm::free_frames(pfn, 1);
        }
        return Err(e);
    }
    Ok(ForeignPage {
        pfn,
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
        if self.readonly {
            return Err(GrantError::ReadOnly);
        }
        self.page.write_bytes(off, data);
        Ok(())
    }

    /// Loads the u32 at `off` (acquire).
    pub fn load_u32(&self, off: usize) -> u32 {
        self.page.load_u32(off)
    }

    /// Stores `value` at `off` (release).
    pub fn store_u32(&self, off: usize, value: u32) -> Result<(), GrantError> {
        if self.readonly {
            return Err(GrantError::ReadOnly);
        }
        self.page.store_u32(off, value);
        Ok(())
    }

    /// Unmaps the page (GNTTABOP_unmap_grant_ref). If Xen refuses, the address slot is
    /// leaked rather than reused.
    pub fn unmap(self) -> Result<(), GrantError> {
        let this = core::mem::ManuallyDrop::new(self);
        this.unmap_inner()
    }

    fn unmap_inner(&self) -> Result<(), GrantError> {
        let mut op = [GnttabUnmapGrantRef {
            host_addr: self.page.addr() as u64,
            handle: self.handle,
            ..Default::default()
        }];
        // SAFETY: an unmap struct for a mapping we made; nothing references its address
        // once this ForeignPage is gone (unmap consumes it, or we are in its drop).
        unsafe { grant_table_op(GNTTABOP_UNMAP_GRANT_REF, &mut op)? };
        GntStatus::check(op[0].status)?;
        restore_own_mapping(self.pfn)?;
        crate::mm::free_frames(self.pfn, 1);
        Ok(())
    }
}

impl Drop for ForeignPage {
    fn drop(&mut self) {
        if let Err(e) = self.unmap_inner() {
            log::warn!("grant: unmapping a foreign page failed ({e:?}); slot leaked");
        }
    }
}
