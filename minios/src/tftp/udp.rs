//! TFTP over UDP on a [`Stack`]: the pure [`Client`] driven with a smoltcp UDP socket on an
//! ephemeral port. Every wait is bounded by the client's deadline (its retransmissions are
//! bounded by [`Options::tries`]), so a server that stops answering ends the transfer with
//! [`TftpError::NoAnswer`].

use alloc::vec;
use core::fmt;
use core::net::{Ipv4Addr, SocketAddr};

use smoltcp::socket::udp;
use smoltcp::wire::IpEndpoint;

use super::wire::ErrorCode;
use super::{Client, Datagram, Negotiated, Options, Status, TftpError};
use crate::net::{Stack, StackError};
use crate::time::{Duration, Instant};

/// The TFTP server port (RFC 1350).
pub const PORT: u16 = 69;
/// How long the last ACK (or an ERROR) may take to leave before the socket is dropped.
const FLUSH_LIMIT: Duration = Duration::from_secs(1);

/// A finished transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fetched {
    /// Bytes handed to the sink.
    pub size: u64,
    /// DATA blocks received in order.
    pub blocks: u64,
    /// What the transfer ran with.
    pub negotiated: Negotiated,
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The transfer failed.
    Tftp(TftpError),
    /// The network stack stopped working.
    Net(StackError),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tftp(e) => write!(f, "{e}"),
            Self::Net(e) => write!(f, "{e}"),
        }
    }
}

impl From<TftpError> for FetchError {
    fn from(e: TftpError) -> Self {
        Self::Tftp(e)
    }
}

impl From<StackError> for FetchError {
    fn from(e: StackError) -> Self {
        Self::Net(e)
    }
}

/// Reads `file` from the TFTP server at `server` (port 69) with `opts`, handing the bytes in
/// order to `sink`; a sink that refuses them (its message) aborts the transfer with ERROR 3.
pub async fn fetch(
    stack: &mut Stack,
    server: Ipv4Addr,
    file: &str,
    opts: Options,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), &'static str>,
) -> Result<Fetched, FetchError> {
    let mut client = Client::new(
        SocketAddr::new(server.into(), PORT),
        file,
        opts,
        Instant::now(),
    )?;
    // Room for two windows of the largest blocks asked for.
    let block = usize::from(opts.blksize) + 4;
    let window = usize::from(opts.windowsize).clamp(1, 256);
    let rx = udp::PacketBuffer::new(
        vec![udp::PacketMetadata::EMPTY; (2 * window).max(16)],
        vec![0; (2 * window * block).clamp(64 << 10, 2 << 20)],
    );
    let tx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 8], vec![0; 4096]);
    let h = stack.add(udp::Socket::new(rx, tx));
    let port = stack.ephemeral_port();
    let r = match stack.socket::<udp::Socket>(h).bind(port) {
        Ok(()) => transfer(stack, h, &mut client, sink).await,
        Err(e) => {
            log::warn!("tftp: binding UDP port {port}: {e}");
            Err(StackError::Gone.into())
        }
    };
    flush(stack, h).await;
    stack.remove(h);
    r
}

async fn transfer(
    stack: &mut Stack,
    h: smoltcp::iface::SocketHandle,
    client: &mut Client,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), &'static str>,
) -> Result<Fetched, FetchError> {
    send(stack, h, client.start());
    let mut buf = vec![0u8; 65536];
    loop {
        stack.poll();
        stack.check()?;
        let mut status = client.status();
        while status == Status::Running {
            let Ok((n, meta)) = stack.socket::<udp::Socket>(h).recv_slice(&mut buf) else {
                break;
            };
            let step = client.receive(meta.endpoint.into(), &buf[..n], Instant::now());
            let data = step.data;
            status = step.status;
            if let Some(d) = step.send {
                send(stack, h, d);
            }
            if !data.is_empty() {
                if let Err(why) = sink(data) {
                    if let Some(d) = client.abort(ErrorCode::DISK_FULL, why) {
                        send(stack, h, d);
                    }
                    status = client.status();
                }
            }
        }
        let now = Instant::now();
        if status == Status::Running && client.deadline().is_some_and(|d| now >= d) {
            let step = client.poll_timeout(now);
            status = step.status;
            if let Some(d) = step.send {
                send(stack, h, d);
            }
        }
        match status {
            Status::Running => {}
            Status::Done => {
                return Ok(Fetched {
                    size: client.delivered(),
                    blocks: client.blocks(),
                    negotiated: client.negotiated(),
                })
            }
            Status::Failed(e) => return Err(e.into()),
        }
        // What was queued leaves now, not after the wait.
        stack.poll();
        let wait = client
            .deadline()
            .map_or(Duration::ZERO, |d| d.duration_since(Instant::now()));
        stack.wait(wait).await;
    }
}

/// Queues a datagram; a full queue drops it (the client sends it again at its deadline).
fn send(stack: &mut Stack, h: smoltcp::iface::SocketHandle, d: Datagram<'_>) {
    let SocketAddr::V4(to) = d.to else { return };
    let s = stack.socket::<udp::Socket>(h);
    if let Err(e) = s.send_slice(d.bytes, IpEndpoint::from(to)) {
        log::debug!("tftp: a datagram to {to} not queued: {e}");
    }
}

/// Lets the last datagrams leave (bounded) before the socket goes.
async fn flush(stack: &mut Stack, h: smoltcp::iface::SocketHandle) {
    let end = Instant::now() + FLUSH_LIMIT;
    loop {
        stack.poll();
        let now = Instant::now();
        if stack.socket::<udp::Socket>(h).send_queue() == 0 || now >= end || stack.check().is_err()
        {
            return;
        }
        stack
            .wait(end.duration_since(now).min(Duration::from_millis(10)))
            .await;
    }
}
