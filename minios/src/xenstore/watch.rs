//! Watches: events for a path and its subtree, queued by token for their watcher.

use alloc::string::String;
use core::task::Poll;

use super::client::{pump, Xenstore};
use super::error::XsError;
use super::wire::Request;

/// A registered watch. Dropping it unregisters it.
pub struct Watch<'a> {
    pub(super) xs: &'a Xenstore,
    pub(super) path: String,
    pub(super) token: String,
    pub(super) active: bool,
}

impl Watch<'_> {
    /// The watched path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Waits for the next event and returns the path that changed (the watched path or one
    /// below it). Events can merge under a flood: re-read what you watch.
    pub async fn next(&mut self) -> Result<String, XsError> {
        core::future::poll_fn(|cx| {
            let mut inner = self.xs.inner.lock();
            pump(&mut inner);
            match inner.conn.poll_event(&self.token, cx.waker()) {
                Poll::Ready(Some(path)) => Poll::Ready(Ok(path)),
                Poll::Ready(None) => Poll::Ready(Err(XsError::Disconnected)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }

    /// The next queued event, if any, without waiting.
    pub fn try_next(&mut self) -> Option<String> {
        let mut inner = self.xs.inner.lock();
        pump(&mut inner);
        match inner
            .conn
            .poll_event(&self.token, core::task::Waker::noop())
        {
            Poll::Ready(p) => p,
            Poll::Pending => None,
        }
    }

    /// Unregisters the watch and waits for xenstored to confirm.
    pub async fn unwatch(mut self) -> Result<(), XsError> {
        self.active = false;
        self.xs.inner.lock().conn.remove_watch(&self.token);
        let req = Request::Unwatch(&self.path, &self.token);
        self.xs.call(0, req).await.map(drop)
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if self.active {
            let mut inner = self.xs.inner.lock();
            inner.conn.remove_watch(&self.token);
            // Nobody waits for the reply: detach the request at once.
            if let Ok(id) = inner
                .conn
                .submit(0, &Request::Unwatch(&self.path, &self.token))
            {
                inner.conn.detach(id);
            }
            pump(&mut inner);
        }
    }
}
