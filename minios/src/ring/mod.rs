//! Shared rings: `io/ring.h`'s request/response rings ([`FrontRing`]) and the byte rings of
//! the console, xenstore and vchan ([`ByteReader`], [`ByteWriter`]), over memory shared with
//! a peer ([`SharedMem`]).
//!
//! The peer is untrusted. Every index it writes is checked before it is used: a producer
//! that runs ahead of what can have been produced, or a consumer ahead of what was produced,
//! is a [`RingError`] and the ring stays broken from then on (its owner reports the error for
//! that device and stops using it). Offsets into the shared memory are computed from our own
//! masked indices only, so a hostile value can never index out of bounds, panic or make us
//! loop.
//!
//! Barriers follow `io/ring.h`: entries are written before the producer index is published
//! (release), indices are read before the entries they cover (acquire), and a full barrier
//! separates publishing an index from reading the peer's event index (and setting our event
//! index from re-reading the peer's producer).

mod bytes;
mod front;
mod inflight;
mod mem;
#[cfg(target_os = "none")]
mod xen;

#[cfg(test)]
pub(crate) mod tests;

pub use bytes::{ByteReader, ByteRing, ByteWriter};
pub use front::FrontRing;
pub use inflight::{InFlight, UnknownId};
pub use mem::{SharedFlags, SharedMem};

use core::fmt;

/// The peer broke a ring's protocol; the ring is unusable from then on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingError {
    /// The peer's producer index is more than a ring ahead of our consumer index (or behind
    /// it).
    ProducerAhead {
        /// The peer's producer index.
        prod: u32,
        /// Our consumer index.
        cons: u32,
        /// Entries (or bytes) the ring holds.
        size: u32,
    },
    /// The peer's consumer index is ahead of our producer index (or more than a ring behind).
    ConsumerAhead {
        /// The peer's consumer index.
        cons: u32,
        /// Our producer index.
        prod: u32,
        /// Entries (or bytes) the ring holds.
        size: u32,
    },
    /// The backend produced more responses than there are requests outstanding.
    ResponsesAhead {
        /// The backend's response producer index.
        rsp_prod: u32,
        /// Our response consumer index.
        rsp_cons: u32,
        /// Requests published and not yet answered.
        outstanding: u32,
    },
    /// The shared memory is too small for one entry, or its size is not usable.
    TooSmall {
        /// Bytes of shared memory.
        bytes: usize,
    },
}

impl fmt::Display for RingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::ProducerAhead { prod, cons, size } => write!(
                f,
                "the peer's producer index {prod} is not within {size} of our consumer index \
                 {cons}"
            ),
            Self::ConsumerAhead { cons, prod, size } => write!(
                f,
                "the peer's consumer index {cons} is not within {size} behind our producer \
                 index {prod}"
            ),
            Self::ResponsesAhead {
                rsp_prod,
                rsp_cons,
                outstanding,
            } => write!(
                f,
                "the backend's response index {rsp_prod} runs ahead of our {rsp_cons} by more \
                 than the {outstanding} outstanding request(s)"
            ),
            Self::TooSmall { bytes } => write!(f, "{bytes} bytes cannot hold the ring"),
        }
    }
}

impl core::error::Error for RingError {}
