//! The emulated syscalls: safe, C-shaped functions (raw values in, `zx_status_t` out, slices
//! for pointer and length pairs) that `abi.rs` exposes as the `zx_*` C ABI. Each counts one
//! kernel call. They follow the kernel's order of checks (see `shared/reference/zircon.md`).

mod channel;
mod process;
mod vmo;
mod wait;

pub(crate) use channel::*;
pub(crate) use process::*;
pub(crate) use vmo::*;
pub(crate) use wait::*;

use fuchsia_zircon_types::{
    self as sys, zx_handle_t, zx_info_handle_basic_t, zx_rights_t, zx_status_t, zx_time_t,
};

use std::sync::Arc;

use crate::object::{KernelHandle, Object};
use crate::{count_call, table};

/// A message's byte or handle count as the `u32` the ABI reports (messages are limited to
/// 65536 bytes and 64 handles, so this never saturates).
pub(crate) fn abi_count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Turns a `Result` into the status the syscall returns.
pub(crate) fn status(result: Result<(), zx_status_t>) -> zx_status_t {
    match result {
        Ok(()) => sys::ZX_OK,
        Err(status) => status,
    }
}

/// Inserts a new handle and writes its value to `out`.
pub(crate) fn insert(handle: KernelHandle, out: &mut zx_handle_t) -> Result<(), zx_status_t> {
    let inserted = table::lock().insert(handle);
    match inserted {
        Ok(value) => {
            *out = value;
            Ok(())
        }
        // The handle is dropped here, with the table unlocked.
        Err(_handle) => Err(sys::ZX_ERR_NO_MEMORY),
    }
}

/// Inserts a handle with `rights` to each end of a new pair (a channel, an event pair) and
/// writes their values to `out0` and `out1`; on failure neither handle stays.
pub(crate) fn insert_pair(
    (end0, end1): (Arc<Object>, Arc<Object>),
    rights: zx_rights_t,
    out0: &mut zx_handle_t,
    out1: &mut zx_handle_t,
) -> Result<(), zx_status_t> {
    let (handle0, handle1) = (
        KernelHandle::new(end0, rights),
        KernelHandle::new(end1, rights),
    );
    insert(handle0, out0)?;
    if let Err(status) = insert(handle1, out1) {
        handle_close(*out0);
        return Err(status);
    }
    Ok(())
}

/// `rights` as a request against a handle that has `held`: the exact SAME_RIGHTS sentinel, or
/// a subset. Anything else (SAME_RIGHTS plus other bits included) is `INVALID_ARGS`.
pub(crate) fn requested_rights(
    rights: zx_rights_t,
    held: zx_rights_t,
) -> Result<zx_rights_t, zx_status_t> {
    if rights == sys::ZX_RIGHT_SAME_RIGHTS {
        Ok(held)
    } else if rights & !held == 0 {
        Ok(rights)
    } else {
        Err(sys::ZX_ERR_INVALID_ARGS)
    }
}

/// Emulates `zx_handle_close`: `ZX_HANDLE_INVALID` is OK (like `free(NULL)`); a value that
/// is not live is `BAD_HANDLE`. Closing the last handle destroys the object (unless a mapping
/// still holds it).
pub(crate) fn handle_close(handle: zx_handle_t) -> zx_status_t {
    count_call();
    if handle == sys::ZX_HANDLE_INVALID {
        return sys::ZX_OK;
    }
    let removed = table::lock().remove(handle);
    match removed {
        // Dropped with the table unlocked.
        Some(_handle) => sys::ZX_OK,
        None => sys::ZX_ERR_BAD_HANDLE,
    }
}

/// Emulates `zx_handle_duplicate`: `BAD_HANDLE` → `ACCESS_DENIED` (no DUPLICATE, even when
/// `rights` is also bad) → `INVALID_ARGS` (`rights` neither the exact SAME_RIGHTS sentinel nor
/// a subset). The source is untouched on every path.
pub(crate) fn handle_duplicate(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: &mut zx_handle_t,
) -> zx_status_t {
    count_call();
    status((|| {
        let duplicate = {
            let table = table::lock();
            // BAD_HANDLE, then ACCESS_DENIED (no DUPLICATE) before looking at `rights`.
            let source = table.get_checked(handle, None, sys::ZX_RIGHT_DUPLICATE)?;
            let rights = requested_rights(rights, source.rights)?;
            source.duplicate(rights)
        };
        insert(duplicate, out)
    })())
}

/// Emulates `zx_handle_replace`: needs no rights and always consumes `handle`;
/// `BAD_HANDLE` → `INVALID_ARGS` (not a subset; the handle is closed).
pub(crate) fn handle_replace(
    handle: zx_handle_t,
    rights: zx_rights_t,
    out: &mut zx_handle_t,
) -> zx_status_t {
    count_call();
    let mut table = table::lock();
    // The source is removed whatever happens next.
    let Some(mut source) = table.remove(handle) else {
        return sys::ZX_ERR_BAD_HANDLE;
    };
    match requested_rights(rights, source.rights) {
        Ok(rights) => {
            // The same kernel handle moves to a new value: the object never sees zero handles.
            source.rights = rights;
            match table.insert(source) {
                Ok(value) => {
                    *out = value;
                    sys::ZX_OK
                }
                Err(source) => {
                    drop(table);
                    drop(source);
                    sys::ZX_ERR_NO_MEMORY
                }
            }
        }
        Err(status) => {
            drop(table);
            drop(source);
            status
        }
    }
}

/// Emulates `zx_object_get_info(ZX_INFO_HANDLE_BASIC)`: needs no rights.
pub(crate) fn object_get_info_handle_basic(
    handle: zx_handle_t,
    info: &mut zx_info_handle_basic_t,
) -> zx_status_t {
    count_call();
    status((|| {
        let table = table::lock();
        let handle = table.get_checked(handle, None, sys::ZX_RIGHT_NONE)?;
        *info = zx_info_handle_basic_t {
            koid: handle.object.koid,
            rights: handle.rights,
            type_: handle.object.object_type(),
            related_koid: handle.object.related_koid,
            reserved: 0,
        };
        Ok(())
    })())
}

/// Emulates `zx_object_get_property`: `BAD_HANDLE` → `ACCESS_DENIED` (no GET_PROPERTY) →
/// per property: `ZX_PROP_VMO_CONTENT_SIZE` needs 8 bytes (`BUFFER_TOO_SMALL`) and a VMO
/// (`WRONG_TYPE`); other properties are `INVALID_ARGS` on the host.
pub(crate) fn object_get_property(
    handle: zx_handle_t,
    property: u32,
    value: &mut [u8],
) -> zx_status_t {
    count_call();
    status((|| {
        // Properties check GET_PROPERTY first, then the property's object type.
        let (object, _) = table::object_checked(handle, None, sys::ZX_RIGHT_GET_PROPERTY)?;
        match property {
            sys::ZX_PROP_VMO_CONTENT_SIZE => {
                let out = value.get_mut(..8).ok_or(sys::ZX_ERR_BUFFER_TOO_SMALL)?;
                let vmo = object.as_vmo().ok_or(sys::ZX_ERR_WRONG_TYPE)?;
                out.copy_from_slice(&vmo.content_size().to_ne_bytes());
                Ok(())
            }
            _ => Err(sys::ZX_ERR_INVALID_ARGS),
        }
    })())
}

/// Emulates `zx_handle_close_many`: closes every value; `BAD_HANDLE` if any was not live (the
/// others are closed all the same).
pub(crate) fn handle_close_many(handles: &[zx_handle_t]) -> zx_status_t {
    count_call();
    let mut status = sys::ZX_OK;
    let mut removed = Vec::with_capacity(handles.len());
    {
        let mut table = table::lock();
        for &handle in handles {
            if handle == sys::ZX_HANDLE_INVALID {
                continue;
            }
            match table.remove(handle) {
                Some(handle) => removed.push(handle),
                None => status = sys::ZX_ERR_BAD_HANDLE,
            }
        }
    }
    // Closed with the table unlocked.
    drop(removed);
    status
}

/// Emulates `zx_object_get_info(ZX_INFO_HANDLE_VALID)`: `OK` for a live handle.
pub(crate) fn object_get_info_handle_valid(handle: zx_handle_t) -> zx_status_t {
    count_call();
    if table::lock().get(handle).is_some() {
        sys::ZX_OK
    } else {
        sys::ZX_ERR_BAD_HANDLE
    }
}

/// Emulates `zx_clock_get_monotonic` (a vDSO call: not counted).
pub(crate) fn clock_get_monotonic() -> zx_time_t {
    crate::wait::clock_get_monotonic()
}
