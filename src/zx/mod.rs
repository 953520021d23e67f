//! Zircon objects: one safe API over the real kernel (Fuchsia) or the host kernel (elsewhere).
//!
//! Names follow the Fuchsia tree's Rust `zircon` crate, so a Fuchsia engineer reads this without
//! a glossary:
//!
//! | type | owns | closes on drop |
//! |---|---|---|
//! | [`Handle`], [`Vmo`], [`Channel`] | one handle value | **yes** (`zx_handle_close`) |
//! | [`Unowned<'a, T>`](Unowned), [`HandleRef<'a>`](HandleRef) | nothing: a borrow for `'a` | never |
//! | [`Mapping`] | one mapping in the root VMAR (and a reference to the VMO object) | unmaps (`zx_vmar_unmap`) |
//!
//! Every fallible operation returns `Result<T, Status>` and says in its docs which syscall it
//! wraps. Ownership moves exactly where the kernel moves it: [`HandleBased::replace_handle`]
//! and [`Channel::write`] always consume their input handles, on failure too.
//!
//! Below the safe API sits one private seam of C-shaped, safe functions (one per syscall):
//! `fuchsia.rs` implements it with `fuchsia-zircon-sys` on `target_os = "fuchsia"`, and
//! [`host`] implements it elsewhere with an emulated kernel that follows the syscall
//! documentation (rights checked in the kernel's order, koids never reused, VMOs backed by
//! memfds). The safe code above the seam is the same on both.
//!
//! Raw ABI types and constants are re-exported from `fuchsia-zircon-types` as [`sys`].

pub use fuchsia_zircon_types as sys;

mod channel;
mod handle;
mod rights;
mod status;
mod time;
mod vmo;

#[cfg(target_os = "fuchsia")]
mod fuchsia;
#[cfg(target_os = "fuchsia")]
use fuchsia as kernel;

#[cfg(not(target_os = "fuchsia"))]
pub mod host;
#[cfg(not(target_os = "fuchsia"))]
use host::syscalls as kernel;

pub use channel::{Channel, HandleInfo, MessageBuf, MAX_MSG_BYTES, MAX_MSG_HANDLES};
pub use handle::{
    object_wait_many, AsHandleRef, Handle, HandleBased, HandleBasicInfo, HandleRef, Koid,
    ObjectType, Unowned, WaitItem, WAIT_MANY_MAX_ITEMS,
};
pub use rights::{Rights, Signals, VmarFlags, VmoOptions};
pub use status::Status;
pub use time::MonotonicInstant;
pub use vmo::{Mapping, Vmo};
