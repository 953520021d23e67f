//! [`Process`]: this process's own handle, and the handle statistics it reports.

use super::handle::impl_handle_based;
use super::{kernel, sys, AsHandleRef, Handle, ObjectType, Status, Unowned};

/// An owned handle to a process.
#[repr(transparent)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Process(Handle);

impl_handle_based!(Process);

/// This process's own handle, borrowed for the life of the process (as the Fuchsia runtime's
/// `process_self()`): it must not be closed, so it is never owned.
///
/// Wraps `zx_process_self` (libc's `zircon/process.h`; on the host, the host kernel's).
pub fn process_self() -> Unowned<'static, Process> {
    // SAFETY: the value `zx_process_self` returns stays a live process handle for the life of
    // the process, owned by the runtime, which never closes it; an `Unowned` never closes it
    // either.
    unsafe { Unowned::from_raw_handle(kernel::process_self()) }
}

/// How many handles a process holds, per object type (`ZX_INFO_PROCESS_HANDLE_STATS`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProcessHandleStats {
    counts: [u32; sys::ZX_OBJ_TYPE_UPPER_BOUND],
}

impl ProcessHandleStats {
    /// The process's handles of `object_type`.
    pub fn of(&self, object_type: ObjectType) -> u32 {
        let index = object_type.into_raw() as usize;
        self.counts.get(index).copied().unwrap_or(0)
    }

    /// All the process's handles.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&n| u64::from(n)).sum()
    }
}

impl Process {
    /// The number of handles the process holds, per object type. Handles written into a
    /// channel and not yet read belong to no process.
    ///
    /// Wraps `zx_object_get_info` with `ZX_INFO_PROCESS_HANDLE_STATS`.
    ///
    /// # Errors
    ///
    /// [`Status::ACCESS_DENIED`] without [`Rights::INSPECT`](super::Rights::INSPECT).
    pub fn handle_stats(&self) -> Result<ProcessHandleStats, Status> {
        let mut info = sys::zx_info_process_handle_stats_t::default();
        Status::ok(kernel::object_get_info_process_handle_stats(
            self.raw_handle(),
            &mut info,
        ))?;
        Ok(ProcessHandleStats {
            counts: info.handle_count,
        })
    }
}
