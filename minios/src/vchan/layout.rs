//! The control page's layout (`io/libxenvchan.h`): ring orders, where each ring lives, and
//! the grant references of the multi-page rings. What a server wrote is checked once here
//! ([`Layout::read`]); everything after works from the checked values.

use alloc::vec::Vec;
use core::mem::{offset_of, size_of};

use super::VchanError;
use crate::abi::vchan::{RingShared, VchanInterface, VCHAN_NOTIFY_WRITE};
use crate::ring::{SharedFlags, SharedMem};

/// The smallest ring order: 1 KiB, inside the control page at offset 1024.
pub const MIN_ORDER: u8 = 10;
/// The largest ring order libxenvchan accepts: 1 MiB (256 granted pages).
pub const MAX_ORDER: u8 = 20;
/// Orders from this one up are rings of `2^(order-12)` granted pages.
const PAGE_ORDER: u8 = 12;
/// Bytes of the control page.
const PAGE: usize = 4096;

/// Offsets of the control page's fields.
pub(crate) mod off {
    use super::*;

    pub const LEFT_CONS: usize = offset_of!(VchanInterface, left) + offset_of!(RingShared, cons);
    pub const LEFT_PROD: usize = offset_of!(VchanInterface, left) + offset_of!(RingShared, prod);
    pub const RIGHT_CONS: usize = offset_of!(VchanInterface, right) + offset_of!(RingShared, cons);
    pub const RIGHT_PROD: usize = offset_of!(VchanInterface, right) + offset_of!(RingShared, prod);
    pub const LEFT_ORDER: usize = offset_of!(VchanInterface, left_order);
    pub const CLI_LIVE: usize = offset_of!(VchanInterface, cli_live);
    pub const SRV_LIVE: usize = offset_of!(VchanInterface, srv_live);
    pub const CLI_NOTIFY: usize = offset_of!(VchanInterface, cli_notify);
    pub const SRV_NOTIFY: usize = offset_of!(VchanInterface, srv_notify);
    pub const GRANTS: usize = size_of::<VchanInterface>();
}

/// The sizes of a channel's two rings, as log2 of their bytes: `left` carries what the
/// client writes, `right` what the server writes. Orders 10 and 11 are rings inside the
/// control page (at offsets 1024 and 2048), 12 to 20 rings of their own granted pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orders {
    left: u8,
    right: u8,
}

/// Where one ring's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// Inside the control page, from this offset.
    InPage(usize),
    /// In this many pages of their own, granted after the ring's predecessors.
    Pages(usize),
}

impl Orders {
    /// The smallest rings: 1 KiB client to server, 2 KiB back, both in the control page
    /// (what libxenvchan picks for small requests, and vchan-socket-proxy's server).
    pub const SMALLEST: Self = Self {
        left: MIN_ORDER,
        right: MIN_ORDER + 1,
    };
    /// The largest rings: 1 MiB each way.
    pub const LARGEST: Self = Self {
        left: MAX_ORDER,
        right: MAX_ORDER,
    };

    /// Checks a pair of orders: each from 10 to 20, two in-page rings not at the same
    /// offset, and the grant references not running into an in-page ring.
    pub fn new(left: u16, right: u16) -> Result<Self, VchanError> {
        let bad = VchanError::BadOrders { left, right };
        let in_range = |o: u16| (u16::from(MIN_ORDER)..=u16::from(MAX_ORDER)).contains(&o);
        if !in_range(left) || !in_range(right) {
            return Err(bad);
        }
        let orders = Self {
            left: left as u8,
            right: right as u8,
        };
        let both_in_page = left < u16::from(PAGE_ORDER) && right < u16::from(PAGE_ORDER);
        if both_in_page && left == right {
            return Err(bad);
        }
        let grants_end = off::GRANTS + 4 * orders.grant_count();
        let lowest_ring = [orders.left, orders.right]
            .into_iter()
            .filter_map(|o| match place(o) {
                Place::InPage(at) => Some(at),
                Place::Pages(_) => None,
            })
            .min()
            .unwrap_or(PAGE);
        if grants_end > lowest_ring {
            return Err(bad);
        }
        Ok(orders)
    }

    /// The orders libxenvchan's server chooses for rings of at least `left_min` and
    /// `right_min` bytes: in-page rings where both fit, else the smallest orders that do.
    pub fn for_sizes(left_min: usize, right_min: usize) -> Result<Self, VchanError> {
        const SMALL: usize = 1 << MIN_ORDER;
        const LARGE: usize = 1 << (MIN_ORDER + 1);
        if left_min.max(right_min) > 1 << MAX_ORDER {
            return Err(VchanError::TooLarge {
                bytes: left_min.max(right_min),
            });
        }
        let fit = |n: usize| {
            (PAGE_ORDER..MAX_ORDER)
                .find(|&o| n <= 1 << o)
                .unwrap_or(MAX_ORDER)
        };
        let (mut left, mut right) = (fit(left_min), fit(right_min));
        if left_min <= SMALL && right_min <= LARGE {
            (left, right) = (MIN_ORDER, MIN_ORDER + 1);
        } else if left_min <= LARGE && right_min <= SMALL {
            (left, right) = (MIN_ORDER + 1, MIN_ORDER);
        } else if left_min <= LARGE {
            left = MIN_ORDER + 1;
        } else if right_min <= LARGE {
            right = MIN_ORDER + 1;
        }
        Self::new(left.into(), right.into())
    }

    /// log2 of the client-to-server ring's bytes.
    pub fn left(self) -> u8 {
        self.left
    }

    /// log2 of the server-to-client ring's bytes.
    pub fn right(self) -> u8 {
        self.right
    }

    /// Pages of the left ring's own (0 for an in-page ring).
    pub fn left_pages(self) -> usize {
        pages(self.left)
    }

    /// Pages of the right ring's own (0 for an in-page ring).
    pub fn right_pages(self) -> usize {
        pages(self.right)
    }

    fn grant_count(self) -> usize {
        self.left_pages() + self.right_pages()
    }

    pub(crate) fn left_place(self) -> Place {
        place(self.left)
    }

    pub(crate) fn right_place(self) -> Place {
        place(self.right)
    }
}

impl core::fmt::Display for Orders {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}/{}", self.left, self.right)
    }
}

fn pages(order: u8) -> usize {
    if order >= PAGE_ORDER {
        1 << (order - PAGE_ORDER)
    } else {
        0
    }
}

fn place(order: u8) -> Place {
    match order {
        10 => Place::InPage(1024),
        11 => Place::InPage(2048),
        o => Place::Pages(pages(o)),
    }
}

/// A control page's layout as its server wrote it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The ring orders.
    pub orders: Orders,
    /// Grant references of the left ring's pages (empty for an in-page ring).
    pub left: Vec<u32>,
    /// Grant references of the right ring's pages.
    pub right: Vec<u32>,
}

impl Layout {
    /// Reads and checks the layout a server published in `ctrl` (untrusted).
    pub fn read(ctrl: &impl SharedMem) -> Result<Self, VchanError> {
        if ctrl.len() < PAGE {
            return Err(VchanError::BadOrders { left: 0, right: 0 });
        }
        let mut raw = [0u8; 4];
        ctrl.read(off::LEFT_ORDER, &mut raw);
        let left = u16::from_le_bytes([raw[0], raw[1]]);
        let right = u16::from_le_bytes([raw[2], raw[3]]);
        let orders = Orders::new(left, right)?;
        let mut grants = alloc::vec![0u8; 4 * orders.grant_count()];
        ctrl.read(off::GRANTS, &mut grants);
        let mut refs = grants
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        Ok(Self {
            orders,
            left: refs.by_ref().take(orders.left_pages()).collect(),
            right: refs.collect(),
        })
    }

    /// Writes a fresh server's control page: the orders, the grant references (left ring
    /// first), zero indices, the client not yet connected, the server live and asking to be
    /// told of the client's writes.
    pub(crate) fn write(&self, ctrl: &impl SharedFlags) {
        for at in [
            off::LEFT_CONS,
            off::LEFT_PROD,
            off::RIGHT_CONS,
            off::RIGHT_PROD,
        ] {
            ctrl.store_u32(at, 0);
        }
        let mut orders = [0u8; 4];
        orders[..2].copy_from_slice(&u16::from(self.orders.left).to_le_bytes());
        orders[2..].copy_from_slice(&u16::from(self.orders.right).to_le_bytes());
        ctrl.write(off::LEFT_ORDER, &orders);
        let grants: Vec<u8> = self
            .left
            .iter()
            .chain(&self.right)
            .flat_map(|r| r.to_le_bytes())
            .collect();
        ctrl.write(off::GRANTS, &grants);
        ctrl.store_u8(off::SRV_NOTIFY, 0);
        ctrl.store_u8(off::CLI_NOTIFY, VCHAN_NOTIFY_WRITE);
        ctrl.store_u8(off::SRV_LIVE, 1);
        ctrl.store_u8(off::CLI_LIVE, 2);
    }
}
