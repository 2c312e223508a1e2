//! Errors of grant-table operations, including Xen's `GNTST_*` status codes.

use crate::abi::grant_table as gt;

/// A `GNTST_*` failure status Xen reported for one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GntStatus {
    /// `GNTST_general_error`.
    GeneralError,
    /// `GNTST_bad_domain`: no such domain.
    BadDomain,
    /// `GNTST_bad_gntref`: the ref is out of the granter's table or not granted to us.
    BadGntref,
    /// `GNTST_bad_handle`: not a handle of a current mapping.
    BadHandle,
    /// `GNTST_bad_virt_addr`: the address cannot take the mapping.
    BadVirtAddr,
    /// `GNTST_bad_dev_addr`.
    BadDevAddr,
    /// `GNTST_no_device_space`.
    NoDeviceSpace,
    /// `GNTST_permission_denied`: e.g. a write mapping of a read-only grant.
    PermissionDenied,
    /// `GNTST_bad_page`.
    BadPage,
    /// `GNTST_bad_copy_arg`: a copy crosses a page boundary.
    BadCopyArg,
    /// `GNTST_address_too_big`.
    AddressTooBig,
    /// `GNTST_eagain`: try again later.
    Eagain,
    /// `GNTST_no_space`.
    NoSpace,
    /// A negative status this table does not know.
    Unknown(i16),
}

impl GntStatus {
    /// `Ok` for `GNTST_okay`, else the failure.
    pub fn check(status: i16) -> Result<(), GntStatus> {
        Err(match status {
            gt::GNTST_OKAY => return Ok(()),
            gt::GNTST_GENERAL_ERROR => Self::GeneralError,
            gt::GNTST_BAD_DOMAIN => Self::BadDomain,
            gt::GNTST_BAD_GNTREF => Self::BadGntref,
            gt::GNTST_BAD_HANDLE => Self::BadHandle,
            gt::GNTST_BAD_VIRT_ADDR => Self::BadVirtAddr,
            gt::GNTST_BAD_DEV_ADDR => Self::BadDevAddr,
            gt::GNTST_NO_DEVICE_SPACE => Self::NoDeviceSpace,
            gt::GNTST_PERMISSION_DENIED => Self::PermissionDenied,
            gt::GNTST_BAD_PAGE => Self::BadPage,
            gt::GNTST_BAD_COPY_ARG => Self::BadCopyArg,
            gt::GNTST_ADDRESS_TOO_BIG => Self::AddressTooBig,
            gt::GNTST_EAGAIN => Self::Eagain,
            gt::GNTST_NO_SPACE => Self::NoSpace,
            other => Self::Unknown(other),
        })
    }
}

/// What a grant-table operation can fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantError {
    /// The peer has the frame mapped or a copy is in progress: access was not ended and the
    /// ref stays reserved.
    InUse,
    /// Every grant ref of our table is in use.
    NoFreeRefs,
    /// The frame pool has no frame left (for a granted page or a mapping slot).
    NoFrames,
    /// The machine frame does not fit in a v1 entry's 32-bit frame field.
    FrameTooHigh,
    /// A copy's remote side would cross a page boundary.
    CrossesPage,
    /// Writing through a read-only mapping.
    ReadOnly,
    /// The grant table has not been set up (or setup failed).
    NotSetUp,
    /// Xen refused the operation with this status.
    Status(GntStatus),
    /// The hypercall itself failed with this negative errno.
    Hypercall(i32),
}

impl From<GntStatus> for GrantError {
    fn from(s: GntStatus) -> Self {
        Self::Status(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gntst_code_maps_to_its_own_variant() {
        assert_eq!(GntStatus::check(0), Ok(()));
        let mut seen = Vec::new();
        for code in -13..=-1 {
            let e = GntStatus::check(code).unwrap_err();
            assert!(
                !matches!(e, GntStatus::Unknown(_)),
                "{code} is a known status"
            );
            assert!(!seen.contains(&e), "{code} maps to a distinct variant");
            seen.push(e);
        }
        assert_eq!(GntStatus::check(-14), Err(GntStatus::Unknown(-14)));
        assert_eq!(GntStatus::check(gt::GNTST_EAGAIN), Err(GntStatus::Eagain));
    }
}
