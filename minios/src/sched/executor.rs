//! A cooperative executor for one vCPU: a FIFO of woken tasks, polled in turn.
//!
//! Tasks are boxed futures behind an `Arc` that is also their waker. A task's state moves
//! Idle -> Queued (woken) -> Running (being polled) -> Idle or Done; a wake while Running
//! marks it RunningWoken and it is queued again when the poll returns. Because a running
//! task is never in the queue, [`Executor::block_on`] may nest (synchronous code called
//! from a task can block on a future while the other tasks keep running).
//!
//! What the executor does when no task is ready is the [`Platform`]'s business: on Xen,
//! deliver events and expired timers, then SCHEDOP_block.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::task::Wake;
use core::future::Future;
use core::pin::{pin, Pin};
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use core::task::{Context, Poll, Waker};

use super::join::{JoinHandle, JoinState};

/// Where the executor gets work from when its own queue is empty.
pub trait Platform {
    /// Delivers whatever became ready outside the executor (events, expired timers) by
    /// waking wakers. Called once per round, so it must be cheap when nothing happened.
    fn poll_sources(&self);
    /// Sleeps until something may have become ready. Called only when no task is queued.
    fn block(&self);
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

const IDLE: u8 = 0;
const QUEUED: u8 = 1;
const RUNNING: u8 = 2;
const RUNNING_WOKEN: u8 = 3;
const DONE: u8 = 4;

struct Task {
    state: AtomicU8,
    future: spin::Mutex<Option<BoxFuture>>,
    queue: Arc<ReadyQueue>,
}

#[derive(Default)]
struct ReadyQueue {
    tasks: spin::Mutex<VecDeque<Arc<Task>>>,
}

impl ReadyQueue {
    fn push(&self, task: Arc<Task>) {
        self.tasks.lock().push_back(task);
    }

    fn pop(&self) -> Option<Arc<Task>> {
        self.tasks.lock().pop_front()
    }

    fn len(&self) -> usize {
        self.tasks.lock().len()
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = match state {
                IDLE => QUEUED,
                RUNNING => RUNNING_WOKEN,
                _ => return,
            };
            match self
                .state
                .compare_exchange(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state == IDLE {
            self.queue.push(self.clone());
        }
    }
}

/// The waker of a `block_on` future: a flag the loop checks.
#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

/// A set of tasks and the loop that runs them.
#[derive(Default)]
pub struct Executor {
    queue: Arc<ReadyQueue>,
}

impl Executor {
    /// An executor with no tasks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a task; it first runs when some `block_on` on this executor runs its queue.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let state = Arc::new(spin::Mutex::new(JoinState::default()));
        let done = state.clone();
        let task = Arc::new(Task {
            state: AtomicU8::new(QUEUED),
            future: spin::Mutex::new(Some(Box::pin(async move {
                let out = future.await;
                JoinState::finish(&done, out);
            }))),
            queue: self.queue.clone(),
        });
        self.queue.push(task);
        JoinHandle::new(state)
    }

    /// Polls one task. Returns false if the queue was empty.
    fn run_one(&self) -> bool {
        let Some(task) = self.queue.pop() else {
            return false;
        };
        task.state.store(RUNNING, Ordering::Release);
        let future = task.future.lock().take();
        let Some(mut future) = future else {
            task.state.store(DONE, Ordering::Release);
            return true;
        };
        let waker = Waker::from(task.clone());
        if future
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_ready()
        {
            task.state.store(DONE, Ordering::Release);
            return true;
        }
        *task.future.lock() = Some(future);
        if task
            .state
            .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // Woken while it ran: run it again after the others.
            task.state.store(QUEUED, Ordering::Release);
            self.queue.push(task);
        }
        true
    }

    /// Runs the tasks that are ready now (not those they wake); returns how many ran.
    pub fn run_ready(&self) -> usize {
        let n = self.queue.len();
        (0..n).take_while(|_| self.run_one()).count()
    }

    /// Whether some task is waiting to run.
    pub fn has_ready(&self) -> bool {
        self.queue.len() > 0
    }

    /// Runs `future` to completion on this stack, running the spawned tasks meanwhile and
    /// asking `platform` for work (and to sleep) when nothing is ready.
    pub fn block_on<F: Future>(&self, platform: &impl Platform, future: F) -> F::Output {
        let mut future = pin!(future);
        let flag = Arc::new(Flag(AtomicBool::new(true)));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            if flag.0.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                    return out;
                }
            }
            self.run_ready();
            platform.poll_sources();
            if !flag.0.load(Ordering::Acquire) && !self.has_ready() {
                platform.block();
            }
        }
    }
}

#[cfg(test)]
mod tests;
