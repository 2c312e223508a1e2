//! Request building: segments, indirect requests, discards, flushes.

use zerocopy::{FromBytes, IntoBytes};

use crate::abi::blkif::*;
use crate::blkfront::request::*;

#[test]
fn transfers_fill_pages_from_offset_zero() {
    assert_eq!(page_lengths(512).collect::<Vec<_>>(), [512]);
    assert_eq!(page_lengths(4096).collect::<Vec<_>>(), [4096]);
    assert_eq!(page_lengths(9216).collect::<Vec<_>>(), [4096, 4096, 1024]);
    assert_eq!(page_lengths(0).count(), 0);
    let s = segment(7, 1024);
    assert_eq!((s.gref, s.first_sect, s.last_sect), (7, 0, 1));
    let s = segment(7, 4096);
    assert_eq!((s.first_sect, s.last_sect), (0, 7));
}

#[test]
fn a_direct_request_carries_up_to_eleven_segments() {
    let segs: Vec<_> = (0..11).map(|g| segment(100 + g, 4096)).collect();
    let r = direct(BLKIF_OP_WRITE, 42, 51712, 2048, &segs);
    assert_eq!(r.operation, BLKIF_OP_WRITE);
    assert_eq!(r.nr_segments, 11);
    assert_eq!((r.id, r.sector_number, r.handle), (42, 2048, 51712));
    assert_eq!(r.seg[10].gref, 110);
    assert!(!needs_indirect(11) && needs_indirect(12));
    let flush = direct(BLKIF_OP_FLUSH_DISKCACHE, 1, 51712, 0, &[]);
    assert_eq!(flush.nr_segments, 0);
}

#[test]
fn an_indirect_request_lists_its_segments_in_indirect_pages() {
    assert_eq!(SEGMENTS_PER_INDIRECT_PAGE, 512);
    assert_eq!(indirect_pages(12), 1);
    assert_eq!(indirect_pages(512), 1);
    assert_eq!(indirect_pages(513), 2);
    let segs: Vec<_> = (0..256).map(|g| segment(1000 + g, 4096)).collect();
    let r = indirect(BLKIF_OP_READ, 9, 51712, 64, segs.len(), &[77]);
    let i = BlkifRequestIndirect::read_from_prefix(r.as_bytes())
        .unwrap()
        .0;
    assert_eq!(i.operation, BLKIF_OP_INDIRECT);
    assert_eq!(i.indirect_op, BLKIF_OP_READ);
    assert_eq!((i.nr_segments, i.id, i.sector_number), (256, 9, 64));
    assert_eq!(i.handle, 51712);
    assert_eq!(i.indirect_grefs, [77, 0, 0, 0, 0, 0, 0, 0]);
    assert!(
        r.as_bytes()[64..].iter().all(|&b| b == 0),
        "the rest of the entry is zero"
    );
    let pages = indirect_page_bytes(&segs);
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].len(), 256 * 8);
    let s = BlkifRequestSegment::read_from_bytes(&pages[0][8 * 255..8 * 256]).unwrap();
    assert_eq!((s.gref, s.first_sect, s.last_sect), (1255, 0, 7));
}

#[test]
fn a_discard_names_its_range_and_secure_flag() {
    let r = discard(3, 51712, 128, 4096, true);
    let d = BlkifRequestDiscard::read_from_prefix(r.as_bytes())
        .unwrap()
        .0;
    assert_eq!(d.operation, BLKIF_OP_DISCARD);
    assert_eq!(d.flag, BLKIF_DISCARD_SECURE);
    assert_eq!((d.id, d.sector_number, d.nr_sectors), (3, 128, 4096));
    let r = discard(3, 51712, 128, 4096, false);
    assert_eq!(r.as_bytes()[1], 0);
}
