// A VMO given to `import_memory` is the import's: on success Vulkan owns it, on failure the
// error hands it back (`ImportError::into_vmo`); the caller's binding is gone either way.
use vmo_interop::vk::{AllocationInfo, Interop};
use vmo_interop::zx::Vmo;

fn import(interop: &Interop, vmo: Vmo) {
    let _ = interop.import_memory(vmo, &AllocationInfo::new());
    let _ = vmo.get_size();
}

fn main() {}
