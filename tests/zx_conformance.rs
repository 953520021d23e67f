//! Conformance suite of the host kernel: one test per rule of `shared/reference/zircon.md`
//! (and of the syscall docs it cites), each asserting the exact status the Zircon kernel
//! returns. These tests are the specification of `zx::host`.
//!
//! Every test holds the shared counter lock (`zx_common::serial`) and most end by asserting
//! that nothing leaked. The suite drives the safe API (and a few raw calls of the C ABI), so
//! it runs unchanged against Zircon: BUILD.gn builds it for Fuchsia, where it checks the real
//! kernel (the host kernel's own counts, objects and kernel calls, are checked on the host
//! only).

mod zx_common;

#[path = "zx_conformance/handles.rs"]
mod handles;
#[path = "zx_conformance/process.rs"]
mod process;
#[path = "zx_conformance/vmo.rs"]
mod vmo;

use vmo_interop::zx::{
    self, sys, AsHandleRef, Channel, Handle, HandleBased, Koid, ObjectType, Rights, Status,
    VmarFlags, Vmo, VmoOptions,
};
use zx_common::raw;
use zx_common::{basic_info, is_live, serial};

const PAGE: u64 = 4096;

/// A VMO handle with exactly `rights`.
fn vmo_with_rights(size: u64, rights: Rights) -> Vmo {
    Vmo::create(size).unwrap().replace_handle(rights).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Helpers on the safe types used above
// ---------------------------------------------------------------------------------------------

trait RawAfterDrop {
    /// Closes the handle and returns its (now dead) value.
    fn raw_handle_after_drop(self) -> sys::zx_handle_t;
    /// Gives up ownership; the test closes the value itself.
    fn into_raw_handle(self) -> sys::zx_handle_t;
}

impl<T: HandleBased> RawAfterDrop for T {
    fn raw_handle_after_drop(self) -> sys::zx_handle_t {
        let value = self.raw_handle();
        drop(self);
        value
    }

    fn into_raw_handle(self) -> sys::zx_handle_t {
        self.into_handle().into_raw()
    }
}

#[test]
fn handle_invalid_owns_nothing_and_closes_nothing() {
    let s = serial();
    #[cfg(target_os = "linux")]
    let calls = vmo_interop::platform::host::thread_kernel_calls();
    let invalid = Handle::invalid();
    assert!(invalid.is_invalid());
    assert_eq!(invalid.basic_info().unwrap_err(), Status::BAD_HANDLE);
    drop(invalid);
    // basic_info is one call; dropping an invalid handle makes none (the host kernel counts
    // its calls; Zircon does not report them).
    #[cfg(target_os = "linux")]
    assert_eq!(
        vmo_interop::platform::host::thread_kernel_calls() - calls,
        1
    );
    s.assert_no_leaks();
}

#[test]
fn map_refuses_flags_that_vmar_flags_does_not_name() {
    // ZX_VM_SPECIFIC_OVERWRITE (1 << 5 of the placement bits) would let a mapping replace live
    // memory: the safe wrapper refuses any bit it does not name before the kernel sees it.
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    for raw in [sys::ZX_VM_SPECIFIC, sys::ZX_VM_SPECIFIC_OVERWRITE, 1 << 30] {
        let flags = VmarFlags::PERM_READ | VmarFlags::from_bits_retain(raw);
        assert_eq!(
            vmo.map(0, PAGE as usize, flags).unwrap_err(),
            Status::INVALID_ARGS,
            "{raw:#x}"
        );
    }
    drop(vmo);
    s.assert_no_leaks();
}
