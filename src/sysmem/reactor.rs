//! What wakes the futures of the async client: one thread per process that owns a port and
//! wakes, by key, the [`Waker`] of each task waiting for a channel to become readable (or its
//! peer to close). A task arms one one-shot async wait (`zx_object_wait_async`) when it has to
//! wait, and cancels it when its future is dropped; no thread per call, and any executor
//! (futures' `LocalPool`, tokio, fuchsia-async) can poll the futures.
//!
//! The thread starts on the first wait and lives as long as the process (a parked
//! `zx_port_wait`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::task::Waker;

use crate::zx::{self, AsHandleRef};

/// The port and the waker of each armed wait.
#[derive(Debug)]
pub(super) struct Reactor {
    port: zx::Port,
    wakers: Mutex<HashMap<u64, Waker>>,
    next_key: AtomicU64,
}

/// The process's reactor, started on first use.
///
/// # Errors
/// The status of `zx_port_create`, or `NO_RESOURCES` when its thread cannot be spawned.
pub(super) fn reactor() -> Result<&'static Reactor, zx::Status> {
    static REACTOR: OnceLock<Result<&'static Reactor, zx::Status>> = OnceLock::new();
    *REACTOR.get_or_init(|| {
        let port = zx::Port::create()?;
        let reactor: &'static Reactor = Box::leak(Box::new(Reactor {
            port,
            wakers: Mutex::new(HashMap::new()),
            next_key: AtomicU64::new(1),
        }));
        std::thread::Builder::new()
            .name("sysmem-reactor".into())
            .spawn(move || reactor.run())
            .map_err(|_| zx::Status::NO_RESOURCES)?;
        Ok(reactor)
    })
}

impl Reactor {
    fn run(&self) {
        // Only a broken port handle ends the loop; waits then report their channel as
        // unusable through their own reads.
        while let Ok(packet) = self.port.wait(zx::MonotonicInstant::INFINITE) {
            let waker = self
                .wakers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&packet.key());
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Wakes `waker` once `channel` is readable or its peer closed. `armed` is the key of this
    /// task's wait if it has one: while it has not fired, only its waker is updated. Returns
    /// the key of the armed wait.
    pub(super) fn arm(
        &self,
        channel: &zx::Channel,
        armed: Option<u64>,
        waker: &Waker,
    ) -> Result<u64, zx::Status> {
        let mut wakers = self.wakers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = armed {
            if let Some(old) = wakers.get_mut(&key) {
                old.clone_from(waker);
                return Ok(key);
            }
        }
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        wakers.insert(key, waker.clone());
        drop(wakers);
        let signals = zx::Signals::CHANNEL_READABLE | zx::Signals::CHANNEL_PEER_CLOSED;
        if let Err(status) =
            channel.wait_async_handle(&self.port, key, signals, zx::WaitAsyncOpts::empty())
        {
            self.wakers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&key);
            return Err(status);
        }
        Ok(key)
    }

    /// Ends the wait `key` on `channel` (a dropped future).
    pub(super) fn disarm(&self, channel: &zx::Channel, key: u64) {
        self.wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
        // NOT_FOUND: it fired already.
        let _ = self.port.cancel(channel, key);
    }
}
