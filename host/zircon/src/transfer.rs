//! Handles crossing a channel: what the sender turns them into (records and file
//! descriptions, see `channel::wire`) and what the receiver makes of them.
//!
//! Only objects the OS can carry cross: VMOs (memfds) and channel ends (sockets). Events,
//! event pairs, ports and service listeners live in one process on the host, so writing one
//! is `NOT_SUPPORTED`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLockReadGuard, Weak};

use fuchsia_zircon_types as sys;

use crate::channel::wire::{self, Received, Record};
use crate::channel::{ChannelEnd, Message, Socket};
use crate::object::{registry, HandleId, KernelHandle, Kind, Object};
use crate::vmo::{Description, VmoMeta, VmoObject};

/// This process's token: a koid, so unique on the platform, naming it in the records it
/// writes.
pub(crate) fn process_token() -> u64 {
    static TOKEN: OnceLock<u64> = OnceLock::new();
    *TOKEN.get_or_init(|| crate::koid::allocate(1))
}

/// Handles written into a channel by this process while a thread waited on them, with the
/// object waited on: the wait stays pending until the handle is read out (see `wait.rs`).
static IN_FLIGHT: Mutex<BTreeMap<HandleId, Weak<Object>>> = Mutex::new(BTreeMap::new());

pub(crate) fn in_flight(id: HandleId) -> bool {
    IN_FLIGHT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains_key(&id)
}

/// The handle `id` this process wrote came out of a channel again (here, or destroyed with
/// the queue of an end closed here): the waits on it end.
fn landed(id: HandleId) {
    let object = IN_FLIGHT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&id);
    if let Some(object) = object.and_then(|weak| weak.upgrade()) {
        object.watchers.wake_all();
    }
}

/// A file description held for the duration of a send.
enum Held<'a> {
    Vmo(Description<'a>),
    Channel(RwLockReadGuard<'a, Option<OwnedFd>>),
}

impl Held<'_> {
    fn fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            Held::Vmo(description) => Some(description.fd()),
            Held::Channel(guard) => guard.as_ref().map(|fd| fd.as_fd()),
        }
    }
}

/// Writes `bytes` and `handles` as one datagram on `end`. The handles are consumed whatever
/// happens (closed on failure, as the kernel does; on success this process's copies close and
/// the message carries the objects).
pub(crate) fn send_message(
    end: &ChannelEnd,
    bytes: &[u8],
    handles: Vec<KernelHandle>,
) -> Result<(), sys::zx_status_t> {
    let result = send_with(end, bytes, &handles);
    for handle in &handles {
        if let Some(channel) = handle.object.as_channel() {
            channel.set_transferring(result.is_ok());
        }
    }
    if result.is_err() {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
        for handle in &handles {
            in_flight.remove(&handle.id);
        }
    }
    drop(handles);
    result
}

fn send_with(
    end: &ChannelEnd,
    bytes: &[u8],
    handles: &[KernelHandle],
) -> Result<(), sys::zx_status_t> {
    let origin = process_token();
    let mut records = Vec::with_capacity(handles.len());
    let mut held = Vec::with_capacity(handles.len());
    for handle in handles {
        let object = &handle.object;
        let (description, vmo) = match &object.kind {
            Kind::Vmo(vmo) => (Held::Vmo(vmo.description_for(handle.rights)?), vmo.meta()),
            Kind::Channel(channel) if !channel.is_listener() => {
                (Held::Channel(channel.fd()), VmoMeta::default())
            }
            _ => return Err(sys::ZX_ERR_NOT_SUPPORTED),
        };
        records.push(Record {
            object_type: object.object_type(),
            rights: handle.rights,
            koid: object.koid,
            related_koid: object.related_koid,
            origin,
            handle_id: handle.id,
            vmo,
        });
        held.push(description);
    }
    let fds = held
        .iter()
        .map(Held::fd)
        .collect::<Option<Vec<_>>>()
        .ok_or(sys::ZX_ERR_BAD_HANDLE)?;
    {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
        for handle in handles {
            if handle.object.watchers.has_threads() {
                in_flight.insert(handle.id, Arc::downgrade(&handle.object));
            }
        }
    }
    for handle in handles {
        if let Some(channel) = handle.object.as_channel() {
            channel.set_transferring(true);
        }
    }
    SEND_BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        wire::encode(&mut buf, bytes, &records);
        end.send(&buf, &fds)
    })
}

/// Sends a connection request carrying `request` to a service's socket at `address`.
pub(crate) fn send_request(
    socket: &OwnedFd,
    address: &rustix::net::SocketAddrUnix,
    request: KernelHandle,
) -> Result<(), sys::zx_status_t> {
    let Kind::Channel(channel) = &request.object.kind else {
        return Err(sys::ZX_ERR_WRONG_TYPE);
    };
    let record = Record {
        object_type: sys::ZX_OBJ_TYPE_CHANNEL,
        rights: request.rights,
        koid: request.object.koid,
        related_koid: request.object.related_koid,
        origin: process_token(),
        handle_id: request.id,
        vmo: VmoMeta::default(),
    };
    let sent = {
        let guard = channel.fd();
        let fd = guard.as_ref().ok_or(sys::ZX_ERR_BAD_HANDLE)?;
        let mut datagram = Vec::new();
        wire::encode(&mut datagram, &[], &[record]);
        wire::send(socket.as_fd(), &datagram, &[fd.as_fd()], Some(address))
    };
    channel.set_transferring(sent.is_ok());
    drop(request);
    sent
}

thread_local! {
    static SEND_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static RECV_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// What one receive produced.
pub(crate) enum Pulled {
    Message(Message),
    Empty,
    Closed,
}

/// Receives the next message from `socket` and turns its records into handles. A datagram
/// that is not a well-formed message, or whose records do not match their file descriptions
/// (only a foreign program could send one), is dropped with its file descriptions.
pub(crate) fn receive_message(socket: BorrowedFd<'_>) -> Result<Pulled, sys::zx_status_t> {
    RECV_BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        if buf.len() < wire::MAX_DATAGRAM {
            buf.resize(wire::MAX_DATAGRAM, 0);
        }
        loop {
            let (len, fds) = match wire::receive(socket, &mut buf)? {
                Received::Message { len, fds } => (len, fds),
                Received::Empty => return Ok(Pulled::Empty),
                Received::Closed => return Ok(Pulled::Closed),
                Received::Malformed => continue,
                Received::Truncated => return Err(sys::ZX_ERR_NO_RESOURCES),
            };
            let Some(decoded) = wire::decode(&buf[..len]) else {
                continue;
            };
            if decoded.records.len() != fds.len()
                || !decoded
                    .records
                    .iter()
                    .zip(&fds)
                    .all(|(r, fd)| plausible(r, fd))
            {
                continue;
            }
            let handles = decoded
                .records
                .iter()
                .zip(fds)
                .map(|(record, fd)| materialize(record, fd))
                .collect::<Vec<_>>();
            return Ok(Pulled::Message(Message {
                bytes: buf[decoded.payload].to_vec(),
                handles,
            }));
        }
    })
}

/// Whether `fd` can be what `record` says: a VMO's file description is a regular file at
/// least as long as the VMO (so every page of a mapping of it is backed: a shorter file would
/// make reads of the mapping fault), a channel end's is a socket, and no other type travels.
/// A sender of this kernel always passes; a message failing it came from a foreign program.
fn plausible(record: &Record, fd: &OwnedFd) -> bool {
    use rustix::fs::FileType;
    let Ok(stat) = rustix::fs::fstat(fd) else {
        return false;
    };
    let file_type = FileType::from_raw_mode(stat.st_mode);
    match record.object_type {
        sys::ZX_OBJ_TYPE_VMO => {
            file_type == FileType::RegularFile
                && u64::try_from(stat.st_size).is_ok_and(|len| len >= record.vmo.size)
                && record.vmo.content_size <= record.vmo.size
        }
        sys::ZX_OBJ_TYPE_CHANNEL => file_type == FileType::Socket,
        _ => false,
    }
}

/// The handle a record and its file description stand for in this process.
fn materialize(record: &Record, fd: OwnedFd) -> KernelHandle {
    if record.origin == process_token() {
        landed(record.handle_id);
    }
    let object = match record.object_type {
        sys::ZX_OBJ_TYPE_VMO => {
            let writable = record.rights & sys::ZX_RIGHT_WRITE != 0;
            match registry::get(record.koid) {
                Some(object)
                    if object
                        .as_vmo()
                        .is_some_and(|vmo| vmo.is_writable() || !writable) =>
                {
                    object
                }
                _ => Object::new(
                    record.koid,
                    0,
                    Kind::Vmo(VmoObject::received(fd, record.vmo, writable)),
                ),
            }
        }
        _ => Object::new(
            record.koid,
            record.related_koid,
            Kind::Channel(ChannelEnd::new(fd, Socket::Channel)),
        ),
    };
    KernelHandle::new(object, record.rights)
}
