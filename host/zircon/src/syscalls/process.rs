//! The process object: `zx_process_self` and `ZX_INFO_PROCESS_HANDLE_STATS`, the one query
//! through which a program (and the test suites, on the host and on Fuchsia alike) counts the
//! handles it holds by object type.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use fuchsia_zircon_types::{self as sys, zx_handle_t, zx_info_process_handle_stats_t, zx_status_t};

use super::status;
use crate::object::{KernelHandle, Kind, Object};
use crate::{count_call, koid, table};

/// `ZX_DEFAULT_PROCESS_RIGHTS` (zircon/rights.h), which a process's own handle has.
const DEFAULT_PROCESS_RIGHTS: u32 = sys::ZX_RIGHT_TRANSFER
    | sys::ZX_RIGHT_DUPLICATE
    | sys::ZX_RIGHT_WAIT
    | sys::ZX_RIGHT_INSPECT
    | sys::ZX_RIGHT_READ
    | sys::ZX_RIGHT_WRITE
    | sys::ZX_RIGHT_GET_PROPERTY
    | sys::ZX_RIGHT_SET_PROPERTY
    | sys::ZX_RIGHT_ENUMERATE
    | sys::ZX_RIGHT_DESTROY
    | sys::ZX_RIGHT_SIGNAL
    | sys::ZX_RIGHT_MANAGE_PROCESS
    | sys::ZX_RIGHT_MANAGE_THREAD;

/// The value `zx_process_self` returns, once made (0 before).
static SELF_HANDLE: AtomicU32 = AtomicU32::new(sys::ZX_HANDLE_INVALID);

/// Emulates `zx_process_self` (libc's `zircon/process.h`; not a syscall, so not counted): a
/// handle to this process, made at the first call and then the same value for the life of the
/// process, as the one a Fuchsia process receives at startup. The caller must not close it.
/// `ZX_HANDLE_INVALID` only if the handle table is full at the first call.
pub(crate) fn process_self() -> zx_handle_t {
    static MAKING: Mutex<()> = Mutex::new(());
    let value = SELF_HANDLE.load(Ordering::Acquire);
    if value != sys::ZX_HANDLE_INVALID {
        return value;
    }
    let _making = MAKING.lock().unwrap_or_else(PoisonError::into_inner);
    let value = SELF_HANDLE.load(Ordering::Acquire);
    if value != sys::ZX_HANDLE_INVALID {
        return value;
    }
    let object = Object::new(koid::allocate(1), sys::ZX_KOID_INVALID, Kind::Process);
    let inserted = table::lock().insert(KernelHandle::new(object, DEFAULT_PROCESS_RIGHTS));
    match inserted {
        Ok(value) => {
            SELF_HANDLE.store(value, Ordering::Release);
            value
        }
        // Dropped with the table unlocked.
        Err(_handle) => sys::ZX_HANDLE_INVALID,
    }
}

/// Emulates `zx_object_get_info(ZX_INFO_PROCESS_HANDLE_STATS)`: `BAD_HANDLE`, `WRONG_TYPE` (not
/// a process), `ACCESS_DENIED` (no INSPECT); then the number of handles in this process's
/// table per object type (handles written into a channel and not yet read are in no table, as
/// on Zircon).
pub(crate) fn object_get_info_process_handle_stats(
    handle: zx_handle_t,
    info: &mut zx_info_process_handle_stats_t,
) -> zx_status_t {
    count_call();
    status((|| {
        let table = table::lock();
        table.get_checked(
            handle,
            Some(sys::ZX_OBJ_TYPE_PROCESS),
            sys::ZX_RIGHT_INSPECT,
        )?;
        *info = zx_info_process_handle_stats_t::default();
        table.count_by_type(&mut info.handle_count);
        Ok(())
    })())
}
