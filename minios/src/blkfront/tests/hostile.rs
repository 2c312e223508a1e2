//! A backend that breaks the protocol: every violation fails the queue's requests with a
//! typed error, never a panic or a hang; errors it reports properly fail one request.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::fake::*;
use crate::abi::blkif::*;
use crate::blkfront::features::Overrides;
use crate::blkfront::{BlkError, Op, Violation};
use crate::ring::RingError;

fn rig() -> Rig {
    let nodes = linux_nodes(1 << 20);
    let mut rig = Rig::new(&nodes, &Overrides::parse("blk.queues=1").unwrap(), 1 << 20);
    rig.backend(0, |b| b.mode = Mode::Silent);
    rig.kicks = Kicks::default();
    rig
}

/// Starts a read of one page, lets the backend answer with `answer`, returns the result.
fn read_with(
    rig: &Rig,
    answer: impl FnOnce(&mut Backend, &[BlkifRequest]),
) -> Result<(), BlkError> {
    let mut buf = [0u8; 4096];
    let mut fut = pin!(rig.dev.read(8, &mut buf));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    rig.backend(0, |b| {
        let reqs = b.take_requests();
        answer(b, &reqs);
        b.publish();
    });
    rig.deliver();
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(r) => r,
        Poll::Pending => panic!("the read must have completed"),
    }
}

fn broken_with(rig: &Rig, v: Violation) {
    assert_eq!(
        rig.dev.queues()[0].lock().broken(),
        Some(BlkError::Protocol(v))
    );
    // Later requests fail at once with the same error.
    let mut buf = [0; 512];
    let mut fut = pin!(rig.dev.read(0, &mut buf));
    let r = fut.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    assert_eq!(r, Poll::Ready(Err(BlkError::Protocol(v))));
    // The pages the backend may still hold are set aside, ended once it closed.
    rig.backend(0, |b| b.unmap_all());
    assert!(rig.dev.queues()[0].lock().close().is_some());
    assert_eq!(rig.dev.queues()[0].lock().end_grants(), 0);
    assert_eq!(rig.grants_in_use(), 0);
}

#[test]
fn an_unknown_id_breaks_the_queue() {
    let rig = rig();
    let r = read_with(&rig, |b, reqs| {
        b.respond(reqs[0].id + 1000, BLKIF_OP_READ, 0)
    });
    let v = Violation::UnknownId(1000);
    assert_eq!(r, Err(BlkError::Protocol(v)));
    assert!(BlkError::Protocol(v)
        .to_string()
        .contains("response id 1000 was never issued"));
    broken_with(&rig, v);
}

#[test]
fn a_duplicate_response_breaks_the_queue() {
    let rig = rig();
    let (mut a, mut b) = ([0u8; 512], [0u8; 512]);
    let mut fa = pin!(rig.dev.read(0, &mut a));
    let mut fb = pin!(rig.dev.read(1, &mut b));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fa.as_mut().poll(&mut cx).is_pending());
    assert!(fb.as_mut().poll(&mut cx).is_pending());
    rig.backend(0, |b| {
        let reqs = b.take_requests();
        assert_eq!(reqs.len(), 2);
        b.respond(reqs[0].id, BLKIF_OP_READ, 0);
        b.respond(reqs[0].id, BLKIF_OP_READ, 0);
        b.publish();
    });
    rig.deliver();
    assert_eq!(fa.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    let v = Violation::UnknownId(0);
    assert_eq!(
        fb.as_mut().poll(&mut cx),
        Poll::Ready(Err(BlkError::Protocol(v)))
    );
    broken_with(&rig, v);
}

#[test]
fn a_response_for_another_operation_breaks_the_queue() {
    let rig = rig();
    let r = read_with(&rig, |b, reqs| b.respond(reqs[0].id, BLKIF_OP_WRITE, 0));
    let v = Violation::WrongOp {
        id: 0,
        sent: BLKIF_OP_READ,
        got: BLKIF_OP_WRITE,
    };
    assert_eq!(r, Err(BlkError::Protocol(v)));
    broken_with(&rig, v);
}

#[test]
fn a_status_that_is_no_blkif_rsp_value_breaks_the_queue() {
    let rig = rig();
    let r = read_with(&rig, |b, reqs| b.respond(reqs[0].id, BLKIF_OP_READ, 7));
    let v = Violation::BadStatus { id: 0, status: 7 };
    assert_eq!(r, Err(BlkError::Protocol(v)));
    broken_with(&rig, v);
}

#[test]
fn a_response_before_any_request_breaks_the_queue() {
    let rig = rig();
    rig.backend(0, |b| {
        b.respond(0, BLKIF_OP_READ, 0);
        b.publish();
    });
    rig.deliver();
    let v = Violation::Ring(RingError::ResponsesAhead {
        rsp_prod: 1,
        rsp_cons: 0,
        outstanding: 0,
    });
    broken_with(&rig, v);
}

#[test]
fn errors_the_backend_reports_fail_only_their_request() {
    let rig = rig();
    let r = read_with(&rig, |b, reqs| {
        b.respond(reqs[0].id, BLKIF_OP_READ, BLKIF_RSP_ERROR)
    });
    assert_eq!(r, Err(BlkError::Backend));
    assert_eq!(rig.dev.queues()[0].lock().broken(), None);
    // The flush is answered "not supported".
    let mut fut = pin!(rig.dev.flush());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    rig.backend(0, |b| {
        let reqs = b.take_requests();
        b.respond(reqs[0].id, reqs[0].operation, BLKIF_RSP_EOPNOTSUPP);
        b.publish();
    });
    rig.deliver();
    assert_eq!(
        fut.as_mut().poll(&mut cx),
        Poll::Ready(Err(BlkError::NotSupported(Op::Flush)))
    );
    // The queue still works.
    rig.backend(0, |b| b.mode = Mode::Honest);
    rig.run(rig.dev.read(0, &mut [0; 512])).unwrap();
    let s = rig.dev.stats()[0].pool;
    assert_eq!((s.out, s.set_aside), (0, 0));
}

#[test]
fn a_silent_backend_keeps_requests_pending_until_detach() {
    let rig = rig();
    let mut buf = [0u8; 512];
    let fut = rig.dev.read(0, &mut buf);
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..100 {
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        rig.step();
    }
    rig.dev.fail(BlkError::Gone);
    assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(Err(BlkError::Gone)));
}
