//! The raw syscall surface of the host kernel: the same C-shaped, safe functions as the
//! Fuchsia seam (`zx/fuchsia.rs`), each one emulated syscall that counts one kernel call.
//!
//! The safe types in [`crate::zx`] are built on these; they are public so that conformance
//! tests can check the kernel's behaviour at the syscall level (raw values, exact statuses),
//! including things the safe API makes impossible, such as closing `ZX_HANDLE_INVALID` or a
//! value twice.

use std::sync::Arc;

use crate::channel::{CallOutcome, ChannelEnd, Message, Pair, ReadError};
use crate::object::{allocate_koids, KernelHandle, Kind, Object};
use crate::vmo::{round_to_page, VmoObject};
use crate::{count_call, table, vmo, wait, PAGE_SIZE};
use fuchsia_zircon_types::{
    self as sys, zx_handle_disposition_t, zx_handle_info_t, zx_handle_t, zx_info_handle_basic_t,
    zx_rights_t, zx_signals_t, zx_status_t, zx_time_t, zx_vaddr_t, zx_wait_item_t,
};

/// `ZX_CHANNEL_READ_MAY_DISCARD`.
const CHANNEL_READ_MAY_DISCARD: u32 = 1;
const MAX_MSG_BYTES: usize = sys::ZX_CHANNEL_MAX_MSG_BYTES as usize;
const MAX_MSG_HANDLES: usize = sys::ZX_CHANNEL_MAX_MSG_HANDLES as usize;
/// `ZX_WAIT_MANY_MAX_ITEMS`.
const WAIT_MANY_MAX_ITEMS: usize = 64;
/// The options `zx_vmar_map` accepts on the host.
const VMAR_MAP_OPTIONS: u32 = sys::ZX_VM_PERM_READ
    | sys::ZX_VM_PERM_WRITE
    | sys::ZX_VM_PERM_EXECUTE
    | sys::ZX_VM_ALLOW_FAULTS;

/// A message's byte or handle count as the `u32` the ABI reports (messages are limited to
/// 65536 bytes and 64 handles, so this never saturates).
fn abi_count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Turns a `Result` into the status the syscall returns.
fn status(result: Result<(), zx_status_t>) -> zx_status_t {
    match result {
        Ok(()) => sys::ZX_OK,
        Err(status) => status,
    }
}

/// Inserts a new handle and writes its value to `out`.
fn insert(handle: KernelHandle, out: &mut zx_handle_t) -> Result<(), zx_status_t> {
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

/// `rights` as a request against a handle that has `held`: the exact SAME_RIGHTS sentinel, or
/// a subset. Anything else (SAME_RIGHTS plus other bits included) is `INVALID_ARGS`.
fn requested_rights(rights: zx_rights_t, held: zx_rights_t) -> Result<zx_rights_t, zx_status_t> {
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
pub fn handle_close(handle: zx_handle_t) -> zx_status_t {
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
pub fn handle_duplicate(
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
pub fn handle_replace(
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
pub fn object_get_info_handle_basic(
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
pub fn object_get_property(handle: zx_handle_t, property: u32, value: &mut [u8]) -> zx_status_t {
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

/// Emulates `zx_object_wait_one`: needs WAIT; blocks with no kernel lock held until a signal
/// in `signals` is asserted (`OK`), the deadline passes (`TIMED_OUT`) or `handle` is closed
/// (`CANCELED`, with `ZX_SIGNAL_HANDLE_CLOSED` observed).
pub fn object_wait_one(
    handle: zx_handle_t,
    signals: zx_signals_t,
    deadline: zx_time_t,
    observed: &mut zx_signals_t,
) -> zx_status_t {
    count_call();
    let object = match table::object_checked(handle, None, sys::ZX_RIGHT_WAIT) {
        Ok((object, _)) => object,
        Err(status) => return status,
    };
    let (status, seen) = wait::block_until(deadline, |expired| {
        let current = object.signals();
        if !table::lock().refers_to(handle, &object) {
            Some((sys::ZX_ERR_CANCELED, current | sys::ZX_SIGNAL_HANDLE_CLOSED))
        } else if current & signals != 0 {
            Some((sys::ZX_OK, current))
        } else if expired {
            Some((sys::ZX_ERR_TIMED_OUT, current))
        } else {
            None
        }
    });
    *observed = seen;
    status
}

/// Emulates `zx_object_wait_many`: at most 64 items (`OUT_OF_RANGE`), each needs WAIT;
/// fills every item's `pending` when it returns `OK`, `TIMED_OUT` or `CANCELED`.
pub fn object_wait_many(items: &mut [zx_wait_item_t], deadline: zx_time_t) -> zx_status_t {
    count_call();
    if items.len() > WAIT_MANY_MAX_ITEMS {
        return sys::ZX_ERR_OUT_OF_RANGE;
    }
    let mut objects = Vec::with_capacity(items.len());
    for item in items.iter() {
        match table::object_checked(item.handle, None, sys::ZX_RIGHT_WAIT) {
            Ok((object, _)) => objects.push(object),
            Err(status) => return status,
        }
    }
    wait::block_until(deadline, |expired| {
        let mut satisfied = false;
        let mut canceled = false;
        {
            let table = table::lock();
            for (item, object) in items.iter_mut().zip(&objects) {
                item.pending = object.signals();
                if !table.refers_to(item.handle, object) {
                    item.pending |= sys::ZX_SIGNAL_HANDLE_CLOSED;
                    canceled = true;
                }
                satisfied |= item.pending & item.waitfor != 0;
            }
        }
        if canceled {
            Some(sys::ZX_ERR_CANCELED)
        } else if satisfied {
            Some(sys::ZX_OK)
        } else if expired {
            Some(sys::ZX_ERR_TIMED_OUT)
        } else {
            None
        }
    })
}

/// Emulates `zx_vmo_create`: options 0 or `ZX_VMO_RESIZABLE` (else `INVALID_ARGS`); the size
/// rounds up to the page (`OUT_OF_RANGE` when that overflows); rights `ZX_DEFAULT_VMO_RIGHTS`.
pub fn vmo_create(size: u64, options: u32, out: &mut zx_handle_t) -> zx_status_t {
    count_call();
    status((|| {
        if options & !sys::ZX_VMO_RESIZABLE != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let vmo = VmoObject::new(size, options & sys::ZX_VMO_RESIZABLE != 0)?;
        let object = Object::new(allocate_koids(1), sys::ZX_KOID_INVALID, Kind::Vmo(vmo));
        insert(KernelHandle::new(object, crate::DEFAULT_VMO_RIGHTS), out)
    })())
}

/// Looks up a VMO handle that has `rights`.
fn vmo_checked(handle: zx_handle_t, rights: zx_rights_t) -> Result<Arc<Object>, zx_status_t> {
    table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_VMO), rights).map(|(object, _)| object)
}

/// The VMO state of an object that passed a VMO type check.
fn as_vmo(object: &Object) -> Result<&VmoObject, zx_status_t> {
    object.as_vmo().ok_or(sys::ZX_ERR_WRONG_TYPE)
}

/// Emulates `zx_vmo_read`: `BAD_HANDLE` → `WRONG_TYPE` → `ACCESS_DENIED` (no READ) →
/// `OUT_OF_RANGE` (past the page-rounded size).
pub fn vmo_read(handle: zx_handle_t, data: &mut [u8], offset: u64) -> zx_status_t {
    count_call();
    status(
        vmo_checked(handle, sys::ZX_RIGHT_READ)
            .and_then(|object| as_vmo(&object)?.read(data, offset)),
    )
}

/// Emulates `zx_vmo_write`: `BAD_HANDLE` → `WRONG_TYPE` → `ACCESS_DENIED` (no WRITE) →
/// `OUT_OF_RANGE` (past the page-rounded size).
pub fn vmo_write(handle: zx_handle_t, data: &[u8], offset: u64) -> zx_status_t {
    count_call();
    status(
        vmo_checked(handle, sys::ZX_RIGHT_WRITE)
            .and_then(|object| as_vmo(&object)?.write(data, offset)),
    )
}

/// Emulates `zx_vmo_get_size`: needs no rights; the page-rounded size.
pub fn vmo_get_size(handle: zx_handle_t, size: &mut u64) -> zx_status_t {
    count_call();
    // "Anyone should be able to get the size": no rights needed.
    status(vmo_checked(handle, sys::ZX_RIGHT_NONE).and_then(|object| {
        *size = as_vmo(&object)?.size();
        Ok(())
    }))
}

/// Emulates `zx_vmo_set_size`: `BAD_HANDLE` → `WRONG_TYPE` → `ACCESS_DENIED` (no WRITE) →
/// `UNAVAILABLE` (not resizable) → `OUT_OF_RANGE`.
pub fn vmo_set_size(handle: zx_handle_t, size: u64) -> zx_status_t {
    count_call();
    status(vmo_checked(handle, sys::ZX_RIGHT_WRITE).and_then(|object| {
        let vmo = as_vmo(&object)?;
        if !vmo.is_resizable() {
            return Err(sys::ZX_ERR_UNAVAILABLE);
        }
        vmo.set_size(size)
    }))
}

/// Emulates `zx_system_get_page_size` (a vDSO call: not counted).
pub fn system_get_page_size() -> usize {
    PAGE_SIZE as usize
}

/// Emulates `zx_vmar_map` on the root VMAR: VMO lookup (`BAD_HANDLE`, `WRONG_TYPE`) →
/// `ACCESS_DENIED` (no MAP) → `INVALID_ARGS` (PERM_WRITE without PERM_READ) →
/// `ACCESS_DENIED` (a PERM flag without its right) → `INVALID_ARGS` (unknown options,
/// `len` 0, unaligned offset) → `OUT_OF_RANGE` (overflow) → `NOT_SUPPORTED` (resizable
/// without ALLOW_FAULTS) → `BUFFER_TOO_SMALL` (past the end without ALLOW_FAULTS).
pub fn vmar_map(
    options: u32,
    vmo: zx_handle_t,
    vmo_offset: u64,
    len: usize,
    mapped_addr: &mut zx_vaddr_t,
) -> zx_status_t {
    count_call();
    status((|| {
        // MAP first, then the right each PERM flag needs.
        let (object, rights) =
            table::object_checked(vmo, Some(sys::ZX_OBJ_TYPE_VMO), sys::ZX_RIGHT_MAP)?;
        for (perm, right) in [
            (sys::ZX_VM_PERM_READ, sys::ZX_RIGHT_READ),
            (sys::ZX_VM_PERM_WRITE, sys::ZX_RIGHT_WRITE),
            (sys::ZX_VM_PERM_EXECUTE, sys::ZX_RIGHT_EXECUTE),
        ] {
            if options & perm != 0 && rights & right == 0 {
                return Err(sys::ZX_ERR_ACCESS_DENIED);
            }
        }
        // Argument checks come after the rights: Zircon cannot express writable pages that
        // are not readable.
        if options & sys::ZX_VM_PERM_WRITE != 0 && options & sys::ZX_VM_PERM_READ == 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        if options & !VMAR_MAP_OPTIONS != 0 || len == 0 || vmo_offset % PAGE_SIZE != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let mapped_len = round_to_page(len as u64)?;
        let end = vmo_offset
            .checked_add(mapped_len)
            .ok_or(sys::ZX_ERR_OUT_OF_RANGE)?;
        let vmo_state = as_vmo(&object)?;
        let allow_faults = options & sys::ZX_VM_ALLOW_FAULTS != 0;
        if vmo_state.is_resizable() && !allow_faults {
            return Err(sys::ZX_ERR_NOT_SUPPORTED);
        }
        if !allow_faults && end > vmo_state.size() {
            return Err(sys::ZX_ERR_BUFFER_TOO_SMALL);
        }
        let mapped_len = usize::try_from(mapped_len).map_err(|_| sys::ZX_ERR_OUT_OF_RANGE)?;
        *mapped_addr = vmo::map(object, options, vmo_offset, mapped_len)?;
        Ok(())
    })())
}

/// Emulates `zx_vmar_unmap` on the root VMAR. The host unmaps whole mappings only:
/// `NOT_FOUND` when no mapping starts at `addr`, `NOT_SUPPORTED` for a partial length.
pub fn vmar_unmap(addr: zx_vaddr_t, len: usize) -> zx_status_t {
    count_call();
    vmo::unmap(addr, len)
}

/// Emulates `zx_channel_create`: options must be 0; two ends with `ZX_DEFAULT_CHANNEL_RIGHTS`
/// whose `related_koid`s name each other.
pub fn channel_create(options: u32, out0: &mut zx_handle_t, out1: &mut zx_handle_t) -> zx_status_t {
    count_call();
    if options != 0 {
        return sys::ZX_ERR_INVALID_ARGS;
    }
    let koid = allocate_koids(2);
    let pair = Pair::new();
    let end0 = Object::new(
        koid,
        koid + 1,
        Kind::Channel(ChannelEnd::new(Arc::clone(&pair), 0)),
    );
    let end1 = Object::new(koid + 1, koid, Kind::Channel(ChannelEnd::new(pair, 1)));
    let rights = crate::DEFAULT_CHANNEL_RIGHTS;
    let handles = (
        KernelHandle::new(end0, rights),
        KernelHandle::new(end1, rights),
    );
    let mut table = table::lock();
    match table.insert(handles.0) {
        Ok(value0) => match table.insert(handles.1) {
            Ok(value1) => {
                *out0 = value0;
                *out1 = value1;
                sys::ZX_OK
            }
            Err(handle1) => {
                let handle0 = table.remove(value0);
                drop(table);
                drop((handle0, handle1));
                sys::ZX_ERR_NO_MEMORY
            }
        },
        Err(handle0) => {
            drop(table);
            drop(handle0);
            sys::ZX_ERR_NO_MEMORY
        }
    }
}

/// Removes every handle in `values` from the table (as the kernel does for a message, whatever
/// happens next) and returns those that existed; the first problem found, in array order,
/// is the error: `BAD_HANDLE` (not live, or repeated), `NOT_SUPPORTED` (the channel itself),
/// `ACCESS_DENIED` (no TRANSFER).
fn take_handles(
    values: &[zx_handle_t],
    channel: Option<&Arc<Object>>,
) -> (Vec<KernelHandle>, Result<(), zx_status_t>) {
    let mut taken = Vec::with_capacity(values.len());
    let mut result = Ok(());
    let mut table = table::lock();
    for &value in values {
        let Some(handle) = table.remove(value) else {
            result = result.and(Err(sys::ZX_ERR_BAD_HANDLE));
            continue;
        };
        if channel.is_some_and(|channel| Arc::ptr_eq(channel, &handle.object)) {
            result = result.and(Err(sys::ZX_ERR_NOT_SUPPORTED));
        } else if handle.rights & sys::ZX_RIGHT_TRANSFER == 0 {
            result = result.and(Err(sys::ZX_ERR_ACCESS_DENIED));
        }
        taken.push(handle);
    }
    (taken, result)
}

/// Checks a write (or the write half of a call) in the kernel's order and builds the message;
/// on any failure every handle in `handles` is closed.
fn prepare_message(
    handle: zx_handle_t,
    rights: zx_rights_t,
    bytes: &[u8],
    handles: &[zx_handle_t],
) -> Result<(Arc<Object>, Message), zx_status_t> {
    let checked = (|| {
        if handles.len() > MAX_MSG_HANDLES {
            return Err(sys::ZX_ERR_OUT_OF_RANGE);
        }
        let (channel, _) = table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_CHANNEL), rights)?;
        if bytes.len() > MAX_MSG_BYTES {
            return Err(sys::ZX_ERR_OUT_OF_RANGE);
        }
        Ok(channel)
    })();
    let (taken, result) = take_handles(handles, checked.as_ref().ok());
    // On failure `taken` is dropped here, closing the handles, with the table unlocked.
    let channel = checked?;
    result?;
    Ok((
        channel,
        Message {
            bytes: bytes.to_vec(),
            handles: taken,
        },
    ))
}

fn as_channel(object: &Object) -> Result<&ChannelEnd, zx_status_t> {
    object.as_channel().ok_or(sys::ZX_ERR_WRONG_TYPE)
}

/// Emulates `zx_channel_write`. Every handle in `handles` leaves the table, on success and
/// on failure (then it is closed). Order: options (`INVALID_ARGS`) → more than 64 handles
/// (`OUT_OF_RANGE`) → channel lookup with WRITE → more than 65536 bytes (`OUT_OF_RANGE`) →
/// each handle in order: `BAD_HANDLE` (not live or repeated), `NOT_SUPPORTED` (the channel
/// itself), `ACCESS_DENIED` (no TRANSFER) → `PEER_CLOSED`.
pub fn channel_write(
    handle: zx_handle_t,
    options: u32,
    bytes: &[u8],
    handles: &[zx_handle_t],
) -> zx_status_t {
    count_call();
    if options != 0 {
        drop(take_handles(handles, None));
        return sys::ZX_ERR_INVALID_ARGS;
    }
    status((|| {
        let (channel, message) = prepare_message(handle, sys::ZX_RIGHT_WRITE, bytes, handles)?;
        match as_channel(&channel)?.write(message) {
            sys::ZX_OK => Ok(()),
            status => Err(status),
        }
    })())
}

/// Reads the next message of `handle`, checking that it fits `max_bytes` / `max_handles`, and
/// inserts its handles into the table.
fn read_message(
    handle: zx_handle_t,
    options: u32,
    max_bytes: usize,
    max_handles: usize,
    actual_bytes: &mut u32,
    actual_handles: &mut u32,
) -> Result<(Vec<u8>, Vec<zx_handle_info_t>), zx_status_t> {
    if options & !CHANNEL_READ_MAY_DISCARD != 0 {
        return Err(sys::ZX_ERR_INVALID_ARGS);
    }
    let (channel, _) =
        table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_CHANNEL), sys::ZX_RIGHT_READ)?;
    let may_discard = options & CHANNEL_READ_MAY_DISCARD != 0;
    let message = match as_channel(&channel)?.read(max_bytes, max_handles, may_discard) {
        Ok(message) => message,
        Err(ReadError::Status(status)) => return Err(status),
        Err(ReadError::TooSmall { bytes, handles }) => {
            *actual_bytes = abi_count(bytes);
            *actual_handles = abi_count(handles);
            return Err(sys::ZX_ERR_BUFFER_TOO_SMALL);
        }
    };
    *actual_bytes = abi_count(message.bytes.len());
    *actual_handles = abi_count(message.handles.len());
    // Unlike Zircon, a full handle table loses the message (it is already off the queue); the
    // host table's capacity makes that a theoretical difference.
    let handles = insert_received(message.handles)?;
    Ok((message.bytes, handles))
}

/// Gives received handles new values in the table (same object, same rights).
fn insert_received(handles: Vec<KernelHandle>) -> Result<Vec<zx_handle_info_t>, zx_status_t> {
    let mut values = Vec::with_capacity(handles.len());
    let mut table = table::lock();
    let mut handles = handles.into_iter();
    for handle in handles.by_ref() {
        let (object_type, rights) = (handle.object.object_type(), handle.rights);
        match table.insert(handle) {
            Ok(value) => values.push(zx_handle_info_t {
                handle: value,
                ty: object_type,
                rights,
                unused: 0,
            }),
            Err(handle) => {
                let inserted: Vec<_> = values
                    .iter()
                    .filter_map(|info| table.remove(info.handle))
                    .collect();
                drop(table);
                drop((handle, inserted, handles));
                return Err(sys::ZX_ERR_NO_MEMORY);
            }
        }
    }
    Ok(values)
}

/// Emulates `zx_channel_read`: needs READ; `SHOULD_WAIT` when empty, `PEER_CLOSED` when
/// empty and the peer is closed; `BUFFER_TOO_SMALL` reports the sizes needed in the
/// `actual_*` out-parameters and keeps the message (unless `ZX_CHANNEL_READ_MAY_DISCARD`).
pub fn channel_read(
    handle: zx_handle_t,
    options: u32,
    bytes: &mut [u8],
    handles: &mut [zx_handle_t],
    actual_bytes: &mut u32,
    actual_handles: &mut u32,
) -> zx_status_t {
    count_call();
    status(
        read_message(
            handle,
            options,
            bytes.len(),
            handles.len(),
            actual_bytes,
            actual_handles,
        )
        .map(|(data, received)| {
            bytes[..data.len()].copy_from_slice(&data);
            for (out, info) in handles.iter_mut().zip(received) {
                *out = info.handle;
            }
        }),
    )
}

/// Emulates `zx_channel_read_etc`: as [`channel_read`], with each handle's type and rights.
pub fn channel_read_etc(
    handle: zx_handle_t,
    options: u32,
    bytes: &mut [u8],
    handles: &mut [zx_handle_info_t],
    actual_bytes: &mut u32,
    actual_handles: &mut u32,
) -> zx_status_t {
    count_call();
    status(
        read_message(
            handle,
            options,
            bytes.len(),
            handles.len(),
            actual_bytes,
            actual_handles,
        )
        .map(|(data, received)| {
            bytes[..data.len()].copy_from_slice(&data);
            handles[..received.len()].copy_from_slice(&received);
        }),
    )
}

/// Emulates `zx_channel_call_etc` (with `ZX_HANDLE_OP_MOVE` for every handle): needs READ and
/// WRITE; `bytes` shorter than a txid is `INVALID_ARGS`; the kernel stamps a fresh txid
/// (high bit set) and waits for the reply carrying it: `TIMED_OUT`, `PEER_CLOSED`, or
/// `BUFFER_TOO_SMALL` (the reply is discarded).
#[allow(clippy::too_many_arguments)] // mirrors zx_channel_call_etc_args_t
pub fn channel_call_etc(
    handle: zx_handle_t,
    options: u32,
    deadline: zx_time_t,
    bytes: &[u8],
    dispositions: &mut [zx_handle_disposition_t],
    rd_bytes: &mut [u8],
    rd_handles: &mut [zx_handle_info_t],
    actual_bytes: &mut u32,
    actual_handles: &mut u32,
) -> zx_status_t {
    count_call();
    let handles = match moved_handles(dispositions) {
        Ok(handles) => handles,
        Err(status) => return status,
    };
    if options != 0 || bytes.len() < 4 {
        drop(take_handles(&handles, None));
        return sys::ZX_ERR_INVALID_ARGS;
    }
    let handles = &handles[..];
    status((|| {
        let rights = sys::ZX_RIGHT_READ | sys::ZX_RIGHT_WRITE;
        let (channel, message) = prepare_message(handle, rights, bytes, handles)?;
        let end = as_channel(&channel)?;
        let txid = end.start_call(message)?;
        let reply = match wait::block_until(deadline, |expired| end.poll_call(txid, expired)) {
            CallOutcome::Reply(reply) => reply,
            CallOutcome::Status(status) => return Err(status),
        };
        *actual_bytes = abi_count(reply.bytes.len());
        *actual_handles = abi_count(reply.handles.len());
        if reply.bytes.len() > rd_bytes.len() || reply.handles.len() > rd_handles.len() {
            // The kernel discards a reply that does not fit.
            return Err(sys::ZX_ERR_BUFFER_TOO_SMALL);
        }
        rd_bytes[..reply.bytes.len()].copy_from_slice(&reply.bytes);
        let received = insert_received(reply.handles)?;
        rd_handles[..received.len()].copy_from_slice(&received);
        Ok(())
    })())
}

/// The handle values of `dispositions` when every one is a plain move
/// (`ZX_HANDLE_OP_MOVE`, `ZX_OBJ_TYPE_NONE`, `ZX_RIGHT_SAME_RIGHTS`); otherwise the moved
/// handles are closed and the answer is `NOT_SUPPORTED` (the host kernel does not yet
/// duplicate, type-check or reduce rights in flight).
fn moved_handles(
    dispositions: &mut [zx_handle_disposition_t],
) -> Result<Vec<zx_handle_t>, zx_status_t> {
    let plain = dispositions.iter().all(|d| {
        d.operation == sys::ZX_HANDLE_OP_MOVE
            && d.type_ == sys::ZX_OBJ_TYPE_NONE
            && d.rights == sys::ZX_RIGHT_SAME_RIGHTS
    });
    if !plain {
        close_moved(dispositions);
        return Err(sys::ZX_ERR_NOT_SUPPORTED);
    }
    Ok(dispositions.iter().map(|d| d.handle).collect())
}

/// Closes every handle that `dispositions` moves (what the kernel does with a message it
/// refuses before looking at it).
pub fn close_moved(dispositions: &mut [zx_handle_disposition_t]) {
    for disposition in dispositions {
        if disposition.operation == sys::ZX_HANDLE_OP_MOVE {
            handle_close(disposition.handle);
        }
    }
}

/// Emulates `zx_channel_write_etc` for plain moves (see [`moved_handles`]).
pub fn channel_write_etc(
    handle: zx_handle_t,
    options: u32,
    bytes: &[u8],
    dispositions: &mut [zx_handle_disposition_t],
) -> zx_status_t {
    match moved_handles(dispositions) {
        Ok(handles) => channel_write(handle, options, bytes, &handles),
        Err(status) => status,
    }
}

/// Emulates `zx_handle_close_many`: closes every value; `BAD_HANDLE` if any was not live.
pub fn handle_close_many(handles: &[zx_handle_t]) -> zx_status_t {
    handles
        .iter()
        .map(|&handle| handle_close(handle))
        .fold(
            sys::ZX_OK,
            |first, status| if first == sys::ZX_OK { status } else { first },
        )
}

/// Emulates `zx_object_get_info(ZX_INFO_HANDLE_VALID)`: `OK` for a live handle.
pub fn object_get_info_handle_valid(handle: zx_handle_t) -> zx_status_t {
    count_call();
    if table::lock().get(handle).is_some() {
        sys::ZX_OK
    } else {
        sys::ZX_ERR_BAD_HANDLE
    }
}

/// Emulates `zx_clock_get_monotonic` (a vDSO call: not counted).
pub fn clock_get_monotonic() -> zx_time_t {
    wait::clock_get_monotonic()
}
