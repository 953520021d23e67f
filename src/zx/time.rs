//! [`MonotonicInstant`]: deadlines for waits and calls.

use std::time::Duration;

use super::{kernel, sys};

/// A point on the monotonic clock (`zx_time_t`, nanoseconds), used as a deadline.
#[repr(transparent)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonotonicInstant(sys::zx_time_t);

impl MonotonicInstant {
    /// `ZX_TIME_INFINITE`: a deadline that never passes.
    pub const INFINITE: MonotonicInstant = MonotonicInstant(sys::ZX_TIME_INFINITE);
    /// `ZX_TIME_INFINITE_PAST`: a deadline that has always passed (poll).
    pub const INFINITE_PAST: MonotonicInstant = MonotonicInstant(sys::ZX_TIME_INFINITE_PAST);

    /// The current monotonic time.
    ///
    /// Wraps the `zx_clock_get_monotonic` vDSO call (the host kernel reads a process-wide
    /// monotonic clock; it is not counted as a kernel call, as it does not enter the kernel).
    pub fn get() -> MonotonicInstant {
        MonotonicInstant(kernel::clock_get_monotonic())
    }

    /// The instant `duration` from now, saturating at [`MonotonicInstant::INFINITE`].
    pub fn after(duration: Duration) -> MonotonicInstant {
        let nanos = i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX);
        MonotonicInstant(Self::get().0.saturating_add(nanos))
    }

    /// An instant from raw nanoseconds.
    pub const fn from_nanos(nanos: sys::zx_time_t) -> MonotonicInstant {
        MonotonicInstant(nanos)
    }

    /// The raw nanoseconds.
    pub const fn into_nanos(self) -> sys::zx_time_t {
        self.0
    }
}
