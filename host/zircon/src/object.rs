//! Kernel objects and the handles that refer to them.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::channel::ChannelEnd;
use crate::vmo::VmoObject;
use crate::{LIVE_CHANNELS, LIVE_HANDLES, LIVE_VMOS};
use fuchsia_zircon_types as sys;

/// The next koid to hand out; koids below `ZX_KOID_FIRST` are reserved.
static NEXT_KOID: AtomicU64 = AtomicU64::new(sys::ZX_KOID_FIRST);

/// Allocates `count` consecutive koids, never reused.
pub(crate) fn allocate_koids(count: u64) -> u64 {
    NEXT_KOID.fetch_add(count, Ordering::Relaxed)
}

/// The state particular to each object type.
pub(crate) enum Kind {
    Vmo(VmoObject),
    Channel(ChannelEnd),
}

/// A kernel object, shared by its handles (and by mappings, waiters and calls in progress).
/// It is destroyed when the last reference goes; "zero handles" is a separate, earlier event.
pub(crate) struct Object {
    pub(crate) koid: sys::zx_koid_t,
    pub(crate) related_koid: sys::zx_koid_t,
    handle_count: AtomicUsize,
    pub(crate) kind: Kind,
}

impl Object {
    pub(crate) fn new(
        koid: sys::zx_koid_t,
        related_koid: sys::zx_koid_t,
        kind: Kind,
    ) -> Arc<Object> {
        match kind {
            Kind::Vmo(_) => LIVE_VMOS.fetch_add(1, Ordering::SeqCst),
            Kind::Channel(_) => LIVE_CHANNELS.fetch_add(1, Ordering::SeqCst),
        };
        Arc::new(Object {
            koid,
            related_koid,
            handle_count: AtomicUsize::new(0),
            kind,
        })
    }

    pub(crate) fn object_type(&self) -> sys::zx_obj_type_t {
        match self.kind {
            Kind::Vmo(_) => sys::ZX_OBJ_TYPE_VMO,
            Kind::Channel(_) => sys::ZX_OBJ_TYPE_CHANNEL,
        }
    }

    /// The signals asserted now.
    pub(crate) fn signals(&self) -> sys::zx_signals_t {
        match &self.kind {
            Kind::Vmo(_) => sys::ZX_VMO_ZERO_CHILDREN,
            Kind::Channel(end) => end.signals(),
        }
    }

    pub(crate) fn as_vmo(&self) -> Option<&VmoObject> {
        match &self.kind {
            Kind::Vmo(vmo) => Some(vmo),
            Kind::Channel(_) => None,
        }
    }

    pub(crate) fn as_channel(&self) -> Option<&ChannelEnd> {
        match &self.kind {
            Kind::Channel(end) => Some(end),
            Kind::Vmo(_) => None,
        }
    }

    /// The last handle closed: peers learn it now, even if references remain.
    fn on_zero_handles(&self) {
        if let Kind::Channel(end) = &self.kind {
            end.on_zero_handles();
        }
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        match self.kind {
            Kind::Vmo(_) => LIVE_VMOS.fetch_sub(1, Ordering::SeqCst),
            Kind::Channel(_) => LIVE_CHANNELS.fetch_sub(1, Ordering::SeqCst),
        };
    }
}

/// One handle: an object reference plus rights. It lives in the handle table or inside a
/// channel message; dropping it is closing it.
pub(crate) struct KernelHandle {
    pub(crate) object: Arc<Object>,
    pub(crate) rights: sys::zx_rights_t,
}

impl KernelHandle {
    pub(crate) fn new(object: Arc<Object>, rights: sys::zx_rights_t) -> KernelHandle {
        object.handle_count.fetch_add(1, Ordering::SeqCst);
        LIVE_HANDLES.fetch_add(1, Ordering::SeqCst);
        KernelHandle { object, rights }
    }

    /// A second handle to the same object.
    pub(crate) fn duplicate(&self, rights: sys::zx_rights_t) -> KernelHandle {
        KernelHandle::new(Arc::clone(&self.object), rights)
    }
}

impl Drop for KernelHandle {
    fn drop(&mut self) {
        LIVE_HANDLES.fetch_sub(1, Ordering::SeqCst);
        if self.object.handle_count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.object.on_zero_handles();
        }
        crate::wait::notify();
    }
}
