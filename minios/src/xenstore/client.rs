//! The asynchronous xenstore client: requests are futures matched to replies by `req_id`, so
//! any number of tasks can have requests in flight on the one ring.
//!
//! The client does not own a task. Whoever polls a request moves bytes ([`Xenstore::pump`]),
//! and so does the event-channel handler of the ring; each reply or watch event wakes the
//! task that waits for it.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use core::task::{Context, Poll};

use super::conn::{Conn, Reply, Stats};
use super::error::{Errno, XsError};
use super::tx::Tx;
use super::watch::Watch;
use super::wire::{self, Perm, Request};
use crate::abi::xen::DomId;
use crate::ring::RingError;

/// Moves bytes to and from xenstored (the shared ring, or a test double).
pub trait Transport: Send {
    /// Writes as much of `data` as fits; returns how much was written. An error means the
    /// transport is broken for good.
    fn write(&mut self, data: &[u8]) -> Result<usize, RingError>;
    /// Reads what is available into `buf`; returns how much was read. An error means the
    /// transport is broken for good.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, RingError>;
    /// Tells xenstored that the ring changed.
    fn notify(&mut self);
}

pub(super) struct Inner {
    pub(super) conn: Conn,
    io: Box<dyn Transport>,
}

/// How many times a transaction is retried after `EAGAIN` before the error is returned.
pub const MAX_TRANSACTION_ATTEMPTS: u32 = 1000;

/// A xenstore connection.
pub struct Xenstore {
    pub(super) inner: spin::Mutex<Inner>,
    next_token: AtomicU32,
    commits: AtomicU64,
    retries: AtomicU64,
}

/// Transaction counters of a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxStats {
    /// Transactions committed.
    pub commits: u64,
    /// Attempts that ended in `EAGAIN` and were retried.
    pub eagain_retries: u64,
}

impl Xenstore {
    /// A client speaking over `io`.
    pub fn new(io: Box<dyn Transport>) -> Self {
        Self {
            inner: spin::Mutex::new(Inner {
                conn: Conn::new(),
                io,
            }),
            next_token: AtomicU32::new(0),
            commits: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }
    }

    /// Moves queued requests to the ring and dispatches what xenstored sent, waking the
    /// tasks whose replies or events arrived. Cheap when nothing moved.
    pub fn pump(&self) {
        pump(&mut self.inner.lock());
    }

    /// Message counters of the connection.
    pub fn stats(&self) -> Stats {
        self.inner.lock().conn.stats()
    }

    /// Transaction counters.
    pub fn tx_stats(&self) -> TxStats {
        TxStats {
            commits: self.commits.load(Ordering::Relaxed),
            eagain_retries: self.retries.load(Ordering::Relaxed),
        }
    }

    fn at(&self, tx: u32) -> Tx<'_> {
        Tx { xs: self, id: tx }
    }

    /// Sends `req` in transaction `tx` and waits for the reply.
    pub(super) fn call(&self, tx: u32, req: Request<'_>) -> Call<'_> {
        let mut inner = self.inner.lock();
        let id = inner.conn.submit(tx, &req);
        pump(&mut inner);
        Call { xs: self, id }
    }

    /// Reads the value of `path` as text (relative paths are under our domain's home).
    pub async fn read(&self, path: &str) -> Result<String, XsError> {
        self.at(0).read(path).await
    }

    /// Reads the value of `path` as bytes.
    pub async fn read_bytes(&self, path: &str) -> Result<Vec<u8>, XsError> {
        self.at(0).read_bytes(path).await
    }

    /// Writes `value` to `path`, creating it and its parents.
    pub async fn write(&self, path: &str, value: impl AsRef<[u8]>) -> Result<(), XsError> {
        self.at(0).write(path, value).await
    }

    /// Creates `path` (empty) if it does not exist.
    pub async fn mkdir(&self, path: &str) -> Result<(), XsError> {
        self.at(0).mkdir(path).await
    }

    /// Removes `path` and everything below it.
    pub async fn rm(&self, path: &str) -> Result<(), XsError> {
        self.at(0).rm(path).await
    }

    /// The names of `path`'s children.
    pub async fn directory(&self, path: &str) -> Result<Vec<String>, XsError> {
        self.at(0).directory(path).await
    }

    /// The permissions of `path` (owner first).
    pub async fn get_perms(&self, path: &str) -> Result<Vec<Perm>, XsError> {
        self.at(0).get_perms(path).await
    }

    /// Sets the permissions of `path` (owner first).
    pub async fn set_perms(&self, path: &str, perms: &[Perm]) -> Result<(), XsError> {
        self.at(0).set_perms(path, perms).await
    }

    /// The home path of `domid` (`/local/domain/<domid>`).
    pub async fn domain_path(&self, domid: DomId) -> Result<String, XsError> {
        let r = self.call(0, Request::GetDomainPath(domid)).await?;
        text(r.payload)
    }

    /// Our domain id (the `domid` key of our home).
    pub async fn domid(&self) -> Result<DomId, XsError> {
        let s = self.read("domid").await?;
        Ok(DomId::try_from(wire::parse_number(s.as_bytes())?)
            .map_err(|_| super::WireError::BadNumber)?)
    }

    /// Watches `path` and its subtree. xenstored fires the watch once at once.
    pub async fn watch(&self, path: &str) -> Result<Watch<'_>, XsError> {
        let n = self.next_token.fetch_add(1, Ordering::Relaxed);
        let mut token = String::from("minios-w");
        token.push_str(itoa(n).as_str());
        self.inner.lock().conn.add_watch(&token);
        let watch = Watch {
            xs: self,
            path: String::from(path),
            token,
            active: true,
        };
        // On failure the Watch is dropped, which unregisters the token (and sends an
        // unwatch that xenstored answers with ENOENT, ignored).
        self.call(0, Request::Watch(path, &watch.token))
            .await
            .map(|_| watch)
    }

    /// Starts a transaction. Prefer [`Xenstore::transaction`], which retries on `EAGAIN`.
    pub async fn start(&self) -> Result<Tx<'_>, XsError> {
        let r = self.call(0, Request::TransactionStart).await?;
        let id = wire::parse_number(&r.payload)?;
        Ok(self.at(id))
    }

    /// Runs `f` in a transaction and commits it; on `EAGAIN` (from `f` or from the commit)
    /// it starts over, up to [`MAX_TRANSACTION_ATTEMPTS`] times. Any other error aborts the
    /// transaction and is returned.
    pub async fn transaction<R>(
        &self,
        mut f: impl AsyncFnMut(&Tx<'_>) -> Result<R, XsError>,
    ) -> Result<R, XsError> {
        for _ in 0..MAX_TRANSACTION_ATTEMPTS {
            let tx = self.start().await?;
            let outcome = match f(&tx).await {
                Ok(v) => tx.end(true).await.map(|()| v),
                Err(e) => {
                    // The abort's own result does not matter: the transaction is gone either way.
                    let _ = tx.end(false).await;
                    Err(e)
                }
            };
            match self.settle(outcome) {
                Some(r) => return r,
                None => continue,
            }
        }
        Err(XsError::Errno(Errno::EAGAIN))
    }

    /// Counts a transaction's outcome: `None` means retry.
    pub(super) fn settle<R>(&self, outcome: Result<R, XsError>) -> Option<Result<R, XsError>> {
        match outcome {
            Err(XsError::Errno(Errno::EAGAIN)) => {
                self.retries.fetch_add(1, Ordering::Relaxed);
                None
            }
            Ok(v) => {
                self.commits.fetch_add(1, Ordering::Relaxed);
                Some(Ok(v))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

pub(super) fn pump(inner: &mut Inner) {
    let Inner { conn, io } = inner;
    let mut moved = false;
    loop {
        let mut progress = false;
        let (a, _) = conn.output();
        if !a.is_empty() {
            let wrote = io.write(a);
            let Some(n) = broken(conn, wrote) else {
                return;
            };
            conn.consume_output(n);
            progress |= n > 0;
        }
        let mut buf = [0u8; 256];
        let read = io.read(&mut buf);
        let Some(n) = broken(conn, read) else {
            return;
        };
        if n > 0 {
            conn.input(buf.get(..n).unwrap_or(&[]));
            progress = true;
        }
        if !progress {
            break;
        }
        moved = true;
    }
    if moved {
        io.notify();
    }
}

/// The count moved, or `None` after disconnecting `conn` because the ring broke.
fn broken(conn: &mut Conn, moved: Result<usize, RingError>) -> Option<usize> {
    match moved {
        Ok(n) => Some(n),
        Err(e) => {
            log::error!("xenstore: {e}; every request now fails");
            conn.disconnect();
            None
        }
    }
}

fn itoa(mut n: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

pub(super) fn text(payload: Vec<u8>) -> Result<String, XsError> {
    let mut payload = payload;
    if payload.last() == Some(&0) {
        payload.pop();
    }
    String::from_utf8(payload).map_err(|_| XsError::Wire(super::error::WireError::NotUtf8))
}

/// A request in flight: resolves to xenstored's reply.
pub(super) struct Call<'a> {
    xs: &'a Xenstore,
    id: Result<u32, XsError>,
}

impl Future for Call<'_> {
    type Output = Result<Reply, XsError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let id = match self.id {
            Ok(id) => id,
            Err(e) => return Poll::Ready(Err(e)),
        };
        let mut inner = self.xs.inner.lock();
        pump(&mut inner);
        let r = inner.conn.poll_reply(id, cx.waker());
        drop(inner);
        if r.is_ready() {
            self.id = Err(XsError::Disconnected);
        }
        r
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        if let Ok(id) = self.id {
            self.xs.inner.lock().conn.detach(id);
        }
    }
}
