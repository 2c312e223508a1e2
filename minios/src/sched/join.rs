//! The handle of a spawned task: await it for the task's output.

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Shared between a task and its handle.
pub(super) struct JoinState<T> {
    output: Option<T>,
    finished: bool,
    waiter: Option<Waker>,
}

impl<T> Default for JoinState<T> {
    fn default() -> Self {
        Self {
            output: None,
            finished: false,
            waiter: None,
        }
    }
}

impl<T> JoinState<T> {
    /// Stores the task's output and wakes the handle's waiter.
    pub(super) fn finish(state: &spin::Mutex<Self>, output: T) {
        let waiter = {
            let mut s = state.lock();
            s.output = Some(output);
            s.finished = true;
            s.waiter.take()
        };
        if let Some(w) = waiter {
            w.wake();
        }
    }
}

/// Awaits a spawned task's output. Dropping the handle detaches the task (it keeps running).
pub struct JoinHandle<T> {
    state: Arc<spin::Mutex<JoinState<T>>>,
}

impl<T> JoinHandle<T> {
    pub(super) fn new(state: Arc<spin::Mutex<JoinState<T>>>) -> Self {
        Self { state }
    }

    /// Whether the task has completed.
    pub fn is_finished(&self) -> bool {
        self.state.lock().finished
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    /// Ready with the output once the task completed. Polling again after that is a bug
    /// and panics.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.state.lock();
        if s.finished {
            return Poll::Ready(s.output.take().expect("JoinHandle polled after completion"));
        }
        s.waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}
