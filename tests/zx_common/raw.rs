//! The Zircon C ABI called directly, for the few rules the safe API makes impossible to break
//! (closing `ZX_HANDLE_INVALID`, closing a value twice, forged values). Each function is one
//! `fuchsia-zircon-sys` call, so these tests run unchanged against the real kernel.
#![allow(dead_code)] // each binary uses a different subset

use vmo_interop::zx::sys as zx_sys;
use vmo_interop::zx::sys::{
    zx_handle_disposition_t, zx_handle_t, zx_info_handle_basic_t, zx_rights_t, zx_status_t,
    zx_time_t, zx_vaddr_t, zx_wait_item_t, ZX_HANDLE_OP_MOVE, ZX_OBJ_TYPE_NONE, ZX_OK,
    ZX_RIGHT_SAME_RIGHTS,
};

pub fn handle_close(handle: zx_handle_t) -> zx_status_t {
    // SAFETY: no memory is passed.
    unsafe { zx_sys::zx_handle_close(handle) }
}

pub fn handle_duplicate(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: &mut zx_handle_t,
) -> zx_status_t {
    // SAFETY: `out` is a valid, writable handle value.
    unsafe { zx_sys::zx_handle_duplicate(handle, rights, out) }
}

pub fn handle_replace(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: &mut zx_handle_t,
) -> zx_status_t {
    // SAFETY: `out` is a valid, writable handle value.
    unsafe { zx_sys::zx_handle_replace(handle, rights, out) }
}

pub fn object_get_info_handle_basic(
    handle: zx_handle_t,
    info: &mut zx_info_handle_basic_t,
) -> zx_status_t {
    let (mut actual, mut avail) = (0usize, 0usize);
    // SAFETY: `info` is a writable buffer of exactly the size passed; the counts are writable.
    unsafe {
        zx_sys::zx_object_get_info(
            handle,
            zx_sys::ZX_INFO_HANDLE_BASIC,
            (info as *mut zx_info_handle_basic_t).cast::<u8>(),
            std::mem::size_of::<zx_info_handle_basic_t>(),
            &mut actual,
            &mut avail,
        )
    }
}

pub fn object_wait_many(items: &mut [zx_wait_item_t], deadline: zx_time_t) -> zx_status_t {
    // SAFETY: `items` is writable for `items.len()` records.
    unsafe { zx_sys::zx_object_wait_many(items.as_mut_ptr(), items.len(), deadline) }
}

pub fn vmo_read(handle: zx_handle_t, data: &mut [u8], offset: u64) -> zx_status_t {
    // SAFETY: `data` is writable for `data.len()` bytes.
    unsafe { zx_sys::zx_vmo_read(handle, data.as_mut_ptr(), offset, data.len()) }
}

pub fn vmo_write(handle: zx_handle_t, data: &[u8], offset: u64) -> zx_status_t {
    // SAFETY: `data` is readable for `data.len()` bytes.
    unsafe { zx_sys::zx_vmo_write(handle, data.as_ptr(), offset, data.len()) }
}

pub fn vmo_get_size(handle: zx_handle_t, size: &mut u64) -> zx_status_t {
    // SAFETY: `size` is a valid, writable u64.
    unsafe { zx_sys::zx_vmo_get_size(handle, size) }
}

pub fn vmo_set_size(handle: zx_handle_t, size: u64) -> zx_status_t {
    // SAFETY: no memory is passed.
    unsafe { zx_sys::zx_vmo_set_size(handle, size) }
}

/// `zx_vmar_map` on the root VMAR; a successful mapping is unmapped before returning (the
/// tests only look at the status), so no caller can be left holding a dangling range.
pub fn vmar_map_status(options: u32, vmo: zx_handle_t, vmo_offset: u64, len: usize) -> zx_status_t {
    let mut addr: zx_vaddr_t = 0;
    // SAFETY: `addr` is writable; without ZX_VM_SPECIFIC the kernel picks a free range.
    let status = unsafe {
        zx_sys::zx_vmar_map(
            zx_sys::zx_vmar_root_self(),
            options,
            0,
            vmo,
            vmo_offset,
            len,
            &mut addr,
        )
    };
    if status == ZX_OK {
        // SAFETY: the range was mapped just above and nothing refers to it.
        unsafe {
            zx_sys::zx_vmar_unmap(zx_sys::zx_vmar_root_self(), addr, len.div_ceil(4096) * 4096)
        };
    }
    status
}

pub fn channel_create(options: u32, out0: &mut zx_handle_t, out1: &mut zx_handle_t) -> zx_status_t {
    // SAFETY: `out0` and `out1` are valid, writable handle values.
    unsafe { zx_sys::zx_channel_create(options, out0, out1) }
}

pub fn channel_write(
    handle: zx_handle_t,
    options: u32,
    bytes: &[u8],
    handles: &[zx_handle_t],
) -> zx_status_t {
    // SAFETY: `bytes` and `handles` are readable for the lengths passed.
    unsafe {
        zx_sys::zx_channel_write(
            handle,
            options,
            bytes.as_ptr(),
            bytes.len() as u32,
            handles.as_ptr(),
            handles.len() as u32,
        )
    }
}

pub fn channel_read(
    handle: zx_handle_t,
    options: u32,
    bytes: &mut [u8],
    handles: &mut [zx_handle_t],
    actual_bytes: &mut u32,
    actual_handles: &mut u32,
) -> zx_status_t {
    // SAFETY: `bytes` and `handles` are writable for the lengths passed; the counts writable.
    unsafe {
        zx_sys::zx_channel_read(
            handle,
            options,
            bytes.as_mut_ptr(),
            handles.as_mut_ptr(),
            bytes.len() as u32,
            handles.len() as u32,
            actual_bytes,
            actual_handles,
        )
    }
}

/// `zx_channel_read` into room for `byte_capacity` bytes and `handle_capacity` handles: the
/// status and the byte and handle counts it reports (on `BUFFER_TOO_SMALL`, the sizes of the
/// message that did not fit). Handles a successful read received are closed.
pub fn channel_read_counts(
    handle: zx_handle_t,
    options: u32,
    byte_capacity: usize,
    handle_capacity: usize,
) -> (zx_status_t, u32, u32) {
    let mut bytes = vec![0u8; byte_capacity];
    let mut handles = vec![0; handle_capacity];
    let (mut actual_bytes, mut actual_handles) = (0, 0);
    let status = channel_read(
        handle,
        options,
        &mut bytes,
        &mut handles,
        &mut actual_bytes,
        &mut actual_handles,
    );
    if status == zx_sys::ZX_OK {
        for &received in &handles[..actual_handles as usize] {
            handle_close(received);
        }
    }
    (status, actual_bytes, actual_handles)
}

/// A plain move of `handle` as a `zx_handle_disposition_t`.
pub fn move_disposition(handle: zx_handle_t) -> zx_handle_disposition_t {
    zx_handle_disposition_t {
        operation: ZX_HANDLE_OP_MOVE,
        handle,
        type_: ZX_OBJ_TYPE_NONE,
        rights: ZX_RIGHT_SAME_RIGHTS,
        result: ZX_OK,
    }
}

pub fn object_wait_one(
    handle: zx_handle_t,
    signals: u32,
    deadline: zx_time_t,
    observed: &mut u32,
) -> zx_status_t {
    // SAFETY: `observed` is a valid, writable zx_signals_t.
    unsafe { zx_sys::zx_object_wait_one(handle, signals, deadline, observed) }
}
