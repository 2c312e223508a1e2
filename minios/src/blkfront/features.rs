//! Feature negotiation: what the backend offers (its xenstore nodes, `io/blkif.h`), what we
//! allow ([`Overrides`]), and what the device then uses ([`Transport`] before the connect
//! handshake, [`Features`] once the backend is connected).
//!
//! The backend is untrusted: a missing or malformed size is an error for the device; a
//! feature whose node is malformed is off; limits it offers beyond ours are capped to ours.
//! We do not write `feature-large-sector-size`, so (as with Linux's frontend) `sectors` and
//! every sector number on the ring count 512-byte units, whatever `sector-size` says;
//! `sector-size` is the granularity requests must respect.

use alloc::collections::BTreeMap;
use alloc::string::String;
use core::fmt;

use super::BlkError;
use crate::abi::blkif::{
    BLKIF_MAX_SEGMENTS_PER_REQUEST, VDISK_CDROM, VDISK_READONLY, VDISK_REMOVABLE,
};
use crate::xenbus;

/// The largest ring we set up: 16 pages (`XENBUS_MAX_RING_GRANT_ORDER`).
pub const MAX_RING_PAGE_ORDER: u32 = 4;
/// The most queues we set up.
pub const MAX_QUEUES: u32 = 4;
/// The most segments of an indirect request we build (1 MiB; one indirect page).
pub const MAX_INDIRECT_SEGMENTS: u32 = 256;

/// Backend nodes read before the connect handshake (they decide the rings we publish).
pub const TRANSPORT_NODES: &[&str] = &["max-ring-page-order", "multi-queue-max-queues"];

/// Backend nodes read once the backend is connected (blkback writes them then).
pub const DEVICE_NODES: &[&str] = &[
    "sectors",
    "info",
    "sector-size",
    "physical-sector-size",
    "feature-flush-cache",
    "feature-barrier",
    "feature-discard",
    "discard-granularity",
    "discard-alignment",
    "discard-secure",
    "feature-persistent",
    "feature-max-indirect-segments",
];

/// Values of backend nodes, by key (a missing key is a node that does not exist).
#[derive(Debug, Clone, Default)]
pub struct BackendNodes(BTreeMap<&'static str, String>);

impl BackendNodes {
    /// No nodes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records node `key` with `value`.
    pub fn insert(&mut self, key: &'static str, value: String) {
        self.0.insert(key, value);
    }

    /// Node `key`'s value, if it exists.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Node `key` as a decimal number: `None` if missing, `Some(Err)` if malformed.
    fn number(&self, key: &'static str) -> Option<Result<u64, BlkError>> {
        self.get(key).map(|v| {
            v.trim_end_matches('\0')
                .trim()
                .parse()
                .map_err(|_| BlkError::BadNode { key })
        })
    }

    /// A boolean feature, as Linux reads it (`xenbus_read_unsigned(.., 0) != 0`); a
    /// malformed value is off.
    fn flag(&self, key: &'static str) -> bool {
        matches!(self.number(key), Some(Ok(v)) if v != 0)
    }

    /// A limit: missing or malformed is `default`.
    fn limit(&self, key: &'static str, default: u64) -> u64 {
        match self.number(key) {
            Some(Ok(v)) => v,
            Some(Err(_)) => {
                log::warn!("blkfront: backend node {key} is not a number; using {default}");
                default
            }
            None => default,
        }
    }
}

/// What we allow: every feature can be switched off and every limit lowered, for tests and
/// for backends that offer more than they can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overrides {
    /// Use indirect requests if offered (`blk.indirect=0|1`).
    pub indirect: bool,
    /// Use persistent grants if offered (`blk.persistent=0|1`).
    pub persistent: bool,
    /// The largest ring page order to use (`blk.ring-order=N`, at most 4).
    pub max_ring_page_order: u32,
    /// The most queues to use (`blk.queues=N`, 1 to 4).
    pub max_queues: u32,
    /// Use discard if offered (`blk.discard=0|1`).
    pub discard: bool,
    /// Use cache flushes or barriers if offered (`blk.flush=0|1`).
    pub flush: bool,
    /// The most segments per indirect request (`blk.segments=N`, 12 to 256).
    pub max_indirect_segments: u32,
    /// Buffer pages each queue may keep granted (`blk.pages=N`; default: sized to the
    /// frame pool).
    pub pages: Option<u32>,
}

impl Default for Overrides {
    fn default() -> Self {
        Self {
            indirect: true,
            persistent: true,
            max_ring_page_order: MAX_RING_PAGE_ORDER,
            max_queues: MAX_QUEUES,
            discard: true,
            flush: true,
            max_indirect_segments: MAX_INDIRECT_SEGMENTS,
            pages: None,
        }
    }
}

/// A `blk.*` word of the command line that is not a known switch with a valid value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadOverride(pub String);

impl fmt::Display for BadOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad blkfront switch {:?} (known: blk.indirect=0|1 blk.persistent=0|1 \
             blk.ring-order=0..4 blk.queues=1..4 blk.discard=0|1 blk.flush=0|1 \
             blk.segments=12..256 blk.pages=N)",
            self.0
        )
    }
}

impl core::error::Error for BadOverride {}

impl Overrides {
    /// Reads the `blk.*` words of a command line (other words are ignored).
    pub fn parse(cmdline: &str) -> Result<Self, BadOverride> {
        let mut o = Self::default();
        for s in xenbus::switches(cmdline, "blk.") {
            let s = s.map_err(|w| BadOverride(String::from(w)))?;
            let bad = || BadOverride(String::from(s.word));
            let (n, on) = (s.value, s.on());
            match s.key {
                "indirect" => o.indirect = on.ok_or_else(bad)?,
                "persistent" => o.persistent = on.ok_or_else(bad)?,
                "discard" => o.discard = on.ok_or_else(bad)?,
                "flush" => o.flush = on.ok_or_else(bad)?,
                "ring-order" if n <= MAX_RING_PAGE_ORDER => o.max_ring_page_order = n,
                "queues" if (1..=MAX_QUEUES).contains(&n) => o.max_queues = n,
                "segments"
                    if (BLKIF_MAX_SEGMENTS_PER_REQUEST as u32 + 1..=MAX_INDIRECT_SEGMENTS)
                        .contains(&n) =>
                {
                    o.max_indirect_segments = n
                }
                "pages" if n > 0 => o.pages = Some(n),
                _ => return Err(bad()),
            }
        }
        Ok(o)
    }
}

/// The rings we publish: decided from [`TRANSPORT_NODES`] before the connect handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transport {
    /// Each ring is `1 << ring_page_order` pages.
    pub ring_page_order: u32,
    /// Number of queues (rings), each with its own event channel.
    pub queues: u32,
}

impl Transport {
    /// The largest ring and the most queues both sides allow.
    pub fn choose(nodes: &BackendNodes, o: &Overrides) -> Self {
        let order = nodes.limit("max-ring-page-order", 0);
        let queues = nodes.limit("multi-queue-max-queues", 1).max(1);
        Self {
            ring_page_order: order.min(u64::from(o.max_ring_page_order)) as u32,
            queues: queues.min(u64::from(o.max_queues)) as u32,
        }
    }
}

/// `info`'s bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Info {
    /// A CD-ROM (`VDISK_CDROM`).
    pub cdrom: bool,
    /// Removable media (`VDISK_REMOVABLE`).
    pub removable: bool,
    /// Read-only (`VDISK_READONLY`).
    pub readonly: bool,
}

/// How [`Disk::flush`](super::Disk) reaches stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// `BLKIF_OP_FLUSH_DISKCACHE` (`feature-flush-cache`).
    Cache,
    /// An empty `BLKIF_OP_WRITE_BARRIER` (`feature-barrier`, when there is no cache flush).
    Barrier,
    /// Neither offered (or switched off): the backend writes through, a flush does nothing.
    None,
}

/// Discard parameters (`feature-discard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discard {
    /// Bytes of one discard extent (`discard-granularity`, default the sector size).
    pub granularity: u32,
    /// Byte offset of the first extent (`discard-alignment`, below the granularity).
    pub alignment: u32,
    /// Secure discard is supported (`discard-secure`).
    pub secure: bool,
}

/// What the connected device uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// The disk's size in 512-byte units (`sectors`).
    pub sectors: u64,
    /// The logical sector size: requests are whole sectors of this size (`sector-size`).
    pub sector_size: u32,
    /// The physical sector size (`physical-sector-size`, a multiple of the sector size).
    pub physical_sector_size: u32,
    /// `info`.
    pub info: Info,
    /// How flushes are done.
    pub flush: Flush,
    /// Discard, if offered and allowed.
    pub discard: Option<Discard>,
    /// Both sides use persistent grants.
    pub persistent: bool,
    /// Segments per indirect request; 0 when indirect requests are not used.
    pub indirect_segments: u32,
    /// The rings in use.
    pub transport: Transport,
}

impl Features {
    /// Reads [`DEVICE_NODES`] of the connected backend.
    pub fn negotiate(nodes: &BackendNodes, t: Transport, o: &Overrides) -> Result<Self, BlkError> {
        let sectors = nodes
            .number("sectors")
            .ok_or(BlkError::BadNode { key: "sectors" })??;
        let sector_size = match nodes.number("sector-size") {
            None => 512,
            Some(Ok(s)) if s.is_power_of_two() && (512..=4096).contains(&s) => s as u32,
            Some(_) => return Err(BlkError::BadNode { key: "sector-size" }),
        };
        let physical_sector_size = match nodes.number("physical-sector-size") {
            Some(Ok(p))
                if p >= u64::from(sector_size) && p.is_multiple_of(u64::from(sector_size)) =>
            {
                u32::try_from(p).unwrap_or(sector_size)
            }
            None => sector_size,
            Some(_) => {
                log::warn!("blkfront: physical-sector-size is not a multiple of sector-size");
                sector_size
            }
        };
        let bits = match nodes.number("info") {
            None => 0,
            Some(Ok(b)) => b,
            Some(Err(e)) => return Err(e),
        };
        let info = Info {
            cdrom: bits & u64::from(VDISK_CDROM) != 0,
            removable: bits & u64::from(VDISK_REMOVABLE) != 0,
            readonly: bits & u64::from(VDISK_READONLY) != 0,
        };
        let flush = if !o.flush {
            Flush::None
        } else if nodes.flag("feature-flush-cache") {
            Flush::Cache
        } else if nodes.flag("feature-barrier") {
            Flush::Barrier
        } else {
            Flush::None
        };
        let discard = (o.discard && nodes.flag("feature-discard")).then(|| {
            let g = nodes.limit("discard-granularity", u64::from(sector_size));
            let granularity = if g == 0 || !g.is_multiple_of(512) || g > u64::from(u32::MAX) {
                sector_size
            } else {
                g as u32
            };
            let alignment = (nodes.limit("discard-alignment", 0) % u64::from(granularity)) as u32;
            Discard {
                granularity,
                alignment,
                secure: nodes.flag("discard-secure"),
            }
        });
        let max = nodes.limit("feature-max-indirect-segments", 0);
        let segs = max.min(u64::from(o.max_indirect_segments)) as u32;
        let indirect_segments = if o.indirect && segs > BLKIF_MAX_SEGMENTS_PER_REQUEST as u32 {
            segs
        } else {
            0
        };
        Ok(Self {
            sectors,
            sector_size,
            physical_sector_size,
            info,
            flush,
            discard,
            persistent: o.persistent && nodes.flag("feature-persistent"),
            indirect_segments,
            transport: t,
        })
    }

    /// Data segments (pages) one request can carry.
    pub fn segments_per_request(&self) -> u32 {
        if self.indirect_segments > 0 {
            self.indirect_segments
        } else {
            BLKIF_MAX_SEGMENTS_PER_REQUEST as u32
        }
    }

    /// The disk's size in logical sectors.
    pub fn logical_sectors(&self) -> u64 {
        self.sectors / u64::from(self.sector_size / 512)
    }

    /// Why writes are refused, if they are.
    pub fn write_refusal(&self) -> Option<BlkError> {
        if self.info.cdrom {
            Some(BlkError::Cdrom)
        } else if self.info.readonly {
            Some(BlkError::ReadOnly)
        } else {
            None
        }
    }
}
