//! Owned and borrowed handles, the traits every handle type implements, handle information and
//! waiting.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::num::NonZeroU32;
use std::ops::Deref;

use super::{kernel, sys, MonotonicInstant, Rights, Signals, Status, WaitResult};

/// A kernel object id (`zx_koid_t`): unique for the life of the system, never reused.
///
/// Every handle to one object reports the same koid.
#[repr(transparent)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Koid(sys::zx_koid_t);

impl Koid {
    /// `ZX_KOID_INVALID` (0): no object (e.g. the `related_koid` of a VMO).
    pub const INVALID: Koid = Koid(sys::ZX_KOID_INVALID);

    /// Wraps a raw koid.
    pub const fn from_raw(raw: sys::zx_koid_t) -> Koid {
        Koid(raw)
    }

    /// The raw `zx_koid_t`.
    pub const fn raw_koid(self) -> sys::zx_koid_t {
        self.0
    }
}

impl fmt::Display for Koid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The type of a kernel object (`zx_obj_type_t`).
#[repr(transparent)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectType(sys::zx_obj_type_t);

impl ObjectType {
    /// `ZX_OBJ_TYPE_NONE` (0).
    pub const NONE: ObjectType = ObjectType(sys::ZX_OBJ_TYPE_NONE);
    /// `ZX_OBJ_TYPE_VMO` (3).
    pub const VMO: ObjectType = ObjectType(sys::ZX_OBJ_TYPE_VMO);
    /// `ZX_OBJ_TYPE_CHANNEL` (4).
    pub const CHANNEL: ObjectType = ObjectType(sys::ZX_OBJ_TYPE_CHANNEL);
    /// `ZX_OBJ_TYPE_EVENT` (5).
    pub const EVENT: ObjectType = ObjectType(sys::ZX_OBJ_TYPE_EVENT);
    /// `ZX_OBJ_TYPE_EVENTPAIR` (16).
    pub const EVENTPAIR: ObjectType = ObjectType(sys::ZX_OBJ_TYPE_EVENTPAIR);
    /// `ZX_OBJ_TYPE_PORT` (6).
    pub const PORT: ObjectType = ObjectType(sys::ZX_OBJ_TYPE_PORT);
    /// `ZX_OBJ_TYPE_VMAR` (18).
    pub const VMAR: ObjectType = ObjectType(sys::ZX_OBJ_TYPE_VMAR);
    /// `ZX_OBJ_TYPE_PROCESS` (1).
    pub const PROCESS: ObjectType = ObjectType(sys::ZX_OBJ_TYPE_PROCESS);

    /// Wraps a raw object type.
    pub const fn from_raw(raw: sys::zx_obj_type_t) -> ObjectType {
        ObjectType(raw)
    }

    /// The raw `zx_obj_type_t`.
    pub const fn into_raw(self) -> sys::zx_obj_type_t {
        self.0
    }
}

/// `ZX_INFO_HANDLE_BASIC`: what the kernel knows about one handle.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct HandleBasicInfo {
    /// The object's koid (shared by every handle to it).
    pub koid: Koid,
    /// This handle's rights.
    pub rights: Rights,
    /// The object's type.
    pub object_type: ObjectType,
    /// The peer's koid for paired objects (channel ends); [`Koid::INVALID`] otherwise.
    pub related_koid: Koid,
}

/// An owned handle: **closes on drop**.
///
/// A `Handle` is the only owner of its value; [`Handle::into_raw`] gives ownership up and
/// [`Handle::from_raw`] takes it. [`Handle::invalid`] (`ZX_HANDLE_INVALID`) owns nothing and
/// closes nothing.
///
/// `Option<Handle>` (and `Option` of every handle type) is the size of a handle: the value 1,
/// which lacks the fixed low bits every handle value has (`ZX_HANDLE_FIXED_BITS_MASK`, 0b11)
/// and so is never a handle, is the niche. The value is stored XOR 1, so that 1 is the stored
/// 0 a `NonZeroU32` cannot hold.
#[repr(transparent)]
#[derive(PartialEq, Eq, Hash)]
pub struct Handle(NonZeroU32);

/// `raw` as stored in a [`Handle`]; 1, which is never a handle value, reads as
/// `ZX_HANDLE_INVALID`.
const fn stored(raw: sys::zx_handle_t) -> NonZeroU32 {
    match NonZeroU32::new(raw ^ 1) {
        Some(value) => value,
        // raw == 1: not a handle value; own nothing.
        None => INVALID,
    }
}

/// `ZX_HANDLE_INVALID` as stored.
const INVALID: NonZeroU32 = match NonZeroU32::new(sys::ZX_HANDLE_INVALID ^ 1) {
    Some(value) => value,
    None => panic!("ZX_HANDLE_INVALID ^ 1 is not 0"),
};

impl Handle {
    /// A handle that owns nothing (`ZX_HANDLE_INVALID`).
    pub const fn invalid() -> Handle {
        Handle(INVALID)
    }

    /// Whether this is `ZX_HANDLE_INVALID`.
    pub fn is_invalid(&self) -> bool {
        self.0 == INVALID
    }

    /// Takes ownership of a raw handle value.
    ///
    /// # Safety
    ///
    /// - `raw` is `ZX_HANDLE_INVALID` or a handle value of this process that nothing else
    ///   owns: the returned `Handle` closes it on drop, so no other owner may close it or use
    ///   it afterwards.
    pub const unsafe fn from_raw(raw: sys::zx_handle_t) -> Handle {
        Handle(stored(raw))
    }

    /// Gives up ownership and returns the raw value; the caller must close it.
    #[must_use = "the raw handle value must be closed or handed to a new owner"]
    pub fn into_raw(self) -> sys::zx_handle_t {
        ManuallyDrop::new(self).raw_handle()
    }

    /// The raw value, still owned by `self`.
    pub fn raw_handle(&self) -> sys::zx_handle_t {
        self.0.get() ^ 1
    }
}

impl PartialOrd for Handle {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Handle {
    /// By raw value.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw_handle().cmp(&other.raw_handle())
    }
}

impl Drop for Handle {
    /// Wraps the `zx_handle_close` syscall (not called for `ZX_HANDLE_INVALID`).
    fn drop(&mut self) {
        if !self.is_invalid() {
            // A failure means the value was not owned (a bug in unsafe code elsewhere); there is
            // nothing a destructor can do about it.
            let _ = kernel::handle_close(self.raw_handle());
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({:#x})", self.raw_handle())
    }
}

/// A borrowed handle: a `T` that is **never closed**, valid for `'a`.
pub struct Unowned<'a, T: HandleBased> {
    inner: ManuallyDrop<T>,
    marker: PhantomData<&'a T>,
}

/// A borrowed [`Handle`] of any type.
pub type HandleRef<'a> = Unowned<'a, Handle>;

impl<'a, T: HandleBased> Unowned<'a, T> {
    /// Borrows a raw handle value.
    ///
    /// # Safety
    ///
    /// - `raw` stays a live handle of type `T` (or is `ZX_HANDLE_INVALID`) for all of `'a`:
    ///   its owner does not close or transfer it while the `Unowned` exists.
    pub unsafe fn from_raw_handle(raw: sys::zx_handle_t) -> Self {
        // SAFETY: wrapped in ManuallyDrop, so this `Handle` never closes `raw`; the caller
        // guarantees `raw` stays valid for 'a.
        let handle = unsafe { Handle::from_raw(raw) };
        Unowned {
            inner: ManuallyDrop::new(T::from(handle)),
            marker: PhantomData,
        }
    }

    /// Borrows the handle of `owner` for as long as `owner` is borrowed.
    pub fn new<U: AsHandleRef>(owner: &'a U) -> Self {
        // SAFETY: `owner` is borrowed for 'a, so its handle cannot be closed or moved away
        // while the `Unowned` exists.
        unsafe { Self::from_raw_handle(owner.raw_handle()) }
    }
}

impl<T: HandleBased> Deref for Unowned<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: HandleBased> Clone for Unowned<'_, T> {
    fn clone(&self) -> Self {
        // SAFETY: the clone borrows the same value for the same lifetime as `self`.
        unsafe { Self::from_raw_handle(self.inner.raw_handle()) }
    }
}

impl<T: HandleBased + fmt::Debug> fmt::Debug for Unowned<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Unowned").field(&*self.inner).finish()
    }
}

impl<T: HandleBased> PartialEq for Unowned<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.inner.raw_handle() == other.inner.raw_handle()
    }
}

impl<T: HandleBased> Eq for Unowned<'_, T> {}

/// Operations that borrow a handle of any type.
pub trait AsHandleRef {
    /// Borrows the handle.
    fn as_handle_ref(&self) -> HandleRef<'_>;

    /// The raw handle value, still owned by `self`.
    fn raw_handle(&self) -> sys::zx_handle_t {
        self.as_handle_ref().inner.raw_handle()
    }

    /// The handle's koid, rights, object type and related koid. Needs no rights.
    ///
    /// Wraps the `zx_object_get_info` syscall with topic `ZX_INFO_HANDLE_BASIC`.
    ///
    /// # Errors
    ///
    /// [`Status::BAD_HANDLE`] if the value is not a live handle.
    fn basic_info(&self) -> Result<HandleBasicInfo, Status> {
        let mut info = sys::zx_info_handle_basic_t::default();
        Status::ok(kernel::object_get_info_handle_basic(
            self.raw_handle(),
            &mut info,
        ))?;
        Ok(HandleBasicInfo {
            koid: Koid(info.koid),
            rights: Rights::from_bits_retain(info.rights),
            object_type: ObjectType(info.type_),
            related_koid: Koid(info.related_koid),
        })
    }

    /// The object's koid.
    ///
    /// Wraps the `zx_object_get_info` syscall with topic `ZX_INFO_HANDLE_BASIC`.
    ///
    /// # Errors
    ///
    /// [`Status::BAD_HANDLE`] if the value is not a live handle.
    fn get_koid(&self) -> Result<Koid, Status> {
        self.basic_info().map(|info| info.koid)
    }

    /// Blocks until one of `signals` is asserted on the object or `deadline` passes, and
    /// returns what happened with the signals observed (also on a timeout or cancellation, as
    /// `zx_object_wait_one` reports them then). Needs WAIT.
    ///
    /// Wraps the `zx_object_wait_one` syscall.
    ///
    /// # Errors
    ///
    /// In the result rather than a `Result` (use [`WaitResult::to_result`] for `?`):
    /// - [`WaitResult::TimedOut`]: the deadline passed first.
    /// - [`WaitResult::Canceled`]: the handle was closed during the wait.
    /// - [`WaitResult::Err`]: [`Status::BAD_HANDLE`], [`Status::ACCESS_DENIED`] (no WAIT).
    fn wait_handle(&self, signals: Signals, deadline: MonotonicInstant) -> WaitResult {
        let mut observed = 0;
        let status = kernel::object_wait_one(
            self.raw_handle(),
            signals.bits(),
            deadline.into_nanos(),
            &mut observed,
        );
        WaitResult::from_raw(
            Status::from_raw(status),
            Signals::from_bits_retain(observed),
        )
    }

    /// Asks `port` for one packet with `key` when one of `signals` is asserted on the object
    /// (at once if one already is, unless [`WaitAsyncOpts::EDGE_TRIGGERED`](super::WaitAsyncOpts::EDGE_TRIGGERED)). Needs WAIT on
    /// this handle and WRITE on the port. Closing this handle ends the wait.
    ///
    /// Wraps the `zx_object_wait_async` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`] (not a port),
    ///   [`Status::ACCESS_DENIED`].
    /// - [`Status::NOT_SUPPORTED`]: the object cannot be waited on.
    fn wait_async_handle(
        &self,
        port: &super::Port,
        key: u64,
        signals: Signals,
        options: super::WaitAsyncOpts,
    ) -> Result<(), Status> {
        Status::ok(kernel::object_wait_async(
            self.raw_handle(),
            port.raw_handle(),
            key,
            signals.bits(),
            options.bits(),
        ))
    }

    /// Clears then sets user signals (`USER_0..7`, and an event's `EVENT_SIGNALED`) on the
    /// object. Needs SIGNAL.
    ///
    /// Wraps the `zx_object_signal` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::INVALID_ARGS`]: a bit outside the signals the object lets users change.
    /// - [`Status::BAD_HANDLE`], [`Status::ACCESS_DENIED`], [`Status::NOT_SUPPORTED`].
    fn signal_handle(&self, clear: Signals, set: Signals) -> Result<(), Status> {
        Status::ok(kernel::object_signal(
            self.raw_handle(),
            clear.bits(),
            set.bits(),
        ))
    }
}

/// Handle types that own their handle and can be converted to and from [`Handle`].
pub trait HandleBased: AsHandleRef + From<Handle> + Into<Handle> {
    /// A new handle to the same object with `rights` (a subset of this handle's rights, or
    /// [`Rights::SAME_RIGHTS`]). `self` is untouched. Needs DUPLICATE.
    ///
    /// Wraps the `zx_handle_duplicate` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::BAD_HANDLE`]: not a live handle.
    /// - [`Status::ACCESS_DENIED`]: no DUPLICATE right (checked before `rights`).
    /// - [`Status::INVALID_ARGS`]: `rights` is not a subset of this handle's rights.
    fn duplicate_handle(&self, rights: Rights) -> Result<Self, Status> {
        let mut out = sys::ZX_HANDLE_INVALID;
        Status::ok(kernel::handle_duplicate(
            self.raw_handle(),
            rights.bits(),
            &mut out,
        ))?;
        // SAFETY: the kernel returned a fresh handle value that nothing else owns.
        Ok(Self::from(unsafe { Handle::from_raw(out) }))
    }

    /// A new handle to the same object with `rights`; `self` is **always consumed**, on
    /// success and failure alike.
    ///
    /// Wraps the `zx_handle_replace` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::BAD_HANDLE`]: not a live handle.
    /// - [`Status::INVALID_ARGS`]: `rights` is not a subset of this handle's rights (the
    ///   handle is closed anyway).
    fn replace_handle(self, rights: Rights) -> Result<Self, Status> {
        // The kernel invalidates the value whatever the outcome: give up ownership first so
        // no path closes it a second time.
        let raw = self.into().into_raw();
        let mut out = sys::ZX_HANDLE_INVALID;
        Status::ok(kernel::handle_replace(raw, rights.bits(), &mut out))?;
        // SAFETY: the kernel returned a fresh handle value that nothing else owns.
        Ok(Self::from(unsafe { Handle::from_raw(out) }))
    }

    /// Converts into a plain [`Handle`].
    fn into_handle(self) -> Handle {
        self.into()
    }

    /// Converts from a plain [`Handle`] (no check of the object type).
    fn from_handle(handle: Handle) -> Self {
        Self::from(handle)
    }

    /// Whether the handle is `ZX_HANDLE_INVALID`.
    fn is_invalid_handle(&self) -> bool {
        self.raw_handle() == sys::ZX_HANDLE_INVALID
    }
}

impl AsHandleRef for Handle {
    fn as_handle_ref(&self) -> HandleRef<'_> {
        Unowned::new(self)
    }

    fn raw_handle(&self) -> sys::zx_handle_t {
        Handle::raw_handle(self)
    }
}

impl HandleBased for Handle {}

impl<T: HandleBased> AsHandleRef for Unowned<'_, T> {
    fn as_handle_ref(&self) -> HandleRef<'_> {
        Unowned::new(&*self.inner)
    }

    fn raw_handle(&self) -> sys::zx_handle_t {
        self.inner.raw_handle()
    }
}

/// Implements the handle traits and conversions for a `struct T(Handle)`.
macro_rules! impl_handle_based {
    ($ty:ident) => {
        impl $crate::zx::AsHandleRef for $ty {
            fn as_handle_ref(&self) -> $crate::zx::HandleRef<'_> {
                $crate::zx::Unowned::new(&self.0)
            }

            fn raw_handle(&self) -> $crate::zx::sys::zx_handle_t {
                self.0.raw_handle()
            }
        }

        impl From<$crate::zx::Handle> for $ty {
            fn from(handle: $crate::zx::Handle) -> Self {
                $ty(handle)
            }
        }

        impl From<$ty> for $crate::zx::Handle {
            fn from(object: $ty) -> $crate::zx::Handle {
                object.0
            }
        }

        impl $crate::zx::HandleBased for $ty {}
    };
}
pub(crate) use impl_handle_based;

/// One entry of [`object_wait_many`].
#[derive(Debug)]
pub struct WaitItem<'a> {
    /// The handle to wait on (needs WAIT).
    pub handle: HandleRef<'a>,
    /// The signals that end the wait.
    pub waitfor: Signals,
    /// Out: the signals asserted when the wait ended.
    pub pending: Signals,
}

/// `ZX_WAIT_MANY_MAX_ITEMS`: the most items one [`object_wait_many`] accepts.
pub const WAIT_MANY_MAX_ITEMS: usize = 64;

/// Blocks until one item's `waitfor` signals are asserted or `deadline` passes; fills every
/// item's `pending` in both cases.
///
/// Wraps the `zx_object_wait_many` syscall.
///
/// # Errors
///
/// - [`Status::TIMED_OUT`]: the deadline passed first (`pending` is still filled).
/// - [`Status::CANCELED`]: one of the handles was closed during the wait.
/// - [`Status::OUT_OF_RANGE`]: more than [`WAIT_MANY_MAX_ITEMS`] items.
/// - [`Status::BAD_HANDLE`], [`Status::ACCESS_DENIED`] (an item lacks WAIT).
pub fn object_wait_many(
    items: &mut [WaitItem<'_>],
    deadline: MonotonicInstant,
) -> Result<(), Status> {
    let mut raw: Vec<sys::zx_wait_item_t> = items
        .iter()
        .map(|item| sys::zx_wait_item_t {
            handle: item.handle.raw_handle(),
            waitfor: item.waitfor.bits(),
            pending: 0,
        })
        .collect();
    let status = kernel::object_wait_many(&mut raw, deadline.into_nanos());
    if status == sys::ZX_OK || status == sys::ZX_ERR_TIMED_OUT || status == sys::ZX_ERR_CANCELED {
        for (item, raw) in items.iter_mut().zip(&raw) {
            item.pending = Signals::from_bits_retain(raw.pending);
        }
    }
    Status::ok(status)
}
