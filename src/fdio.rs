//! Reaching named services, as the Fuchsia tree's `fdio` crate does: a client makes a channel,
//! keeps one end and hands the other to the service named by a path in its namespace
//! (`/svc/<protocol>`).
//!
//! On Fuchsia this is libfdio's `fdio_service_connect`. On a Linux host the same C function
//! comes from the host platform (`host/zircon`), where `/svc` is a directory of the host (see
//! [`platform::host`](crate::platform::host) for where it is and how a service binds in it).

use crate::zx::{self, sys, HandleBased, Status};

#[cfg_attr(target_os = "fuchsia", link(name = "fdio"))]
extern "C" {
    fn fdio_service_connect(
        path: *const std::ffi::c_char,
        request: sys::zx_handle_t,
    ) -> sys::zx_status_t;
}

/// Connects `request` (the server end of a channel) to the service at `path`, e.g.
/// `/svc/fuchsia.sysmem2.Allocator`. `request` is consumed whatever happens.
///
/// Wraps `fdio_service_connect`.
///
/// # Errors
///
/// - [`Status::NOT_FOUND`]: nothing serves `path`.
/// - [`Status::INVALID_ARGS`]: `path` is not a path in `/svc` (or holds a NUL byte).
pub fn service_connect(path: &str, request: zx::Channel) -> Result<(), Status> {
    let Ok(path) = std::ffi::CString::new(path) else {
        return Err(Status::INVALID_ARGS);
    };
    let raw = request.into_handle().into_raw();
    // SAFETY: `path` is a NUL-terminated string that outlives the call; `raw` is a handle this
    // function owns and gives up here (the call consumes it on every path).
    Status::ok(unsafe { fdio_service_connect(path.as_ptr(), raw) })
}

/// Makes a channel, connects its server end to the service at `path` and returns the client
/// end: requests written to it before the service reads them wait in the channel.
///
/// # Errors
///
/// As [`service_connect`], plus the statuses of `zx_channel_create`.
pub fn connect_at_path(path: &str) -> Result<zx::Channel, Status> {
    let (client, server) = zx::Channel::create()?;
    service_connect(path, server)?;
    Ok(client)
}
