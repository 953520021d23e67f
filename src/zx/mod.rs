//! Zircon objects: one safe API over the real kernel (Fuchsia) or the host kernel (elsewhere).
//!
//! Names follow the Fuchsia tree's Rust `zircon` crate, so a Fuchsia engineer reads this without
//! a glossary:
//!
//! | type | owns | closes on drop |
//! |---|---|---|
//! | [`Handle`], [`Vmo`], [`Channel`], [`Port`], [`Event`], [`EventPair`] | one handle value | **yes** (`zx_handle_close`) |
//! | [`Unowned<'a, T>`](Unowned), [`HandleRef<'a>`](HandleRef) | nothing: a borrow for `'a` | never |
//! | [`Mapping`] | one mapping in the root VMAR (and a reference to the VMO object) | unmaps (`zx_vmar_unmap`) |
//!
//! Every fallible operation returns `Result<T, Status>` and says in its docs which syscall it
//! wraps. Ownership moves exactly where the kernel moves it: [`HandleBased::replace_handle`]
//! and [`Channel::write`] always consume their input handles, on failure too.
//!
//! Below the safe API sits one private seam, `kernel.rs`: one C-shaped, safe function per
//! syscall, each a single call of the Zircon C ABI as `fuchsia-zircon-sys` declares it. On
//! Fuchsia those symbols are the vDSO's; on any other target they are the host kernel's
//! (`host/zircon`, the crate `vmo-interop-host-zircon`), which exports the same `zx_*`
//! functions. There is no second backend: the code above the ABI is what runs everywhere.
//!
//! The raw ABI (types, constants and the `zx_*` functions) is [`sys`].

mod channel;
mod event;
mod handle;
mod process;
mod rights;
mod status;
mod time;
mod vmo;
mod wait;

mod kernel;
mod port;
pub mod sys;

pub use channel::{
    Channel, HandleDisposition, HandleInfo, HandleOp, MessageBuf, MAX_MSG_BYTES, MAX_MSG_HANDLES,
};
pub use event::{Event, EventPair, Peered};
pub use handle::{
    object_wait_many, AsHandleRef, Handle, HandleBased, HandleBasicInfo, HandleRef, Koid,
    ObjectType, Unowned, WaitItem, WAIT_MANY_MAX_ITEMS,
};
pub use port::{Packet, PacketContents, Port, SignalPacket, UserPacket, WaitAsyncOpts};
pub use process::{process_self, Process, ProcessHandleStats};
pub use rights::{Rights, Signals, VmarFlags, VmoOptions};
pub use status::Status;
pub use time::MonotonicInstant;
pub use vmo::{Mapping, Vmo, VmoInfo, VmoInfoFlags};
pub use wait::WaitResult;

/// The system's page size in bytes (wraps `zx_system_get_page_size`, a vDSO call).
pub fn system_get_page_size() -> u32 {
    u32::try_from(kernel::system_get_page_size()).unwrap_or(u32::MAX)
}
