//! The PV network device protocol (`io/netif.h`): tx and rx rings.

use super::grant_table::GrantRef;
use super::ring::{entry_size, ring_size};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Minimum number of slots a backend must accept per packet (`XEN_NETIF_NR_SLOTS_MIN`).
pub const XEN_NETIF_NR_SLOTS_MIN: usize = 18;
/// Largest tx packet (`XEN_NETIF_MAX_TX_SIZE`).
pub const XEN_NETIF_MAX_TX_SIZE: usize = 0xFFFF;

/// Tx flag: the checksum is blank, to be filled in (`NETTXF_csum_blank`).
pub const NETTXF_CSUM_BLANK: u16 = 1 << 0;
/// Tx flag: the checksum was validated (`NETTXF_data_validated`).
pub const NETTXF_DATA_VALIDATED: u16 = 1 << 1;
/// Tx flag: more slots of this packet follow (`NETTXF_more_data`).
pub const NETTXF_MORE_DATA: u16 = 1 << 2;
/// Tx flag: a [`NetifExtraInfo`] follows (`NETTXF_extra_info`).
pub const NETTXF_EXTRA_INFO: u16 = 1 << 3;

/// Rx flag: the checksum was validated (`NETRXF_data_validated`).
pub const NETRXF_DATA_VALIDATED: u16 = 1 << 0;
/// Rx flag: the checksum is blank (`NETRXF_csum_blank`).
pub const NETRXF_CSUM_BLANK: u16 = 1 << 1;
/// Rx flag: more slots of this packet follow (`NETRXF_more_data`).
pub const NETRXF_MORE_DATA: u16 = 1 << 2;
/// Rx flag: a [`NetifExtraInfo`] follows (`NETRXF_extra_info`).
pub const NETRXF_EXTRA_INFO: u16 = 1 << 3;
/// Rx flag: a GSO prefix descriptor (`NETRXF_gso_prefix`).
pub const NETRXF_GSO_PREFIX: u16 = 1 << 4;

/// Extra info type: none (`XEN_NETIF_EXTRA_TYPE_NONE`).
pub const XEN_NETIF_EXTRA_TYPE_NONE: u8 = 0;
/// Extra info type: GSO (`XEN_NETIF_EXTRA_TYPE_GSO`).
pub const XEN_NETIF_EXTRA_TYPE_GSO: u8 = 1;
/// Extra info type: add a multicast address (`XEN_NETIF_EXTRA_TYPE_MCAST_ADD`).
pub const XEN_NETIF_EXTRA_TYPE_MCAST_ADD: u8 = 2;
/// Extra info type: remove a multicast address (`XEN_NETIF_EXTRA_TYPE_MCAST_DEL`).
pub const XEN_NETIF_EXTRA_TYPE_MCAST_DEL: u8 = 3;
/// Extra info type: hash (`XEN_NETIF_EXTRA_TYPE_HASH`).
pub const XEN_NETIF_EXTRA_TYPE_HASH: u8 = 4;
/// Extra info flag: another extra info follows (`XEN_NETIF_EXTRA_FLAG_MORE`).
pub const XEN_NETIF_EXTRA_FLAG_MORE: u8 = 1 << 0;

/// GSO type: none (`XEN_NETIF_GSO_TYPE_NONE`).
pub const XEN_NETIF_GSO_TYPE_NONE: u8 = 0;
/// GSO type: TCP over IPv4 (`XEN_NETIF_GSO_TYPE_TCPV4`).
pub const XEN_NETIF_GSO_TYPE_TCPV4: u8 = 1;
/// GSO type: TCP over IPv6 (`XEN_NETIF_GSO_TYPE_TCPV6`).
pub const XEN_NETIF_GSO_TYPE_TCPV6: u8 = 2;

/// Response status: dropped (`NETIF_RSP_DROPPED`).
pub const NETIF_RSP_DROPPED: i16 = -2;
/// Response status: error (`NETIF_RSP_ERROR`).
pub const NETIF_RSP_ERROR: i16 = -1;
/// Response status: success (`NETIF_RSP_OKAY`).
pub const NETIF_RSP_OKAY: i16 = 0;
/// Response status: no response, a slot used by extra info (`NETIF_RSP_NULL`).
pub const NETIF_RSP_NULL: i16 = 1;

/// A packet slot to send (`struct netif_tx_request`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct NetifTxRequest {
    /// Grant of the page holding the data.
    pub gref: GrantRef,
    /// Offset of the data within the page.
    pub offset: u16,
    /// `NETTXF_*` flags.
    pub flags: u16,
    /// Private id, echoed in the response.
    pub id: u16,
    /// Bytes in this slot (the first slot: of the whole packet).
    pub size: u16,
}
const _: () = assert!(size_of::<NetifTxRequest>() == 12);

/// Extra information slot (`struct netif_extra_info`).
///
/// The C union `u` is kept as its 6 raw bytes; the accessors read its views.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, align(2))]
pub struct NetifExtraInfo {
    /// `XEN_NETIF_EXTRA_TYPE_*`.
    pub r#type: u8,
    /// `XEN_NETIF_EXTRA_FLAG_*`.
    pub flags: u8,
    /// Type-specific data (C union `u`).
    pub u: [u8; 6],
}
const _: () = assert!(size_of::<NetifExtraInfo>() == 8);

impl NetifExtraInfo {
    /// `u.gso.size`: maximum segment size.
    pub const fn gso_size(&self) -> u16 {
        u16::from_le_bytes([self.u[0], self.u[1]])
    }

    /// `u.gso.type`: `XEN_NETIF_GSO_TYPE_*`.
    pub const fn gso_type(&self) -> u8 {
        self.u[2]
    }

    /// `u.gso.features`.
    pub const fn gso_features(&self) -> u16 {
        u16::from_le_bytes([self.u[4], self.u[5]])
    }

    /// `u.mcast.addr`: a multicast MAC address.
    pub const fn mcast_addr(&self) -> [u8; 6] {
        self.u
    }

    /// A GSO extra info slot.
    pub const fn gso(size: u16, gso_type: u8, features: u16, flags: u8) -> Self {
        let s = size.to_le_bytes();
        let f = features.to_le_bytes();
        Self {
            r#type: XEN_NETIF_EXTRA_TYPE_GSO,
            flags,
            u: [s[0], s[1], gso_type, 0, f[0], f[1]],
        }
    }
}

/// Result of a tx request (`struct netif_tx_response`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct NetifTxResponse {
    /// The request's id.
    pub id: u16,
    /// `NETIF_RSP_*`.
    pub status: i16,
}
const _: () = assert!(size_of::<NetifTxResponse>() == 4);

/// A buffer offered for receiving (`struct netif_rx_request`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct NetifRxRequest {
    /// Private id, echoed in the response.
    pub id: u16,
    /// Padding.
    pub pad: u16,
    /// Grant of the page to receive into.
    pub gref: GrantRef,
}
const _: () = assert!(size_of::<NetifRxRequest>() == 8);

/// A received slot (`struct netif_rx_response`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct NetifRxResponse {
    /// The request's id.
    pub id: u16,
    /// Offset of the data within the page.
    pub offset: u16,
    /// `NETRXF_*` flags.
    pub flags: u16,
    /// Bytes received (if positive) or `NETIF_RSP_*` (if not).
    pub status: i16,
}
const _: () = assert!(size_of::<NetifRxResponse>() == 8);

/// Size of one entry of the tx ring (`sizeof(union netif_tx_sring_entry)`).
pub const NETIF_TX_SRING_ENTRY_SIZE: usize = entry_size::<NetifTxRequest, NetifTxResponse>();
/// Size of one entry of the rx ring (`sizeof(union netif_rx_sring_entry)`).
pub const NETIF_RX_SRING_ENTRY_SIZE: usize = entry_size::<NetifRxRequest, NetifRxResponse>();
/// Entries of a one-page tx ring (`__CONST_RING_SIZE(netif_tx, 4096)`).
pub const NETIF_TX_RING_SIZE: usize = ring_size(4096, NETIF_TX_SRING_ENTRY_SIZE);
/// Entries of a one-page rx ring (`__CONST_RING_SIZE(netif_rx, 4096)`).
pub const NETIF_RX_RING_SIZE: usize = ring_size(4096, NETIF_RX_SRING_ENTRY_SIZE);
