//! Waits, signals, ports, events and event pairs.

use std::sync::Arc;

use fuchsia_zircon_types::{
    self as sys, zx_handle_t, zx_port_packet_t, zx_signals_t, zx_status_t, zx_time_t,
    zx_wait_item_t,
};

use super::{insert, insert_pair, status};
use crate::event::{
    EventPairEnd, LocalSignals, DEFAULT_EVENTPAIR_RIGHTS, DEFAULT_EVENT_RIGHTS, USER_SIGNALS,
};
use crate::object::{KernelHandle, Kind, Object};
use crate::port::{PortObject, DEFAULT_PORT_RIGHTS};
use crate::signal::Observer;
use crate::wait::{self, Item};
use crate::{count_call, koid, table};

/// `ZX_WAIT_MANY_MAX_ITEMS`.
const WAIT_MANY_MAX_ITEMS: usize = 64;

/// Looks up a handle to wait on: needs WAIT; a port cannot be waited on (`NOT_SUPPORTED`).
fn wait_item(value: zx_handle_t, waitfor: zx_signals_t) -> Result<Item, zx_status_t> {
    let table = table::lock();
    let handle = table.get_checked(value, None, sys::ZX_RIGHT_WAIT)?;
    if handle.object.as_port().is_some() {
        return Err(sys::ZX_ERR_NOT_SUPPORTED);
    }
    Ok(Item {
        object: Arc::clone(&handle.object),
        value,
        id: handle.id,
        waitfor,
    })
}

/// Emulates `zx_object_wait_one`: needs WAIT; blocks with no kernel lock held until a signal
/// in `signals` is asserted (`OK`), the deadline passes (`TIMED_OUT`) or the handle is closed
/// (`CANCELED`, with `ZX_SIGNAL_HANDLE_CLOSED` observed).
pub(crate) fn object_wait_one(
    handle: zx_handle_t,
    signals: zx_signals_t,
    deadline: zx_time_t,
    observed: &mut zx_signals_t,
) -> zx_status_t {
    count_call();
    let item = match wait_item(handle, signals) {
        Ok(item) => item,
        Err(status) => return status,
    };
    let (status, pending) = wait::wait(std::slice::from_ref(&item), deadline);
    *observed = pending.first().copied().unwrap_or(0);
    status
}

/// Emulates `zx_object_wait_many`: at most 64 items (`OUT_OF_RANGE`), each needs WAIT;
/// fills every item's `pending` when it returns `OK`, `TIMED_OUT` or `CANCELED`.
pub(crate) fn object_wait_many(items: &mut [zx_wait_item_t], deadline: zx_time_t) -> zx_status_t {
    count_call();
    if items.len() > WAIT_MANY_MAX_ITEMS {
        return sys::ZX_ERR_OUT_OF_RANGE;
    }
    let waits = match items
        .iter()
        .map(|item| wait_item(item.handle, item.waitfor))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(waits) => waits,
        Err(status) => return status,
    };
    let (status, pending) = wait::wait(&waits, deadline);
    for (item, pending) in items.iter_mut().zip(pending) {
        item.pending = pending;
    }
    status
}

/// Emulates `zx_object_wait_async`: options beyond TIMESTAMP and EDGE are `INVALID_ARGS`;
/// `handle` needs WAIT, `port` must be a port with WRITE; `NOT_SUPPORTED` for objects that
/// cannot be waited on (VMOs have no changing signals on the host, ports none at all).
pub(crate) fn object_wait_async(
    handle: zx_handle_t,
    port: zx_handle_t,
    key: u64,
    signals: zx_signals_t,
    options: u32,
) -> zx_status_t {
    count_call();
    status((|| {
        if options & !(sys::ZX_WAIT_ASYNC_TIMESTAMP | sys::ZX_WAIT_ASYNC_EDGE) != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let (object, handle_id) = {
            let table = table::lock();
            let source = table.get_checked(handle, None, sys::ZX_RIGHT_WAIT)?;
            (Arc::clone(&source.object), source.id)
        };
        let (port_object, _) =
            table::object_checked(port, Some(sys::ZX_OBJ_TYPE_PORT), sys::ZX_RIGHT_WRITE)?;
        let port_state = port_object.as_port().ok_or(sys::ZX_ERR_WRONG_TYPE)?;
        match &object.kind {
            Kind::Channel(_) => {
                port_state.observe_channel(&port_object, &object, handle_id, key, signals, options)
            }
            Kind::Event(_) | Kind::EventPair(_) => {
                object.watchers.add_observer(
                    &object,
                    Observer {
                        port: Arc::downgrade(&port_object),
                        key,
                        trigger: signals,
                        options,
                        handle: handle_id,
                        awaiting_inactive: false,
                    },
                );
                Ok(())
            }
            Kind::Vmo(_) => {
                // A VMO's only signal on the host is ZERO_CHILDREN, always asserted.
                if signals & sys::ZX_VMO_ZERO_CHILDREN != 0
                    && options & sys::ZX_WAIT_ASYNC_EDGE == 0
                {
                    port_state.queue_signal(key, signals, object.signals(), options, handle_id);
                }
                Ok(())
            }
            // A process's signals (TERMINATED) are not implemented on the host.
            Kind::Port(_) | Kind::Process => Err(sys::ZX_ERR_NOT_SUPPORTED),
        }
    })())
}

/// Emulates `zx_port_create`: options must be 0; rights `ZX_DEFAULT_PORT_RIGHTS`.
pub(crate) fn port_create(options: u32, out: &mut zx_handle_t) -> zx_status_t {
    count_call();
    status((|| {
        if options != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let object = Object::new(koid::allocate(1), 0, Kind::Port(PortObject::new()?));
        insert(KernelHandle::new(object, DEFAULT_PORT_RIGHTS), out)
    })())
}

/// Emulates `zx_port_queue`: needs WRITE; the packet is queued as a user packet
/// (`ZX_PKT_TYPE_USER`, whatever type it names).
pub(crate) fn port_queue(handle: zx_handle_t, packet: &zx_port_packet_t) -> zx_status_t {
    count_call();
    status((|| {
        let (object, _) =
            table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_PORT), sys::ZX_RIGHT_WRITE)?;
        let port = object.as_port().ok_or(sys::ZX_ERR_WRONG_TYPE)?;
        port.queue_user(zx_port_packet_t {
            packet_type: sys::zx_packet_type_t::ZX_PKT_TYPE_USER,
            ..*packet
        });
        Ok(())
    })())
}

/// Emulates `zx_port_wait`: needs READ; the next packet, or `TIMED_OUT`.
pub(crate) fn port_wait(
    handle: zx_handle_t,
    deadline: zx_time_t,
    packet: &mut zx_port_packet_t,
) -> zx_status_t {
    count_call();
    status((|| {
        let (object, _) =
            table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_PORT), sys::ZX_RIGHT_READ)?;
        let port = object.as_port().ok_or(sys::ZX_ERR_WRONG_TYPE)?;
        *packet = port.wait(deadline)?;
        Ok(())
    })())
}

/// Emulates `zx_port_cancel`: the port needs WRITE; `source` must be live (`BAD_HANDLE`);
/// `NOT_FOUND` when no async wait or queued packet matched.
pub(crate) fn port_cancel(handle: zx_handle_t, source: zx_handle_t, key: u64) -> zx_status_t {
    count_call();
    status((|| {
        let (port_object, _) =
            table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_PORT), sys::ZX_RIGHT_WRITE)?;
        let port = port_object.as_port().ok_or(sys::ZX_ERR_WRONG_TYPE)?;
        let (object, source_id) = {
            let table = table::lock();
            let source = table.get(source).ok_or(sys::ZX_ERR_BAD_HANDLE)?;
            (Arc::clone(&source.object), source.id)
        };
        let local = object.watchers.cancel(&port_object, source_id, key);
        let queued = port.cancel(source_id, key);
        if local || queued {
            Ok(())
        } else {
            Err(sys::ZX_ERR_NOT_FOUND)
        }
    })())
}

/// Emulates `zx_event_create`: options must be 0; rights `ZX_DEFAULT_EVENT_RIGHTS`.
pub(crate) fn event_create(options: u32, out: &mut zx_handle_t) -> zx_status_t {
    count_call();
    status((|| {
        if options != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let object = Object::new(koid::allocate(1), 0, Kind::Event(LocalSignals::default()));
        insert(KernelHandle::new(object, DEFAULT_EVENT_RIGHTS), out)
    })())
}

/// Emulates `zx_eventpair_create`: options must be 0; two ends naming each other in
/// `related_koid`, with `ZX_DEFAULT_EVENTPAIR_RIGHTS`.
pub(crate) fn eventpair_create(
    options: u32,
    out0: &mut zx_handle_t,
    out1: &mut zx_handle_t,
) -> zx_status_t {
    count_call();
    status((|| {
        if options != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let koid = koid::allocate(2);
        let end0 = Object::new(koid, koid + 1, Kind::EventPair(EventPairEnd::new()));
        let end1 = Object::new(koid + 1, koid, Kind::EventPair(EventPairEnd::new()));
        for (end, peer) in [(&end0, &end1), (&end1, &end0)] {
            if let Kind::EventPair(state) = &end.kind {
                state.set_peer(peer);
            }
        }
        insert_pair((end0, end1), DEFAULT_EVENTPAIR_RIGHTS, out0, out1)
    })())
}

/// The user signals a mask may touch on `object`, or the status for one it may not.
fn check_user_mask(object: &Object, clear: u32, set: u32) -> Result<(), zx_status_t> {
    if object.local_signals().is_none() {
        // Channels' user signals cannot be shared across processes on the host, and VMOs and
        // ports have none.
        return Err(sys::ZX_ERR_NOT_SUPPORTED);
    }
    if (clear | set) & !USER_SIGNALS != 0 {
        return Err(sys::ZX_ERR_INVALID_ARGS);
    }
    Ok(())
}

/// Emulates `zx_object_signal`: needs SIGNAL; only the user signals and SIGNALED
/// (`INVALID_ARGS` otherwise).
pub(crate) fn object_signal(handle: zx_handle_t, clear: u32, set: u32) -> zx_status_t {
    count_call();
    status((|| {
        let (object, _) = table::object_checked(handle, None, sys::ZX_RIGHT_SIGNAL)?;
        check_user_mask(&object, clear, set)?;
        object.update_signals(clear, set);
        Ok(())
    })())
}

/// Emulates `zx_object_signal_peer`: needs SIGNAL_PEER; an event pair's peer
/// (`PEER_CLOSED` once it is gone); `NOT_SUPPORTED` for objects without a peer.
pub(crate) fn object_signal_peer(handle: zx_handle_t, clear: u32, set: u32) -> zx_status_t {
    count_call();
    status((|| {
        let (object, _) = table::object_checked(handle, None, sys::ZX_RIGHT_SIGNAL_PEER)?;
        let Kind::EventPair(end) = &object.kind else {
            return Err(sys::ZX_ERR_NOT_SUPPORTED);
        };
        check_user_mask(&object, clear, set)?;
        let peer = end.peer().ok_or(sys::ZX_ERR_PEER_CLOSED)?;
        peer.update_signals(clear, set);
        Ok(())
    })())
}
