//! The queue of pending timers, ordered by deadline (then by arrival).

use alloc::collections::BTreeMap;
use core::task::Waker;

/// Identifies one armed timer in a [`TimerQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerKey {
    deadline: u64,
    seq: u64,
}

impl TimerKey {
    /// The timer's deadline (ns of Xen system time).
    pub fn deadline(&self) -> u64 {
        self.deadline
    }
}

/// Wakers waiting for deadlines. Equal deadlines fire in the order they were armed.
#[derive(Default)]
pub struct TimerQueue {
    timers: BTreeMap<TimerKey, Waker>,
    next_seq: u64,
}

impl TimerQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self {
            timers: BTreeMap::new(),
            next_seq: 0,
        }
    }

    /// Arms a timer that wakes `waker` at `deadline`.
    pub fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        let key = TimerKey {
            deadline,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        self.timers.insert(key, waker);
        key
    }

    /// Replaces the waker of an armed timer; false if it already fired or was removed.
    pub fn update(&mut self, key: TimerKey, waker: &Waker) -> bool {
        match self.timers.get_mut(&key) {
            Some(w) => {
                if !w.will_wake(waker) {
                    w.clone_from(waker);
                }
                true
            }
            None => false,
        }
    }

    /// Disarms a timer (no effect if it already fired).
    pub fn remove(&mut self, key: TimerKey) {
        self.timers.remove(&key);
    }

    /// Whether `key` is still armed.
    pub fn contains(&self, key: TimerKey) -> bool {
        self.timers.contains_key(&key)
    }

    /// The earliest deadline, if any timer is armed.
    pub fn next_deadline(&self) -> Option<u64> {
        self.timers.keys().next().map(|k| k.deadline)
    }

    /// Removes the next timer whose deadline is at or before `now` and returns its waker.
    /// Call repeatedly (wake outside any lock) until `None`.
    pub fn pop_expired(&mut self, now: u64) -> Option<Waker> {
        let first = self.timers.first_entry()?;
        if first.key().deadline > now {
            return None;
        }
        Some(first.remove())
    }

    /// Number of armed timers.
    pub fn len(&self) -> usize {
        self.timers.len()
    }

    /// Whether no timer is armed.
    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::sync::Arc;
    use alloc::task::Wake;
    use std::sync::Mutex;

    /// A waker that logs its name when woken.
    struct Named(&'static str, Arc<Mutex<Vec<&'static str>>>);
    impl Wake for Named {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    fn fire(q: &mut TimerQueue, now: u64) {
        while let Some(w) = q.pop_expired(now) {
            w.wake();
        }
    }

    #[test]
    fn fires_in_deadline_order_then_arming_order() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let w = |n| Waker::from(Arc::new(Named(n, log.clone())));
        let mut q = TimerQueue::new();
        q.insert(300, w("c"));
        q.insert(100, w("a1"));
        q.insert(200, w("b"));
        q.insert(100, w("a2"));
        assert_eq!(q.next_deadline(), Some(100));
        fire(&mut q, 99);
        assert!(log.lock().unwrap().is_empty());
        fire(&mut q, 200);
        assert_eq!(*log.lock().unwrap(), ["a1", "a2", "b"]);
        assert_eq!(q.next_deadline(), Some(300));
        fire(&mut q, u64::MAX);
        assert_eq!(log.lock().unwrap().last(), Some(&"c"));
        assert!(q.is_empty());
        assert_eq!(q.next_deadline(), None);
    }

    #[test]
    fn removed_timers_do_not_fire() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let w = |n| Waker::from(Arc::new(Named(n, log.clone())));
        let mut q = TimerQueue::new();
        let a = q.insert(10, w("a"));
        let b = q.insert(20, w("b"));
        q.remove(a);
        assert!(!q.contains(a));
        assert!(q.contains(b));
        assert_eq!(q.next_deadline(), Some(20));
        fire(&mut q, 50);
        assert_eq!(*log.lock().unwrap(), ["b"]);
        assert!(!q.update(b, &w("x")), "a fired timer cannot be updated");
        q.remove(b); // removing a fired timer is harmless
    }

    #[test]
    fn update_replaces_the_waker() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let w = |n| Waker::from(Arc::new(Named(n, log.clone())));
        let mut q = TimerQueue::new();
        let k = q.insert(5, w("old"));
        assert!(q.update(k, &w("new")));
        assert_eq!(q.len(), 1);
        fire(&mut q, 5);
        assert_eq!(*log.lock().unwrap(), ["new"]);
    }
}
