//! What a block request or the device can fail with.

use core::fmt;

use crate::grant::GrantError;
use crate::ring::RingError;
use crate::xenbus::XenbusError;

/// Why a block request (or opening the device) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlkError {
    /// The device went away (the backend closed, `xl block-detach`, or we closed it): the
    /// request did not complete and was given up.
    Gone,
    /// The disk is read-only (`info` has `VDISK_READONLY`): writes and discards are refused.
    ReadOnly,
    /// The disk is a CD-ROM (`info` has `VDISK_CDROM`): writes and discards are refused.
    Cdrom,
    /// The backend answered the request with `BLKIF_RSP_ERROR`.
    Backend,
    /// The backend does not support the operation (`BLKIF_RSP_EOPNOTSUPP`), or did not offer
    /// it (or it was switched off).
    NotSupported(Op),
    /// The backend broke the protocol; the device is unusable from then on.
    Protocol(Violation),
    /// The request is not a whole number of sectors, or does not start on a sector boundary.
    Misaligned {
        /// The device's logical sector size.
        sector_size: u32,
    },
    /// The request reaches past the end of the disk.
    OutOfRange {
        /// First sector of the request (in sectors of the device's sector size).
        sector: u64,
        /// Sectors asked for.
        count: u64,
        /// Sectors the disk has.
        sectors: u64,
    },
    /// The backend did not answer within the request timeout (the request's pages stay
    /// reserved until the device closes).
    Timeout {
        /// The limit, in milliseconds.
        ms: u64,
    },
    /// Granting a page or allocating memory for the request failed.
    Grant(GrantError),
    /// The xenbus handshake or a xenstore access failed.
    Xenbus(XenbusError),
    /// Setting up an event channel failed.
    Event,
    /// A backend node of the device is missing or malformed.
    BadNode {
        /// The node, relative to the backend.
        key: &'static str,
    },
}

/// The operation of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Read sectors.
    Read,
    /// Write sectors.
    Write,
    /// Flush the disk's write cache (or a barrier, whichever the backend offers).
    Flush,
    /// Discard sectors.
    Discard,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Read => "read",
            Op::Write => "write",
            Op::Flush => "flush",
            Op::Discard => "discard",
        })
    }
}

/// How the backend broke the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// A ring index was impossible.
    Ring(RingError),
    /// A response named an id that is not in flight (never issued, or answered already).
    UnknownId(u64),
    /// A response's operation is not the request's.
    WrongOp {
        /// The response's id.
        id: u64,
        /// The operation we sent (`BLKIF_OP_*`).
        sent: u8,
        /// The operation the response names.
        got: u8,
    },
    /// A response's status is none of `BLKIF_RSP_*`.
    BadStatus {
        /// The response's id.
        id: u64,
        /// The status.
        status: i16,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ring(e) => write!(f, "{e}"),
            Self::UnknownId(id) => {
                write!(
                    f,
                    "response id {id} was never issued or was already answered"
                )
            }
            Self::WrongOp { id, sent, got } => write!(
                f,
                "response {id} is for operation {got}, the request was operation {sent}"
            ),
            Self::BadStatus { id, status } => {
                write!(
                    f,
                    "response {id} has status {status}, not a BLKIF_RSP_* value"
                )
            }
        }
    }
}

impl fmt::Display for BlkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gone => f.write_str("the block device went away (backend closed or detached)"),
            Self::ReadOnly => f.write_str("the disk is read-only: writes are refused"),
            Self::Cdrom => f.write_str("the disk is a CD-ROM: writes are refused"),
            Self::Backend => f.write_str("the backend reported an I/O error (BLKIF_RSP_ERROR)"),
            Self::NotSupported(op) => write!(f, "the backend does not support {op}"),
            Self::Protocol(v) => write!(f, "the backend broke the blkif protocol: {v}"),
            Self::Misaligned { sector_size } => write!(
                f,
                "the request is not a whole number of {sector_size}-byte sectors"
            ),
            Self::OutOfRange {
                sector,
                count,
                sectors,
            } => write!(
                f,
                "{count} sector(s) at sector {sector} reach past the disk's end ({sectors} sectors)"
            ),
            Self::Timeout { ms } => write!(f, "the backend did not answer within {ms} ms"),
            Self::Grant(e) => write!(f, "granting a buffer page failed: {e}"),
            Self::Xenbus(e) => write!(f, "xenbus: {e}"),
            Self::Event => f.write_str("setting up the event channel failed"),
            Self::BadNode { key } => {
                write!(f, "the backend's {key} node is missing or malformed")
            }
        }
    }
}

impl core::error::Error for BlkError {}

impl From<GrantError> for BlkError {
    fn from(e: GrantError) -> Self {
        Self::Grant(e)
    }
}

impl From<XenbusError> for BlkError {
    fn from(e: XenbusError) -> Self {
        Self::Xenbus(e)
    }
}

impl From<Violation> for BlkError {
    fn from(v: Violation) -> Self {
        Self::Protocol(v)
    }
}
