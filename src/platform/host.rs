//! What the host platform adds to Fuchsia's interfaces, reached through the host-only
//! extension of the Zircon C ABI (`zx_host_*`):
//!
//! - the kernel's counters (`zx_host_counters_get`): what tests compare against a baseline to
//!   prove that nothing leaked and what an operation costs;
//! - serving a protocol in the host's `/svc` directory ([`serve`]), which on Fuchsia a
//!   component's outgoing directory does. The directory is `$VMO_INTEROP_SVC_DIR`, or `svc/`
//!   in the platform directory (`$VMO_INTEROP_HOST_DIR`, default `/tmp/vmo-interop-<uid>`).

use std::sync::{Mutex, MutexGuard, PoisonError};

// Linking: the library's `zx_*` declarations (`zx::sys`) resolve to the host kernel.
extern crate host_zircon as _;

pub use host_zircon::abi::zx_host_counters_t;

/// A snapshot of the host kernel's counters for this process.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    /// Handles alive in this process: in the handle table, or received and not yet read (a
    /// handle written into a channel lives in the OS's socket buffer until it is read).
    pub live_handles: u64,
    /// VMO objects alive (kept alive by a handle or a mapping).
    pub live_vmos: u64,
    /// Channel endpoints alive (a channel pair counts two).
    pub live_channels: u64,
    /// Mappings made by `zx_vmar_map` and not yet unmapped.
    pub live_mappings: u64,
    /// Events and event-pair ends alive.
    pub live_events: u64,
    /// Ports alive.
    pub live_ports: u64,
    /// Kernel calls made by the whole process since it started.
    pub kernel_calls: u64,
}

/// Serves the protocol `name` (e.g. `fuchsia.sysmem2.Allocator`) in the host's `/svc`
/// directory. The returned handle reads like a channel: each message is one connection
/// request whose only handle is the server end of the client's channel. The service stops
/// when the handle closes (its socket is removed).
///
/// # Errors
///
/// - [`Status::ALREADY_EXISTS`](crate::zx::Status::ALREADY_EXISTS): another process serves
///   `name` (a socket left by a crashed one is replaced).
/// - [`Status::INVALID_ARGS`](crate::zx::Status::INVALID_ARGS): `name` is not one path
///   component.
/// - [`Status::ACCESS_DENIED`](crate::zx::Status::ACCESS_DENIED): the directory cannot be
///   written.
pub fn serve(name: &str) -> Result<crate::zx::Channel, crate::zx::Status> {
    use crate::zx::{Channel, Handle, HandleBased, Status};
    let name = std::ffi::CString::new(name).map_err(|_| Status::INVALID_ARGS)?;
    let mut out = 0;
    // SAFETY: `name` is NUL-terminated and outlives the call; `out` is writable.
    Status::ok(unsafe { host_zircon::abi::zx_host_service_bind(name.as_ptr(), &mut out) })?;
    // SAFETY: the kernel returned a fresh handle value that nothing else owns.
    Ok(Channel::from_handle(unsafe { Handle::from_raw(out) }))
}

fn raw_counters() -> zx_host_counters_t {
    let mut counters = zx_host_counters_t::default();
    // SAFETY: `counters` is a valid, writable zx_host_counters_t; the call only writes it.
    unsafe { host_zircon::abi::zx_host_counters_get(&mut counters) };
    counters
}

/// A snapshot of the host kernel's process-wide counters.
///
/// The counts are process-wide: compare them against a baseline only while holding
/// [`counters_lock`], and only in tests whose neighbours also hold it.
pub fn counters() -> Counters {
    let raw = raw_counters();
    Counters {
        live_handles: raw.live_handles,
        live_vmos: raw.live_vmos,
        live_channels: raw.live_channels,
        live_mappings: raw.live_mappings,
        live_events: raw.live_events,
        live_ports: raw.live_ports,
        kernel_calls: raw.kernel_calls,
    }
}

/// Kernel calls made so far by the calling thread: race-free under parallel tests, for
/// assertions such as "an export costs N calls".
pub fn thread_kernel_calls() -> u64 {
    raw_counters().thread_kernel_calls
}

/// Threads asleep right now in a blocking wait after finding their condition unmet. A test
/// can wait for this to become non-zero to know that its waiter really blocked before it
/// wakes it.
pub fn blocked_waiters() -> u64 {
    raw_counters().blocked_waiters
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

/// How the host Vulkan layer's VMO mappings get huge pages: the system's shared-memory THP
/// mode when it grants `MADV_HUGEPAGE` (`advise`, `always` or `within_size`), which the layer
/// asks for on every mapping of 2 MiB or more; `None` when the system offers none (4 KiB
/// pages: large imports pin more pages).
pub fn huge_page_mode() -> Option<String> {
    host_vulkan::shmem_huge_page_mode()
}
