//! Building ring requests (`io/blkif.h`): data in whole pages from offset 0, as direct
//! requests of up to 11 segments or as indirect requests whose segments are listed in
//! indirect pages; discards; flushes and barriers.
//!
//! Every request type is written to the ring as one `blkif_request`-sized entry (the C
//! union): the smaller layouts are copied to its start, the rest is zero.

use alloc::vec::Vec;

use zerocopy::{FromZeros, Immutable, IntoBytes};

use crate::abi::blkif::{
    BlkifRequest, BlkifRequestDiscard, BlkifRequestIndirect, BlkifRequestSegment, BlkifVdev,
    BLKIF_DISCARD_SECURE, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, BLKIF_MAX_SEGMENTS_PER_REQUEST,
    BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
};
use crate::abi::grant_table::GrantRef;

/// Bytes in a page (a segment's most).
pub const PAGE: usize = 4096;
/// Segment descriptors in one indirect page.
pub const SEGMENTS_PER_INDIRECT_PAGE: usize = PAGE / size_of::<BlkifRequestSegment>();

/// Bytes of each page of a transfer of `len` bytes (a multiple of 512): full pages, then the
/// rest.
pub fn page_lengths(len: usize) -> impl Iterator<Item = usize> {
    (0..len.div_ceil(PAGE)).map(move |i| (len - i * PAGE).min(PAGE))
}

/// The segment of a page holding `bytes` (1..=4096, a multiple of 512) from offset 0.
pub fn segment(gref: GrantRef, bytes: usize) -> BlkifRequestSegment {
    debug_assert!(bytes > 0 && bytes <= PAGE && bytes.is_multiple_of(512));
    BlkifRequestSegment {
        gref,
        first_sect: 0,
        last_sect: (bytes / 512 - 1) as u8,
        _pad0: 0,
    }
}

/// Indirect pages a request of `segments` segments needs.
pub fn indirect_pages(segments: usize) -> usize {
    segments.div_ceil(SEGMENTS_PER_INDIRECT_PAGE)
}

/// Whether a read or write of `segments` segments must be indirect.
pub fn needs_indirect(segments: usize) -> bool {
    segments > BLKIF_MAX_SEGMENTS_PER_REQUEST
}

/// `r`'s bytes at the start of a zeroed ring entry.
fn entry<T: IntoBytes + Immutable>(r: &T) -> BlkifRequest {
    let mut e = BlkifRequest::new_zeroed();
    let bytes = r.as_bytes();
    e.as_mut_bytes()[..bytes.len()].copy_from_slice(bytes);
    e
}

/// A direct read or write (`op` is `BLKIF_OP_READ` or `BLKIF_OP_WRITE`) of up to 11
/// segments, or an empty flush or barrier (`segs` empty).
pub fn direct(
    op: u8,
    id: u64,
    handle: BlkifVdev,
    sector: u64,
    segs: &[BlkifRequestSegment],
) -> BlkifRequest {
    assert!(segs.len() <= BLKIF_MAX_SEGMENTS_PER_REQUEST);
    let mut r = BlkifRequest {
        operation: op,
        nr_segments: segs.len() as u8,
        handle,
        id,
        sector_number: sector,
        ..BlkifRequest::default()
    };
    r.seg[..segs.len()].copy_from_slice(segs);
    r
}

/// An indirect read or write: the entry, naming the indirect pages `indirect` (granted
/// read-only is enough), which must hold [`indirect_page_bytes`] of `segs`.
pub fn indirect(
    op: u8,
    id: u64,
    handle: BlkifVdev,
    sector: u64,
    nr_segments: usize,
    indirect: &[GrantRef],
) -> BlkifRequest {
    assert!(indirect.len() == indirect_pages(nr_segments));
    assert!(indirect.len() <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
    let mut r = BlkifRequestIndirect {
        operation: BLKIF_OP_INDIRECT,
        indirect_op: op,
        nr_segments: nr_segments as u16,
        id,
        sector_number: sector,
        handle,
        ..BlkifRequestIndirect::default()
    };
    r.indirect_grefs[..indirect.len()].copy_from_slice(indirect);
    entry(&r)
}

/// The contents of the indirect pages listing `segs`: one byte vector per page.
pub fn indirect_page_bytes(segs: &[BlkifRequestSegment]) -> Vec<Vec<u8>> {
    segs.chunks(SEGMENTS_PER_INDIRECT_PAGE)
        .map(|c| c.as_bytes().to_vec())
        .collect()
}

/// A discard of `nr_sectors` 512-byte sectors from `sector`.
pub fn discard(
    id: u64,
    handle: BlkifVdev,
    sector: u64,
    nr_sectors: u64,
    secure: bool,
) -> BlkifRequest {
    entry(&BlkifRequestDiscard {
        operation: BLKIF_OP_DISCARD,
        flag: if secure { BLKIF_DISCARD_SECURE } else { 0 },
        handle,
        id,
        sector_number: sector,
        nr_sectors,
        ..BlkifRequestDiscard::default()
    })
}
