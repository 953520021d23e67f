//! Ports: a packet queue that threads wait on (`zx_port_wait`), fed by `zx_port_queue` and by
//! async waits (`zx_object_wait_async`).
//!
//! An async wait on an event or event pair is an observer on that object (`signal.rs`), which
//! queues its packet when the object's signals change. An async wait on a channel cannot be
//! told of changes made by another process, so it is a registration in the port's epoll set
//! instead: a duplicate of the channel's socket, one-shot, checked by whichever thread waits
//! on the port when the OS reports it. Either way one port watches any number of objects.

use std::collections::{BTreeMap, VecDeque};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use fuchsia_zircon_types as sys;
use rustix::event::{epoll, PollFlags};

use crate::object::{HandleId, Object};

/// `ZX_DEFAULT_PORT_RIGHTS`: BASIC without WAIT, plus READ and WRITE.
pub(crate) const DEFAULT_PORT_RIGHTS: u32 = 0x800F;
/// The epoll data of the port's own wake-up eventfd.
const WAKE: u64 = 0;

/// A queued packet and the async wait that produced it (for `zx_port_cancel`).
struct Queued {
    packet: sys::zx_port_packet_t,
    source: Option<HandleId>,
}

/// An async wait on a channel, registered in the epoll set under its id.
struct ChannelObserver {
    object: Weak<Object>,
    key: u64,
    trigger: sys::zx_signals_t,
    options: u32,
    handle: HandleId,
    /// A duplicate of the channel's socket, when the socket itself is already in the epoll
    /// set for another wait (epoll takes each descriptor once); otherwise the socket itself is
    /// registered, and no descriptor is spent on the wait.
    dup: Option<OwnedFd>,
}

impl ChannelObserver {
    /// Takes the registration out of `epoll`. The channel's own socket is still open while a
    /// wait made through one of its handles exists (a handle's waits end before its socket
    /// closes); once it is closed the OS has dropped the registration already.
    fn unregister(&self, epoll: &OwnedFd) {
        match &self.dup {
            Some(dup) => {
                let _ = epoll::delete(epoll, dup);
            }
            None => {
                if let Some(object) = self.object.upgrade() {
                    if let Some(end) = object.as_channel() {
                        if let Some(fd) = end.fd().as_ref() {
                            let _ = epoll::delete(epoll, fd);
                        }
                    }
                }
            }
        }
    }

    /// Re-arms the one-shot registration.
    fn rearm(&self, epoll: &OwnedFd, id: u64) {
        let flags = epoll_flags(self.trigger, self.options);
        let data = epoll::EventData::new_u64(id);
        match &self.dup {
            Some(dup) => {
                let _ = epoll::modify(epoll, dup, data, flags);
            }
            None => {
                if let Some(object) = self.object.upgrade() {
                    if let Some(end) = object.as_channel() {
                        if let Some(fd) = end.fd().as_ref() {
                            let _ = epoll::modify(epoll, fd, data, flags);
                        }
                    }
                }
            }
        }
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    observers: BTreeMap<u64, ChannelObserver>,
    closed: bool,
    /// Threads that found the queue empty and sleep (or are about to) in `epoll_wait`: a
    /// packet queued while there are any must wake one through the eventfd. Counted under the
    /// lock that guards the queue, so a sleeper either sees the packet or is counted when it
    /// is queued; a port whose only waiter is the thread that queues (a service loop arming
    /// its own waits) makes no wake-up system calls.
    sleepers: usize,
}

pub(crate) struct PortObject {
    epoll: OwnedFd,
    wake: OwnedFd,
    state: Mutex<State>,
}

/// Channel observers by the handle they were made through, so closing that handle ends them.
static BY_HANDLE: Mutex<BTreeMap<HandleId, Vec<Registration>>> = Mutex::new(BTreeMap::new());

/// A channel observer's port and its id there.
type Registration = (Weak<Object>, u64);

/// A handle closed: its async waits on channels end (packets already queued stay).
pub(crate) fn handle_closed(handle: HandleId) {
    let registrations = BY_HANDLE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&handle);
    for (port, id) in registrations.into_iter().flatten() {
        if let Some(port) = port.upgrade() {
            if let Some(port) = port.as_port() {
                port.remove_observer(id);
            }
        }
    }
}

fn signal_packet(key: u64, trigger: u32, observed: u32, options: u32) -> sys::zx_port_packet_t {
    let mut union = [0u8; 32];
    union[0..4].copy_from_slice(&trigger.to_le_bytes());
    union[4..8].copy_from_slice(&observed.to_le_bytes());
    union[8..16].copy_from_slice(&1u64.to_le_bytes());
    if options & sys::ZX_WAIT_ASYNC_TIMESTAMP != 0 {
        union[16..24].copy_from_slice(&crate::wait::clock_get_monotonic().to_le_bytes());
    }
    sys::zx_port_packet_t {
        key,
        packet_type: sys::zx_packet_type_t::ZX_PKT_TYPE_SIGNAL_ONE,
        status: sys::ZX_OK,
        union,
    }
}

fn epoll_flags(trigger: u32, options: u32) -> epoll::EventFlags {
    let mut flags = epoll::EventFlags::ONESHOT | epoll::EventFlags::RDHUP;
    if trigger & sys::ZX_CHANNEL_READABLE != 0 {
        flags |= epoll::EventFlags::IN;
    }
    if options & sys::ZX_WAIT_ASYNC_EDGE != 0 {
        flags |= epoll::EventFlags::ET;
    }
    flags
}

/// What `epoll_wait` reported for a socket, as `poll(2)` would report it.
fn poll_flags(reported: epoll::EventFlags) -> PollFlags {
    let mut flags = PollFlags::empty();
    for (epoll_flag, poll_flag) in [
        (epoll::EventFlags::IN, PollFlags::IN),
        (epoll::EventFlags::RDHUP, PollFlags::RDHUP),
        (epoll::EventFlags::HUP, PollFlags::HUP),
        (epoll::EventFlags::ERR, PollFlags::ERR),
    ] {
        if reported.contains(epoll_flag) {
            flags |= poll_flag;
        }
    }
    flags
}

impl PortObject {
    pub(crate) fn new() -> Result<PortObject, sys::zx_status_t> {
        let epoll =
            epoll::create(epoll::CreateFlags::CLOEXEC).map_err(|_| sys::ZX_ERR_NO_RESOURCES)?;
        let wake = rustix::event::eventfd(
            0,
            rustix::event::EventfdFlags::CLOEXEC | rustix::event::EventfdFlags::NONBLOCK,
        )
        .map_err(|_| sys::ZX_ERR_NO_RESOURCES)?;
        epoll::add(
            &epoll,
            &wake,
            epoll::EventData::new_u64(WAKE),
            epoll::EventFlags::IN,
        )
        .map_err(|_| sys::ZX_ERR_NO_RESOURCES)?;
        Ok(PortObject {
            epoll,
            wake,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, queued: Queued) {
        let mut state = self.lock();
        if state.closed {
            return;
        }
        state.queue.push_back(queued);
        let wake = state.sleepers > 0;
        drop(state);
        if wake {
            let _ = rustix::io::write(&self.wake, &1u64.to_ne_bytes());
        }
    }

    /// `zx_port_queue` of a user packet.
    pub(crate) fn queue_user(&self, packet: sys::zx_port_packet_t) {
        self.push(Queued {
            packet,
            source: None,
        });
    }

    /// Queues the packet of an async wait that fired.
    pub(crate) fn queue_signal(
        &self,
        key: u64,
        trigger: u32,
        observed: u32,
        options: u32,
        source: HandleId,
    ) {
        self.push(Queued {
            packet: signal_packet(key, trigger, observed, options),
            source: Some(source),
        });
    }

    /// Registers an async wait on a channel (`object`, through `handle`): queued now if the
    /// trigger is already met (and the wait is not edge-triggered), else watched by epoll.
    pub(crate) fn observe_channel(
        &self,
        port: &Arc<Object>,
        object: &Arc<Object>,
        handle: HandleId,
        key: u64,
        trigger: u32,
        options: u32,
    ) -> Result<(), sys::zx_status_t> {
        let now = object.signals();
        if now & trigger != 0 && options & sys::ZX_WAIT_ASYNC_EDGE == 0 {
            // Channels that became ready before this call go first, as their triggers were
            // met first.
            if !self.lock().observers.is_empty() {
                self.harvest(Some(std::time::Duration::ZERO))?;
            }
            self.queue_signal(key, trigger, now, options, handle);
            return Ok(());
        }
        let end = object.as_channel().ok_or(sys::ZX_ERR_WRONG_TYPE)?;
        static NEXT_ID: AtomicU64 = AtomicU64::new(WAKE + 1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let data = epoll::EventData::new_u64(id);
        let flags = epoll_flags(trigger, options);
        let mut state = self.lock();
        let dup = {
            let guard = end.fd();
            let fd = guard.as_ref().ok_or(sys::ZX_ERR_BAD_HANDLE)?;
            match epoll::add(&self.epoll, fd, data, flags) {
                Ok(()) => None,
                Err(rustix::io::Errno::EXIST) => {
                    let dup = rustix::io::fcntl_dupfd_cloexec(fd, 0)
                        .map_err(|_| sys::ZX_ERR_NO_RESOURCES)?;
                    epoll::add(&self.epoll, &dup, data, flags)
                        .map_err(|_| sys::ZX_ERR_NO_RESOURCES)?;
                    Some(dup)
                }
                Err(_) => return Err(sys::ZX_ERR_NO_RESOURCES),
            }
        };
        state.observers.insert(
            id,
            ChannelObserver {
                object: Arc::downgrade(object),
                key,
                trigger,
                options,
                handle,
                dup,
            },
        );
        drop(state);
        BY_HANDLE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(handle)
            .or_default()
            .push((Arc::downgrade(port), id));
        Ok(())
    }

    fn remove_observer(&self, id: u64) -> bool {
        let removed = self.lock().observers.remove(&id);
        match removed {
            Some(observer) => {
                observer.unregister(&self.epoll);
                true
            }
            None => false,
        }
    }

    /// `zx_port_cancel`: ends the async waits made through `handle` with `key` and removes
    /// their queued packets; whether there was anything to cancel.
    pub(crate) fn cancel(&self, handle: HandleId, key: u64) -> bool {
        let ids: Vec<u64> = {
            let mut state = self.lock();
            let before = state.queue.len();
            state
                .queue
                .retain(|queued| !(queued.source == Some(handle) && queued.packet.key == key));
            let mut removed = state.queue.len() != before;
            let ids: Vec<u64> = state
                .observers
                .iter()
                .filter(|(_, o)| o.handle == handle && o.key == key)
                .map(|(id, _)| *id)
                .collect();
            removed |= !ids.is_empty();
            if !removed {
                return false;
            }
            ids
        };
        for id in ids {
            self.remove_observer(id);
        }
        true
    }

    /// Takes the next packet, or `None` when the queue is empty.
    fn pop(&self) -> Option<sys::zx_port_packet_t> {
        self.lock().queue.pop_front().map(|queued| queued.packet)
    }

    /// The OS reported the channel observer `id`: queue its packet if its trigger is met;
    /// otherwise watch again, unless the channel can no longer assert it.
    fn check_observer(&self, id: u64, reported: epoll::EventFlags) {
        let mut state = self.lock();
        let Some(observer) = state.observers.get(&id) else {
            return;
        };
        let Some(object) = observer.object.upgrade() else {
            state.observers.remove(&id);
            return;
        };
        // The socket's state as `epoll_wait` just reported it: no second look (`poll`).
        let now = match object.as_channel() {
            Some(end) => {
                let open = end.fd().is_some();
                end.signals_from(open.then(|| poll_flags(reported)))
            }
            None => object.signals(),
        };
        if now & observer.trigger != 0 {
            if let Some(observer) = state.observers.remove(&id) {
                observer.unregister(&self.epoll);
                state.queue.push_back(Queued {
                    packet: signal_packet(observer.key, observer.trigger, now, observer.options),
                    source: Some(observer.handle),
                });
            }
        } else if now & sys::ZX_CHANNEL_PEER_CLOSED == 0 {
            // Still possible: re-arm the one-shot registration.
            observer.rearm(&self.epoll, id);
        }
        // Otherwise the peer is gone and the trigger cannot be met any more: the observer
        // stays (so zx_port_cancel finds it) but is no longer armed.
    }

    /// `zx_port_wait`: the next packet, waiting until `deadline`.
    ///
    /// Channels the OS has reported ready since the last look queue their packets before
    /// anything is taken, so packets leave in the order their triggers were met (as far as one
    /// `epoll_wait` can tell), not the order of the calls that armed them.
    pub(crate) fn wait(
        &self,
        deadline: sys::zx_time_t,
    ) -> Result<sys::zx_port_packet_t, sys::zx_status_t> {
        loop {
            // With packets queued, channels the OS reported since go first; with none, the
            // harvest below looks anyway.
            let queued = {
                let state = self.lock();
                !state.queue.is_empty() && !state.observers.is_empty()
            };
            if queued {
                self.harvest(Some(std::time::Duration::ZERO))?;
            }
            let timeout = {
                let mut state = self.lock();
                if let Some(queued) = state.queue.pop_front() {
                    return Ok(queued.packet);
                }
                let timeout = crate::wait::timeout_until(deadline);
                if timeout != Some(std::time::Duration::ZERO) {
                    state.sleepers += 1;
                }
                timeout
            };
            let harvested = self.harvest(timeout);
            if timeout != Some(std::time::Duration::ZERO) {
                self.lock().sleepers -= 1;
            }
            harvested?;
            if timeout == Some(std::time::Duration::ZERO) {
                return self.pop().ok_or(sys::ZX_ERR_TIMED_OUT);
            }
        }
    }

    /// One `epoll_wait` (sleeping up to `timeout`): queues the packets of the channel waits it
    /// reports and consumes the port's own wake-ups.
    fn harvest(&self, timeout: Option<std::time::Duration>) -> Result<(), sys::zx_status_t> {
        let mut buffer = [std::mem::MaybeUninit::<epoll::Event>::uninit(); 32];
        let timespec = timeout.map(crate::wait::timespec);
        let waited = {
            let _sleeping =
                (timeout != Some(std::time::Duration::ZERO)).then(crate::wait::Sleeping::new);
            epoll::wait(&self.epoll, &mut buffer, timespec.as_ref())
        };
        let reported: Vec<(u64, epoll::EventFlags)> = match waited {
            Ok((events, _)) => events
                .iter()
                .map(|event| (event.data.u64(), event.flags))
                .collect(),
            Err(rustix::io::Errno::INTR) => Vec::new(),
            Err(_) => return Err(sys::ZX_ERR_INTERNAL),
        };
        for (id, flags) in reported {
            if id == WAKE {
                let mut buf = [0u8; 8];
                let _ = rustix::io::read(&self.wake, &mut buf);
            } else {
                self.check_observer(id, flags);
            }
        }
        Ok(())
    }

    /// The port lost its last handle: its packets and observers go.
    pub(crate) fn close(&self) {
        let observers = {
            let mut state = self.lock();
            state.closed = true;
            state.queue.clear();
            std::mem::take(&mut state.observers)
        };
        drop(observers);
    }
}
