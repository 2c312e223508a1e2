//! The frontend handshake against the in-memory xenstored, with a scripted backend that
//! follows the frontend's state the way blkback does.

use std::boxed::Box;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::{Frontend, XenbusError, XenbusState};
use crate::xenstore::tests::block_on;
use crate::xenstore::tests::fake::Fake;
use crate::xenstore::Xenstore;

const FE: &str = "/local/domain/7/device/vbd/51712";
const BE: &str = "/local/domain/0/backend/vbd/7/51712";

fn setup() -> (Fake, Xenstore) {
    let fake = Fake::new();
    {
        let mut s = fake.0.lock().unwrap();
        s.nodes
            .insert(format!("{FE}/backend"), BE.as_bytes().to_vec());
        s.nodes.insert(format!("{FE}/backend-id"), b"0".to_vec());
    }
    let xs = Xenstore::new(Box::new(fake.clone()));
    (fake, xs)
}

/// Polls `fut` to the end; between polls the backend reacts to the frontend's state.
/// `script` maps a frontend state to the backend state it answers with.
fn drive<F: Future>(
    fake: &Fake,
    fut: F,
    script: &dyn Fn(XenbusState) -> Option<XenbusState>,
) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let mut s = fake.0.lock().unwrap();
        let fe = s.nodes.get(&format!("{FE}/state")).cloned();
        let be = s.nodes.get(&format!("{BE}/state")).cloned();
        let fe = fe.and_then(|v| XenbusState::parse(std::str::from_utf8(&v).unwrap()));
        if let Some(next) = fe.and_then(script) {
            if be.as_deref() != Some(next.as_str().as_bytes()) {
                s.outside_write(&format!("{BE}/state"), next.as_str().as_bytes());
            }
        }
    }
    panic!("handshake never finished");
}

fn blkback(fe: XenbusState) -> Option<XenbusState> {
    use XenbusState::*;
    match fe {
        Initialising => Some(InitWait),
        Initialised | Connected => Some(XenbusState::Connected),
        Closing => Some(Closing),
        Closed => Some(Closed),
        _ => None,
    }
}

#[test]
fn states_parse_and_print_as_io_xenbus_h_numbers() {
    for n in 0..=8u8 {
        let s = XenbusState::parse(&n.to_string()).unwrap();
        assert_eq!(s.as_str(), n.to_string());
    }
    assert_eq!(XenbusState::parse("9"), None);
    assert_eq!(XenbusState::parse(""), None);
    assert_eq!(XenbusState::parse("4\0"), Some(XenbusState::Connected));
}

#[test]
fn connect_publishes_details_with_initialised_then_close() {
    let (fake, xs) = setup();
    let fe = block_on(Frontend::new(&xs, FE)).unwrap();
    assert_eq!((fe.backend(), fe.backend_id()), (BE, 0));
    let ring = drive(
        &fake,
        fe.connect(async |tx| {
            tx.write(&format!("{FE}/ring-ref"), "8").await?;
            tx.write(&format!("{FE}/event-channel"), "5").await?;
            Ok(8)
        }),
        &blkback,
    )
    .unwrap();
    assert_eq!(ring, 8);
    {
        let s = fake.0.lock().unwrap();
        assert_eq!(s.nodes[&format!("{FE}/ring-ref")], b"8");
        assert_eq!(s.nodes[&format!("{FE}/state")], b"4");
        assert_eq!(s.nodes[&format!("{BE}/state")], b"4");
    }
    drive(&fake, fe.close(), &blkback).unwrap();
    assert_eq!(block_on(fe.state()), Ok(XenbusState::Closed));
}

/// Linux's netback: it ignores Initialised and connects only when the frontend is Connected.
fn netback(fe: XenbusState) -> Option<XenbusState> {
    use XenbusState::*;
    match fe {
        Initialising | Initialised => Some(InitWait),
        Connected => Some(XenbusState::Connected),
        Closing => Some(Closing),
        Closed => Some(Closed),
        _ => None,
    }
}

#[test]
fn connect_direct_publishes_details_with_connected_for_netback() {
    let (fake, xs) = setup();
    let fe = block_on(Frontend::new(&xs, FE)).unwrap();
    let publish = async |tx: &crate::xenstore::Tx<'_>| {
        tx.write(&format!("{FE}/tx-ring-ref"), "8").await?;
        Ok(())
    };
    drive(&fake, fe.connect_direct(publish), &netback).unwrap();
    {
        let s = fake.0.lock().unwrap();
        assert_eq!(s.nodes[&format!("{FE}/tx-ring-ref")], b"8");
        assert_eq!(s.nodes[&format!("{FE}/state")], b"4");
        assert_eq!(s.nodes[&format!("{BE}/state")], b"4");
    }
    drive(&fake, fe.close(), &netback).unwrap();
}

#[test]
fn a_backend_that_closes_during_connect_is_an_error() {
    let (fake, xs) = setup();
    let fe = block_on(Frontend::new(&xs, FE)).unwrap();
    let r = drive(&fake, fe.connect(async |_| Ok(())), &|s| match s {
        XenbusState::Initialising => Some(XenbusState::InitWait),
        XenbusState::Initialised => Some(XenbusState::Closing),
        _ => None,
    });
    assert_eq!(r, Err(XenbusError::BackendClosed(XenbusState::Closing)));
}

#[test]
fn a_missing_device_and_a_bad_backend_id_are_errors() {
    let (fake, xs) = setup();
    assert!(matches!(
        block_on(Frontend::new(&xs, "device/vif/0")),
        Err(XenbusError::Xs(_))
    ));
    fake.0
        .lock()
        .unwrap()
        .nodes
        .insert(format!("{FE}/backend-id"), b"dom0".to_vec());
    assert!(matches!(
        block_on(Frontend::new(&xs, FE)),
        Err(XenbusError::BadBackendId)
    ));
}

#[test]
fn devices_are_listed_by_numeric_id() {
    let (fake, xs) = setup();
    {
        let mut s = fake.0.lock().unwrap();
        for id in ["51728", "268439552", "51712", "junk"] {
            let node = format!("/local/domain/7/device/vbd/{id}/backend-id");
            s.nodes.insert(node, b"0".to_vec());
        }
    }
    let ids: Vec<u32> = block_on(super::devices(&xs, "vbd"))
        .unwrap()
        .into_iter()
        .map(|(id, node)| {
            assert_eq!(node, format!("device/vbd/{id}"));
            id
        })
        .collect();
    assert_eq!(
        ids,
        [51712, 51728, 268439552],
        "xvda, xvdb, then an extended id"
    );
    assert_eq!(block_on(super::devices(&xs, "vif")), Ok(Vec::new()));
}

#[test]
fn backend_features_and_values() {
    let (fake, xs) = setup();
    {
        let mut s = fake.0.lock().unwrap();
        for (k, v) in [
            ("feature-persistent", "1"),
            ("feature-discard", "0"),
            ("feature-barrier", "yes"),
            ("sectors", "131072"),
            ("sector-size", "-512"),
        ] {
            s.nodes.insert(format!("{BE}/{k}"), v.as_bytes().to_vec());
        }
    }
    let fe = block_on(Frontend::new(&xs, FE)).unwrap();
    assert_eq!(block_on(fe.backend_flag("feature-persistent")), Ok(true));
    assert_eq!(block_on(fe.backend_flag("feature-discard")), Ok(false));
    assert_eq!(block_on(fe.backend_flag("feature-flush-cache")), Ok(false));
    assert_eq!(
        block_on(fe.backend_flag("feature-barrier")),
        Ok(false),
        "not a number: off"
    );
    assert_eq!(block_on(fe.backend_u64("sectors")), Ok(Some(131072)));
    assert_eq!(block_on(fe.backend_u64("max-ring-page-order")), Ok(None));
    let bad = block_on(fe.backend_u64("sector-size")).unwrap_err();
    assert_eq!(bad, XenbusError::BadValue { key: "sector-size" });
    assert_eq!(
        bad.to_string(),
        "the backend's sector-size node is malformed"
    );
}

#[test]
fn a_backend_that_goes_away_after_connecting_is_noticed() {
    for gone in [XenbusState::Closing, XenbusState::Closed] {
        let (fake, xs) = setup();
        let fe = block_on(Frontend::new(&xs, FE)).unwrap();
        drive(&fake, fe.connect(async |_| Ok(())), &blkback).unwrap();
        let seen = drive(&fake, fe.backend_gone(), &|s| {
            (s == XenbusState::Connected).then_some(gone)
        });
        assert_eq!(seen, Ok(gone));
    }
    // The backend's node vanishes with the device (xl block-detach of a dead backend).
    let (fake, xs) = setup();
    let fe = block_on(Frontend::new(&xs, FE)).unwrap();
    drive(&fake, fe.connect(async |_| Ok(())), &blkback).unwrap();
    let mut gone = pin!(fe.backend_gone());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(gone.as_mut().poll(&mut cx).is_pending());
    fake.0.lock().unwrap().outside_rm(&format!("{BE}/state"));
    assert_eq!(block_on(gone), Ok(XenbusState::Unknown));
}

#[test]
fn an_unreadable_backend_state_is_waited_for_like_a_missing_one() {
    // xenstored answers EACCES for a missing node under a parent we cannot read yet.
    let (fake, xs) = setup();
    let state = format!("{BE}/state");
    fake.0.lock().unwrap().private.push(state.clone());
    let fe = block_on(Frontend::new(&xs, FE)).unwrap();
    assert_eq!(block_on(fe.backend_state()), Ok(XenbusState::Unknown));
    let mut wait = pin!(fe.wait_backend(|s| s == XenbusState::InitWait));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    {
        let mut s = fake.0.lock().unwrap();
        s.private.clear();
        s.outside_write(&state, XenbusState::InitWait.as_str().as_bytes());
    }
    assert_eq!(block_on(wait), Ok(XenbusState::InitWait));
}
