//! The Zircon C ABI: one `#[no_mangle] extern "C"` function per syscall, with the signatures
//! of `fuchsia-zircon-sys` 0.4 (the Zircon syscall reference), plus the host-only
//! `zx_host_*` extension.
//!
//! `abi/` is the only place where the host kernel trusts a raw pointer: this file (handles,
//! objects, VMOs, the VMAR), `channel.rs`, `port.rs` (ports, events, signals) and `host.rs`
//! (`fdio_service_connect` and the host-only extension). Each function turns
//! its pointer arguments into slices or references of exactly the lengths the caller passed,
//! then calls the safe emulation in [`crate::syscalls`]. A null pointer with a non-zero length
//! is `ZX_ERR_INVALID_ARGS`, as the kernel's user-copy would fail it; beyond that, pointers
//! must be valid for the lengths given, as on Zircon (where a bad pointer faults the copy).

use std::mem::size_of;
use std::slice;

use fuchsia_zircon_types::{
    self as sys, zx_handle_t, zx_info_handle_basic_t, zx_info_process_handle_stats_t,
    zx_info_vmo_t, zx_rights_t, zx_signals_t, zx_status_t, zx_time_t, zx_vaddr_t, zx_vm_option_t,
    zx_wait_item_t,
};

use crate::syscalls;

mod channel;
mod host;
mod port;

pub use channel::*;
pub use host::*;
pub use port::*;

/// The value `zx_vmar_root_self` returns on the host: it names the root VMAR in every
/// process, is never in the handle table (so it is never counted as a live handle), and has
/// the fixed low bits of a valid handle value.
pub const ROOT_VMAR_HANDLE: zx_handle_t = 0xFFFF_FFFF;

/// `*out` as a mutable reference, or `INVALID_ARGS` for a null pointer.
///
/// # Safety
///
/// `out` is null or valid for writes of one `T` for the life of the returned reference.
pub(super) unsafe fn out_ref<'a, T>(out: *mut T) -> Result<&'a mut T, zx_status_t> {
    // SAFETY: the caller promises `out` is null or valid for writes of one `T`.
    unsafe { out.as_mut() }.ok_or(sys::ZX_ERR_INVALID_ARGS)
}

/// The body of the `zx_*_create` calls that make a pair (`zx_channel_create`,
/// `zx_eventpair_create`): `create` with both out-parameters checked.
///
/// # Safety
///
/// `out0` and `out1` are null or valid for writes of one handle value each.
pub(super) unsafe fn create_pair(
    options: u32,
    out0: *mut zx_handle_t,
    out1: *mut zx_handle_t,
    create: fn(u32, &mut zx_handle_t, &mut zx_handle_t) -> zx_status_t,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let out0 = unsafe { out_ref(out0) }?;
        // SAFETY: as above.
        let out1 = unsafe { out_ref(out1) }?;
        Ok(create(options, out0, out1))
    })
}

/// `len` elements at `ptr` as a slice; an empty slice for `len` 0 whatever `ptr` is.
///
/// # Safety
///
/// When `len` is non-zero, `ptr` is null or valid for reads of `len` elements for `'a`.
pub(super) unsafe fn in_slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], zx_status_t> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(sys::ZX_ERR_INVALID_ARGS);
    }
    // SAFETY: the caller promises `ptr` is valid for reads of `len` elements; it is non-null.
    Ok(unsafe { slice::from_raw_parts(ptr, len) })
}

/// `len` elements at `ptr` as a mutable slice; an empty slice for `len` 0.
///
/// # Safety
///
/// When `len` is non-zero, `ptr` is null or valid for writes of `len` elements for `'a`, and
/// nothing else accesses them meanwhile.
pub(super) unsafe fn out_slice<'a, T>(ptr: *mut T, len: usize) -> Result<&'a mut [T], zx_status_t> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(sys::ZX_ERR_INVALID_ARGS);
    }
    // SAFETY: the caller promises `ptr` is valid for writes of `len` elements, unaliased.
    Ok(unsafe { slice::from_raw_parts_mut(ptr, len) })
}

/// Runs `f`, turning an argument error into its status.
pub(super) fn run(f: impl FnOnce() -> Result<zx_status_t, zx_status_t>) -> zx_status_t {
    match f() {
        Ok(status) | Err(status) => status,
    }
}

/// `zx_handle_close`.
///
/// # Safety
///
/// Closing a handle ends every owner's use of it: `handle` must be one the caller owns (as
/// for `close(2)` and `OwnedFd`), or no Rust owner may hold it (a `zx::Handle` would close the
/// value again, and the value may name another handle by then).
#[no_mangle]
pub unsafe extern "C" fn zx_handle_close(handle: zx_handle_t) -> zx_status_t {
    syscalls::handle_close(handle)
}

/// `zx_handle_close_many`: closes every handle; `BAD_HANDLE` if any was not live (the others
/// are closed all the same).
///
/// # Safety
///
/// `handles` is valid for reads of `num_handles` values.
#[no_mangle]
pub unsafe extern "C" fn zx_handle_close_many(
    handles: *const zx_handle_t,
    num_handles: usize,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let handles = unsafe { in_slice(handles, num_handles) }?;
        Ok(syscalls::handle_close_many(handles))
    })
}

/// `zx_handle_duplicate`.
///
/// # Safety
///
/// `out` is valid for writes of one handle value.
#[no_mangle]
pub unsafe extern "C" fn zx_handle_duplicate(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: *mut zx_handle_t,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { out_ref(out) }?;
        Ok(syscalls::handle_duplicate(handle, rights, out))
    })
}

/// `zx_handle_replace`.
///
/// # Safety
///
/// `out` is valid for writes of one handle value.
#[no_mangle]
pub unsafe extern "C" fn zx_handle_replace(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: *mut zx_handle_t,
) -> zx_status_t {
    // SAFETY: forwarded from this function's contract.
    match unsafe { out_ref(out) } {
        Ok(out) => syscalls::handle_replace(handle, rights, out),
        Err(status) => {
            // The handle is consumed whatever happens.
            syscalls::handle_close(handle);
            status
        }
    }
}

/// `zx_object_get_info`: the topics `ZX_INFO_HANDLE_VALID`, `ZX_INFO_HANDLE_BASIC`,
/// `ZX_INFO_VMO` and `ZX_INFO_PROCESS_HANDLE_STATS`.
///
/// # Safety
///
/// `buffer` is valid for writes of `buffer_size` bytes; `actual` and `avail` are null or
/// valid for writes of one `usize`.
#[no_mangle]
pub unsafe extern "C" fn zx_object_get_info(
    handle: zx_handle_t,
    topic: u32,
    buffer: *mut u8,
    buffer_size: usize,
    actual: *mut usize,
    avail: *mut usize,
) -> zx_status_t {
    run(|| {
        let (status, records) = match topic {
            sys::ZX_INFO_HANDLE_VALID => (syscalls::object_get_info_handle_valid(handle), 0),
            sys::ZX_INFO_HANDLE_BASIC => {
                let size = size_of::<zx_info_handle_basic_t>();
                if buffer_size < size {
                    return Ok(match syscalls::object_get_info_handle_valid(handle) {
                        sys::ZX_OK => sys::ZX_ERR_BUFFER_TOO_SMALL,
                        status => status,
                    });
                }
                if buffer.is_null() || buffer.align_offset(align_of_basic()) != 0 {
                    return Err(sys::ZX_ERR_INVALID_ARGS);
                }
                let mut info = zx_info_handle_basic_t::default();
                let status = syscalls::object_get_info_handle_basic(handle, &mut info);
                if status == sys::ZX_OK {
                    // SAFETY: `buffer` is non-null, aligned, and valid for `buffer_size >=
                    // size` bytes by this function's contract.
                    unsafe { buffer.cast::<zx_info_handle_basic_t>().write(info) };
                }
                (status, 1)
            }
            sys::ZX_INFO_VMO => {
                let size = size_of::<zx_info_vmo_t>();
                if buffer_size < size {
                    return Ok(match syscalls::object_get_info_handle_valid(handle) {
                        sys::ZX_OK => sys::ZX_ERR_BUFFER_TOO_SMALL,
                        status => status,
                    });
                }
                if buffer.is_null()
                    || buffer.align_offset(std::mem::align_of::<zx_info_vmo_t>()) != 0
                {
                    return Err(sys::ZX_ERR_INVALID_ARGS);
                }
                let mut info = zx_info_vmo_t::default();
                let status = syscalls::object_get_info_vmo(handle, &mut info);
                if status == sys::ZX_OK {
                    // SAFETY: `buffer` is non-null, aligned, and valid for `buffer_size >=
                    // size` bytes by this function's contract.
                    unsafe { buffer.cast::<zx_info_vmo_t>().write(info) };
                }
                (status, 1)
            }
            sys::ZX_INFO_PROCESS_HANDLE_STATS => {
                let size = size_of::<zx_info_process_handle_stats_t>();
                if buffer_size < size {
                    return Ok(match syscalls::object_get_info_handle_valid(handle) {
                        sys::ZX_OK => sys::ZX_ERR_BUFFER_TOO_SMALL,
                        status => status,
                    });
                }
                if buffer.is_null()
                    || buffer.align_offset(std::mem::align_of::<zx_info_process_handle_stats_t>())
                        != 0
                {
                    return Err(sys::ZX_ERR_INVALID_ARGS);
                }
                let mut info = zx_info_process_handle_stats_t::default();
                let status = syscalls::object_get_info_process_handle_stats(handle, &mut info);
                if status == sys::ZX_OK {
                    // SAFETY: `buffer` is non-null, aligned, and valid for `buffer_size >=
                    // size` bytes by this function's contract.
                    unsafe { buffer.cast::<zx_info_process_handle_stats_t>().write(info) };
                }
                (status, 1)
            }
            _ => return Err(sys::ZX_ERR_INVALID_ARGS),
        };
        if status == sys::ZX_OK {
            // SAFETY: forwarded from this function's contract (null is allowed).
            if let Some(actual) = unsafe { actual.as_mut() } {
                *actual = records;
            }
            // SAFETY: as above.
            if let Some(avail) = unsafe { avail.as_mut() } {
                *avail = records;
            }
        }
        Ok(status)
    })
}

const fn align_of_basic() -> usize {
    std::mem::align_of::<zx_info_handle_basic_t>()
}

/// `zx_object_get_property`.
///
/// # Safety
///
/// `value` is valid for writes of `value_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn zx_object_get_property(
    handle: zx_handle_t,
    property: u32,
    value: *mut u8,
    value_size: usize,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let value = unsafe { out_slice(value, value_size) }?;
        Ok(syscalls::object_get_property(handle, property, value))
    })
}

/// `zx_object_wait_one`. `observed` may be null.
///
/// # Safety
///
/// `observed` is null or valid for writes of one `zx_signals_t`.
#[no_mangle]
pub unsafe extern "C" fn zx_object_wait_one(
    handle: zx_handle_t,
    signals: zx_signals_t,
    deadline: zx_time_t,
    observed: *mut zx_signals_t,
) -> zx_status_t {
    let mut seen = 0;
    let status = syscalls::object_wait_one(handle, signals, deadline, &mut seen);
    // SAFETY: forwarded from this function's contract (null is allowed).
    if let Some(observed) = unsafe { observed.as_mut() } {
        *observed = seen;
    }
    status
}

/// `zx_object_wait_many`.
///
/// # Safety
///
/// `items` is valid for reads and writes of `num_items` records.
#[no_mangle]
pub unsafe extern "C" fn zx_object_wait_many(
    items: *mut zx_wait_item_t,
    num_items: usize,
    deadline: zx_time_t,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let items = unsafe { out_slice(items, num_items) }?;
        Ok(syscalls::object_wait_many(items, deadline))
    })
}

/// `zx_vmo_create`.
///
/// # Safety
///
/// `out` is valid for writes of one handle value.
#[no_mangle]
pub unsafe extern "C" fn zx_vmo_create(
    size: u64,
    options: u32,
    out: *mut zx_handle_t,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { out_ref(out) }?;
        Ok(syscalls::vmo_create(size, options, out))
    })
}

/// `zx_vmo_read`.
///
/// # Safety
///
/// `buffer` is valid for writes of `buffer_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn zx_vmo_read(
    handle: zx_handle_t,
    buffer: *mut u8,
    offset: u64,
    buffer_size: usize,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let buffer = unsafe { out_slice(buffer, buffer_size) }?;
        Ok(syscalls::vmo_read(handle, buffer, offset))
    })
}

/// `zx_vmo_write`.
///
/// # Safety
///
/// `buffer` is valid for reads of `buffer_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn zx_vmo_write(
    handle: zx_handle_t,
    buffer: *const u8,
    offset: u64,
    buffer_size: usize,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let buffer = unsafe { in_slice(buffer, buffer_size) }?;
        Ok(syscalls::vmo_write(handle, buffer, offset))
    })
}

/// `zx_vmo_get_size`.
///
/// # Safety
///
/// `size` is valid for writes of one `u64`.
#[no_mangle]
pub unsafe extern "C" fn zx_vmo_get_size(handle: zx_handle_t, size: *mut u64) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let size = unsafe { out_ref(size) }?;
        Ok(syscalls::vmo_get_size(handle, size))
    })
}

/// `zx_vmo_set_size`.
#[no_mangle]
pub extern "C" fn zx_vmo_set_size(handle: zx_handle_t, size: u64) -> zx_status_t {
    syscalls::vmo_set_size(handle, size)
}

/// `zx_system_get_page_size` (a vDSO call).
#[no_mangle]
pub extern "C" fn zx_system_get_page_size() -> u32 {
    u32::try_from(syscalls::system_get_page_size()).unwrap_or(u32::MAX)
}

/// `zx_vmar_root_self` (libc's `zircon/process.h` on Fuchsia): the root VMAR, which on the
/// host is the fixed value [`ROOT_VMAR_HANDLE`].
#[no_mangle]
pub extern "C" fn zx_vmar_root_self() -> zx_handle_t {
    ROOT_VMAR_HANDLE
}

/// `zx_process_self` (libc's `zircon/process.h` on Fuchsia): this process's own handle, the
/// same value at every call; the caller must not close it.
#[no_mangle]
pub extern "C" fn zx_process_self() -> zx_handle_t {
    syscalls::process_self()
}

/// `BAD_HANDLE` unless `vmar` is the root VMAR (the only VMAR on the host).
fn check_root_vmar(vmar: zx_handle_t) -> Result<(), zx_status_t> {
    if vmar == ROOT_VMAR_HANDLE {
        Ok(())
    } else if syscalls::object_get_info_handle_valid(vmar) == sys::ZX_OK {
        Err(sys::ZX_ERR_WRONG_TYPE)
    } else {
        Err(sys::ZX_ERR_BAD_HANDLE)
    }
}

/// `zx_vmar_map` on the root VMAR. `ZX_VM_SPECIFIC` placement is not supported on the host
/// (`vmar_offset` must be 0).
///
/// # Safety
///
/// `mapped_addr` is valid for writes of one address.
#[no_mangle]
pub unsafe extern "C" fn zx_vmar_map(
    vmar: zx_handle_t,
    options: zx_vm_option_t,
    vmar_offset: usize,
    vmo: zx_handle_t,
    vmo_offset: u64,
    len: usize,
    mapped_addr: *mut zx_vaddr_t,
) -> zx_status_t {
    run(|| {
        check_root_vmar(vmar)?;
        if vmar_offset != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        // SAFETY: forwarded from this function's contract.
        let mapped_addr = unsafe { out_ref(mapped_addr) }?;
        Ok(syscalls::vmar_map(
            options,
            vmo,
            vmo_offset,
            len,
            mapped_addr,
        ))
    })
}

/// `zx_vmar_unmap` on the root VMAR.
///
/// # Safety
///
/// Nothing in the process may use the pages of `[addr, addr + len)` afterwards.
#[no_mangle]
pub unsafe extern "C" fn zx_vmar_unmap(
    vmar: zx_handle_t,
    addr: zx_vaddr_t,
    len: usize,
) -> zx_status_t {
    run(|| {
        check_root_vmar(vmar)?;
        Ok(syscalls::vmar_unmap(addr, len))
    })
}

/// `zx_clock_get_monotonic` (a vDSO call).
#[no_mangle]
pub extern "C" fn zx_clock_get_monotonic() -> zx_time_t {
    syscalls::clock_get_monotonic()
}
