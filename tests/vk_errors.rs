//! Every import and export failure on a real driver: each names its VUID, hands the VMO back
//! untouched, and leaves no handle, VMO, mapping or device memory behind.

mod common;

#[path = "vk_errors/allocation.rs"]
mod allocation;
#[path = "vk_errors/dedicated.rs"]
mod dedicated;
#[path = "vk_errors/export.rs"]
mod export;
#[path = "vk_errors/handles.rs"]
mod handles;
#[path = "vk_errors/implementation_refusals.rs"]
mod implementation_refusals;

use ash::vk;
use common::{leak_checked, live, transfer_buffer};
use vmo_interop::external_memory::{DedicatedMismatch, ResourceKind};
use vmo_interop::vk::{
    AllocateError, AllocationInfo, ExportError, ImportError, ImportErrorKind, Interop, Resource,
    ValidationError,
};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

fn vmo(size: u64) -> (zx::Vmo, zx::Koid) {
    let vmo = zx::Vmo::create(size).unwrap();
    let koid = vmo.get_koid().unwrap();
    (vmo, koid)
}

/// Imports `vmo` with `info`, which breaks the rule `vuid`: checks the refusal as
/// [`expect_validation`] does and returns the rule and the import error's message.
fn refused_import(
    interop: &Interop,
    vmo: zx::Vmo,
    info: &AllocationInfo<'_>,
    vuid: &str,
) -> (ValidationError, String) {
    let koid = vmo.get_koid().unwrap();
    let err = interop.import_memory(vmo, info).unwrap_err();
    let message = err.to_string();
    (expect_validation(err, koid, vuid), message)
}

/// Checks that `err` is a validation error naming `vuid` in its message and `source()`, and that
/// it hands back the VMO of `koid`; returns the rule that was broken.
fn expect_validation(err: ImportError, koid: zx::Koid, vuid: &str) -> ValidationError {
    assert_eq!(err.vuid(), Some(vuid), "{err}");
    assert!(
        err.to_string().contains(vuid),
        "message names the VUID: {err}"
    );
    assert_eq!(
        err.vmo().get_koid().unwrap(),
        koid,
        "the VMO comes back untouched"
    );
    let source = std::error::Error::source(&err).expect("source() is the rule that was broken");
    assert!(
        source.downcast_ref::<ValidationError>().is_some(),
        "source() is the ValidationError: {source:?}"
    );
    match err.into_parts() {
        (ImportErrorKind::Validation(error), vmo) => {
            assert_eq!(vmo.get_koid().unwrap(), koid);
            error
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}
