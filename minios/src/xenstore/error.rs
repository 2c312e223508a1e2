//! Errors of the xenstore client.

use crate::abi::xs_wire::XSD_ERRORS;

/// The errors xenstored reports by name in an `XS_ERROR` reply (`xsd_errors[]`).
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errno {
    /// Invalid argument (also xenstored's answer to a malformed request).
    EINVAL,
    /// Permission denied.
    EACCES,
    /// The node exists.
    EEXIST,
    /// Is a directory.
    EISDIR,
    /// No such node.
    ENOENT,
    /// Out of memory.
    ENOMEM,
    /// Out of space (a quota).
    ENOSPC,
    /// I/O error.
    EIO,
    /// The node has children.
    ENOTEMPTY,
    /// Not implemented.
    ENOSYS,
    /// Read-only.
    EROFS,
    /// Busy.
    EBUSY,
    /// Try again: a transaction conflicted with another change.
    EAGAIN,
    /// Already connected.
    EISCONN,
    /// Too big (a payload or a quota).
    E2BIG,
    /// Not permitted.
    EPERM,
    /// A name not in the table above.
    Unknown,
}

const ALL: [Errno; 16] = [
    Errno::EINVAL,
    Errno::EACCES,
    Errno::EEXIST,
    Errno::EISDIR,
    Errno::ENOENT,
    Errno::ENOMEM,
    Errno::ENOSPC,
    Errno::EIO,
    Errno::ENOTEMPTY,
    Errno::ENOSYS,
    Errno::EROFS,
    Errno::EBUSY,
    Errno::EAGAIN,
    Errno::EISCONN,
    Errno::E2BIG,
    Errno::EPERM,
];

impl Errno {
    /// The errno a name (without its NUL) stands for.
    pub fn from_name(name: &[u8]) -> Self {
        ALL.into_iter()
            .zip(XSD_ERRORS)
            .find(|(_, (_, n))| n.as_bytes() == name)
            .map_or(Self::Unknown, |(e, _)| e)
    }

    /// The name xenstored uses (`"ENOENT"`); `"unknown"` for [`Errno::Unknown`].
    pub fn name(self) -> &'static str {
        ALL.into_iter()
            .zip(XSD_ERRORS)
            .find(|(e, _)| *e == self)
            .map_or("unknown", |(_, (_, n))| n)
    }

    /// The errno number (Linux and Xen values); 0 for [`Errno::Unknown`].
    pub fn number(self) -> i32 {
        ALL.into_iter()
            .zip(XSD_ERRORS)
            .find(|(e, _)| *e == self)
            .map_or(0, |(_, (n, _))| n)
    }
}

/// What is wrong with bytes xenstored sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    /// Fewer bytes than a header, or than the header's length says.
    Truncated,
    /// A payload longer than `XENSTORE_PAYLOAD_MAX` (the message is skipped).
    PayloadTooLong(u32),
    /// A reply of another type than the request (and not `XS_ERROR`).
    UnexpectedType(u32),
    /// A field the message must have is missing.
    MissingField,
    /// Text that is not UTF-8.
    NotUtf8,
    /// Not a decimal number (or out of range).
    BadNumber,
    /// Not a permission (`n`, `r`, `w` or `b` and a domid).
    BadPerm,
}

/// What a xenstore operation can fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XsError {
    /// xenstored refused the request (or we refused to send it: a path with a NUL is
    /// `EINVAL`, a payload over the limit is `E2BIG`).
    Errno(Errno),
    /// xenstored's reply was malformed.
    Wire(WireError),
    /// The connection is unusable (the client has no ring, or was shut down).
    Disconnected,
}

impl XsError {
    /// The Linux errno number for the error, as a C caller or a WebAssembly module sees it
    /// (negated): xenstored's own, else `EIO` (a malformed reply, a lost connection, or an
    /// errno name we do not know).
    pub fn errno(self) -> i32 {
        match self {
            Self::Errno(e) if e.number() > 0 => e.number(),
            _ => Errno::EIO.number(),
        }
    }
}

impl From<WireError> for XsError {
    fn from(e: WireError) -> Self {
        Self::Wire(e)
    }
}

impl From<Errno> for XsError {
    fn from(e: Errno) -> Self {
        Self::Errno(e)
    }
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Truncated => f.write_str("message shorter than its header says"),
            Self::PayloadTooLong(n) => write!(f, "payload of {n} bytes exceeds 4096"),
            Self::UnexpectedType(t) => write!(f, "reply of type {t} does not match the request"),
            Self::MissingField => f.write_str("a required field is missing"),
            Self::NotUtf8 => f.write_str("text is not UTF-8"),
            Self::BadNumber => f.write_str("not a decimal number in range"),
            Self::BadPerm => f.write_str("not a permission (n, r, w or b and a domid)"),
        }
    }
}

impl core::fmt::Display for XsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Errno(e) => f.write_str(e.name()),
            Self::Wire(e) => write!(f, "malformed reply from xenstored: {e}"),
            Self::Disconnected => f.write_str("xenstore disconnected"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_follow_xs_wire_h() {
        // Every entry of xsd_errors[] maps to its own variant and back.
        for (number, name) in XSD_ERRORS {
            let e = Errno::from_name(name.as_bytes());
            assert_eq!(format!("{e:?}"), name, "variant named after its errno");
            assert_eq!(e.name(), name);
            assert_eq!(e.number(), number);
        }
        assert_eq!(Errno::from_name(b"ENOENT").number(), 2);
        assert_eq!(Errno::from_name(b"EAGAIN"), Errno::EAGAIN);
        assert_eq!(Errno::from_name(b"EWHATEVER"), Errno::Unknown);
        assert_eq!(Errno::from_name(b""), Errno::Unknown);
    }

    #[test]
    fn errno_numbers_fall_back_to_eio() {
        assert_eq!(XsError::Errno(Errno::ENOENT).errno(), 2);
        assert_eq!(XsError::Errno(Errno::EACCES).errno(), 13);
        assert_eq!(XsError::Errno(Errno::Unknown).errno(), 5);
        assert_eq!(XsError::Wire(WireError::Truncated).errno(), 5);
        assert_eq!(XsError::Disconnected.errno(), 5);
    }
}
