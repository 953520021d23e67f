//! The host kernel: Zircon's objects for targets other than Fuchsia, behind the real C ABI.
//!
//! [`abi`] exports the `zx_*` functions with the signatures of `fuchsia-zircon-sys` (the Zircon
//! syscall reference), so the library's one code path, which on Fuchsia calls the vDSO, links
//! against this crate on a Linux or macOS host. A C program links it the same way (see
//! `include/zircon_host.h`). The emulation follows the syscall documentation and kernel code
//! (see `shared/reference/zircon.md`):
//!
//! - **One handle table per process.** Handle values are never 0 and always have the low two
//!   bits set (`ZX_HANDLE_FIXED_BITS_MASK`). A value carries its slot's generation, so a closed
//!   or forged value reads as `ZX_ERR_BAD_HANDLE` even after its slot holds a new handle; a
//!   slot whose generation would wrap is retired rather than reused.
//! - **Koids** count up from `ZX_KOID_FIRST` (1024) and are never reused; the two ends of a
//!   channel name each other in `related_koid`.
//! - **Rights** are checked in the kernel's order with the kernel's codes
//!   (`BAD_HANDLE` → `WRONG_TYPE` → `ACCESS_DENIED`, then argument checks).
//! - **VMOs** are memfds: zero-filled, sizes rounded to 4096-byte pages, content size kept;
//!   `zx_vmar_map` is a `MAP_SHARED` mmap whose record holds a reference to the VMO, so a
//!   mapping outlives the last handle like the kernel's does.
//! - **Channels** queue whole messages (bytes and handles) in FIFO order; handles in flight
//!   stay alive (and counted) until read or until the receiving end is destroyed.
//! - **Waits** block with no kernel lock held and wake on every signal change and handle close.
//!
//! The counters ([`abi::zx_host_counters_get`], the host-only extension of the ABI) let tests
//! assert "nothing leaked" and "this costs N kernel calls". Every syscall counts one call
//! (`zx_clock_get_monotonic`, a vDSO read, does not).
//!
//! Differences from Zircon that callers can observe: there are no jobs or VMARs other than the
//! root; `zx_vmar_unmap` takes whole mappings only; the page size is 4096 bytes, so mapping
//! needs a host with 4 KiB pages; signals are maintained for channels (READABLE, WRITABLE,
//! PEER_CLOSED) and VMOs (ZERO_CHILDREN) only.
#![deny(unsafe_op_in_unsafe_fn)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    clippy::multiple_unsafe_ops_per_block
)]

pub mod abi;
mod channel;
mod object;
mod syscalls;
mod table;
mod vmo;
mod wait;

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// `ZX_DEFAULT_VMO_RIGHTS`: the rights of a new VMO handle.
pub(crate) const DEFAULT_VMO_RIGHTS: u32 = 0xD0EF;
/// `ZX_DEFAULT_CHANNEL_RIGHTS`: the rights of a new channel end.
pub(crate) const DEFAULT_CHANNEL_RIGHTS: u32 = 0xF00E;

pub(crate) static LIVE_HANDLES: AtomicU64 = AtomicU64::new(0);
pub(crate) static LIVE_VMOS: AtomicU64 = AtomicU64::new(0);
pub(crate) static LIVE_CHANNELS: AtomicU64 = AtomicU64::new(0);
pub(crate) static LIVE_MAPPINGS: AtomicU64 = AtomicU64::new(0);
static KERNEL_CALLS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static THREAD_KERNEL_CALLS: Cell<u64> = const { Cell::new(0) };
}

/// Counts one kernel call, process-wide and for the calling thread.
fn count_call() {
    KERNEL_CALLS.fetch_add(1, Ordering::Relaxed);
    THREAD_KERNEL_CALLS.with(|calls| calls.set(calls.get() + 1));
}

/// The counters as [`abi::zx_host_counters_get`] reports them.
fn counters() -> abi::zx_host_counters_t {
    abi::zx_host_counters_t {
        live_handles: LIVE_HANDLES.load(Ordering::SeqCst),
        live_vmos: LIVE_VMOS.load(Ordering::SeqCst),
        live_channels: LIVE_CHANNELS.load(Ordering::SeqCst),
        live_mappings: LIVE_MAPPINGS.load(Ordering::SeqCst),
        kernel_calls: KERNEL_CALLS.load(Ordering::SeqCst),
        thread_kernel_calls: THREAD_KERNEL_CALLS.with(Cell::get),
        blocked_waiters: wait::sleeping() as u64,
    }
}

/// The page size of the emulated kernel (4 KiB, as on x64 and arm64 Zircon).
pub(crate) const PAGE_SIZE: u64 = 4096;
