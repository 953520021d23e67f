//! The host kernel: Zircon's objects for targets other than Fuchsia, behind the real C ABI,
//! built from OS objects so that handles cross processes as they cross components on Fuchsia.
//!
//! [`abi`] exports the `zx_*` functions with the signatures of `fuchsia-zircon-sys` (the Zircon
//! syscall reference), so the library's one code path, which on Fuchsia calls the vDSO, links
//! against this crate on a Linux host; a C program links it the same way
//! (`include/zircon/host.h`). It follows the syscall documentation and kernel code (see
//! `shared/reference/zircon.md`):
//!
//! - **Handle tables are per process** (`table.rs`). Values are never 0 and always have the
//!   low two bits set; a value carries its slot's generation, so a closed or forged value reads
//!   as `BAD_HANDLE` and never names another object, in this process or any other.
//! - **Koids are unique across every process of the platform** and never reused: they come
//!   from one counter shared through a file (`koid.rs`), and travel with an object's handles.
//! - **VMOs are memfds** (`vmo.rs`). A VMO handle sent without WRITE arrives as a read-only
//!   file description of the same memfd, whose mode is then 0400, so the receiving process's
//!   OS refuses to write it, map it writable or reopen it writable.
//! - **Channels are connected `SOCK_SEQPACKET` sockets** (`channel/`): a message is one
//!   datagram and its handles travel as `SCM_RIGHTS` with a record each (type, rights, koid),
//!   so they arrive as new values with the same koids and exactly the rights sent. An end's
//!   peer dying or closing is `PEER_CLOSED`; the OS frees what a dead peer's messages held.
//! - **Ports, events, event pairs** (`port.rs`, `event.rs`) live in one process; a port
//!   watches channels through epoll and in-process objects through observers, with no limit
//!   on the number of objects.
//! - **Waits** (`wait.rs`) sleep in `poll(2)` with no kernel lock held.
//! - **Services** (`svc.rs`): a directory standing for `/svc`, where a server binds a socket
//!   and `fdio_service_connect` sends it the server end of a channel.
//!
//! The counters ([`abi::zx_host_counters_get`], a host-only extension of the ABI) let tests
//! assert "nothing leaked" and "this costs N kernel calls". Every syscall counts one call
//! (`zx_clock_get_monotonic` and `zx_system_get_page_size`, vDSO reads, do not).
//!
//! Differences from Zircon that callers can observe: no jobs, processes or VMARs other than the
//! root; `zx_vmar_unmap` takes whole mappings only; pages are 4096 bytes; events, event pairs
//! and ports cannot be written into a channel (`NOT_SUPPORTED`); channels carry no user
//! signals; a wait on a handle written into a channel ends when it is read out only if it is
//! read in the same process; a message that a read found too large (`BUFFER_TOO_SMALL`) is
//! held by this process and does not travel if the end is then sent away.
#![deny(unsafe_op_in_unsafe_fn)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    clippy::multiple_unsafe_ops_per_block
)]

pub mod abi;
mod channel;
mod event;
#[doc(hidden)]
pub mod fuzzing;
mod koid;
mod object;
mod port;
mod signal;
mod svc;
mod syscalls;
mod table;
mod transfer;
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
pub(crate) static LIVE_EVENTS: AtomicU64 = AtomicU64::new(0);
pub(crate) static LIVE_PORTS: AtomicU64 = AtomicU64::new(0);
/// The process object (`zx_process_self`), once made: 0 or 1.
pub(crate) static LIVE_PROCESSES: AtomicU64 = AtomicU64::new(0);
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
        live_events: LIVE_EVENTS.load(Ordering::SeqCst),
        live_ports: LIVE_PORTS.load(Ordering::SeqCst),
        kernel_calls: KERNEL_CALLS.load(Ordering::SeqCst),
        thread_kernel_calls: THREAD_KERNEL_CALLS.with(Cell::get),
        blocked_waiters: signal::SLEEPING.load(Ordering::SeqCst) as u64,
    }
}

/// The page size of the emulated kernel (4 KiB, as on x64 and arm64 Zircon).
pub(crate) const PAGE_SIZE: u64 = 4096;
