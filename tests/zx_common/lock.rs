//! The lock of the tests that compare this process's counts against a baseline, for
//! `tests/common` and `tests/zx_common` alike.

use std::sync::MutexGuard;

/// The lock every test of a binary that compares counts against a baseline holds, from before
/// its baseline to its last comparison (the counts are process-wide). On the host it is the
/// host kernel's own counters lock; elsewhere one lock per test binary.
pub fn counters_lock() -> MutexGuard<'static, ()> {
    #[cfg(target_os = "linux")]
    {
        vmo_interop::platform::host::counters_lock()
    }
    #[cfg(not(target_os = "linux"))]
    {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        LOCK.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
