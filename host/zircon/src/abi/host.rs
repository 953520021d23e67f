//! `fdio_service_connect` and the host-only extension of the C ABI (`zx_host_*`).

use fuchsia_zircon_types::{self as sys, zx_handle_t, zx_status_t};

use super::{out_ref, run};
use crate::{svc, syscalls};

/// A NUL-terminated C string as UTF-8, or `INVALID_ARGS`.
///
/// # Safety
///
/// `s` is null or points to a NUL-terminated string that stays valid for `'a`.
unsafe fn c_str<'a>(s: *const std::ffi::c_char) -> Result<&'a str, zx_status_t> {
    if s.is_null() {
        return Err(sys::ZX_ERR_INVALID_ARGS);
    }
    // SAFETY: non-null and NUL-terminated by this function's contract.
    let s = unsafe { std::ffi::CStr::from_ptr(s) };
    s.to_str().map_err(|_| sys::ZX_ERR_INVALID_ARGS)
}

/// `fdio_service_connect` (libfdio on Fuchsia): sends `request`, the server end of a channel,
/// to the service at `path` (`/svc/<protocol>`). `request` is consumed on every path.
///
/// # Safety
///
/// `path` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn fdio_service_connect(
    path: *const std::ffi::c_char,
    request: zx_handle_t,
) -> zx_status_t {
    // SAFETY: forwarded from this function's contract.
    match unsafe { c_str(path) } {
        Ok(path) => svc::service_connect(path, request),
        Err(status) => {
            syscalls::handle_close(request);
            status
        }
    }
}

/// Host-only: serves the protocol `name` in the host's `/svc` directory. `*out` receives a
/// handle that reads like a channel: each message is one connection request, carrying the
/// server end of the client's channel as its only handle. `ALREADY_EXISTS` when another
/// process serves `name`.
///
/// # Safety
///
/// `name` is a NUL-terminated string; `out` is valid for writes of one handle value.
#[no_mangle]
pub unsafe extern "C" fn zx_host_service_bind(
    name: *const std::ffi::c_char,
    out: *mut zx_handle_t,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let name = unsafe { c_str(name) }?;
        // SAFETY: as above.
        let out = unsafe { out_ref(out) }?;
        Ok(svc::service_bind(name, out))
    })
}

/// The host kernel's counters (`zx_host_counters_get`): what tests compare against a baseline
/// to prove that nothing leaked and what an operation costs.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
#[allow(non_camel_case_types)] // a C ABI type, named as the zx_* types are
pub struct zx_host_counters_t {
    /// Handles alive in this process: in its handle table, or received and not yet read. (A
    /// handle written into a channel lives in the OS's socket buffer until it is read.)
    pub live_handles: u64,
    /// VMO objects alive in this process (kept alive by a handle or a mapping).
    pub live_vmos: u64,
    /// Channel endpoints alive in this process (a channel pair counts two).
    pub live_channels: u64,
    /// Mappings made by `zx_vmar_map` and not yet unmapped.
    pub live_mappings: u64,
    /// Events and event-pair ends alive in this process.
    pub live_events: u64,
    /// Ports alive in this process.
    pub live_ports: u64,
    /// Kernel calls made by the whole process since it started.
    pub kernel_calls: u64,
    /// Kernel calls made by the calling thread since it started.
    pub thread_kernel_calls: u64,
    /// Threads asleep right now in a blocking wait after finding their condition unmet.
    pub blocked_waiters: u64,
}

/// Host-only: fills `out` with the kernel's counters. Not counted as a kernel call.
///
/// # Safety
///
/// `out` is valid for writes of one `zx_host_counters_t`.
#[no_mangle]
pub unsafe extern "C" fn zx_host_counters_get(out: *mut zx_host_counters_t) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { out_ref(out) }?;
        *out = crate::counters();
        Ok(sys::ZX_OK)
    })
}
