//! Helpers shared by the `zx_*` test binaries.
#![allow(dead_code)] // each binary uses a different subset

use std::sync::MutexGuard;

pub mod raw;

use vmo_interop::platform::host::{self, Counters};
use vmo_interop::zx::sys;

/// Serializes a test against every other test of its binary (they all hold it) and records the
/// host kernel's counters as the baseline.
pub struct Serial {
    _guard: MutexGuard<'static, ()>,
    base: Counters,
}

/// Takes the shared counter lock and the baseline; every test in a `zx_*` binary starts here.
pub fn serial() -> Serial {
    let guard = host::counters_lock();
    Serial {
        _guard: guard,
        base: host::counters(),
    }
}

impl Serial {
    /// The counters now, as differences from the baseline:
    /// (handles, vmos, channels, mappings).
    pub fn live_delta(&self) -> (i64, i64, i64, i64) {
        let now = host::counters();
        let d = |now: u64, base: u64| now as i64 - base as i64;
        (
            d(now.live_handles, self.base.live_handles),
            d(now.live_vmos, self.base.live_vmos),
            d(now.live_channels, self.base.live_channels),
            d(now.live_mappings, self.base.live_mappings),
        )
    }

    /// Asserts that every handle, object and mapping made since the baseline is gone.
    #[track_caller]
    pub fn assert_no_leaks(&self) {
        assert_eq!(
            self.live_delta(),
            (0, 0, 0, 0),
            "(handles, vmos, channels, mappings) leaked"
        );
        let now = host::counters();
        assert_eq!(
            (now.live_events, now.live_ports),
            (self.base.live_events, self.base.live_ports),
            "(events, ports) leaked"
        );
    }
}

/// `ZX_INFO_HANDLE_BASIC` of a raw value, or its status: the liveness probe of the tests.
pub fn basic_info(raw: sys::zx_handle_t) -> Result<sys::zx_info_handle_basic_t, sys::zx_status_t> {
    let mut info = sys::zx_info_handle_basic_t::default();
    match raw::object_get_info_handle_basic(raw, &mut info) {
        sys::ZX_OK => Ok(info),
        status => Err(status),
    }
}

/// Whether a raw value names a live handle.
pub fn is_live(raw: sys::zx_handle_t) -> bool {
    basic_info(raw).is_ok()
}

/// Returns once some thread is asleep in a blocking wait, so that what the test does next
/// exercises the wake-up path (not a wait that finds its condition already met).
pub fn until_a_waiter_blocks() {
    while host::blocked_waiters() == 0 {
        std::thread::yield_now();
    }
}

/// The file descriptors open in this process (`/proc/self/fd`), the OS's count behind the
/// kernel's: VMOs, channel ends, ports and wake-ups are fds on the host.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}
