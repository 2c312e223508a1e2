//! The clock and timers on the live domain.

use alloc::boxed::Box;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};
use core::time::Duration;

use super::pvclock;
use super::timers::{TimerKey, TimerQueue};
use super::Instant;
use crate::abi::xen::VIRQ_TIMER;
use crate::events::{self, Port};
use crate::sys::time as sys;

static TIMERS: spin::Mutex<TimerQueue> = spin::Mutex::new(TimerQueue::new());
/// The deadline Xen's one-shot timer is armed for (0: none).
static ARMED: AtomicU64 = AtomicU64::new(0);
/// The latest time handed out, so that `Instant::now` never goes back.
static LAST: AtomicU64 = AtomicU64::new(0);
static TIMER_VIRQS: AtomicU64 = AtomicU64::new(0);

impl Instant {
    /// The current time.
    pub fn now() -> Instant {
        let info = pvclock::read_consistent(sys::vcpu_time_version, sys::vcpu_time_record);
        let t = pvclock::system_time(&info, sys::rdtsc());
        Instant(LAST.fetch_max(t, Ordering::Relaxed).max(t))
    }

    /// Time since `self`.
    pub fn elapsed(self) -> Duration {
        Instant::now().duration_since(self)
    }
}

/// Wall-clock time: since the Unix epoch, UTC, as the toolstack set it.
pub fn wall_clock() -> Duration {
    let (sec, sec_hi, nsec) =
        pvclock::read_consistent(sys::wall_clock_version, sys::wall_clock_record);
    let base = pvclock::WallClockInfo { sec, sec_hi, nsec };
    pvclock::wall_clock(&base, Instant::now().as_nanos())
}

/// CPU time this vCPU has been running, as Xen accounts it (VCPUOP_get_runstate_info);
/// `None` if Xen refuses to tell.
pub fn cpu_time() -> Option<Duration> {
    let info = sys::runstate().ok()?;
    Some(Duration::from_nanos(
        info.time[crate::abi::vcpu::RUNSTATE_RUNNING as usize],
    ))
}

/// Number of VIRQ_TIMER events since boot.
pub fn timer_virq_count() -> u64 {
    TIMER_VIRQS.load(Ordering::Relaxed)
}

/// Stops Xen's periodic tick and binds VIRQ_TIMER. Called once at boot, after events.
pub(crate) fn init() {
    if let Err(e) = sys::stop_periodic_timer() {
        log::warn!("time: cannot stop the periodic timer: errno {e}");
    }
    match events::bind_virq(VIRQ_TIMER) {
        Ok(port) => events::set_handler(port, Some(alloc::sync::Arc::new(on_timer_virq))),
        Err(e) => panic!("time: cannot bind VIRQ_TIMER: {e}"),
    }
}

fn on_timer_virq(_: Port) {
    TIMER_VIRQS.fetch_add(1, Ordering::Relaxed);
    ARMED.store(0, Ordering::Relaxed);
}

/// Wakes every timer whose deadline has passed; returns how many.
pub(crate) fn wake_expired() -> usize {
    let now = Instant::now().as_nanos();
    let mut n = 0;
    loop {
        // Take one waker at a time and wake it with the lock released.
        let Some(waker) = TIMERS.lock().pop_expired(now) else {
            return n;
        };
        waker.wake();
        n += 1;
    }
}

/// Arms Xen's one-shot timer for the earliest deadline (before the executor blocks).
pub(crate) fn arm_next() {
    let Some(deadline) = TIMERS.lock().next_deadline() else {
        return;
    };
    // Xen system time 0 is never a future deadline, so 0 can mean "not armed".
    let deadline = deadline.max(1);
    if ARMED.swap(deadline, Ordering::Relaxed) != deadline {
        if let Err(e) = sys::set_singleshot_timer(deadline) {
            ARMED.store(0, Ordering::Relaxed);
            log::warn!("time: cannot arm the one-shot timer: errno {e}");
        }
    }
}

/// Waits for `d`.
pub fn sleep(d: Duration) -> Sleep {
    sleep_until(Instant::now() + d)
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline: deadline.as_nanos(),
        key: None,
    }
}

/// The future of [`sleep`] and [`sleep_until`].
#[derive(Debug)]
pub struct Sleep {
    deadline: u64,
    key: Option<TimerKey>,
}

impl Sleep {
    /// When the sleep ends.
    pub fn deadline(&self) -> Instant {
        Instant(self.deadline)
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now().as_nanos() >= self.deadline {
            if let Some(key) = self.key.take() {
                TIMERS.lock().remove(key);
            }
            return Poll::Ready(());
        }
        let mut timers = TIMERS.lock();
        match self.key {
            Some(key) if timers.update(key, cx.waker()) => {}
            _ => self.key = Some(timers.insert(self.deadline, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            TIMERS.lock().remove(key);
        }
    }
}

/// The time limit of [`timeout`] passed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

/// Runs `future` for at most `d`: its output, or [`Elapsed`].
pub fn timeout<F: Future>(d: Duration, future: F) -> Timeout<F> {
    Timeout {
        future: Box::pin(future),
        sleep: sleep(d),
    }
}

/// The future of [`timeout`].
pub struct Timeout<F> {
    future: Pin<Box<F>>,
    sleep: Sleep,
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(v) = self.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match Pin::new(&mut self.sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}
