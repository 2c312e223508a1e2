//! blkfront: the PV block device frontend (`io/blkif.h`), speaking to Linux's blkback with
//! everything it offers.
//!
//! - Negotiation ([`features`]): sectors, sector-size, physical-sector-size, info (cdrom,
//!   removable, readonly), feature-flush-cache, feature-barrier, feature-discard
//!   (granularity, alignment, secure), feature-persistent, feature-max-indirect-segments,
//!   max-ring-page-order, multi-queue-max-queues; each can be switched off or limited with
//!   [`Overrides`] (`blk.*` words of the command line).
//! - Requests ([`request`]): direct (up to 11 segments) or indirect (up to 256 segments, one
//!   indirect page), discards, cache flushes or barriers.
//! - Buffers ([`bufpool`]): persistent grants reused across requests, or a grant per request.
//! - Queues ([`queue`]): one or more rings of one or more pages, each with its event channel;
//!   every response is checked against the request in flight under its id.
//! - The device ([`Device`]): async read, write, flush and discard with many requests in
//!   flight; a typed [`BlkError`] for everything that can fail.
//! - [`SyncDisk`] ([`cache`]): synchronous access with a sector cache shared by its clones.
//!
//! On Xen, [`Disk`] opens a vbd: the xenbus handshake, the rings, grants and event channels,
//! and a task that follows the backend for the device's life: when it closes (`xl
//! block-detach`), every request in flight fails with [`BlkError::Gone`], our side closes
//! and every grant is ended.

pub mod bufpool;
pub mod cache;
pub mod device;
mod error;
pub mod features;
pub mod handshake;
pub mod queue;
pub mod request;

#[cfg(target_os = "none")]
mod xen;

#[cfg(test)]
pub(crate) mod tests;

pub use cache::{SectorIo, SyncDisk};
pub use device::Device;
pub use error::{BlkError, Op, Violation};
pub use features::{Features, Overrides};

#[cfg(target_os = "none")]
pub use xen::Disk;
#[cfg(target_os = "none")]
pub(crate) use xen::XenGranter;
