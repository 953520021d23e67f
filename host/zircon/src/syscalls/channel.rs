//! Channel syscalls.

use std::sync::Arc;
use std::time::Duration;

use fuchsia_zircon_types::{
    self as sys, zx_handle_disposition_t, zx_handle_info_t, zx_handle_t, zx_rights_t, zx_status_t,
    zx_time_t,
};

use super::{abi_count, insert_pair, requested_rights, status};
use crate::channel::wire::{MAX_BYTES, MAX_HANDLES};
use crate::channel::{ChannelEnd, Message, ReadError, Socket};
use crate::object::{KernelHandle, Kind, Object};
use crate::wait::{timeout_until, Item, Waiter};
use crate::{count_call, koid, table, transfer};

/// `ZX_CHANNEL_READ_MAY_DISCARD`.
const CHANNEL_READ_MAY_DISCARD: u32 = 1;

/// A plain move of `handle`, as `zx_channel_write` sends every handle.
fn moved(handle: zx_handle_t) -> zx_handle_disposition_t {
    zx_handle_disposition_t {
        operation: sys::ZX_HANDLE_OP_MOVE,
        handle,
        type_: sys::ZX_OBJ_TYPE_NONE,
        rights: sys::ZX_RIGHT_SAME_RIGHTS,
        result: sys::ZX_OK,
    }
}

/// Emulates `zx_channel_create`: options must be 0; two ends with `ZX_DEFAULT_CHANNEL_RIGHTS`
/// whose `related_koid`s name each other. Each end is one side of a `SOCK_SEQPACKET` pair.
pub(crate) fn channel_create(
    options: u32,
    out0: &mut zx_handle_t,
    out1: &mut zx_handle_t,
) -> zx_status_t {
    count_call();
    if options != 0 {
        return sys::ZX_ERR_INVALID_ARGS;
    }
    status((|| {
        let (fd0, fd1) = socket_pair()?;
        let koid = koid::allocate(2);
        let end0 = Object::new(
            koid,
            koid + 1,
            Kind::Channel(ChannelEnd::new(fd0, Socket::Channel)),
        );
        let end1 = Object::new(
            koid + 1,
            koid,
            Kind::Channel(ChannelEnd::new(fd1, Socket::Channel)),
        );
        insert_pair((end0, end1), crate::DEFAULT_CHANNEL_RIGHTS, out0, out1)
    })())
}

/// A connected `SOCK_SEQPACKET` pair whose send buffers hold several maximum-size messages.
pub(crate) fn socket_pair() -> Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd), zx_status_t> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let (fd0, fd1) = rustix::net::socketpair(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|e| {
        if e == rustix::io::Errno::MFILE || e == rustix::io::Errno::NFILE {
            sys::ZX_ERR_NO_RESOURCES
        } else {
            sys::ZX_ERR_NO_MEMORY
        }
    })?;
    for fd in [&fd0, &fd1] {
        let _ = rustix::net::sockopt::set_socket_send_buffer_size(
            fd,
            4 * crate::channel::wire::MAX_DATAGRAM,
        );
    }
    Ok((fd0, fd1))
}

/// Removes from the table every handle the dispositions move and duplicates those they
/// duplicate (as the kernel does for a message, whatever happens next), recording each one's
/// `result`. The first problem found, in array order, is the error: `BAD_HANDLE` (not live,
/// or repeated), `NOT_SUPPORTED` (the channel itself), `WRONG_TYPE` (`type` given and
/// different), `ACCESS_DENIED` (no TRANSFER to move, no DUPLICATE to duplicate),
/// `INVALID_ARGS` (rights not a subset, unknown operation).
fn take_handles(
    dispositions: &mut [zx_handle_disposition_t],
    channel: Option<&Arc<Object>>,
) -> (Vec<KernelHandle>, Result<(), zx_status_t>) {
    let mut taken = Vec::with_capacity(dispositions.len());
    let mut result = Ok(());
    let mut table = table::lock();
    for disposition in dispositions.iter_mut() {
        let outcome = (|| {
            let handle = match disposition.operation {
                sys::ZX_HANDLE_OP_MOVE => table
                    .remove(disposition.handle)
                    .ok_or((None, sys::ZX_ERR_BAD_HANDLE))?,
                sys::ZX_HANDLE_OP_DUPLICATE => {
                    let source = table
                        .get(disposition.handle)
                        .ok_or((None, sys::ZX_ERR_BAD_HANDLE))?;
                    if source.rights & sys::ZX_RIGHT_DUPLICATE == 0 {
                        return Err((None, sys::ZX_ERR_ACCESS_DENIED));
                    }
                    source.duplicate(source.rights)
                }
                _ => return Err((None, sys::ZX_ERR_INVALID_ARGS)),
            };
            let check = (|| {
                if channel.is_some_and(|channel| Arc::ptr_eq(channel, &handle.object)) {
                    return Err(sys::ZX_ERR_NOT_SUPPORTED);
                }
                if disposition.type_ != sys::ZX_OBJ_TYPE_NONE
                    && disposition.type_ != handle.object.object_type()
                {
                    return Err(sys::ZX_ERR_WRONG_TYPE);
                }
                if disposition.operation == sys::ZX_HANDLE_OP_MOVE
                    && handle.rights & sys::ZX_RIGHT_TRANSFER == 0
                {
                    return Err(sys::ZX_ERR_ACCESS_DENIED);
                }
                requested_rights(disposition.rights, handle.rights)
            })();
            match check {
                Ok(rights) => {
                    let mut handle = handle;
                    handle.rights = rights;
                    Ok(handle)
                }
                Err(status) => Err((Some(handle), status)),
            }
        })()
        .map_err(|e: (Option<KernelHandle>, zx_status_t)| e);
        match outcome {
            Ok(handle) => {
                disposition.result = sys::ZX_OK;
                taken.push(handle);
            }
            Err((handle, status)) => {
                disposition.result = status;
                result = result.and(Err(status));
                taken.extend(handle);
            }
        }
    }
    (taken, result)
}

/// Checks a write (or the write half of a call) in the kernel's order and returns the channel
/// and the handles to send; on any failure every moved handle is closed.
fn prepare_write(
    handle: zx_handle_t,
    rights: zx_rights_t,
    bytes: &[u8],
    dispositions: &mut [zx_handle_disposition_t],
) -> Result<(Arc<Object>, Vec<KernelHandle>), zx_status_t> {
    let checked = (|| {
        if dispositions.len() > MAX_HANDLES {
            return Err(sys::ZX_ERR_OUT_OF_RANGE);
        }
        let (channel, _) = table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_CHANNEL), rights)?;
        if bytes.len() > MAX_BYTES {
            return Err(sys::ZX_ERR_OUT_OF_RANGE);
        }
        if channel.as_channel().is_some_and(ChannelEnd::is_listener) {
            return Err(sys::ZX_ERR_ACCESS_DENIED);
        }
        Ok(channel)
    })();
    let (taken, result) = take_handles(dispositions, checked.as_ref().ok());
    // On failure `taken` is dropped here, closing the handles, with the table unlocked.
    let channel = checked?;
    result?;
    Ok((channel, taken))
}

fn as_channel(object: &Object) -> Result<&ChannelEnd, zx_status_t> {
    object.as_channel().ok_or(sys::ZX_ERR_WRONG_TYPE)
}

/// Emulates `zx_channel_write`. Every handle leaves the table, on success and on failure (then
/// it is closed). Order: options (`INVALID_ARGS`) → more than 64 handles (`OUT_OF_RANGE`) →
/// channel lookup with WRITE → more than 65536 bytes (`OUT_OF_RANGE`) → each handle in order
/// (see `take_handles`) → `NOT_SUPPORTED` (an object that cannot leave this process on the
/// host) → `PEER_CLOSED`, `SHOULD_WAIT` (the peer's socket is full), `NO_RESOURCES`.
pub(crate) fn channel_write(
    handle: zx_handle_t,
    options: u32,
    bytes: &[u8],
    handles: &[zx_handle_t],
) -> zx_status_t {
    let mut dispositions: Vec<_> = handles.iter().map(|&h| moved(h)).collect();
    channel_write_etc(handle, options, bytes, &mut dispositions)
}

/// Emulates `zx_channel_write_etc`: as [`channel_write`], each handle moved or duplicated,
/// type-checked and reduced to its disposition's rights, with each record's `result` set.
pub(crate) fn channel_write_etc(
    handle: zx_handle_t,
    options: u32,
    bytes: &[u8],
    dispositions: &mut [zx_handle_disposition_t],
) -> zx_status_t {
    count_call();
    if options != 0 {
        close_moved(dispositions);
        return sys::ZX_ERR_INVALID_ARGS;
    }
    status((|| {
        let (channel, handles) = prepare_write(handle, sys::ZX_RIGHT_WRITE, bytes, dispositions)?;
        transfer::send_message(as_channel(&channel)?, bytes, handles)
    })())
}

/// Closes every handle that `dispositions` moves (what the kernel does with a message it
/// refuses before looking at it).
pub(crate) fn close_moved(dispositions: &mut [zx_handle_disposition_t]) {
    let moved: Vec<_> = {
        let mut table = table::lock();
        dispositions
            .iter()
            .filter(|d| d.operation == sys::ZX_HANDLE_OP_MOVE)
            .filter_map(|d| table.remove(d.handle))
            .collect()
    };
    drop(moved);
}

/// Reads the next message of `handle`, checking that it fits `max_bytes` / `max_handles`, and
/// inserts its handles into the table. Order: lookup with READ → unknown options
/// (`NOT_SUPPORTED`) → `SHOULD_WAIT` / `PEER_CLOSED` / `BUFFER_TOO_SMALL`.
fn read_message(
    handle: zx_handle_t,
    options: u32,
    max_bytes: usize,
    max_handles: usize,
    actual_bytes: &mut u32,
    actual_handles: &mut u32,
) -> Result<(Vec<u8>, Vec<zx_handle_info_t>), zx_status_t> {
    let (channel, _) =
        table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_CHANNEL), sys::ZX_RIGHT_READ)?;
    if options & !CHANNEL_READ_MAY_DISCARD != 0 {
        return Err(sys::ZX_ERR_NOT_SUPPORTED);
    }
    let may_discard = options & CHANNEL_READ_MAY_DISCARD != 0;
    let message =
        match as_channel(&channel)?.read(&channel.watchers, max_bytes, max_handles, may_discard) {
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
    let handles = insert_received(message.handles)?;
    Ok((message.bytes, handles))
}

/// Gives received handles values in the table (same object, same rights).
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

/// What one handle slot of a channel read receives: the bare value (`zx_channel_read`) or the
/// value with its type and rights (`zx_channel_read_etc`).
pub(crate) trait ReadSlot {
    fn from_info(info: zx_handle_info_t) -> Self;
}

impl ReadSlot for zx_handle_t {
    fn from_info(info: zx_handle_info_t) -> Self {
        info.handle
    }
}

impl ReadSlot for zx_handle_info_t {
    fn from_info(info: zx_handle_info_t) -> Self {
        info
    }
}

/// Emulates `zx_channel_read` (slots of `zx_handle_t`) and `zx_channel_read_etc` (slots of
/// `zx_handle_info_t`, with each handle's type and rights): needs READ; `SHOULD_WAIT` when
/// empty, `PEER_CLOSED` when empty and the peer is closed; `BUFFER_TOO_SMALL` reports the sizes
/// needed in the `actual_*` out-parameters and keeps the message (unless
/// `ZX_CHANNEL_READ_MAY_DISCARD`).
pub(crate) fn channel_read<H: ReadSlot>(
    handle: zx_handle_t,
    options: u32,
    bytes: &mut [u8],
    handles: &mut [H],
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
                *out = H::from_info(info);
            }
        }),
    )
}

/// A fresh txid with the high bit set (the kernel's range for calls).
fn next_txid() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT_TXID: AtomicU32 = AtomicU32::new(0);
    0x8000_0000 | NEXT_TXID.fetch_add(1, Ordering::Relaxed)
}

/// Emulates `zx_channel_call_etc`: needs READ and WRITE (looked up first); options must be 0
/// and `bytes` at least a txid long (`INVALID_ARGS`); the kernel stamps a fresh txid and waits
/// for the reply carrying it: `TIMED_OUT`, `PEER_CLOSED`, `CANCELED` (the handle closed), or
/// `BUFFER_TOO_SMALL` (the reply is discarded).
#[allow(clippy::too_many_arguments)] // mirrors zx_channel_call_etc_args_t
pub(crate) fn channel_call_etc(
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
    let rights = sys::ZX_RIGHT_READ | sys::ZX_RIGHT_WRITE;
    if options != 0 || bytes.len() < 4 {
        let looked_up = table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_CHANNEL), rights);
        close_moved(dispositions);
        return looked_up.err().unwrap_or(sys::ZX_ERR_INVALID_ARGS);
    }
    status((|| {
        let (channel, handles) = prepare_write(handle, rights, bytes, dispositions)?;
        let end = as_channel(&channel)?;
        let txid = loop {
            let txid = next_txid();
            if end.register_call(txid) {
                break txid;
            }
        };
        let mut stamped = bytes.to_vec();
        stamped[..4].copy_from_slice(&txid.to_le_bytes());
        if let Err(status) = transfer::send_message(end, &stamped, handles) {
            end.end_call(txid);
            return Err(status);
        }
        let reply = wait_for_reply(&channel, handle, txid, deadline)?;
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

/// Waits for the reply to the call `txid` on `channel` (reached through `value`).
fn wait_for_reply(
    channel: &Arc<Object>,
    value: zx_handle_t,
    txid: u32,
    deadline: zx_time_t,
) -> Result<Message, zx_status_t> {
    let end = as_channel(channel)?;
    let id = table::lock().get(value).map(|h| h.id).unwrap_or_default();
    let item = [Item {
        object: Arc::clone(channel),
        value,
        id,
        waitfor: sys::ZX_CHANNEL_READABLE | sys::ZX_CHANNEL_PEER_CLOSED,
    }];
    let waiter = Waiter::new(&item)?;
    loop {
        waiter.begin();
        if let Some(outcome) = end.poll_call(&channel.watchers, txid) {
            return outcome;
        }
        if !item[0].alive() {
            end.end_call(txid);
            return Err(sys::ZX_ERR_CANCELED);
        }
        let timeout = timeout_until(deadline);
        if timeout == Some(Duration::ZERO) {
            end.end_call(txid);
            return Err(sys::ZX_ERR_TIMED_OUT);
        }
        // Sleep on the socket itself (the inbox holds nothing for this call).
        waiter.sleep(Some(&[0]), timeout);
    }
}
