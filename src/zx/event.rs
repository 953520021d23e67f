//! [`Event`] and [`EventPair`]: objects whose only state is their signals.

use super::handle::impl_handle_based;
use super::{kernel, sys, AsHandleRef, Handle, Signals, Status};

/// An owned handle to an event.
#[repr(transparent)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Event(Handle);

impl_handle_based!(Event);

impl Event {
    /// Creates an event with rights `ZX_DEFAULT_EVENT_RIGHTS` and no signal asserted.
    ///
    /// Wraps the `zx_event_create` syscall with options 0.
    ///
    /// # Errors
    ///
    /// [`Status::NO_MEMORY`].
    pub fn create() -> Result<Event, Status> {
        let mut out = sys::ZX_HANDLE_INVALID;
        Status::ok(kernel::event_create(0, &mut out))?;
        // SAFETY: the kernel returned a fresh handle value that nothing else owns.
        Ok(Event(unsafe { Handle::from_raw(out) }))
    }
}

/// An owned handle to one end of an event pair.
#[repr(transparent)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EventPair(Handle);

impl_handle_based!(EventPair);

impl EventPair {
    /// Creates an event pair: two ends whose `related_koid`s name each other, with rights
    /// `ZX_DEFAULT_EVENTPAIR_RIGHTS`. When one end's last handle closes, the other asserts
    /// [`Signals::EVENTPAIR_PEER_CLOSED`].
    ///
    /// Wraps the `zx_eventpair_create` syscall with options 0.
    ///
    /// # Errors
    ///
    /// [`Status::NO_MEMORY`].
    pub fn create() -> Result<(EventPair, EventPair), Status> {
        let (mut out0, mut out1) = (sys::ZX_HANDLE_INVALID, sys::ZX_HANDLE_INVALID);
        Status::ok(kernel::eventpair_create(0, &mut out0, &mut out1))?;
        // SAFETY: the kernel returned two fresh handle values that nothing else owns.
        let end0 = EventPair(unsafe { Handle::from_raw(out0) });
        // SAFETY: as above.
        let end1 = EventPair(unsafe { Handle::from_raw(out1) });
        Ok((end0, end1))
    }
}

/// Objects with a peer whose user signals this end may change.
pub trait Peered: AsHandleRef {
    /// Clears then sets user signals (`USER_0..7`, `SIGNALED`) on the peer. Needs
    /// SIGNAL_PEER.
    ///
    /// Wraps the `zx_object_signal_peer` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::PEER_CLOSED`]: the peer is gone.
    /// - [`Status::INVALID_ARGS`]: a bit outside the user signals.
    /// - [`Status::BAD_HANDLE`], [`Status::ACCESS_DENIED`], [`Status::NOT_SUPPORTED`].
    fn signal_peer(&self, clear: Signals, set: Signals) -> Result<(), Status> {
        Status::ok(kernel::object_signal_peer(
            self.raw_handle(),
            clear.bits(),
            set.bits(),
        ))
    }
}

impl Peered for EventPair {}
