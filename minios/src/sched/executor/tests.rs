use super::*;
use crate::sched::yield_now;
use std::sync::{Mutex, OnceLock};
use std::vec::Vec;

/// A one-shot event that a test or the fake platform fires.
#[derive(Default)]
struct Event {
    fired: AtomicBool,
    waiter: Mutex<Option<Waker>>,
}

impl Event {
    fn fire(&self) {
        self.fired.store(true, Ordering::SeqCst);
        if let Some(w) = self.waiter.lock().unwrap().take() {
            w.wake();
        }
    }

    fn wait(self: &Arc<Self>) -> impl Future<Output = ()> + Send + 'static {
        let ev = self.clone();
        core::future::poll_fn(move |cx| {
            if ev.fired.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            *ev.waiter.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        })
    }
}

/// A platform whose "hardware" fires queued events after a number of rounds, and that
/// checks the executor only blocks when it has nothing to run.
#[derive(Default)]
struct Fake {
    exec: OnceLock<Arc<Executor>>,
    due: Mutex<Vec<(usize, Arc<Event>)>>,
    rounds: AtomicU8,
    blocks: Mutex<usize>,
}

impl Fake {
    fn new(exec: &Arc<Executor>) -> Arc<Self> {
        let f = Arc::new(Fake::default());
        f.exec.set(exec.clone()).ok();
        f
    }

    fn fire_after(&self, rounds: usize, ev: &Arc<Event>) {
        self.due.lock().unwrap().push((rounds, ev.clone()));
    }
}

impl Platform for Fake {
    fn poll_sources(&self) {
        let round = self.rounds.fetch_add(1, Ordering::SeqCst) as usize;
        let mut due = self.due.lock().unwrap();
        let fire: Vec<_> = due
            .iter()
            .filter(|(r, _)| *r <= round)
            .map(|(_, e)| e.clone())
            .collect();
        due.retain(|(r, _)| *r > round);
        drop(due);
        fire.iter().for_each(|e| e.fire());
    }

    fn block(&self) {
        assert!(
            !self.exec.get().unwrap().has_ready(),
            "blocked with a task ready"
        );
        assert!(
            !self.due.lock().unwrap().is_empty(),
            "deadlock: nothing can wake anyone"
        );
        *self.blocks.lock().unwrap() += 1;
    }
}

#[test]
fn spawned_tasks_run_in_fifo_order_and_join() {
    let exec = Arc::new(Executor::new());
    let fake = Fake::new(&exec);
    let log = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..5)
        .map(|i| {
            let log = log.clone();
            exec.spawn(async move {
                log.lock().unwrap().push(i);
                i * 10
            })
        })
        .collect();
    let outs = exec.block_on(&*fake, async {
        let mut v = Vec::new();
        for h in handles {
            v.push(h.await);
        }
        v
    });
    assert_eq!(outs, [0, 10, 20, 30, 40]);
    assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3, 4]);
    assert_eq!(*fake.blocks.lock().unwrap(), 0, "never idle: no block");
}

#[test]
fn yield_now_interleaves_tasks() {
    let exec = Arc::new(Executor::new());
    let fake = Fake::new(&exec);
    let log = Arc::new(Mutex::new(Vec::new()));
    let mk = |name: &'static str| {
        let log = log.clone();
        async move {
            for i in 0..3 {
                log.lock().unwrap().push(format!("{name}{i}"));
                yield_now().await;
            }
        }
    };
    let a = exec.spawn(mk("a"));
    let b = exec.spawn(mk("b"));
    exec.block_on(&*fake, async {
        a.await;
        b.await;
    });
    assert_eq!(*log.lock().unwrap(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn platform_events_wake_tasks_and_idle_blocks() {
    let exec = Arc::new(Executor::new());
    let fake = Fake::new(&exec);
    let ev = Arc::new(Event::default());
    fake.fire_after(4, &ev);
    let wait = ev.wait();
    let h = exec.spawn(async move {
        wait.await;
        "woken"
    });
    assert!(!h.is_finished());
    assert_eq!(exec.block_on(&*fake, h), "woken");
    // Rounds 0..=3 found nothing to do: the executor blocked instead of spinning.
    assert_eq!(*fake.blocks.lock().unwrap(), 4);
}

#[test]
fn wake_while_running_requeues_the_task() {
    let exec = Arc::new(Executor::new());
    let fake = Fake::new(&exec);
    let polls = Arc::new(AtomicU8::new(0));
    let p = polls.clone();
    let h = exec.spawn(core::future::poll_fn(move |cx| {
        if p.fetch_add(1, Ordering::SeqCst) < 3 {
            cx.waker().wake_by_ref(); // woken during its own poll
            cx.waker().wake_by_ref(); // twice: queued once
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }));
    exec.block_on(&*fake, h);
    assert_eq!(polls.load(Ordering::SeqCst), 4);
}

#[test]
fn nested_block_on_keeps_other_tasks_running() {
    let exec = Arc::new(Executor::new());
    let fake = Fake::new(&exec);
    let ev = Arc::new(Event::default());
    let (exec2, fake2, ev2) = (exec.clone(), fake.clone(), ev.clone());
    // The outer task blocks synchronously on a future that only another task completes.
    let outer = exec.spawn(async move {
        let wait = ev2.wait();
        exec2.block_on(&*fake2, wait);
        "outer done"
    });
    let ev3 = ev.clone();
    let helper = exec.spawn(async move {
        yield_now().await;
        ev3.fire();
    });
    let out = exec.block_on(&*fake, async move {
        helper.await;
        outer.await
    });
    assert_eq!(out, "outer done");
}

#[test]
fn dropped_join_handle_detaches_the_task() {
    let exec = Arc::new(Executor::new());
    let fake = Fake::new(&exec);
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    drop(exec.spawn(async move { r.store(true, Ordering::SeqCst) }));
    exec.block_on(&*fake, yield_now());
    assert!(ran.load(Ordering::SeqCst));
    assert!(!exec.has_ready());
}
