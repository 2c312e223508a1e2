//! Linux errno numbers for minios's errors: what the C API returns, negated (a xenstore
//! error's is `XsError::errno`). The reason in words goes to the log (the console) where
//! the number alone would lose it.

use minios::blkfront::BlkError;
use minios::console::ConsoleError;
use minios::events::EventError;

/// No such object.
pub const ENOENT: i32 = 2;
/// No such domain.
pub const ESRCH: i32 = 3;
/// I/O error: the peer failed or broke its protocol.
pub const EIO: i32 = 5;
/// Not a handle this program holds.
pub const EBADF: i32 = 9;
/// Out of memory.
pub const ENOMEM: i32 = 12;
/// Permission denied.
pub const EPERM: i32 = 1;
/// Already bound.
pub const EEXIST: i32 = 17;
/// No such device.
pub const ENODEV: i32 = 19;
/// Invalid argument (a NULL or non-UTF-8 string, a misaligned length).
pub const EINVAL: i32 = 22;
/// No space (no free event channel port).
pub const ENOSPC: i32 = 28;
/// Read-only disk.
pub const EROFS: i32 = 30;
/// Not supported.
pub const EOPNOTSUPP: i32 = 95;
/// The peer did not answer in time.
pub const ETIMEDOUT: i32 = 110;

/// An event channel error.
pub fn event(e: &EventError) -> i32 {
    match e {
        EventError::NoFreePort => ENOSPC,
        EventError::PermissionDenied => EPERM,
        EventError::NoSuchDomain => ESRCH,
        EventError::AlreadyBound => EEXIST,
        EventError::Other(n) if *n > 0 => *n,
        EventError::PortOutOfRange(_) | EventError::InvalidArgument | EventError::Other(_) => {
            EINVAL
        }
    }
}

/// A block device error.
pub fn blk(e: &BlkError) -> i32 {
    match e {
        BlkError::Gone => ENODEV,
        BlkError::ReadOnly | BlkError::Cdrom => EROFS,
        BlkError::NotSupported(_) => EOPNOTSUPP,
        BlkError::Misaligned { .. } | BlkError::OutOfRange { .. } => EINVAL,
        BlkError::Timeout { .. } => ETIMEDOUT,
        BlkError::Grant(_) => ENOMEM,
        BlkError::Backend
        | BlkError::Protocol(_)
        | BlkError::Xenbus(_)
        | BlkError::Event
        | BlkError::BadNode { .. } => EIO,
    }
}

/// A console error.
pub fn console(e: &ConsoleError) -> i32 {
    match e {
        ConsoleError::NoSuchConsole(_) | ConsoleError::NoPrimary => ENODEV,
        ConsoleError::InputTaken => EBADF,
        _ => EIO,
    }
}
