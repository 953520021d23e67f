//! The Zircon C ABI: one `#[no_mangle] extern "C"` function per syscall, with the signatures
//! of `fuchsia-zircon-sys` 0.4 (the Zircon syscall reference), plus the host-only
//! `zx_host_*` extension.
//!
//! This file is the only place where the host kernel trusts a raw pointer. Each function turns
//! its pointer arguments into slices or references of exactly the lengths the caller passed,
//! then calls the safe emulation in [`crate::syscalls`]. A null pointer with a non-zero length
//! is `ZX_ERR_INVALID_ARGS`, as the kernel's user-copy would fail it; beyond that, pointers
//! must be valid for the lengths given, as on Zircon (where a bad pointer faults the copy).

use std::mem::size_of;
use std::slice;

use fuchsia_zircon_types::{
    self as sys, zx_channel_call_etc_args_t, zx_handle_disposition_t, zx_handle_info_t,
    zx_handle_t, zx_info_handle_basic_t, zx_info_vmo_t, zx_port_packet_t, zx_rights_t,
    zx_signals_t, zx_status_t, zx_time_t, zx_vaddr_t, zx_vm_option_t, zx_wait_item_t,
};

use crate::{svc, syscalls};

/// The value `zx_vmar_root_self` returns on the host: it names the root VMAR in every
/// process, is never in the handle table (so it is never counted as a live handle), and has
/// the fixed low bits of a valid handle value.
pub const ROOT_VMAR_HANDLE: zx_handle_t = 0xFFFF_FFFF;

/// `*out` as a mutable reference, or `INVALID_ARGS` for a null pointer.
///
/// # Safety
///
/// `out` is null or valid for writes of one `T` for the life of the returned reference.
unsafe fn out_ref<'a, T>(out: *mut T) -> Result<&'a mut T, zx_status_t> {
    // SAFETY: the caller promises `out` is null or valid for writes of one `T`.
    unsafe { out.as_mut() }.ok_or(sys::ZX_ERR_INVALID_ARGS)
}

/// `len` elements at `ptr` as a slice; an empty slice for `len` 0 whatever `ptr` is.
///
/// # Safety
///
/// When `len` is non-zero, `ptr` is null or valid for reads of `len` elements for `'a`.
unsafe fn in_slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], zx_status_t> {
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
unsafe fn out_slice<'a, T>(ptr: *mut T, len: usize) -> Result<&'a mut [T], zx_status_t> {
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
fn run(f: impl FnOnce() -> Result<zx_status_t, zx_status_t>) -> zx_status_t {
    match f() {
        Ok(status) | Err(status) => status,
    }
}

/// `zx_handle_close`.
#[no_mangle]
pub extern "C" fn zx_handle_close(handle: zx_handle_t) -> zx_status_t {
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

/// `zx_object_get_info`: the topics `ZX_INFO_HANDLE_VALID`, `ZX_INFO_HANDLE_BASIC` and
/// `ZX_INFO_VMO`.
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

/// `zx_channel_create`.
///
/// # Safety
///
/// `out0` and `out1` are valid for writes of one handle value each.
#[no_mangle]
pub unsafe extern "C" fn zx_channel_create(
    options: u32,
    out0: *mut zx_handle_t,
    out1: *mut zx_handle_t,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let out0 = unsafe { out_ref(out0) }?;
        // SAFETY: as above.
        let out1 = unsafe { out_ref(out1) }?;
        Ok(syscalls::channel_create(options, out0, out1))
    })
}

/// `zx_channel_write`. The handles are consumed on every path, as the kernel consumes them.
///
/// # Safety
///
/// `bytes` is valid for reads of `num_bytes` bytes and `handles` of `num_handles` values.
#[no_mangle]
pub unsafe extern "C" fn zx_channel_write(
    handle: zx_handle_t,
    options: u32,
    bytes: *const u8,
    num_bytes: u32,
    handles: *const zx_handle_t,
    num_handles: u32,
) -> zx_status_t {
    // SAFETY: forwarded from this function's contract.
    let handles = match unsafe { in_slice(handles, num_handles as usize) } {
        Ok(handles) => handles,
        Err(status) => return status,
    };
    // SAFETY: forwarded from this function's contract.
    match unsafe { in_slice(bytes, num_bytes as usize) } {
        Ok(bytes) => syscalls::channel_write(handle, options, bytes, handles),
        Err(status) => {
            syscalls::handle_close_many(handles);
            status
        }
    }
}

/// `zx_channel_read`.
///
/// # Safety
///
/// `bytes` is valid for writes of `num_bytes` bytes and `handles` of `num_handles` values;
/// `actual_bytes` and `actual_handles` are null or valid for writes of one `u32` each.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the syscall's own signature
pub unsafe extern "C" fn zx_channel_read(
    handle: zx_handle_t,
    options: u32,
    bytes: *mut u8,
    handles: *mut zx_handle_t,
    num_bytes: u32,
    num_handles: u32,
    actual_bytes: *mut u32,
    actual_handles: *mut u32,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let bytes = unsafe { out_slice(bytes, num_bytes as usize) }?;
        // SAFETY: as above.
        let handles = unsafe { out_slice(handles, num_handles as usize) }?;
        let (mut nb, mut nh) = (0, 0);
        let status = syscalls::channel_read(handle, options, bytes, handles, &mut nb, &mut nh);
        // SAFETY: forwarded from this function's contract.
        unsafe { write_actuals(actual_bytes, nb, actual_handles, nh) };
        Ok(status)
    })
}

/// `zx_channel_read_etc`.
///
/// # Safety
///
/// As [`zx_channel_read`], with `handles` holding `zx_handle_info_t` records.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the syscall's own signature
pub unsafe extern "C" fn zx_channel_read_etc(
    handle: zx_handle_t,
    options: u32,
    bytes: *mut u8,
    handles: *mut zx_handle_info_t,
    num_bytes: u32,
    num_handles: u32,
    actual_bytes: *mut u32,
    actual_handles: *mut u32,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let bytes = unsafe { out_slice(bytes, num_bytes as usize) }?;
        // SAFETY: as above.
        let handles = unsafe { out_slice(handles, num_handles as usize) }?;
        let (mut nb, mut nh) = (0, 0);
        let status = syscalls::channel_read_etc(handle, options, bytes, handles, &mut nb, &mut nh);
        // SAFETY: forwarded from this function's contract.
        unsafe { write_actuals(actual_bytes, nb, actual_handles, nh) };
        Ok(status)
    })
}

/// Writes the actual counts a read reports where the caller asked for them.
///
/// # Safety
///
/// Each pointer is null or valid for writes of one `u32`.
unsafe fn write_actuals(bytes: *mut u32, nb: u32, handles: *mut u32, nh: u32) {
    // SAFETY: forwarded from this function's contract (null is allowed).
    if let Some(bytes) = unsafe { bytes.as_mut() } {
        *bytes = nb;
    }
    // SAFETY: as above.
    if let Some(handles) = unsafe { handles.as_mut() } {
        *handles = nh;
    }
}

/// `zx_channel_write_etc`: each disposition's handle is moved (`ZX_HANDLE_OP_MOVE`) or
/// duplicated (`ZX_HANDLE_OP_DUPLICATE`), checked against its `type` and reduced to its
/// `rights`; each record's `result` says what happened to it.
///
/// # Safety
///
/// `bytes` is valid for reads of `num_bytes` bytes and `handles` for reads and writes of
/// `num_handles` records.
#[no_mangle]
pub unsafe extern "C" fn zx_channel_write_etc(
    handle: zx_handle_t,
    options: u32,
    bytes: *const u8,
    num_bytes: u32,
    handles: *mut zx_handle_disposition_t,
    num_handles: u32,
) -> zx_status_t {
    // SAFETY: forwarded from this function's contract.
    let dispositions = match unsafe { out_slice(handles, num_handles as usize) } {
        Ok(dispositions) => dispositions,
        Err(status) => return status,
    };
    // SAFETY: forwarded from this function's contract.
    match unsafe { in_slice(bytes, num_bytes as usize) } {
        Ok(bytes) => syscalls::channel_write_etc(handle, options, bytes, dispositions),
        Err(status) => {
            syscalls::close_moved(dispositions);
            status
        }
    }
}

/// `zx_channel_call_etc`: writes `args.wr_*` (dispositions, as [`zx_channel_write_etc`]) and
/// waits for the reply with the same txid, read into `args.rd_*`.
///
/// # Safety
///
/// `args` is valid for reads, and every pointer in it for the lengths recorded beside it (the
/// `rd_*` buffers for writes, `wr_handles` for reads and writes); `actual_bytes` and
/// `actual_handles` are null or valid for writes of one `u32` each.
#[no_mangle]
pub unsafe extern "C" fn zx_channel_call_etc(
    handle: zx_handle_t,
    options: u32,
    deadline: zx_time_t,
    args: *mut zx_channel_call_etc_args_t,
    actual_bytes: *mut u32,
    actual_handles: *mut u32,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let args = unsafe { out_ref(args) }?;
        // SAFETY: forwarded from this function's contract.
        let dispositions = unsafe { out_slice(args.wr_handles, args.wr_num_handles as usize) }?;
        // SAFETY: as above.
        let wr_bytes = match unsafe { in_slice(args.wr_bytes, args.wr_num_bytes as usize) } {
            Ok(bytes) => bytes,
            Err(status) => {
                syscalls::close_moved(dispositions);
                return Ok(status);
            }
        };
        // SAFETY: as above.
        let rd_bytes = unsafe { out_slice(args.rd_bytes, args.rd_num_bytes as usize) }?;
        // SAFETY: as above.
        let rd_handles = unsafe { out_slice(args.rd_handles, args.rd_num_handles as usize) }?;
        let (mut nb, mut nh) = (0, 0);
        let status = syscalls::channel_call_etc(
            handle,
            options,
            deadline,
            wr_bytes,
            dispositions,
            rd_bytes,
            rd_handles,
            &mut nb,
            &mut nh,
        );
        // SAFETY: forwarded from this function's contract.
        unsafe { write_actuals(actual_bytes, nb, actual_handles, nh) };
        Ok(status)
    })
}

/// `zx_clock_get_monotonic` (a vDSO call).
#[no_mangle]
pub extern "C" fn zx_clock_get_monotonic() -> zx_time_t {
    syscalls::clock_get_monotonic()
}

/// `zx_object_wait_async`.
#[no_mangle]
pub extern "C" fn zx_object_wait_async(
    handle: zx_handle_t,
    port: zx_handle_t,
    key: u64,
    signals: zx_signals_t,
    options: u32,
) -> zx_status_t {
    syscalls::object_wait_async(handle, port, key, signals, options)
}

/// `zx_object_signal`.
#[no_mangle]
pub extern "C" fn zx_object_signal(
    handle: zx_handle_t,
    clear_mask: u32,
    set_mask: u32,
) -> zx_status_t {
    syscalls::object_signal(handle, clear_mask, set_mask)
}

/// `zx_object_signal_peer`.
#[no_mangle]
pub extern "C" fn zx_object_signal_peer(
    handle: zx_handle_t,
    clear_mask: u32,
    set_mask: u32,
) -> zx_status_t {
    syscalls::object_signal_peer(handle, clear_mask, set_mask)
}

/// `zx_port_create`.
///
/// # Safety
///
/// `out` is valid for writes of one handle value.
#[no_mangle]
pub unsafe extern "C" fn zx_port_create(options: u32, out: *mut zx_handle_t) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { out_ref(out) }?;
        Ok(syscalls::port_create(options, out))
    })
}

/// `zx_port_queue`. The packet is read as bytes, so any `type` value a C caller wrote is
/// accepted (and replaced by `ZX_PKT_TYPE_USER`, as the kernel does).
///
/// # Safety
///
/// `packet` is valid for reads of one `zx_port_packet_t`.
#[no_mangle]
pub unsafe extern "C" fn zx_port_queue(
    handle: zx_handle_t,
    packet: *const zx_port_packet_t,
) -> zx_status_t {
    run(|| {
        if packet.is_null() {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let mut raw = [0u8; size_of::<zx_port_packet_t>()];
        // SAFETY: `packet` is non-null and valid for reads of one packet, which is `raw.len()`
        // bytes; bytes have no alignment or validity requirements.
        unsafe { std::ptr::copy_nonoverlapping(packet.cast::<u8>(), raw.as_mut_ptr(), raw.len()) };
        let mut union = [0u8; 32];
        union.copy_from_slice(&raw[16..48]);
        let packet = zx_port_packet_t {
            key: u64::from_ne_bytes(raw[0..8].try_into().map_err(|_| sys::ZX_ERR_INTERNAL)?),
            packet_type: sys::zx_packet_type_t::ZX_PKT_TYPE_USER,
            status: i32::from_ne_bytes(raw[12..16].try_into().map_err(|_| sys::ZX_ERR_INTERNAL)?),
            union,
        };
        Ok(syscalls::port_queue(handle, &packet))
    })
}

/// `zx_port_wait`.
///
/// # Safety
///
/// `packet` is null or valid for writes of one `zx_port_packet_t`.
#[no_mangle]
pub unsafe extern "C" fn zx_port_wait(
    handle: zx_handle_t,
    deadline: zx_time_t,
    packet: *mut zx_port_packet_t,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let packet = unsafe { out_ref(packet) }?;
        Ok(syscalls::port_wait(handle, deadline, packet))
    })
}

/// `zx_port_cancel`.
#[no_mangle]
pub extern "C" fn zx_port_cancel(
    handle: zx_handle_t,
    source: zx_handle_t,
    key: u64,
) -> zx_status_t {
    syscalls::port_cancel(handle, source, key)
}

/// `zx_event_create`.
///
/// # Safety
///
/// `out` is valid for writes of one handle value.
#[no_mangle]
pub unsafe extern "C" fn zx_event_create(options: u32, out: *mut zx_handle_t) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { out_ref(out) }?;
        Ok(syscalls::event_create(options, out))
    })
}

/// `zx_eventpair_create`.
///
/// # Safety
///
/// `out0` and `out1` are valid for writes of one handle value each.
#[no_mangle]
pub unsafe extern "C" fn zx_eventpair_create(
    options: u32,
    out0: *mut zx_handle_t,
    out1: *mut zx_handle_t,
) -> zx_status_t {
    run(|| {
        // SAFETY: forwarded from this function's contract.
        let out0 = unsafe { out_ref(out0) }?;
        // SAFETY: as above.
        let out1 = unsafe { out_ref(out1) }?;
        Ok(syscalls::eventpair_create(options, out0, out1))
    })
}

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
