//! Whole transfers against a well-behaved server: negotiated, plain, rolled over, and the
//! edge sizes; the bytes of the RRQ and every ACK.

use super::fake::{deliver, file, run, FakeServer};
use crate::tftp::{Negotiated, Options, Status};

/// 8-byte blocks, window `windowsize`, no timeout option, 64 MiB cap.
fn small(windowsize: u16) -> Options {
    Options {
        blksize: 8,
        windowsize,
        timeout_s: None,
        want_tsize: true,
        ..Options::default()
    }
}

#[test]
fn negotiated_transfer_with_blksize_windowsize_and_tsize() {
    let content = file(100_000);
    let mut server = FakeServer::new(content.clone());
    let opts = Options {
        blksize: 1468,
        windowsize: 8,
        ..Options::default()
    };
    let r = run(&mut server, opts, deliver, deliver);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.data, content);
    assert_eq!(r.timeouts, 0);
    assert_eq!(
        server.got[0],
        b"\x00\x01boot/vmlinuz\0octet\0blksize\x001468\0windowsize\x008\0timeout\x001\0tsize\x000\0"
    );
    // ACK 0 for the OACK, then the end of each window of 8, then the last (short) block 69.
    let blocks = (100_000 / 1468 + 1) as u16;
    let mut want: Vec<u16> = (0..blocks).step_by(8).collect();
    want.push(blocks);
    assert_eq!(server.acks(), want);
    assert_eq!(server.got[1], b"\x00\x04\x00\x00");
}

#[test]
fn negotiated_values_are_what_the_server_answered() {
    let (client, _) = super::fake::midway(&file(5000), Options::default(), 1);
    let want = Negotiated {
        blksize: 1468,
        windowsize: 8,
        tsize: Some(5000),
    };
    assert_eq!(client.negotiated(), want);
    // A server offering less: smaller values are taken.
    let mut server = FakeServer::new(file(20_000));
    server.max_blksize = 1024;
    server.max_window = 4;
    let r = run(&mut server, Options::default(), deliver, deliver);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.data, file(20_000));
    assert_eq!(server.acks(), [0, 4, 8, 12, 16, 20]);
}

#[test]
fn a_server_without_options_gets_a_plain_512_byte_transfer() {
    let content = file(1300);
    let mut server = FakeServer::new(content.clone());
    server.options = false;
    let r = run(&mut server, Options::default(), deliver, deliver);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.data, content);
    // No ACK 0 (no OACK), each 512-byte block acknowledged.
    assert_eq!(server.acks(), [1, 2, 3]);
    assert_eq!(server.got[1], b"\x00\x04\x00\x01");
}

#[test]
fn plain_options_send_a_bare_rfc_1350_request() {
    let mut server = FakeServer::new(file(10));
    let r = run(&mut server, Options::plain(1 << 20), deliver, deliver);
    assert_eq!(r.status, Status::Done);
    assert_eq!(server.got[0], b"\x00\x01boot/vmlinuz\0octet\0");
    assert_eq!(server.acks(), [1]);
}

#[test]
fn block_numbers_roll_over_past_65535() {
    // 70000 blocks of 8 bytes: block 0 follows block 65535.
    for windowsize in [1, 16] {
        let content = file(70_000 * 8 + 3);
        let mut server = FakeServer::new(content.clone());
        let r = run(&mut server, small(windowsize), deliver, deliver);
        assert_eq!(r.status, Status::Done, "window {windowsize}");
        assert_eq!(r.data, content, "window {windowsize}");
        let acks = server.acks();
        let wrap = acks.windows(2).position(|w| w[1] < w[0]).unwrap();
        assert_eq!(acks[wrap], 65535 - (65535 % windowsize));
        assert_eq!(acks[wrap + 1], windowsize - 1 - (65535 % windowsize));
        assert_eq!(*acks.last().unwrap(), (70_001 % 65536) as u16);
    }
}

#[test]
fn a_zero_length_file_is_one_empty_block() {
    for with_options in [true, false] {
        let mut server = FakeServer::new(Vec::new());
        server.options = with_options;
        let r = run(&mut server, Options::default(), deliver, deliver);
        assert_eq!(r.status, Status::Done);
        assert!(r.data.is_empty());
        let want: &[u16] = if with_options { &[0, 1] } else { &[1] };
        assert_eq!(server.acks(), want);
    }
}

#[test]
fn a_file_of_whole_blocks_ends_with_an_empty_block() {
    let content = file(8 * 24);
    let mut server = FakeServer::new(content.clone());
    let r = run(&mut server, small(8), deliver, deliver);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.data, content);
    // 24 full blocks, then the empty block 25.
    assert_eq!(server.acks(), [0, 8, 16, 24, 25]);
}

#[test]
fn a_file_of_exactly_max_size_is_accepted() {
    let content = file(4096);
    let mut server = FakeServer::new(content.clone());
    server.tsize = false;
    let opts = Options {
        max_size: 4096,
        ..small(4)
    };
    let r = run(&mut server, opts, deliver, deliver);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.data, content);
}
