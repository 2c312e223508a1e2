//! Errors of grant-table operations, including Xen's `GNTST_*` status codes.

use core::fmt;

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

impl fmt::Display for GntStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::GeneralError => "general error (GNTST_general_error)",
            Self::BadDomain => "no such domain (GNTST_bad_domain)",
            Self::BadGntref => "the ref is not granted to us (GNTST_bad_gntref)",
            Self::BadHandle => "no mapping with that handle (GNTST_bad_handle)",
            Self::BadVirtAddr => "the address cannot take the mapping (GNTST_bad_virt_addr)",
            Self::BadDevAddr => "bad device address (GNTST_bad_dev_addr)",
            Self::NoDeviceSpace => "no space in the device's address space (GNTST_no_device_space)",
            Self::PermissionDenied => "permission denied (GNTST_permission_denied)",
            Self::BadPage => "bad page (GNTST_bad_page)",
            Self::BadCopyArg => "the copy crosses a page boundary (GNTST_bad_copy_arg)",
            Self::AddressTooBig => "the address is too big (GNTST_address_too_big)",
            Self::Eagain => "try again later (GNTST_eagain)",
            Self::NoSpace => "out of space (GNTST_no_space)",
            Self::Unknown(code) => return write!(f, "unknown grant status {code}"),
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

impl fmt::Display for GrantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InUse => f.write_str("the peer still maps or copies the page; try again later"),
            Self::NoFreeRefs => f.write_str("every grant reference of our table is in use"),
            Self::NoFrames => f.write_str("the frame pool has no free frame"),
            Self::FrameTooHigh => f.write_str("the machine frame does not fit a v1 grant entry"),
            Self::CrossesPage => f.write_str("the copy would cross the granted page's end"),
            Self::ReadOnly => f.write_str("the mapping is read-only"),
            Self::NotSetUp => f.write_str("the grant table could not be set up"),
            Self::Status(s) => write!(f, "Xen refused: {s}"),
            Self::Hypercall(e) => write!(f, "the grant-table hypercall failed with errno {e}"),
        }
    }
}

impl From<GntStatus> for GrantError {
    fn from(s: GntStatus) -> Self {
        Self::Status(s)
    }
}

#[cfg(target_os = "none")]
impl From<crate::sys::mm::pool::OutOfFrames> for GrantError {
    fn from(_: crate::sys::mm::pool::OutOfFrames) -> Self {
        Self::NoFrames
    }
}

impl From<crate::sys::error::XenError> for GrantError {
    fn from(e: crate::sys::error::XenError) -> Self {
        Self::Hypercall(e.0)
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

    #[test]
    fn display_says_what_went_wrong() {
        assert_eq!(
            GrantError::Status(GntStatus::BadGntref).to_string(),
            "Xen refused: the ref is not granted to us (GNTST_bad_gntref)"
        );
        assert_eq!(
            GrantError::InUse.to_string(),
            "the peer still maps or copies the page; try again later"
        );
        assert_eq!(
            GntStatus::Unknown(-99).to_string(),
            "unknown grant status -99"
        );
    }
}
