//! [`WaitResult`]: what a wait observed, kept on every outcome (as the Fuchsia `zx` crate's).

use super::{Signals, Status};

/// The outcome of [`AsHandleRef::wait_handle`](super::AsHandleRef::wait_handle), with the
/// signals the kernel observed on each outcome that has them: a timed-out or canceled wait
/// still says what was asserted when it ended (`zx_object_wait_one` writes `observed` then too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a wait's outcome says whether the signals were asserted"]
pub enum WaitResult {
    /// One of the signals waited for is asserted; all the signals observed.
    Ok(Signals),
    /// The deadline passed first ([`Status::TIMED_OUT`]); the signals observed at that moment.
    TimedOut(Signals),
    /// The handle was closed during the wait ([`Status::CANCELED`]); the signals observed then.
    Canceled(Signals),
    /// The wait could not start: [`Status::BAD_HANDLE`], [`Status::ACCESS_DENIED`] (no WAIT),
    /// or another error.
    Err(Status),
}

impl WaitResult {
    /// The observed signals as a `Result`: `Ok` for [`WaitResult::Ok`], otherwise the status
    /// ([`Status::TIMED_OUT`], [`Status::CANCELED`] or the error); the signals of a timed-out or
    /// canceled wait are dropped (match on the result to keep them).
    pub fn to_result(self) -> Result<Signals, Status> {
        match self {
            Self::Ok(signals) => Ok(signals),
            Self::TimedOut(_) => Err(Status::TIMED_OUT),
            Self::Canceled(_) => Err(Status::CANCELED),
            Self::Err(status) => Err(status),
        }
    }

    /// The signals observed, if the wait ran (succeeded, timed out or was canceled).
    pub fn signals(self) -> Option<Signals> {
        match self {
            Self::Ok(signals) | Self::TimedOut(signals) | Self::Canceled(signals) => Some(signals),
            Self::Err(_) => None,
        }
    }

    /// Whether one of the signals waited for is asserted.
    pub fn is_ok(self) -> bool {
        matches!(self, Self::Ok(_))
    }

    /// Interprets what `zx_object_wait_one` returned and wrote to `observed`.
    pub(crate) fn from_raw(status: Status, observed: Signals) -> Self {
        match status {
            Status::OK => Self::Ok(observed),
            Status::TIMED_OUT => Self::TimedOut(observed),
            Status::CANCELED => Self::Canceled(observed),
            other => Self::Err(other),
        }
    }
}

impl From<WaitResult> for Result<Signals, Status> {
    fn from(result: WaitResult) -> Self {
        result.to_result()
    }
}
