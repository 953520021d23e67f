//! The host kernel: an emulation of exactly the Zircon objects vmo-interop needs, for targets
//! other than Fuchsia.
//!
//! It follows the syscall documentation and kernel code (see `shared/reference/zircon.md`):
//!
//! - **One process-wide handle table.** Handle values are never 0 and always have the low two
//!   bits set (`ZX_HANDLE_FIXED_BITS_MASK`). A value carries its slot's generation, so a closed
//!   or forged value reads as `ZX_ERR_BAD_HANDLE` even after its slot holds a new handle; a
//!   slot whose generation would wrap is retired rather than reused.
//! - **Koids** count up from `ZX_KOID_FIRST` (1024) and are never reused; the two ends of a
//!   channel name each other in `related_koid`.
//! - **Rights** are checked in the kernel's order with the kernel's codes
//!   (`BAD_HANDLE` → `WRONG_TYPE` → `ACCESS_DENIED`, then argument checks).
//! - **VMOs** are memfds: zero-filled, sizes rounded to 4096-byte pages, content size kept;
//!   [`Vmo::map`](super::Vmo::map) is a `MAP_SHARED` mmap whose record holds a reference to
//!   the VMO, so a mapping outlives the last handle like the kernel's does.
//! - **Channels** queue whole messages (bytes and handles) in FIFO order; handles in flight
//!   stay alive (and counted) until read or until the receiving end is destroyed.
//! - **Waits** block on a condition variable with no lock held, and wake on every signal
//!   change and handle close.
//!
//! The counters below let tests assert "nothing leaked" and "this costs N kernel calls".
//! Every syscall-shaped entry point counts one call (`zx_clock_get_monotonic`, a vDSO read,
//! does not). [`syscalls`] is the raw surface the safe types are built on, public for
//! conformance tests.
//!
//! Differences from Zircon that callers can observe: there is one address space and one handle
//! table (no processes, jobs or VMARs other than the root); `zx_vmar_unmap` takes whole
//! mappings only; the page size is 4096 bytes, so mapping needs a host with 4 KiB pages;
//! signals are maintained for channels (READABLE, WRITABLE, PEER_CLOSED) and VMOs
//! (ZERO_CHILDREN) only.

mod channel;
mod object;
pub mod syscalls;
mod table;
mod vmo;
mod wait;

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A snapshot of the host kernel's counters ([`counters`]).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    /// Handles alive: in the handle table or in flight inside channel messages.
    pub live_handles: u64,
    /// VMO objects alive (kept alive by a handle or a mapping).
    pub live_vmos: u64,
    /// Channel endpoints alive (a channel pair counts two).
    pub live_channels: u64,
    /// Mappings made by `zx_vmar_map` and not yet unmapped.
    pub live_mappings: u64,
    /// Kernel calls made by the whole process since it started.
    pub kernel_calls: u64,
}

pub(super) static LIVE_HANDLES: AtomicU64 = AtomicU64::new(0);
pub(super) static LIVE_VMOS: AtomicU64 = AtomicU64::new(0);
pub(super) static LIVE_CHANNELS: AtomicU64 = AtomicU64::new(0);
pub(super) static LIVE_MAPPINGS: AtomicU64 = AtomicU64::new(0);
static KERNEL_CALLS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static THREAD_KERNEL_CALLS: Cell<u64> = const { Cell::new(0) };
}

/// Counts one kernel call, process-wide and for the calling thread.
fn count_call() {
    KERNEL_CALLS.fetch_add(1, Ordering::Relaxed);
    THREAD_KERNEL_CALLS.with(|calls| calls.set(calls.get() + 1));
}

/// A snapshot of the host kernel's process-wide counters.
///
/// The counts are global: compare them against a baseline only while holding
/// [`counters_lock`], and only in tests whose neighbours also hold it.
pub fn counters() -> Counters {
    Counters {
        live_handles: LIVE_HANDLES.load(Ordering::SeqCst),
        live_vmos: LIVE_VMOS.load(Ordering::SeqCst),
        live_channels: LIVE_CHANNELS.load(Ordering::SeqCst),
        live_mappings: LIVE_MAPPINGS.load(Ordering::SeqCst),
        kernel_calls: KERNEL_CALLS.load(Ordering::SeqCst),
    }
}

/// Kernel calls made so far by the calling thread: race-free under parallel tests, for
/// assertions such as "an export costs N calls".
pub fn thread_kernel_calls() -> u64 {
    THREAD_KERNEL_CALLS.with(Cell::get)
}

/// Threads asleep right now in a blocking wait (`zx_object_wait_one`, `zx_object_wait_many`,
/// `zx_channel_call_etc`) after finding their condition unmet. A test can wait for this to
/// become non-zero to know that its waiter really blocked before it wakes it.
pub fn blocked_waiters() -> usize {
    wait::sleeping()
}

/// A process-wide lock for tests that compare [`counters`] against a baseline: take it before
/// the baseline and hold it until the last comparison. Every test in one binary that creates
/// handles should hold it, or its handles may show up in another test's comparison.
///
/// A test that panicked while holding the lock does not poison it for the others.
pub fn counters_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The page size of the emulated kernel (4 KiB, as on x64 and arm64 Zircon).
pub const PAGE_SIZE: u64 = 4096;
