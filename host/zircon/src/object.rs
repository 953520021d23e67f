//! Kernel objects, the handles that refer to them, and this process's registry of objects that
//! can cross processes (so a VMO or channel end received twice is one object again).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use fuchsia_zircon_types as sys;

use crate::channel::ChannelEnd;
use crate::event::{EventPairEnd, LocalSignals};
use crate::port::PortObject;
use crate::signal::Watchers;
use crate::vmo::VmoObject;
use crate::{LIVE_CHANNELS, LIVE_EVENTS, LIVE_HANDLES, LIVE_PORTS, LIVE_PROCESSES, LIVE_VMOS};

/// The state particular to each object type.
pub(crate) enum Kind {
    Vmo(VmoObject),
    Channel(ChannelEnd),
    Event(LocalSignals),
    EventPair(EventPairEnd),
    Port(PortObject),
    /// This process (`zx_process_self`): only its handle statistics are implemented.
    Process,
}

impl Kind {
    fn live_counter(&self) -> &'static AtomicU64 {
        match self {
            Kind::Vmo(_) => &LIVE_VMOS,
            Kind::Channel(_) => &LIVE_CHANNELS,
            Kind::Event(_) | Kind::EventPair(_) => &LIVE_EVENTS,
            Kind::Port(_) => &LIVE_PORTS,
            Kind::Process => &LIVE_PROCESSES,
        }
    }
}

/// A kernel object, shared by its handles (and by mappings, waiters and ports watching it).
/// It is destroyed when the last reference goes; "zero handles" is a separate, earlier event.
pub(crate) struct Object {
    pub(crate) koid: sys::zx_koid_t,
    pub(crate) related_koid: sys::zx_koid_t,
    handle_count: AtomicUsize,
    pub(crate) kind: Kind,
    /// Threads and ports waiting on this object.
    pub(crate) watchers: Watchers,
}

impl Object {
    pub(crate) fn new(
        koid: sys::zx_koid_t,
        related_koid: sys::zx_koid_t,
        kind: Kind,
    ) -> Arc<Object> {
        kind.live_counter().fetch_add(1, Ordering::SeqCst);
        let object = Arc::new(Object {
            koid,
            related_koid,
            handle_count: AtomicUsize::new(0),
            kind,
            watchers: Watchers::default(),
        });
        if matches!(object.kind, Kind::Vmo(_) | Kind::Channel(_)) {
            registry::insert(&object);
        }
        object
    }

    pub(crate) fn object_type(&self) -> sys::zx_obj_type_t {
        match self.kind {
            Kind::Vmo(_) => sys::ZX_OBJ_TYPE_VMO,
            Kind::Channel(_) => sys::ZX_OBJ_TYPE_CHANNEL,
            Kind::Event(_) => sys::ZX_OBJ_TYPE_EVENT,
            Kind::EventPair(_) => sys::ZX_OBJ_TYPE_EVENTPAIR,
            Kind::Port(_) => sys::ZX_OBJ_TYPE_PORT,
            Kind::Process => sys::ZX_OBJ_TYPE_PROCESS,
        }
    }

    /// The signals asserted now.
    pub(crate) fn signals(&self) -> sys::zx_signals_t {
        match &self.kind {
            Kind::Vmo(_) => sys::ZX_VMO_ZERO_CHILDREN,
            Kind::Channel(end) => end.signals(),
            Kind::Event(local) => local.get(),
            Kind::EventPair(end) => end.signals.get(),
            Kind::Port(_) | Kind::Process => 0,
        }
    }

    pub(crate) fn as_vmo(&self) -> Option<&VmoObject> {
        match &self.kind {
            Kind::Vmo(vmo) => Some(vmo),
            _ => None,
        }
    }

    pub(crate) fn as_channel(&self) -> Option<&ChannelEnd> {
        match &self.kind {
            Kind::Channel(end) => Some(end),
            _ => None,
        }
    }

    pub(crate) fn as_port(&self) -> Option<&PortObject> {
        match &self.kind {
            Kind::Port(port) => Some(port),
            _ => None,
        }
    }

    /// The in-process signal state of events and event pairs (`zx_object_signal`).
    pub(crate) fn local_signals(&self) -> Option<&LocalSignals> {
        match &self.kind {
            Kind::Event(local) => Some(local),
            Kind::EventPair(end) => Some(&end.signals),
            _ => None,
        }
    }

    /// Sets and clears in-process signals, waking waiters and queueing port packets whose
    /// trigger is now met.
    pub(crate) fn update_signals(self: &Arc<Object>, clear: u32, set: u32) {
        if let Some(local) = self.local_signals() {
            let now = local.update(clear, set);
            self.watchers.signals_changed(now);
        }
    }

    /// The last handle in this process closed: peers learn it now, even if references
    /// (waiters, mappings) remain.
    fn on_zero_handles(self: &Arc<Object>) {
        match &self.kind {
            Kind::Channel(end) => {
                self.watchers.wake_all();
                end.close();
            }
            Kind::EventPair(end) => {
                if let Some(peer) = end.take_peer() {
                    if let Kind::EventPair(peer_end) = &peer.kind {
                        peer_end.take_peer();
                    }
                    peer.update_signals(0, sys::ZX_EVENTPAIR_PEER_CLOSED);
                }
            }
            Kind::Port(port) => port.close(),
            Kind::Vmo(_) | Kind::Event(_) | Kind::Process => {}
        }
        self.watchers.wake_all();
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        if matches!(self.kind, Kind::Vmo(_) | Kind::Channel(_)) {
            registry::remove(self.koid, self);
        }
        self.kind.live_counter().fetch_sub(1, Ordering::SeqCst);
    }
}

/// Identifies a handle for as long as the process lives, whatever value it has: what port
/// observers and waiters are keyed by.
pub(crate) type HandleId = u64;

/// One handle: an object reference plus rights. It lives in the handle table (or, briefly,
/// in a message being written); dropping it is closing it.
pub(crate) struct KernelHandle {
    pub(crate) object: Arc<Object>,
    pub(crate) rights: sys::zx_rights_t,
    pub(crate) id: HandleId,
}

impl KernelHandle {
    pub(crate) fn new(object: Arc<Object>, rights: sys::zx_rights_t) -> KernelHandle {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        object.handle_count.fetch_add(1, Ordering::SeqCst);
        LIVE_HANDLES.fetch_add(1, Ordering::SeqCst);
        KernelHandle {
            object,
            rights,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// A second handle to the same object.
    pub(crate) fn duplicate(&self, rights: sys::zx_rights_t) -> KernelHandle {
        KernelHandle::new(Arc::clone(&self.object), rights)
    }
}

impl Drop for KernelHandle {
    fn drop(&mut self) {
        LIVE_HANDLES.fetch_sub(1, Ordering::SeqCst);
        // Waits made through this handle end: ports drop its observers, waiting threads look
        // again and find the handle gone.
        self.object.watchers.handle_closed(self.id);
        crate::port::handle_closed(self.id);
        if self.object.handle_count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.object.on_zero_handles();
        } else {
            self.object.watchers.wake_all();
        }
    }
}

/// Objects that can cross processes, by koid, so that one received again is the same object.
pub(crate) mod registry {
    use super::*;

    fn map() -> std::sync::MutexGuard<'static, BTreeMap<sys::zx_koid_t, Weak<Object>>> {
        static MAP: Mutex<BTreeMap<sys::zx_koid_t, Weak<Object>>> = Mutex::new(BTreeMap::new());
        MAP.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn insert(object: &Arc<Object>) {
        map().insert(object.koid, Arc::downgrade(object));
    }

    /// The live object with `koid` in this process, if any.
    pub(crate) fn get(koid: sys::zx_koid_t) -> Option<Arc<Object>> {
        map().get(&koid).and_then(Weak::upgrade)
    }

    /// Forgets `object` (being destroyed) unless the entry already names a newer object.
    pub(crate) fn remove(koid: sys::zx_koid_t, object: &Object) {
        let mut map = map();
        if map
            .get(&koid)
            .is_some_and(|weak| std::ptr::eq(weak.as_ptr(), object) || weak.strong_count() == 0)
        {
            map.remove(&koid);
        }
    }
}
