//! Import: a VMO made elsewhere (here by this process, as a producer or sysmem would) becomes
//! device memory; the bytes written through the VMO are read through Vulkan. A failed import
//! hands the VMO back inside the error.
//!
//! Run with `cargo run --example import`.

mod common;

use ash::vk;
use vmo_interop::vk::AllocationInfo;
use vmo_interop::zx;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vulkan = common::Vulkan::new()?;
    let interop = vulkan.interop();

    let vmo = zx::Vmo::create(4096)?;
    vmo.write(b"hello from a VMO", 0)?;

    let host_visible =
        vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
    let memory = match interop.import_memory(
        vmo,
        &AllocationInfo::new().memory_properties(host_visible, vk::MemoryPropertyFlags::empty()),
    ) {
        Ok(memory) => memory,
        Err(error) => {
            eprintln!("import refused: {error}");
            let _vmo: zx::Vmo = error.into_vmo(); // still ours
            return Err("import failed".into());
        }
    };

    // SAFETY: host-visible memory of this device, mapped once and unmapped below.
    let bytes = unsafe {
        let ptr =
            interop
                .device()
                .map_memory(memory.as_raw(), 0, 16, vk::MemoryMapFlags::empty())?;
        let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), 16).to_vec();
        interop.device().unmap_memory(memory.as_raw());
        bytes
    };
    println!("Vulkan reads: {}", String::from_utf8_lossy(&bytes));
    assert_eq!(bytes, b"hello from a VMO");
    drop(memory);
    Ok(())
}
