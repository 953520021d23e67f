//! Blocking waits (`zx_object_wait_one`, `zx_object_wait_many`, the wait of
//! `zx_channel_call_etc`) and the monotonic clock.
//!
//! A waiting thread registers its wake-up eventfd with every object it waits on, then loops:
//! it reads the objects' signals, and if nothing it waits for is asserted it sleeps in one
//! `poll(2)` on that eventfd and on the sockets of the channels it waits on (whose signals
//! another process can change). No kernel lock is held while it sleeps.
//!
//! A wait ends with `CANCELED` when its handle is closed, or, if the handle was written into
//! a channel, when the handle is read out of it again in this process (as Zircon cancels at
//! read time, not at the write).

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use fuchsia_zircon_types as sys;
use rustix::event::{PollFd, PollFlags};

use crate::object::{HandleId, Object};
use crate::signal::{ThreadWaker, SLEEPING};
use crate::{table, transfer};

/// The emulated monotonic clock: nanoseconds since the host kernel first read it, offset so
/// that no reading is 0.
pub(crate) fn clock_get_monotonic() -> sys::zx_time_t {
    static BOOT: OnceLock<Instant> = OnceLock::new();
    let boot = BOOT.get_or_init(Instant::now);
    i64::try_from(boot.elapsed().as_nanos())
        .unwrap_or(i64::MAX)
        .saturating_add(1)
}

/// How long until `deadline`: `None` for `ZX_TIME_INFINITE`, zero once it has passed.
pub(crate) fn timeout_until(deadline: sys::zx_time_t) -> Option<Duration> {
    if deadline == sys::ZX_TIME_INFINITE {
        return None;
    }
    let now = clock_get_monotonic();
    Some(Duration::from_nanos(
        deadline.saturating_sub(now).max(0) as u64
    ))
}

pub(crate) fn timespec(timeout: Duration) -> rustix::time::Timespec {
    rustix::time::Timespec {
        tv_sec: timeout.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: i64::from(timeout.subsec_nanos()),
    }
}

/// Counts the calling thread as asleep for as long as it lives.
pub(crate) struct Sleeping;

impl Sleeping {
    pub(crate) fn new() -> Sleeping {
        SLEEPING.fetch_add(1, Ordering::SeqCst);
        Sleeping
    }
}

impl Drop for Sleeping {
    fn drop(&mut self) {
        SLEEPING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One object waited on, through the handle `value` (whose id is `id`).
pub(crate) struct Item {
    pub(crate) object: Arc<Object>,
    pub(crate) value: sys::zx_handle_t,
    pub(crate) id: HandleId,
    pub(crate) waitfor: sys::zx_signals_t,
}

impl Item {
    /// Whether the handle still stands: in the table, or in flight in a channel.
    pub(crate) fn alive(&self) -> bool {
        table::lock().refers_to(self.value, &self.object) || transfer::in_flight(self.id)
    }
}

/// A thread registered as waiting on some objects; unregistered when dropped.
pub(crate) struct Waiter<'a> {
    items: &'a [Item],
    waker: Arc<ThreadWaker>,
}

impl<'a> Waiter<'a> {
    /// Registers the calling thread's waker with every item's object. Register before
    /// looking at the objects, so no change between the look and the sleep is missed.
    pub(crate) fn new(items: &'a [Item]) -> Result<Waiter<'a>, sys::zx_status_t> {
        let waker = ThreadWaker::current()?;
        for item in items {
            item.object.watchers.add_thread(&waker);
        }
        Ok(Waiter { items, waker })
    }

    /// Starts a round: wake-ups from before this point are consumed.
    pub(crate) fn begin(&self) {
        self.waker.drain();
    }

    /// Sleeps until the waker is written, a watched socket changes, or `timeout` passes, and
    /// returns what `poll(2)` reported for each item's channel socket (`None` for items that
    /// are not channels or whose socket was not watched). `pending` holds each item's signals
    /// as last seen (`None`: not seen yet, watch everything).
    pub(crate) fn sleep(
        &self,
        pending: Option<&[sys::zx_signals_t]>,
        timeout: Option<Duration>,
    ) -> Vec<Option<PollFlags>> {
        let guards: Vec<_> = self
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let end = item.object.as_channel()?;
                // A closed peer changes nothing more: only this process can, and it wakes us.
                if pending.is_some_and(|p| p[index] & sys::ZX_CHANNEL_PEER_CLOSED != 0) {
                    return None;
                }
                let mut flags = PollFlags::RDHUP;
                if item.waitfor & sys::ZX_CHANNEL_READABLE != 0 || pending.is_none() {
                    flags |= PollFlags::IN;
                }
                Some((end.fd_to_sleep_on()?, flags))
            })
            .collect();
        let waker_fd = self.waker.fd();
        let mut slots = Vec::with_capacity(guards.len());
        let mut fds = Vec::with_capacity(guards.len() + 1);
        fds.push(PollFd::new(&waker_fd, PollFlags::IN));
        for guard in &guards {
            match guard
                .as_ref()
                .and_then(|(fd, flags)| fd.as_ref().map(|fd| (fd, *flags)))
            {
                Some((fd, flags)) => {
                    slots.push(Some(fds.len()));
                    fds.push(PollFd::new(fd, flags));
                }
                None => slots.push(None),
            }
        }
        let timespec = timeout.map(timespec);
        {
            let _sleeping = (timeout != Some(Duration::ZERO)).then(Sleeping::new);
            let _ = rustix::event::poll(&mut fds, timespec.as_ref());
        }
        slots
            .iter()
            .map(|slot| slot.map(|at| fds[at].revents()))
            .collect()
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        for item in self.items {
            item.object.watchers.remove_thread(&self.waker);
        }
    }
}

/// How a wait ended: its status and every item's signals when it did.
///
/// Each round costs one `poll(2)`: the first with no timeout, to read the channels' sockets,
/// then one that sleeps and whose report the next round reads.
pub(crate) fn wait(
    items: &[Item],
    deadline: sys::zx_time_t,
) -> (sys::zx_status_t, Vec<sys::zx_signals_t>) {
    let waiter = match Waiter::new(items) {
        Ok(waiter) => waiter,
        Err(status) => return (status, vec![0; items.len()]),
    };
    let mut revents = waiter.sleep(None, Some(Duration::ZERO));
    loop {
        waiter.begin();
        let mut satisfied = false;
        let mut canceled = false;
        let pending: Vec<sys::zx_signals_t> = items
            .iter()
            .zip(&revents)
            .map(|(item, revents)| {
                let mut signals = match item.object.as_channel() {
                    Some(end) => end.signals_from(*revents),
                    None => item.object.signals(),
                };
                if !item.alive() {
                    signals |= sys::ZX_SIGNAL_HANDLE_CLOSED;
                    canceled = true;
                }
                satisfied |= signals & item.waitfor != 0;
                signals
            })
            .collect();
        let timeout = timeout_until(deadline);
        if canceled {
            return (sys::ZX_ERR_CANCELED, pending);
        }
        if satisfied {
            return (sys::ZX_OK, pending);
        }
        if timeout == Some(Duration::ZERO) {
            return (sys::ZX_ERR_TIMED_OUT, pending);
        }
        let last = revents;
        revents = waiter.sleep(Some(&pending), timeout);
        // A socket not watched this round (its peer closed) keeps its last report.
        for (now, before) in revents.iter_mut().zip(last) {
            if now.is_none() {
                *now = before;
            }
        }
    }
}
