//! [`Status`]: the `zx_status_t` every syscall returns.

use std::fmt;

use super::sys;

/// A Zircon status code (`zx_status_t`): [`Status::OK`] or one of the negative `ZX_ERR_*` codes.
///
/// Fallible operations return `Result<T, Status>`; an `Err` never holds [`Status::OK`].
/// `Display` prints the C name and the raw value, e.g. `ZX_ERR_BAD_HANDLE (-11)`.
#[repr(transparent)]
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(sys::zx_status_t);

macro_rules! statuses {
    ($($(#[$doc:meta])* $name:ident = $raw:ident;)*) => {
        impl Status {
            $($(#[$doc])* pub const $name: Status = Status(sys::$raw);)*

            /// The C name of this status (`"ZX_ERR_BAD_HANDLE"`), or `None` for a value that
            /// `errors.h` does not define.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $(sys::$raw => Some(stringify!($raw)),)*
                    _ => None,
                }
            }
        }
    };
}

statuses! {
    /// `ZX_OK` (0): success.
    OK = ZX_OK;
    /// `ZX_ERR_INTERNAL` (-1): the system encountered an unexpected error.
    INTERNAL = ZX_ERR_INTERNAL;
    /// `ZX_ERR_NOT_SUPPORTED` (-2): the operation is not implemented, supported or enabled.
    NOT_SUPPORTED = ZX_ERR_NOT_SUPPORTED;
    /// `ZX_ERR_NO_RESOURCES` (-3): a resource other than memory is exhausted.
    NO_RESOURCES = ZX_ERR_NO_RESOURCES;
    /// `ZX_ERR_NO_MEMORY` (-4): memory allocation failed.
    NO_MEMORY = ZX_ERR_NO_MEMORY;
    /// `ZX_ERR_INTERRUPTED_RETRY` (-6): interrupted; retry the call.
    INTERRUPTED_RETRY = ZX_ERR_INTERRUPTED_RETRY;
    /// `ZX_ERR_INVALID_ARGS` (-10): an argument is invalid.
    INVALID_ARGS = ZX_ERR_INVALID_ARGS;
    /// `ZX_ERR_BAD_HANDLE` (-11): the handle value is not a live handle of this process.
    BAD_HANDLE = ZX_ERR_BAD_HANDLE;
    /// `ZX_ERR_WRONG_TYPE` (-12): the handle refers to an object of the wrong type.
    WRONG_TYPE = ZX_ERR_WRONG_TYPE;
    /// `ZX_ERR_BAD_SYSCALL` (-13): the syscall number is invalid.
    BAD_SYSCALL = ZX_ERR_BAD_SYSCALL;
    /// `ZX_ERR_OUT_OF_RANGE` (-14): an argument is outside the valid range.
    OUT_OF_RANGE = ZX_ERR_OUT_OF_RANGE;
    /// `ZX_ERR_BUFFER_TOO_SMALL` (-15): a caller-provided buffer is too small.
    BUFFER_TOO_SMALL = ZX_ERR_BUFFER_TOO_SMALL;
    /// `ZX_ERR_BAD_STATE` (-20): the object is not in a state that allows the operation.
    BAD_STATE = ZX_ERR_BAD_STATE;
    /// `ZX_ERR_TIMED_OUT` (-21): the deadline passed before the operation completed.
    TIMED_OUT = ZX_ERR_TIMED_OUT;
    /// `ZX_ERR_SHOULD_WAIT` (-22): the operation cannot complete now; wait and retry.
    SHOULD_WAIT = ZX_ERR_SHOULD_WAIT;
    /// `ZX_ERR_CANCELED` (-23): the operation was canceled (e.g. the waited handle was closed).
    CANCELED = ZX_ERR_CANCELED;
    /// `ZX_ERR_PEER_CLOSED` (-24): the other side of the object is closed.
    PEER_CLOSED = ZX_ERR_PEER_CLOSED;
    /// `ZX_ERR_NOT_FOUND` (-25): the requested entity was not found.
    NOT_FOUND = ZX_ERR_NOT_FOUND;
    /// `ZX_ERR_ALREADY_EXISTS` (-26): the entity already exists.
    ALREADY_EXISTS = ZX_ERR_ALREADY_EXISTS;
    /// `ZX_ERR_ALREADY_BOUND` (-27): the entity is already bound.
    ALREADY_BOUND = ZX_ERR_ALREADY_BOUND;
    /// `ZX_ERR_UNAVAILABLE` (-28): the resource is unavailable (e.g. resizing a fixed-size VMO).
    UNAVAILABLE = ZX_ERR_UNAVAILABLE;
    /// `ZX_ERR_ACCESS_DENIED` (-30): the handle lacks a right the operation needs.
    ACCESS_DENIED = ZX_ERR_ACCESS_DENIED;
    /// `ZX_ERR_IO` (-40): an input/output error.
    IO = ZX_ERR_IO;
    /// `ZX_ERR_IO_REFUSED` (-41): the peer refused the I/O.
    IO_REFUSED = ZX_ERR_IO_REFUSED;
    /// `ZX_ERR_IO_DATA_INTEGRITY` (-42): data failed an integrity check.
    IO_DATA_INTEGRITY = ZX_ERR_IO_DATA_INTEGRITY;
    /// `ZX_ERR_IO_DATA_LOSS` (-43): data was lost.
    IO_DATA_LOSS = ZX_ERR_IO_DATA_LOSS;
    /// `ZX_ERR_IO_NOT_PRESENT` (-44): the device is not present.
    IO_NOT_PRESENT = ZX_ERR_IO_NOT_PRESENT;
    /// `ZX_ERR_IO_OVERRUN` (-45): too much data.
    IO_OVERRUN = ZX_ERR_IO_OVERRUN;
    /// `ZX_ERR_IO_MISSED_DEADLINE` (-46): an I/O deadline was missed.
    IO_MISSED_DEADLINE = ZX_ERR_IO_MISSED_DEADLINE;
    /// `ZX_ERR_IO_INVALID` (-47): the data is invalid.
    IO_INVALID = ZX_ERR_IO_INVALID;
    /// `ZX_ERR_BAD_PATH` (-50): the path is invalid.
    BAD_PATH = ZX_ERR_BAD_PATH;
    /// `ZX_ERR_NOT_DIR` (-51): not a directory.
    NOT_DIR = ZX_ERR_NOT_DIR;
    /// `ZX_ERR_NOT_FILE` (-52): not a file.
    NOT_FILE = ZX_ERR_NOT_FILE;
    /// `ZX_ERR_FILE_BIG` (-53): the file is too large.
    FILE_BIG = ZX_ERR_FILE_BIG;
    /// `ZX_ERR_NO_SPACE` (-54): no space left.
    NO_SPACE = ZX_ERR_NO_SPACE;
    /// `ZX_ERR_NOT_EMPTY` (-55): the directory is not empty.
    NOT_EMPTY = ZX_ERR_NOT_EMPTY;
    /// `ZX_ERR_STOP` (-60): iteration should stop.
    STOP = ZX_ERR_STOP;
    /// `ZX_ERR_NEXT` (-61): iteration should advance.
    NEXT = ZX_ERR_NEXT;
    /// `ZX_ERR_ASYNC` (-62): the operation will complete asynchronously.
    ASYNC = ZX_ERR_ASYNC;
    /// `ZX_ERR_PROTOCOL_NOT_SUPPORTED` (-70): the protocol is not supported.
    PROTOCOL_NOT_SUPPORTED = ZX_ERR_PROTOCOL_NOT_SUPPORTED;
    /// `ZX_ERR_ADDRESS_UNREACHABLE` (-71): the host is unreachable.
    ADDRESS_UNREACHABLE = ZX_ERR_ADDRESS_UNREACHABLE;
    /// `ZX_ERR_ADDRESS_IN_USE` (-72): the address is in use.
    ADDRESS_IN_USE = ZX_ERR_ADDRESS_IN_USE;
    /// `ZX_ERR_NOT_CONNECTED` (-73): not connected.
    NOT_CONNECTED = ZX_ERR_NOT_CONNECTED;
    /// `ZX_ERR_CONNECTION_REFUSED` (-74): the connection was refused.
    CONNECTION_REFUSED = ZX_ERR_CONNECTION_REFUSED;
    /// `ZX_ERR_CONNECTION_RESET` (-75): the connection was reset.
    CONNECTION_RESET = ZX_ERR_CONNECTION_RESET;
    /// `ZX_ERR_CONNECTION_ABORTED` (-76): the connection was aborted.
    CONNECTION_ABORTED = ZX_ERR_CONNECTION_ABORTED;
}

impl Status {
    /// Turns a raw syscall result into a `Result`: `ZX_OK` is `Ok(())`, anything else `Err`.
    ///
    /// # Errors
    ///
    /// Returns `Err(Status::from_raw(raw))` for every value other than `ZX_OK`.
    pub fn ok(raw: sys::zx_status_t) -> Result<(), Status> {
        if raw == sys::ZX_OK {
            Ok(())
        } else {
            Err(Status(raw))
        }
    }

    /// Wraps a raw `zx_status_t`.
    pub const fn from_raw(raw: sys::zx_status_t) -> Status {
        Status(raw)
    }

    /// The raw `zx_status_t`.
    pub const fn into_raw(self) -> sys::zx_status_t {
        self.0
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "unknown zx_status_t ({})", self.0),
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "Status({name})"),
            None => write!(f, "Status({})", self.0),
        }
    }
}

impl std::error::Error for Status {}

impl From<Status> for std::io::Error {
    /// Maps the status to the closest [`std::io::ErrorKind`]; the `Status` stays available as
    /// the error's payload (`io::Error::get_ref` / `downcast`).
    fn from(status: Status) -> std::io::Error {
        use std::io::ErrorKind;
        let kind = match status {
            Status::NOT_SUPPORTED => ErrorKind::Unsupported,
            Status::NO_MEMORY => ErrorKind::OutOfMemory,
            Status::INVALID_ARGS | Status::OUT_OF_RANGE => ErrorKind::InvalidInput,
            Status::TIMED_OUT => ErrorKind::TimedOut,
            Status::SHOULD_WAIT => ErrorKind::WouldBlock,
            Status::PEER_CLOSED => ErrorKind::BrokenPipe,
            Status::NOT_FOUND => ErrorKind::NotFound,
            Status::ALREADY_EXISTS => ErrorKind::AlreadyExists,
            Status::ACCESS_DENIED => ErrorKind::PermissionDenied,
            Status::INTERRUPTED_RETRY => ErrorKind::Interrupted,
            Status::CONNECTION_REFUSED => ErrorKind::ConnectionRefused,
            Status::CONNECTION_RESET => ErrorKind::ConnectionReset,
            Status::CONNECTION_ABORTED => ErrorKind::ConnectionAborted,
            Status::NOT_CONNECTED => ErrorKind::NotConnected,
            Status::ADDRESS_IN_USE => ErrorKind::AddrInUse,
            _ => ErrorKind::Other,
        };
        std::io::Error::new(kind, status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_code_and_value() {
        assert_eq!(Status::BAD_HANDLE.to_string(), "ZX_ERR_BAD_HANDLE (-11)");
        assert_eq!(
            Status::ACCESS_DENIED.to_string(),
            "ZX_ERR_ACCESS_DENIED (-30)"
        );
        assert_eq!(Status::OK.to_string(), "ZX_OK (0)");
        assert_eq!(
            Status::from_raw(-999).to_string(),
            "unknown zx_status_t (-999)"
        );
        assert_eq!(
            format!("{:?}", Status::PEER_CLOSED),
            "Status(ZX_ERR_PEER_CLOSED)"
        );
    }

    #[test]
    fn ok_maps_only_zx_ok_to_ok() {
        assert_eq!(Status::ok(0), Ok(()));
        assert_eq!(Status::ok(-10), Err(Status::INVALID_ARGS));
        assert_eq!(Status::from_raw(-28).into_raw(), -28);
    }

    #[test]
    fn io_error_keeps_the_status() {
        let err = std::io::Error::from(Status::ACCESS_DENIED);
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
        let inner = err.get_ref().and_then(|e| e.downcast_ref::<Status>());
        assert_eq!(inner, Some(&Status::ACCESS_DENIED));
    }
}
