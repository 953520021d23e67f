// An `AllocationInfo` naming a dedicated buffer borrows it: the buffer cannot be destroyed
// (dropped) while the info that names it is still to be used.
use vmo_interop::vk::{AllocationInfo, Interop, Resource};

fn allocate(interop: &Interop, info: &ash::vk::BufferCreateInfo<'_>) {
    let allocation;
    {
        // SAFETY: not run; this file must fail to compile.
        let buffer = unsafe { interop.create_buffer(info) }.unwrap();
        allocation = AllocationInfo::new().resource(Resource::DedicatedBuffer(&buffer));
    }
    let _ = interop.allocate_exportable_memory(&allocation);
}

fn main() {}
