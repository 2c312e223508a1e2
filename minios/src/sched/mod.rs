//! Scheduling: a cooperative async executor on the one vCPU.
//!
//! minios runs async tasks rather than threads: one stack, no context switch code, and
//! drivers, smoltcp and the xenstore client all wait the same way (a future woken by an
//! event channel or a timer). [`spawn`] adds a task, [`block_on`] runs a future to completion
//! while running the tasks; `minios::main!(async main)` runs the application's main that
//! way. When no task is ready the executor delivers events and expired timers, arms the
//! one-shot timer for the next deadline and sleeps in SCHEDOP_block: an idle domain uses no
//! CPU. Tasks must yield (await) to let others run; a task that spins starves the rest.

pub mod executor;
pub mod join;

pub use executor::{Executor, Platform};
pub use join::JoinHandle;

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Yields once to the other ready tasks.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
#[derive(Debug)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(target_os = "none")]
mod xen {
    use super::{Executor, JoinHandle, Platform};
    use core::future::Future;

    static EXECUTOR: spin::Once<Executor> = spin::Once::new();

    fn executor() -> &'static Executor {
        EXECUTOR.call_once(Executor::new)
    }

    /// Xen as the executor's platform: events, timers and SCHEDOP_block.
    struct Xen;

    impl Platform for Xen {
        fn poll_sources(&self) {
            crate::events::dispatch();
            crate::time::wake_expired();
        }

        fn block(&self) {
            crate::time::arm_next();
            crate::sys::upcall::block();
        }
    }

    /// Spawns a task on the global executor. It runs while some [`block_on`] runs (the
    /// async main runs under one).
    pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        executor().spawn(future)
    }

    /// Runs `future` to completion, running the spawned tasks meanwhile. May be called from
    /// synchronous code inside a task (the other tasks keep running).
    pub fn block_on<F: Future>(future: F) -> F::Output {
        executor().block_on(&Xen, future)
    }
}

#[cfg(target_os = "none")]
pub use xen::{block_on, spawn};
