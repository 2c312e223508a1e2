//! Grant copy (GNTTABOP_copy) between another domain's grant and our own memory.

use super::status::{GntStatus, GrantError};
use super::table::grant_table_op;
use crate::abi::grant_table::{
    GnttabCopy, GnttabCopyPtr, GrantRef, GNTCOPY_DEST_GREF, GNTCOPY_SOURCE_GREF, GNTTABOP_COPY,
};
use crate::abi::xen::{DomId, DOMID_SELF};
use crate::sys::mm::pfn_to_mfn;
use crate::sys::PAGE_SIZE;

/// The machine frame and offset of local address `va`.
fn local_ptr(va: usize) -> GnttabCopyPtr {
    GnttabCopyPtr {
        u: pfn_to_mfn(va / PAGE_SIZE),
        domid: DOMID_SELF,
        offset: (va % PAGE_SIZE) as u16,
        _pad0: 0,
    }
}

/// Runs one copy between grant (`domid`, `gref`, `offset`) and the local range `[va, va +
/// len)`, split at our page boundaries.
///
/// # Safety
/// The local range must be memory of the 1:1 mapping that Xen may read (to_grant) or that no
/// one else accesses during the call (from grant).
unsafe fn copy(
    domid: DomId,
    gref: GrantRef,
    offset: u16,
    va: usize,
    len: usize,
    to_grant: bool,
) -> Result<(), GrantError> {
    if offset as usize + len > PAGE_SIZE {
        return Err(GrantError::CrossesPage);
    }
    let mut ops = [GnttabCopy::default(); 2];
    let mut n = 0;
    let mut done = 0;
    while done < len {
        let here = va + done;
        let chunk = (len - done).min(PAGE_SIZE - here % PAGE_SIZE);
        let remote = GnttabCopyPtr {
            u: gref as u64,
            domid,
            offset: offset + done as u16,
            _pad0: 0,
        };
        let (source, dest, flags) = if to_grant {
            (local_ptr(here), remote, GNTCOPY_DEST_GREF)
        } else {
            (remote, local_ptr(here), GNTCOPY_SOURCE_GREF)
        };
        ops[n] = GnttabCopy {
            source,
            dest,
            len: chunk as u16,
            flags,
            ..Default::default()
        };
        n += 1;
        done += chunk;
    }
    // SAFETY: copy structs naming frames the caller vouches for.
    unsafe { grant_table_op(GNTTABOP_COPY, &mut ops[..n])? };
    ops[..n]
        .iter()
        .try_for_each(|op| GntStatus::check(op.status))
        .map_err(GrantError::from)
}

/// Copies from `domid`'s grant `gref`, starting at `offset`, into `dst` (GNTTABOP_copy).
pub fn copy_from_grant(
    domid: DomId,
    gref: GrantRef,
    offset: u16,
    dst: &mut [u8],
) -> Result<(), GrantError> {
    // SAFETY: `dst` is exclusively borrowed for the call, so Xen writing it races nothing;
    // Rust memory (heap, stack, statics) lives in the 1:1 mapping.
    unsafe {
        copy(
            domid,
            gref,
            offset,
            dst.as_mut_ptr() as usize,
            dst.len(),
            false,
        )
    }
}

/// Copies `src` into `domid`'s grant `gref` at `offset` (GNTTABOP_copy).
pub fn copy_to_grant(
    src: &[u8],
    domid: DomId,
    gref: GrantRef,
    offset: u16,
) -> Result<(), GrantError> {
    // SAFETY: Xen only reads `src`, which is borrowed for the call and in the 1:1 mapping.
    unsafe { copy(domid, gref, offset, src.as_ptr() as usize, src.len(), true) }
}
