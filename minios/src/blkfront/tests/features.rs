//! Negotiation: every feature present, absent, switched off, or lied about.

use super::fake::linux_nodes;
use crate::blkfront::features::*;
use crate::blkfront::handshake::{front_nodes, QueueRefs};
use crate::blkfront::BlkError;

fn negotiate(n: &BackendNodes, o: &Overrides) -> Result<Features, BlkError> {
    Features::negotiate(n, Transport::choose(n, o), o)
}

fn without(keys: &[&str]) -> BackendNodes {
    let all = linux_nodes(1 << 26);
    let mut n = BackendNodes::new();
    for k in TRANSPORT_NODES.iter().chain(DEVICE_NODES) {
        if let (Some(v), false) = (all.get(k), keys.contains(k)) {
            n.insert(k, v.into());
        }
    }
    n
}

fn with(key: &'static str, value: &str) -> BackendNodes {
    let mut n = linux_nodes(1 << 26);
    n.insert(key, value.into());
    n
}

#[test]
fn everything_linux_offers_is_used() {
    let f = negotiate(&linux_nodes(1 << 26), &Overrides::default()).unwrap();
    assert_eq!(f.sectors, 131072);
    assert_eq!((f.sector_size, f.physical_sector_size), (512, 512));
    assert_eq!(f.info, Info::default());
    assert_eq!(f.flush, Flush::Cache);
    assert_eq!(
        f.discard,
        Some(Discard {
            granularity: 4096,
            alignment: 0,
            secure: false
        })
    );
    assert!(f.persistent);
    assert_eq!(f.indirect_segments, 256);
    assert_eq!(f.segments_per_request(), 256);
    assert_eq!(
        f.transport,
        Transport {
            ring_page_order: 4,
            queues: 2
        }
    );
    assert_eq!(f.logical_sectors(), 131072);
    assert_eq!(f.write_refusal(), None);
}

#[test]
fn a_backend_offering_nothing_gets_the_classic_protocol() {
    let mut n = BackendNodes::new();
    n.insert("sectors", "2048".into());
    let f = negotiate(&n, &Overrides::default()).unwrap();
    assert_eq!((f.sector_size, f.physical_sector_size), (512, 512));
    assert_eq!(f.flush, Flush::None);
    assert_eq!(f.discard, None);
    assert!(!f.persistent);
    assert_eq!(f.indirect_segments, 0);
    assert_eq!(f.segments_per_request(), 11);
    assert_eq!(
        f.transport,
        Transport {
            ring_page_order: 0,
            queues: 1
        }
    );
}

#[test]
fn each_feature_can_be_switched_off() {
    let o = Overrides::parse(
        "root=x blk.indirect=0 blk.persistent=0 blk.ring-order=0 blk.queues=1 blk.discard=0 \
         blk.flush=0",
    )
    .unwrap();
    let f = negotiate(&linux_nodes(1 << 26), &o).unwrap();
    assert_eq!(f.indirect_segments, 0);
    assert!(!f.persistent);
    assert_eq!(f.transport.ring_page_order, 0);
    assert_eq!(f.transport.queues, 1);
    assert_eq!(f.discard, None);
    assert_eq!(f.flush, Flush::None);
    let o = Overrides::parse("blk.ring-order=2 blk.queues=3 blk.segments=32 blk.pages=64").unwrap();
    let f = negotiate(&with("multi-queue-max-queues", "8"), &o).unwrap();
    assert_eq!(f.transport.ring_page_order, 2);
    assert_eq!(f.transport.queues, 3);
    assert_eq!(f.indirect_segments, 32);
    assert_eq!(o.pages, Some(64));
}

#[test]
fn bad_switches_are_refused_with_the_word() {
    for w in [
        "blk.indirect=2",
        "blk.queues=0",
        "blk.queues=5",
        "blk.ring-order=5",
        "blk.segments=11",
        "blk.segments=257",
        "blk.nonsense=1",
        "blk.flush",
        "blk.pages=0",
        "blk.pages=x",
    ] {
        let e = Overrides::parse(w).unwrap_err();
        assert_eq!(e.0, w);
        assert!(e.to_string().contains(w) && e.to_string().contains("blk.queues"));
    }
    assert_eq!(
        Overrides::parse("quiet blkx=1").unwrap(),
        Overrides::default()
    );
}

#[test]
fn flush_falls_back_to_barrier_and_is_off_when_neither_is_offered() {
    let f = negotiate(&with("feature-flush-cache", "0"), &Overrides::default()).unwrap();
    assert_eq!(f.flush, Flush::Barrier);
    let f = negotiate(
        &without(&["feature-flush-cache", "feature-barrier"]),
        &Overrides::default(),
    );
    assert_eq!(f.unwrap().flush, Flush::None);
}

#[test]
fn info_bits_make_writes_refused() {
    let f = negotiate(&with("info", "4"), &Overrides::default()).unwrap();
    assert!(f.info.readonly && !f.info.cdrom);
    assert_eq!(f.write_refusal(), Some(BlkError::ReadOnly));
    let f = negotiate(&with("info", "7"), &Overrides::default()).unwrap();
    assert!(f.info.cdrom && f.info.removable && f.info.readonly);
    assert_eq!(f.write_refusal(), Some(BlkError::Cdrom));
    assert_eq!(
        BlkError::ReadOnly.to_string(),
        "the disk is read-only: writes are refused"
    );
}

#[test]
fn sizes_that_lie_are_errors() {
    for (k, v) in [
        ("sectors", "many"),
        ("sectors", "-1"),
        ("sector-size", "1000"),
        ("sector-size", "256"),
        ("sector-size", "8192"),
        ("sector-size", "x"),
        ("info", "ro"),
    ] {
        let e = negotiate(&with(k, v), &Overrides::default()).unwrap_err();
        assert!(matches!(e, BlkError::BadNode { .. }), "{k}={v}: {e:?}");
    }
    let e = negotiate(&without(&["sectors"]), &Overrides::default()).unwrap_err();
    assert_eq!(e, BlkError::BadNode { key: "sectors" });
}

#[test]
fn features_that_lie_are_capped_or_off() {
    let o = Overrides::default();
    // Limits beyond ours are capped; garbage limits are the protocol's defaults.
    let f = negotiate(&with("max-ring-page-order", "30"), &o).unwrap();
    assert_eq!(f.transport.ring_page_order, MAX_RING_PAGE_ORDER);
    let f = negotiate(&with("max-ring-page-order", "lots"), &o).unwrap();
    assert_eq!(f.transport.ring_page_order, 0);
    let f = negotiate(&with("multi-queue-max-queues", "0"), &o).unwrap();
    assert_eq!(f.transport.queues, 1);
    let f = negotiate(&with("multi-queue-max-queues", "99999999999"), &o).unwrap();
    assert_eq!(f.transport.queues, MAX_QUEUES);
    let f = negotiate(&with("feature-max-indirect-segments", "4294967296000"), &o).unwrap();
    assert_eq!(f.indirect_segments, MAX_INDIRECT_SEGMENTS);
    // Too few indirect segments to be worth it: classic requests.
    let f = negotiate(&with("feature-max-indirect-segments", "11"), &o).unwrap();
    assert_eq!(f.indirect_segments, 0);
    // A malformed flag is off.
    let f = negotiate(&with("feature-persistent", "yes"), &o).unwrap();
    assert!(!f.persistent);
    // Discard parameters out of line are repaired.
    let f = negotiate(&with("discard-granularity", "1000"), &o).unwrap();
    assert_eq!(f.discard.unwrap().granularity, 512);
    let f = negotiate(&with("discard-alignment", "5000"), &o).unwrap();
    assert_eq!(f.discard.unwrap().alignment, 904);
    let f = negotiate(&without(&["discard-granularity", "discard-alignment"]), &o).unwrap();
    assert_eq!(f.discard.unwrap().granularity, 512);
    // A physical sector smaller than the logical one is the logical one.
    let f = negotiate(&with("physical-sector-size", "256"), &o).unwrap();
    assert_eq!(f.physical_sector_size, 512);
}

#[test]
fn large_sectors_count_512_byte_units_on_the_ring() {
    let mut n = with("sector-size", "4096");
    n.insert("physical-sector-size", "4096".into());
    let f = negotiate(&n, &Overrides::default()).unwrap();
    assert_eq!(f.sector_size, 4096);
    assert_eq!(
        f.sectors, 131072,
        "the backend's sectors are 512-byte units"
    );
    assert_eq!(f.logical_sectors(), 16384);
}

#[test]
fn front_nodes_follow_talk_to_blkback() {
    let one = Transport {
        ring_page_order: 0,
        queues: 1,
    };
    let q = |g: &[u32], port| QueueRefs {
        grefs: g.to_vec(),
        port,
    };
    let nodes = front_nodes(one, &[q(&[8], 5)], true);
    let want: Vec<(String, String)> = [
        ("protocol", "x86_64-abi"),
        ("feature-persistent", "1"),
        ("ring-ref", "8"),
        ("event-channel", "5"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(nodes, want);

    let two = Transport {
        ring_page_order: 1,
        queues: 2,
    };
    let nodes = front_nodes(two, &[q(&[8, 9], 5), q(&[10, 11], 6)], false);
    let keys: Vec<String> = nodes.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(
        keys,
        [
            "protocol=x86_64-abi",
            "feature-persistent=0",
            "ring-page-order=1",
            "multi-queue-num-queues=2",
            "queue-0/ring-ref0=8",
            "queue-0/ring-ref1=9",
            "queue-0/event-channel=5",
            "queue-1/ring-ref0=10",
            "queue-1/ring-ref1=11",
            "queue-1/event-channel=6",
        ]
    );
}
