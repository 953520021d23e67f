//! Channel syscalls of the C ABI.

use fuchsia_zircon_types::{
    zx_channel_call_etc_args_t, zx_handle_disposition_t, zx_handle_info_t, zx_handle_t,
    zx_status_t, zx_time_t,
};

use super::{create_pair, in_slice, out_ref, out_slice, run};
use crate::syscalls;

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
    // SAFETY: forwarded from this function's contract.
    unsafe { create_pair(options, out0, out1, syscalls::channel_create) }
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
    // SAFETY: forwarded from this function's contract.
    unsafe {
        read_with(
            handle,
            options,
            (bytes, num_bytes),
            (handles, num_handles),
            actual_bytes,
            actual_handles,
        )
    }
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
    // SAFETY: forwarded from this function's contract.
    unsafe {
        read_with(
            handle,
            options,
            (bytes, num_bytes),
            (handles, num_handles),
            actual_bytes,
            actual_handles,
        )
    }
}

/// The body of [`zx_channel_read`] and [`zx_channel_read_etc`], which differ only in what a
/// handle slot holds.
///
/// # Safety
///
/// As [`zx_channel_read`], with `handles` holding `H` values.
unsafe fn read_with<H: syscalls::ReadSlot>(
    handle: zx_handle_t,
    options: u32,
    (bytes, num_bytes): (*mut u8, u32),
    (handles, num_handles): (*mut H, u32),
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
