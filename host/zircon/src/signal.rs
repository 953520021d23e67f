//! Who is waiting on an object: threads blocked in a wait, and ports with async waits.
//!
//! A blocked thread sleeps in `poll(2)` on its own wake-up eventfd (plus the sockets of any
//! channels it waits on); anything that may change what it waits for (a signal change, a
//! handle closed) writes that eventfd, and the thread looks again. Port observers on objects
//! whose signals live in this process (events, event pairs) are checked on every change and
//! queue their packet when their trigger is met; observers on channels live in the port's
//! epoll set instead (see `port.rs`).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use fuchsia_zircon_types as sys;

use crate::object::{HandleId, Object};

/// A thread's wake-up eventfd.
pub(crate) struct ThreadWaker {
    fd: OwnedFd,
    /// The thread it wakes: a thread that changes an object it waits on itself is awake and
    /// looks again anyway, so it does not write its own eventfd.
    owner: std::thread::ThreadId,
    /// Set before each write, cleared by the read that consumes it: a round with nothing
    /// written since the last costs no read.
    written: AtomicBool,
}

impl ThreadWaker {
    /// The calling thread's waker (one per thread, made on first use).
    pub(crate) fn current() -> Result<Arc<ThreadWaker>, sys::zx_status_t> {
        thread_local! {
            static WAKER: std::cell::OnceCell<Arc<ThreadWaker>> = const { std::cell::OnceCell::new() };
        }
        WAKER.with(|cell| {
            if let Some(waker) = cell.get() {
                return Ok(Arc::clone(waker));
            }
            let fd = rustix::event::eventfd(
                0,
                rustix::event::EventfdFlags::CLOEXEC | rustix::event::EventfdFlags::NONBLOCK,
            )
            .map_err(|_| sys::ZX_ERR_NO_RESOURCES)?;
            let waker = Arc::new(ThreadWaker {
                fd,
                owner: std::thread::current().id(),
                written: AtomicBool::new(false),
            });
            let _ = cell.set(Arc::clone(&waker));
            Ok(waker)
        })
    }

    pub(crate) fn wake(&self) {
        self.written.store(true, Ordering::SeqCst);
        // A full counter (never reached) or EAGAIN still leaves the eventfd readable.
        let _ = rustix::io::write(&self.fd, &1u64.to_ne_bytes());
    }

    /// Consumes pending wake-ups, so the next `poll` sleeps until a new one. (A write that
    /// lands between the flag and the read leaves the eventfd readable, and the flag set: the
    /// next `poll` returns early once and the loop looks again, never a lost wake-up.)
    pub(crate) fn drain(&self) {
        if self.written.swap(false, Ordering::SeqCst) {
            let mut buf = [0u8; 8];
            let _ = rustix::io::read(&self.fd, &mut buf);
        }
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// An async wait registered on an in-process object (`zx_object_wait_async`).
pub(crate) struct Observer {
    pub(crate) port: Weak<Object>,
    pub(crate) key: u64,
    pub(crate) trigger: sys::zx_signals_t,
    pub(crate) options: u32,
    pub(crate) handle: HandleId,
    /// `ZX_WAIT_ASYNC_EDGE`: the trigger was active at registration; fire only after it has
    /// been seen inactive.
    pub(crate) awaiting_inactive: bool,
}

#[derive(Default)]
struct State {
    threads: Vec<Arc<ThreadWaker>>,
    observers: Vec<Observer>,
}

/// The waiters of one object.
#[derive(Default)]
pub(crate) struct Watchers {
    state: Mutex<State>,
    /// `threads.len()`, readable without the lock so that waking no one costs one load.
    thread_count: AtomicUsize,
}

/// Threads asleep in a blocking wait right now, process-wide (a test hook: see the counters).
pub(crate) static SLEEPING: AtomicUsize = AtomicUsize::new(0);

impl Watchers {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add_thread(&self, waker: &Arc<ThreadWaker>) {
        let mut state = self.lock();
        state.threads.push(Arc::clone(waker));
        self.thread_count
            .store(state.threads.len(), Ordering::SeqCst);
    }

    pub(crate) fn remove_thread(&self, waker: &Arc<ThreadWaker>) {
        let mut state = self.lock();
        if let Some(index) = state.threads.iter().position(|w| Arc::ptr_eq(w, waker)) {
            state.threads.swap_remove(index);
        }
        self.thread_count
            .store(state.threads.len(), Ordering::SeqCst);
    }

    /// Whether any thread is blocked on the object.
    pub(crate) fn has_threads(&self) -> bool {
        self.thread_count.load(Ordering::SeqCst) != 0
    }

    /// Wakes every blocked thread to look again.
    pub(crate) fn wake_all(&self) {
        if self.thread_count.load(Ordering::SeqCst) == 0 {
            return;
        }
        let me = std::thread::current().id();
        for waker in self.lock().threads.iter().filter(|w| w.owner != me) {
            waker.wake();
        }
    }

    /// Registers a port observer; queues its packet at once when the trigger is already met
    /// (and the wait is not edge-triggered).
    pub(crate) fn add_observer(&self, object: &Object, mut observer: Observer) {
        let mut state = self.lock();
        let now = object.signals();
        if now & observer.trigger != 0 {
            if observer.options & sys::ZX_WAIT_ASYNC_EDGE == 0 {
                drop(state);
                deliver(&observer, now);
                return;
            }
            observer.awaiting_inactive = true;
        }
        state.observers.push(observer);
    }

    /// The object's in-process signals are now `now`: wake threads, fire observers.
    pub(crate) fn signals_changed(&self, now: sys::zx_signals_t) {
        let fired = {
            let mut state = self.lock();
            for waker in &state.threads {
                waker.wake();
            }
            let mut fired = Vec::new();
            let mut index = 0;
            while index < state.observers.len() {
                let observer = &mut state.observers[index];
                let active = now & observer.trigger != 0;
                if observer.awaiting_inactive {
                    observer.awaiting_inactive = active;
                    index += 1;
                } else if active {
                    fired.push(state.observers.swap_remove(index));
                } else {
                    index += 1;
                }
            }
            fired
        };
        for observer in fired {
            deliver(&observer, now);
        }
    }

    /// A handle to the object closed: its async waits end (packets already queued stay).
    pub(crate) fn handle_closed(&self, handle: HandleId) {
        let mut state = self.lock();
        state.observers.retain(|observer| observer.handle != handle);
    }

    /// `zx_port_cancel`: removes the observers of `port` with `key` registered through
    /// `handle`; whether there were any.
    pub(crate) fn cancel(&self, port: &Object, handle: HandleId, key: u64) -> bool {
        let mut state = self.lock();
        let before = state.observers.len();
        state.observers.retain(|observer| {
            !(observer.handle == handle
                && observer.key == key
                && std::ptr::eq(observer.port.as_ptr(), port))
        });
        state.observers.len() != before
    }
}

/// Queues the signal packet of `observer` on its port (if the port still lives).
pub(crate) fn deliver(observer: &Observer, observed: sys::zx_signals_t) {
    if let Some(port) = observer.port.upgrade() {
        if let Some(port) = port.as_port() {
            port.queue_signal(
                observer.key,
                observer.trigger,
                observed,
                observer.options,
                observer.handle,
            );
        }
    }
}
