//! Negotiation and the nodes we publish.

use super::fake::linux_nodes;
use crate::netfront::features::*;
use crate::netfront::handshake::{front_nodes, Ports, QueueRefs};
use crate::netfront::NetError;

const MAC: &str = "00:16:3e:0a:0b:0c";

fn nodes_with(key: &'static str, value: &str) -> crate::blkfront::features::BackendNodes {
    let mut n = linux_nodes();
    n.insert(key, value.into());
    n
}

#[test]
fn everything_netback_offers_is_used() {
    let f = Features::negotiate(&linux_nodes(), MAC, &Overrides::default()).unwrap();
    assert_eq!(f.mac, [0x00, 0x16, 0x3e, 0x0a, 0x0b, 0x0c]);
    assert_eq!(f.mtu, 1500);
    assert!(f.sg && f.csum && f.split_events);
    assert!(f.gso_tcpv4 && f.gso_tcpv6);
    assert!(f.backend_gso_tcpv4 && f.backend_gso_tcpv6 && f.backend_ipv6_csum);
    assert_eq!(f.queues, 2);
    assert_eq!((f.rx_frame(), f.tx_frame()), (0xffff, 1514));
    let g = Features::negotiate(&linux_nodes(), MAC, &Overrides::parse("net.gso=0").unwrap());
    let g = g.unwrap();
    assert!(!g.gso_tcpv4 && !g.gso_tcpv6, "GSO can be switched off");
    assert_eq!((g.rx_frame(), g.max_slots()), (1514, 18));
}

#[test]
fn without_rx_copy_the_device_is_refused() {
    let mut n = linux_nodes();
    n.insert("feature-rx-copy", "0".into());
    let e = Features::negotiate(&n, MAC, &Overrides::default()).unwrap_err();
    assert_eq!(e, NetError::NoRxCopy);
    assert!(e.to_string().contains("feature-rx-copy"));
    let n = crate::blkfront::features::BackendNodes::new();
    assert_eq!(
        Features::negotiate(&n, MAC, &Overrides::default()),
        Err(NetError::NoRxCopy)
    );
}

#[test]
fn a_backend_offering_only_rx_copy_gets_the_classic_protocol() {
    let mut n = crate::blkfront::features::BackendNodes::new();
    n.insert("feature-rx-copy", "1".into());
    let f = Features::negotiate(&n, MAC, &Overrides::default()).unwrap();
    assert!(!f.sg && !f.split_events && !f.gso_tcpv4);
    assert!(f.csum, "netback always takes blank checksums");
    assert_eq!((f.queues, f.max_slots()), (1, 1));
}

#[test]
fn each_feature_can_be_switched_off() {
    let o = Overrides::parse("net.sg=0 net.csum=0 net.split=0 net.queues=1 net.gso=1").unwrap();
    let f = Features::negotiate(&linux_nodes(), MAC, &o).unwrap();
    assert!(!f.sg && !f.csum && !f.split_events);
    assert!(!f.gso_tcpv4, "GSO needs sg");
    assert_eq!(f.queues, 1);
    for bad in [
        "net.sg=2",
        "net.queues=0",
        "net.queues=5",
        "net.gso",
        "net.what=1",
    ] {
        let e = Overrides::parse(bad).unwrap_err();
        assert!(e.to_string().contains("net.sg=0|1"), "{e}");
    }
    assert_eq!(
        Overrides::parse("blk.queues=1 quiet").unwrap(),
        Overrides::default()
    );
}

#[test]
fn nodes_the_backend_lies_about() {
    let o = Overrides::default();
    let f = |k, v| Features::negotiate(&nodes_with(k, v), MAC, &o).unwrap();
    assert!(!f("feature-sg", "yes").sg, "malformed is off");
    assert_eq!(
        f("multi-queue-max-queues", "64").queues,
        4,
        "capped to ours"
    );
    assert_eq!(f("multi-queue-max-queues", "0").queues, 1);
    assert_eq!(f("multi-queue-max-queues", "x").queues, 1);
    assert_eq!(f("mtu", "9000").mtu, 9000);
    assert_eq!(f("mtu", "9000").tx_frame(), 9014);
    assert_eq!(f("mtu", "9000").rx_frame(), 0xffff, "GSO packets are taken");
    assert_eq!(f("mtu", "10").mtu, 1500);
    assert_eq!(f("mtu", "70000").mtu, 1500);
    assert_eq!(f("mtu", "nine").mtu, 1500);
    assert!(!f("feature-no-csum-offload", "1").csum);
    let mut n = nodes_with("mtu", "9000");
    n.insert("feature-sg", "0".into());
    let f = Features::negotiate(&n, MAC, &o).unwrap();
    assert_eq!(f.mtu, 4096 - 14, "one slot per packet without sg");
}

#[test]
fn macs() {
    assert_eq!(
        parse_mac("0:16:3e:a:b:c\0"),
        Ok([0, 0x16, 0x3e, 10, 11, 12])
    );
    for bad in [
        "",
        "00:16:3e:0a:0b",
        "00:16:3e:0a:0b:0c:0d",
        "00:16:3e:0a:0b:0cc",
        "00:16:3e:0a:0b:zz",
        "01:16:3e:0a:0b:0c",
        "00-16-3e-0a-0b-0c",
        "00:16:3e::0b:0c",
    ] {
        assert_eq!(parse_mac(bad), Err(NetError::BadMac), "{bad:?}");
    }
}

#[test]
fn published_nodes() {
    let f = Features::negotiate(
        &linux_nodes(),
        MAC,
        &Overrides::parse("net.queues=1").unwrap(),
    );
    let mut f = f.unwrap();
    f.split_events = false;
    let one = [QueueRefs {
        tx: 8,
        rx: 9,
        ports: Ports::Shared(5),
    }];
    let got = front_nodes(&f, &one);
    let want = [
        ("request-rx-copy", "1"),
        ("feature-rx-notify", "1"),
        ("feature-sg", "1"),
        ("feature-gso-tcpv4", "1"),
        ("feature-gso-tcpv6", "1"),
        ("feature-no-csum-offload", "0"),
        ("feature-ipv6-csum-offload", "0"),
        ("tx-ring-ref", "8"),
        ("rx-ring-ref", "9"),
        ("event-channel", "5"),
    ];
    let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got, want);
    let two = [
        QueueRefs {
            tx: 8,
            rx: 9,
            ports: Ports::Split { tx: 5, rx: 6 },
        },
        QueueRefs {
            tx: 10,
            rx: 11,
            ports: Ports::Split { tx: 7, rx: 8 },
        },
    ];
    let got = front_nodes(&f, &two);
    let has = |k: &str, v: &str| got.iter().any(|(a, b)| a == k && b == v);
    assert!(has("multi-queue-num-queues", "2"));
    assert!(has("queue-0/tx-ring-ref", "8") && has("queue-1/rx-ring-ref", "11"));
    assert!(has("queue-0/event-channel-tx", "5") && has("queue-1/event-channel-rx", "8"));
    assert!(!got
        .iter()
        .any(|(k, _)| k == "tx-ring-ref" || k == "event-channel"));
}
