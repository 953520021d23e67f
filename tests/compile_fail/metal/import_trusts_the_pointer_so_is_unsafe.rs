// `import_memory` takes an untyped pointer it cannot check is a live Metal object: unsafe.
use core::ffi::c_void;
use core::ptr::NonNull;
use vmo_interop::metal::{Device, ImportRequest};

fn import(device: &Device, object: NonNull<c_void>, request: &ImportRequest) {
    let _ = device.import_memory(object, request);
}

fn main() {}
