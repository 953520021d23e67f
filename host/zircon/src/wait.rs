//! Blocking waits: one condition variable, signalled on every change of any object's signals
//! and on every handle close. A waiter holds no kernel lock while it sleeps; it re-checks its
//! own condition each time it wakes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use fuchsia_zircon_types as sys;

/// Bumped on every change, so a waiter can tell a change from a spurious wake-up.
static EPOCH: Mutex<u64> = Mutex::new(0);
static CHANGED: Condvar = Condvar::new();
/// Threads inside [`block_until`]; while 0, [`notify`] costs one atomic load.
static WAITERS: AtomicUsize = AtomicUsize::new(0);
/// Threads asleep on [`CHANGED`] after finding their condition unmet.
static SLEEPING: AtomicUsize = AtomicUsize::new(0);

/// Threads asleep in a blocking wait right now (see `zx::host::blocked_waiters`).
pub(crate) fn sleeping() -> usize {
    SLEEPING.load(Ordering::SeqCst)
}

fn epoch() -> MutexGuard<'static, u64> {
    EPOCH.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Wakes every waiter to re-check its condition. Call after the change is visible (after the
/// object's lock is released or at least after the state is written).
pub(crate) fn notify() {
    if WAITERS.load(Ordering::SeqCst) == 0 {
        return;
    }
    *epoch() += 1;
    CHANGED.notify_all();
}

/// The emulated monotonic clock: nanoseconds since the host kernel first read it, offset so
/// that no reading is 0.
pub(crate) fn clock_get_monotonic() -> sys::zx_time_t {
    static BOOT: OnceLock<Instant> = OnceLock::new();
    let boot = BOOT.get_or_init(Instant::now);
    i64::try_from(boot.elapsed().as_nanos())
        .unwrap_or(i64::MAX)
        .saturating_add(1)
}

struct WaiterGuard;

impl WaiterGuard {
    fn new() -> WaiterGuard {
        WAITERS.fetch_add(1, Ordering::SeqCst);
        WaiterGuard
    }
}

impl Drop for WaiterGuard {
    fn drop(&mut self) {
        WAITERS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Calls `poll(expired)` until it returns `Some`, sleeping between calls until something
/// changes or `deadline` passes. `poll` must return `Some` when `expired` is true.
pub(crate) fn block_until<T>(
    deadline: sys::zx_time_t,
    mut poll: impl FnMut(bool) -> Option<T>,
) -> T {
    let _waiter = WaiterGuard::new();
    loop {
        let seen = *epoch();
        let expired = clock_get_monotonic() >= deadline;
        if let Some(result) = poll(expired) {
            return result;
        }
        sleep_while_unchanged(seen, deadline);
    }
}

/// Sleeps until the epoch moves past `seen` or `deadline` passes.
fn sleep_while_unchanged(seen: u64, deadline: sys::zx_time_t) {
    let mut guard = epoch();
    if *guard != seen {
        return;
    }
    SLEEPING.fetch_add(1, Ordering::SeqCst);
    while *guard == seen {
        if deadline == sys::ZX_TIME_INFINITE {
            guard = CHANGED.wait(guard).unwrap_or_else(PoisonError::into_inner);
        } else {
            let left = deadline.saturating_sub(clock_get_monotonic());
            if left <= 0 {
                break;
            }
            let timeout = Duration::from_nanos(left.unsigned_abs());
            guard = CHANGED
                .wait_timeout(guard, timeout)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
    SLEEPING.fetch_sub(1, Ordering::SeqCst);
}
