//! Host tests of the xenstore client against an in-memory xenstored ([`fake`]).

pub(crate) mod fake;
mod wire;

use std::boxed::Box;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::{Errno, WireError, Xenstore, XsError};
use fake::{msg, Fake};

pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future never completed");
}

fn setup() -> (Fake, Xenstore) {
    let fake = Fake::new();
    let xs = Xenstore::new(Box::new(fake.clone()));
    (fake, xs)
}

#[test]
fn a_broken_ring_fails_every_request_and_watch() {
    let (fake, xs) = setup();
    let mut watch = block_on(xs.watch("data")).unwrap();
    assert!(block_on(watch.next()).is_ok(), "the initial event");
    fake.0.lock().unwrap().broken = Some(crate::ring::RingError::ProducerAhead {
        prod: 5000,
        cons: 0,
        size: 1024,
    });
    assert_eq!(block_on(xs.read("domid")), Err(XsError::Disconnected));
    assert_eq!(
        block_on(xs.write("data/a", "1")),
        Err(XsError::Disconnected)
    );
    assert_eq!(
        block_on(watch.next()),
        Err(XsError::Disconnected),
        "the watch is gone"
    );
    fake.0.lock().unwrap().broken = None;
    assert_eq!(
        block_on(xs.read("domid")),
        Err(XsError::Disconnected),
        "broken for good"
    );
}

#[test]
fn read_write_mkdir_rm_directory() {
    let (fake, xs) = setup();
    assert_eq!(block_on(xs.read("domid")), Ok("7".into()));
    block_on(xs.write("data/a", "1")).unwrap();
    block_on(xs.write("data/b", b"two")).unwrap();
    block_on(xs.mkdir("data/c")).unwrap();
    assert_eq!(
        block_on(xs.read("/local/domain/7/data/b")),
        Ok("two".into())
    );
    assert_eq!(block_on(xs.read("data/c")), Ok(String::new()));
    assert_eq!(
        block_on(xs.directory("data")),
        Ok(vec!["a".into(), "b".into(), "c".into()])
    );
    block_on(xs.rm("data/a")).unwrap();
    assert_eq!(
        block_on(xs.read("data/a")),
        Err(XsError::Errno(Errno::ENOENT))
    );
    assert_eq!(block_on(xs.domain_path(3)), Ok("/local/domain/3".into()));
    assert!(
        fake.0.lock().unwrap().notifies > 0,
        "xenstored was notified"
    );
    assert_eq!(xs.stats().dropped, 0);
}

#[test]
fn errors_are_typed() {
    let (fake, xs) = setup();
    fake.0
        .lock()
        .unwrap()
        .private
        .push("/local/domain/0/name".into());
    assert_eq!(
        block_on(xs.read("/local/domain/0/name")),
        Err(XsError::Errno(Errno::EACCES))
    );
    assert_eq!(
        block_on(xs.read("bad\0path")),
        Err(XsError::Errno(Errno::EINVAL)),
        "refused before sending"
    );
    let huge = vec![b'x'; 5000];
    assert_eq!(
        block_on(xs.write("big", &huge)),
        Err(XsError::Errno(Errno::E2BIG))
    );
    assert_eq!(xs.stats().requests, 1, "only the first request was sent");
}

#[test]
fn messages_larger_than_the_ring_in_small_pieces() {
    let (fake, xs) = setup();
    fake.0.lock().unwrap().chunk = 7;
    let value: Vec<u8> = (0..4000u32).map(|i| b'a' + (i % 26) as u8).collect();
    block_on(xs.write("big", &value)).unwrap();
    assert_eq!(block_on(xs.read_bytes("big")), Ok(value));
}

#[test]
fn several_requests_in_flight_are_matched_by_req_id() {
    let (fake, xs) = setup();
    for k in ["x", "y", "z"] {
        block_on(xs.write(k, k.to_uppercase())).unwrap();
    }
    fake.0.lock().unwrap().reverse_batch = 3;
    let mut a = pin!(xs.read("x"));
    let mut b = pin!(xs.read("y"));
    let mut c = pin!(xs.read("z"));
    let mut cx = Context::from_waker(Waker::noop());
    let (mut ra, mut rb, mut rc) = (None, None, None);
    for _ in 0..100 {
        // Poll c first: its reply is the first to arrive, the others' come after.
        if rc.is_none() {
            if let Poll::Ready(v) = c.as_mut().poll(&mut cx) {
                rc = Some(v);
            }
        }
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(&mut cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(&mut cx) {
                rb = Some(v);
            }
        }
    }
    assert_eq!(xs.stats().max_in_flight, 3);
    assert_eq!(ra, Some(Ok("X".into())));
    assert_eq!(rb, Some(Ok("Y".into())));
    assert_eq!(rc, Some(Ok("Z".into())));
}

#[test]
fn watch_events_reach_the_watcher_between_replies() {
    let (fake, xs) = setup();
    let mut w = block_on(xs.watch("data")).unwrap();
    assert_eq!(
        block_on(w.next()),
        Ok("/local/domain/7/data".into()),
        "initial event"
    );
    fake.0
        .lock()
        .unwrap()
        .outside_write("/local/domain/7/data/k", b"v");
    // An event for another token and one for ours arrive in front of a read's reply.
    {
        let mut s = fake.0.lock().unwrap();
        s.inject = msg(15, 0, 0, b"/elsewhere\0other-token\0");
        s.inject
            .extend(msg(15, 0, 0, b"/local/domain/7/data/q\0minios-w0\0"));
    }
    assert_eq!(block_on(xs.read("domid")), Ok("7".into()));
    assert_eq!(block_on(w.next()), Ok("/local/domain/7/data/k".into()));
    assert_eq!(w.try_next(), Some("/local/domain/7/data/q".into()));
    assert_eq!(w.try_next(), None);
    assert_eq!(xs.stats().dropped, 1, "the unknown token was dropped");
    block_on(w.unwatch()).unwrap();
    fake.0
        .lock()
        .unwrap()
        .outside_write("/local/domain/7/data/k", b"w");
    block_on(xs.read("domid")).unwrap();
    assert_eq!(xs.stats().watch_events, 3);
}

#[test]
fn transactions_retry_on_eagain_and_commit_once() {
    let (fake, xs) = setup();
    block_on(xs.write("counter", "0")).unwrap();
    fake.0.lock().unwrap().conflict_on_commit =
        Some(("/local/domain/7/other".into(), b"x".to_vec()));
    let mut runs = 0;
    let n = block_on(xs.transaction(async |tx| {
        runs += 1;
        let n: u32 = tx.read("counter").await?.parse().unwrap();
        tx.write("counter", (n + 1).to_string()).await?;
        Ok(n + 1)
    }))
    .unwrap();
    assert_eq!((n, runs), (1, 2), "the first commit conflicted");
    assert_eq!(block_on(xs.read("counter")), Ok("1".into()));
    let stats = xs.tx_stats();
    assert_eq!((stats.commits, stats.eagain_retries), (1, 1));
    assert_eq!(fake.0.lock().unwrap().commits, 1);
}

#[test]
fn a_failing_transaction_is_aborted() {
    let (fake, xs) = setup();
    let r: Result<(), _> = block_on(xs.transaction(async |tx| {
        tx.write("t", "1").await?;
        tx.read("missing").await.map(drop)
    }));
    assert_eq!(r, Err(XsError::Errno(Errno::ENOENT)));
    assert_eq!(block_on(xs.read("t")), Err(XsError::Errno(Errno::ENOENT)));
    assert_eq!(fake.0.lock().unwrap().commits, 0);
}

#[test]
fn malformed_replies_fail_the_request_not_the_client() {
    let (fake, xs) = setup();
    // Request 1 gets a reply of the wrong type first (its real reply is dropped later);
    // request 2 gets an oversized message, skipped by its length; request 3 still works.
    {
        let mut s = fake.0.lock().unwrap();
        s.inject = msg(1, 1, 0, b"a\0b\0");
    }
    assert_eq!(
        block_on(xs.read("domid")),
        Err(XsError::Wire(WireError::UnexpectedType(1)))
    );
    {
        let mut s = fake.0.lock().unwrap();
        let mut big = fake::msg(2, 2, 0, &[]);
        big[12..16].copy_from_slice(&5000u32.to_le_bytes());
        big.extend(vec![0xaa; 5000]);
        s.inject = big;
    }
    assert_eq!(
        block_on(xs.read("domid")),
        Err(XsError::Wire(WireError::PayloadTooLong(5000)))
    );
    assert_eq!(block_on(xs.read("domid")), Ok("7".into()), "still in step");
    assert_eq!(xs.stats().oversized, 1);
    assert_eq!(
        xs.stats().dropped,
        2,
        "the two real replies nobody waited for"
    );
}

#[test]
fn perms_round_trip_through_the_wire_format() {
    let (_fake, xs) = setup();
    let perms = block_on(xs.get_perms("domid")).unwrap();
    use super::{Access, Perm};
    assert_eq!(
        perms,
        [
            Perm {
                domid: 7,
                access: Access::Both
            },
            Perm {
                domid: 0,
                access: Access::Read
            }
        ]
    );
    block_on(xs.set_perms("domid", &perms)).unwrap();
}

#[test]
fn dropping_a_request_detaches_it() {
    let (fake, xs) = setup();
    fake.0.lock().unwrap().reverse_batch = 2;
    {
        let mut a = pin!(xs.read("domid"));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(a.as_mut().poll(&mut cx).is_pending());
    }
    // The second request releases both replies; the first one's is dropped quietly.
    assert_eq!(block_on(xs.read("domid")), Ok("7".into()));
    let s = xs.stats();
    assert_eq!((s.dropped, s.replies), (0, 1));
}
