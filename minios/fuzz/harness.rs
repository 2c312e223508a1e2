//! The body of every minios fuzz target, by name. Shared by the cargo-fuzz binaries and by
//! `minios/tests/fuzz_corpora.rs`, which replays the saved corpora on the host.

use core::task::{Poll, Waker};

use minios::xenstore::conn::{Conn, MAX_QUEUED_EVENTS};
use minios::xenstore::wire::{self, Header, Message, Request, HEADER_LEN};

#[path = "bootp.rs"]
mod bootp;
#[path = "netfront.rs"]
mod netfront;
#[path = "tftp.rs"]
mod tftp;
#[path = "vchan.rs"]
mod vchan;

/// Every target name, as used for `fuzz_targets/NAME.rs` and `corpus/NAME/`.
#[allow(dead_code)] // read by the corpus replay test; each fuzz binary runs one target
pub const TARGETS: &[&str] = &[
    "xs_reply_stream",
    "xs_payload",
    "tftp_packet",
    "tftp_transfer",
    "netfront_rx",
    "bootp",
    "vchan",
];

/// Runs the target `name` on `data`. Parsers must return errors, never panic or hang.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "xs_reply_stream" => reply_stream(data),
        "xs_payload" => payload(data),
        "tftp_packet" => tftp::packet(data),
        "tftp_transfer" => tftp::transfer(data),
        "netfront_rx" => netfront::rx(data),
        "bootp" => bootp::packet(data),
        "vchan" => vchan::run(data),
        _ => panic!("unknown fuzz target {name}"),
    }
}

/// Bytes from xenstored, in pieces whose size the first byte picks, into a connection with a
/// request of each reply shape in flight and one watch.
fn reply_stream(data: &[u8]) {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let mut conn = Conn::new();
    let requests = [
        Request::Read("a"),
        Request::Directory("d"),
        Request::GetPerms("p"),
        Request::TransactionStart,
        Request::Watch("w", "tok"),
    ];
    conn.add_watch("tok");
    let ids: Vec<u32> = requests
        .iter()
        .map(|r| conn.submit(0, r).expect("valid request"))
        .collect();
    let sent = conn.output().0.len() + conn.output().1.len();
    for piece in stream.chunks(usize::from(chunk.max(1))) {
        conn.input(piece);
    }
    let waker = Waker::noop();
    for (id, req) in ids.iter().zip(requests) {
        if let Poll::Ready(Ok(reply)) = conn.poll_reply(*id, waker) {
            match req {
                Request::Directory(_) => drop(wire::parse_directory(&reply.payload)),
                Request::GetPerms(_) => drop(wire::parse_perms(&reply.payload)),
                Request::TransactionStart => drop(wire::parse_number(&reply.payload)),
                _ => {}
            }
        }
    }
    let mut events = 0;
    while let Poll::Ready(Some(path)) = conn.poll_event("tok", waker) {
        assert!(path.len() <= wire::PAYLOAD_MAX);
        events += 1;
    }
    assert!(events <= MAX_QUEUED_EVENTS);
    assert!(conn.in_flight() <= ids.len(), "replies never add requests");
    let after = conn.output().0.len() + conn.output().1.len();
    assert_eq!(sent, after, "input never queues output");
}

/// One message (header and payload) through every checked constructor and payload parser.
fn payload(data: &[u8]) {
    if let Some(head) = data.first_chunk::<HEADER_LEN>() {
        let h = Header::parse(head);
        assert_eq!(Header::parse(&h.to_bytes()), h);
    }
    if let Ok(m) = Message::new_checked(data) {
        assert_eq!(m.payload().len(), m.header().len as usize);
        assert!(m.payload().len() <= wire::PAYLOAD_MAX);
    }
    let _ = wire::parse_directory(data);
    let _ = wire::parse_perms(data);
    let _ = wire::parse_watch_event(data);
    let _ = wire::parse_number(data);
    let _ = wire::parse_error(data);
    assert!(wire::fields(data).count() <= data.len() + 1);
}
