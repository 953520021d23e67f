//! The kernel seam: each function is one call of the Zircon C ABI ([`super::sys`]), the vDSO
//! on Fuchsia and the host kernel elsewhere.
//!
//! The signatures are C-shaped (raw values in, `zx_status_t` out, out-parameters by `&mut`) but
//! safe: slices carry their lengths, so every pointer handed to the kernel is valid for the
//! length the kernel is told.

use super::sys as zx_sys;

use super::sys::{
    zx_handle_info_t, zx_handle_t, zx_info_handle_basic_t, zx_rights_t, zx_signals_t, zx_status_t,
    zx_time_t, zx_vaddr_t, zx_wait_item_t,
};

fn vmar_root() -> zx_handle_t {
    // SAFETY: a plain getter with no preconditions; the returned handle is owned by libc and
    // only borrowed here.
    unsafe { zx_sys::zx_vmar_root_self() }
}

pub(crate) fn process_self() -> zx_handle_t {
    // SAFETY: a plain getter with no preconditions; the returned handle is owned by libc and
    // only borrowed by the caller.
    unsafe { zx_sys::zx_process_self() }
}

pub(crate) fn handle_close(handle: zx_handle_t) -> zx_status_t {
    // SAFETY: no memory is passed; an invalid value is reported as a status.
    unsafe { zx_sys::zx_handle_close(handle) }
}

pub(crate) fn handle_duplicate(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: &mut zx_handle_t,
) -> zx_status_t {
    // SAFETY: `out` is a valid, writable zx_handle_t.
    unsafe { zx_sys::zx_handle_duplicate(handle, rights, out) }
}

pub(crate) fn handle_replace(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: &mut zx_handle_t,
) -> zx_status_t {
    // SAFETY: `out` is a valid, writable zx_handle_t.
    unsafe { zx_sys::zx_handle_replace(handle, rights, out) }
}

/// `zx_object_get_info` for a topic whose record is one `T`: one of the `zx_info_*_t` C structs
/// below, integers only, so any bytes the kernel writes are a valid `T`.
fn object_get_info_record<T>(handle: zx_handle_t, topic: u32, info: &mut T) -> zx_status_t {
    let (mut actual, mut avail) = (0usize, 0usize);
    // SAFETY: `info` is a writable buffer of exactly the size passed, of a record made of
    // integers only (the callers below pass `zx_info_*_t` structs); `actual` and `avail` are
    // valid, writable usizes.
    unsafe {
        zx_sys::zx_object_get_info(
            handle,
            topic,
            (info as *mut T).cast::<u8>(),
            std::mem::size_of::<T>(),
            &mut actual,
            &mut avail,
        )
    }
}

pub(crate) fn object_get_info_handle_basic(
    handle: zx_handle_t,
    info: &mut zx_info_handle_basic_t,
) -> zx_status_t {
    object_get_info_record(handle, zx_sys::ZX_INFO_HANDLE_BASIC, info)
}

pub(crate) fn object_get_info_vmo(
    handle: zx_handle_t,
    info: &mut zx_sys::zx_info_vmo_t,
) -> zx_status_t {
    object_get_info_record(handle, zx_sys::ZX_INFO_VMO, info)
}

pub(crate) fn object_get_info_process_handle_stats(
    handle: zx_handle_t,
    info: &mut zx_sys::zx_info_process_handle_stats_t,
) -> zx_status_t {
    object_get_info_record(handle, zx_sys::ZX_INFO_PROCESS_HANDLE_STATS, info)
}

pub(crate) fn object_get_property(
    handle: zx_handle_t,
    property: u32,
    value: &mut [u8],
) -> zx_status_t {
    // SAFETY: `value` is writable for `value.len()` bytes.
    unsafe { zx_sys::zx_object_get_property(handle, property, value.as_mut_ptr(), value.len()) }
}

pub(crate) fn object_wait_one(
    handle: zx_handle_t,
    signals: zx_signals_t,
    deadline: zx_time_t,
    observed: &mut zx_signals_t,
) -> zx_status_t {
    // SAFETY: `observed` is a valid, writable zx_signals_t.
    unsafe { zx_sys::zx_object_wait_one(handle, signals, deadline, observed) }
}

pub(crate) fn object_wait_many(items: &mut [zx_wait_item_t], deadline: zx_time_t) -> zx_status_t {
    // SAFETY: `items` is writable for `items.len()` records.
    unsafe { zx_sys::zx_object_wait_many(items.as_mut_ptr(), items.len(), deadline) }
}

pub(crate) fn vmo_create(size: u64, options: u32, out: &mut zx_handle_t) -> zx_status_t {
    // SAFETY: `out` is a valid, writable zx_handle_t.
    unsafe { zx_sys::zx_vmo_create(size, options, out) }
}

pub(crate) fn vmo_read(handle: zx_handle_t, data: &mut [u8], offset: u64) -> zx_status_t {
    // SAFETY: `data` is writable for `data.len()` bytes.
    unsafe { zx_sys::zx_vmo_read(handle, data.as_mut_ptr(), offset, data.len()) }
}

pub(crate) fn vmo_write(handle: zx_handle_t, data: &[u8], offset: u64) -> zx_status_t {
    // SAFETY: `data` is readable for `data.len()` bytes.
    unsafe { zx_sys::zx_vmo_write(handle, data.as_ptr(), offset, data.len()) }
}

pub(crate) fn vmo_get_size(handle: zx_handle_t, size: &mut u64) -> zx_status_t {
    // SAFETY: `size` is a valid, writable u64.
    unsafe { zx_sys::zx_vmo_get_size(handle, size) }
}

pub(crate) fn vmo_set_size(handle: zx_handle_t, size: u64) -> zx_status_t {
    // SAFETY: no memory is passed.
    unsafe { zx_sys::zx_vmo_set_size(handle, size) }
}

pub(crate) fn system_get_page_size() -> usize {
    // SAFETY: a vDSO getter with no preconditions.
    unsafe { zx_sys::zx_system_get_page_size() as usize }
}

pub(crate) fn vmar_map(
    options: u32,
    vmo: zx_handle_t,
    vmo_offset: u64,
    len: usize,
    mapped_addr: &mut zx_vaddr_t,
) -> zx_status_t {
    // SAFETY: `mapped_addr` is a valid, writable address; without ZX_VM_SPECIFIC the kernel
    // picks a free range, so no existing mapping is replaced.
    unsafe { zx_sys::zx_vmar_map(vmar_root(), options, 0, vmo, vmo_offset, len, mapped_addr) }
}

pub(crate) fn vmar_unmap(addr: zx_vaddr_t, len: usize) -> zx_status_t {
    // SAFETY: only called by `Mapping::drop` for the range that `vmar_map` returned, which no
    // Rust reference points into any more.
    unsafe { zx_sys::zx_vmar_unmap(vmar_root(), addr, len) }
}

pub(crate) fn channel_create(
    options: u32,
    out0: &mut zx_handle_t,
    out1: &mut zx_handle_t,
) -> zx_status_t {
    // SAFETY: `out0` and `out1` are valid, writable zx_handle_ts.
    unsafe { zx_sys::zx_channel_create(options, out0, out1) }
}

pub(crate) fn channel_write(
    handle: zx_handle_t,
    options: u32,
    bytes: &[u8],
    handles: &[zx_handle_t],
) -> zx_status_t {
    let (Ok(num_bytes), Ok(num_handles)) =
        (u32::try_from(bytes.len()), u32::try_from(handles.len()))
    else {
        return close_all(handles, zx_sys::ZX_ERR_OUT_OF_RANGE);
    };
    // SAFETY: `bytes` and `handles` are readable for the lengths passed.
    unsafe {
        zx_sys::zx_channel_write(
            handle,
            options,
            bytes.as_ptr(),
            num_bytes,
            handles.as_ptr(),
            num_handles,
        )
    }
}

/// A `zx_handle_info_t` slot before the kernel fills it.
pub(crate) const EMPTY_HANDLE_INFO: zx_handle_info_t = zx_handle_info_t {
    handle: zx_sys::ZX_HANDLE_INVALID,
    ty: 0,
    rights: 0,
    unused: 0,
};

/// `zx_channel_read` or `zx_channel_read_etc`, whose `handles` out-parameter is an array of `H`.
pub(crate) type ReadSyscall<H> = unsafe extern "C" fn(
    zx_handle_t,
    u32,
    *mut u8,
    *mut H,
    u32,
    u32,
    *mut u32,
    *mut u32,
) -> zx_status_t;

/// What one handle slot of a channel read holds, and the syscall that fills such slots:
/// `zx_channel_read` (a bare `zx_handle_t`) or `zx_channel_read_etc` (a `zx_handle_info_t`).
///
/// # Safety
///
/// `SYSCALL` writes at most the number of `Self` slots it is told into `handles`, each a valid
/// `Self`: it is the read syscall whose C signature takes an array of `Self`.
pub(crate) unsafe trait ReadSlot: Copy {
    /// A slot before the kernel fills it.
    const EMPTY: Self;
    /// The syscall whose `handles` out-parameter is an array of `Self`.
    const SYSCALL: ReadSyscall<Self>;
}

// SAFETY: `zx_channel_read` fills `zx_handle_t` slots.
unsafe impl ReadSlot for zx_handle_t {
    const EMPTY: Self = zx_sys::ZX_HANDLE_INVALID;
    const SYSCALL: ReadSyscall<Self> = zx_sys::zx_channel_read;
}

// SAFETY: `zx_channel_read_etc` fills `zx_handle_info_t` slots.
unsafe impl ReadSlot for zx_handle_info_t {
    const EMPTY: Self = EMPTY_HANDLE_INFO;
    const SYSCALL: ReadSyscall<Self> = zx_sys::zx_channel_read_etc;
}

/// `zx_channel_read` or `zx_channel_read_etc`, as the slot type `H` says.
pub(crate) fn channel_read<H: ReadSlot>(
    handle: zx_handle_t,
    options: u32,
    bytes: &mut [u8],
    handles: &mut [H],
    actual_bytes: &mut u32,
    actual_handles: &mut u32,
) -> zx_status_t {
    let num_bytes = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    let num_handles = u32::try_from(handles.len()).unwrap_or(u32::MAX);
    // SAFETY: `H::SYSCALL` is the read syscall whose handle slots are `H` (`ReadSlot`'s
    // contract); `bytes` and `handles` are writable for at least the lengths passed; the actual
    // counts are valid, writable u32s.
    unsafe {
        H::SYSCALL(
            handle,
            options,
            bytes.as_mut_ptr(),
            handles.as_mut_ptr(),
            num_bytes,
            num_handles,
            actual_bytes,
            actual_handles,
        )
    }
}

#[allow(clippy::too_many_arguments)] // mirrors zx_channel_call_etc_args_t
pub(crate) fn channel_call_etc(
    handle: zx_handle_t,
    deadline: zx_time_t,
    bytes: &[u8],
    handles: &[zx_handle_t],
    rd_bytes: &mut [u8],
    rd_handles: &mut [zx_handle_info_t],
    actual_bytes: &mut u32,
    actual_handles: &mut u32,
) -> zx_status_t {
    let (Ok(wr_num_bytes), Ok(wr_num_handles)) =
        (u32::try_from(bytes.len()), u32::try_from(handles.len()))
    else {
        return close_all(handles, zx_sys::ZX_ERR_OUT_OF_RANGE);
    };
    let mut dispositions: Vec<zx_sys::zx_handle_disposition_t> = handles
        .iter()
        .map(|&handle| zx_sys::zx_handle_disposition_t {
            operation: zx_sys::ZX_HANDLE_OP_MOVE,
            handle,
            type_: zx_sys::ZX_OBJ_TYPE_NONE,
            rights: zx_sys::ZX_RIGHT_SAME_RIGHTS,
            result: zx_sys::ZX_OK,
        })
        .collect();
    let mut args = zx_sys::zx_channel_call_etc_args_t {
        wr_bytes: bytes.as_ptr(),
        wr_handles: dispositions.as_mut_ptr(),
        rd_bytes: rd_bytes.as_mut_ptr(),
        rd_handles: rd_handles.as_mut_ptr(),
        wr_num_bytes,
        wr_num_handles,
        rd_num_bytes: u32::try_from(rd_bytes.len()).unwrap_or(u32::MAX),
        rd_num_handles: u32::try_from(rd_handles.len()).unwrap_or(u32::MAX),
    };
    // SAFETY: every pointer in `args` comes from a live slice or Vec of at least the length
    // recorded next to it; `args` and the actual counts are valid and writable.
    unsafe {
        zx_sys::zx_channel_call_etc(handle, 0, deadline, &mut args, actual_bytes, actual_handles)
    }
}

pub(crate) fn clock_get_monotonic() -> zx_time_t {
    // SAFETY: a vDSO getter with no preconditions.
    unsafe { zx_sys::zx_clock_get_monotonic() }
}

/// Closes `handles` (as the kernel would for a message it refuses) and returns `status`.
fn close_all(handles: &[zx_handle_t], status: zx_status_t) -> zx_status_t {
    for &handle in handles {
        handle_close(handle);
    }
    status
}

pub(crate) fn object_wait_async(
    handle: zx_handle_t,
    port: zx_handle_t,
    key: u64,
    signals: zx_signals_t,
    options: u32,
) -> zx_status_t {
    // SAFETY: no memory is passed.
    unsafe { zx_sys::zx_object_wait_async(handle, port, key, signals, options) }
}

pub(crate) fn object_signal(handle: zx_handle_t, clear: u32, set: u32) -> zx_status_t {
    // SAFETY: no memory is passed.
    unsafe { zx_sys::zx_object_signal(handle, clear, set) }
}

pub(crate) fn object_signal_peer(handle: zx_handle_t, clear: u32, set: u32) -> zx_status_t {
    // SAFETY: no memory is passed.
    unsafe { zx_sys::zx_object_signal_peer(handle, clear, set) }
}

pub(crate) fn port_create(options: u32, out: &mut zx_handle_t) -> zx_status_t {
    // SAFETY: `out` is a valid, writable zx_handle_t.
    unsafe { zx_sys::zx_port_create(options, out) }
}

pub(crate) fn port_queue(handle: zx_handle_t, packet: &zx_sys::zx_port_packet_t) -> zx_status_t {
    // SAFETY: `packet` is a valid packet for the duration of the call.
    unsafe { zx_sys::zx_port_queue(handle, packet) }
}

pub(crate) fn port_wait(
    handle: zx_handle_t,
    deadline: zx_time_t,
    packet: &mut zx_sys::zx_port_packet_t,
) -> zx_status_t {
    // SAFETY: `packet` is a valid, writable packet.
    unsafe { zx_sys::zx_port_wait(handle, deadline, packet) }
}

pub(crate) fn port_cancel(handle: zx_handle_t, source: zx_handle_t, key: u64) -> zx_status_t {
    // SAFETY: no memory is passed.
    unsafe { zx_sys::zx_port_cancel(handle, source, key) }
}

pub(crate) fn event_create(options: u32, out: &mut zx_handle_t) -> zx_status_t {
    // SAFETY: `out` is a valid, writable zx_handle_t.
    unsafe { zx_sys::zx_event_create(options, out) }
}

pub(crate) fn eventpair_create(
    options: u32,
    out0: &mut zx_handle_t,
    out1: &mut zx_handle_t,
) -> zx_status_t {
    // SAFETY: `out0` and `out1` are valid, writable zx_handle_ts.
    unsafe { zx_sys::zx_eventpair_create(options, out0, out1) }
}

pub(crate) fn channel_write_etc(
    handle: zx_handle_t,
    options: u32,
    bytes: &[u8],
    dispositions: &mut [zx_sys::zx_handle_disposition_t],
) -> zx_status_t {
    let (Ok(num_bytes), Ok(num_handles)) = (
        u32::try_from(bytes.len()),
        u32::try_from(dispositions.len()),
    ) else {
        return zx_sys::ZX_ERR_OUT_OF_RANGE;
    };
    // SAFETY: `bytes` is readable and `dispositions` readable and writable for the lengths
    // passed.
    unsafe {
        zx_sys::zx_channel_write_etc(
            handle,
            options,
            bytes.as_ptr(),
            num_bytes,
            dispositions.as_mut_ptr(),
            num_handles,
        )
    }
}
