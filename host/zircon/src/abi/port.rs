//! Ports, events, event pairs, signals and async waits in the C ABI.

use std::mem::size_of;

use fuchsia_zircon_types::{
    self as sys, zx_handle_t, zx_port_packet_t, zx_signals_t, zx_status_t, zx_time_t,
};

use super::{create_pair, out_ref, run};
use crate::syscalls;

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
    // SAFETY: forwarded from this function's contract.
    unsafe { create_pair(options, out0, out1, syscalls::eventpair_create) }
}
