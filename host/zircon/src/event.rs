//! Events and event pairs: objects whose only state is their signals, kept in this process.
//!
//! They cannot cross a process on the host: writing one into a channel is `NOT_SUPPORTED`
//! (only VMOs and channel ends are OS objects that can travel; see `channel::wire`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use fuchsia_zircon_types as sys;

use crate::object::Object;

/// `ZX_DEFAULT_EVENT_RIGHTS`: BASIC and SIGNAL.
pub(crate) const DEFAULT_EVENT_RIGHTS: u32 = 0xD003;
/// `ZX_DEFAULT_EVENTPAIR_RIGHTS`: BASIC, SIGNAL and SIGNAL_PEER.
pub(crate) const DEFAULT_EVENTPAIR_RIGHTS: u32 = 0xF003;
/// The signals `zx_object_signal` may change on an event or event pair.
pub(crate) const USER_SIGNALS: u32 = sys::ZX_USER_SIGNAL_ALL | sys::ZX_EVENT_SIGNALED;

/// An object's signal word.
#[derive(Default)]
pub(crate) struct LocalSignals(AtomicU32);

impl LocalSignals {
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    /// Clears then sets bits; returns the new value.
    pub(crate) fn update(&self, clear: u32, set: u32) -> u32 {
        let mut now = self.get();
        loop {
            let next = (now & !clear) | set;
            match self
                .0
                .compare_exchange(now, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return next,
                Err(actual) => now = actual,
            }
        }
    }
}

/// One end of an event pair.
pub(crate) struct EventPairEnd {
    pub(crate) signals: LocalSignals,
    peer: Mutex<Weak<Object>>,
}

impl EventPairEnd {
    pub(crate) fn new() -> EventPairEnd {
        EventPairEnd {
            signals: LocalSignals::default(),
            peer: Mutex::new(Weak::new()),
        }
    }

    pub(crate) fn set_peer(&self, peer: &Arc<Object>) {
        *self.peer.lock().unwrap_or_else(PoisonError::into_inner) = Arc::downgrade(peer);
    }

    /// The peer, while it has handles.
    pub(crate) fn peer(&self) -> Option<Arc<Object>> {
        self.peer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .upgrade()
    }

    /// Forgets the peer (this end lost its last handle) and returns it.
    pub(crate) fn take_peer(&self) -> Option<Arc<Object>> {
        std::mem::take(&mut *self.peer.lock().unwrap_or_else(PoisonError::into_inner)).upgrade()
    }
}
