//! The raw escape hatches: memory, buffers and images released with `into_raw` are plain
//! Vulkan handles that stay valid for as long as the application holds them, whatever happens to
//! the interops, and that the plain `vkFree*`/`vkDestroy*` commands release completely.

mod common;

use ash::vk;
use common::{live, read_mapped, transfer_buffer, write_mapped, Gpu};
use vmo_interop::vk::AllocationInfo;

/// Writes `bytes` at the start of host-visible `memory` and reads them back through a second
/// `vkMapMemory`.
fn write_and_read(gpu: &Gpu, memory: vk::DeviceMemory, bytes: &[u8]) -> Vec<u8> {
    write_mapped(gpu, memory, 0, bytes);
    read_mapped(gpu, memory, bytes.len())
}

#[test]
fn raw_memory_is_plain_device_memory_freed_with_vk_free_memory() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let mut gpu = Gpu::new();
        let interop = gpu.interop.take().unwrap();
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let raw = memory.into_raw();
        // Every interop gone: the memory is the application's, and still backed.
        drop(interop);
        assert_eq!(write_and_read(&gpu, raw, b"still mapped"), b"still mapped");
        // The driver's plain vkFreeMemory (through the layer) releases the backing too.
        // SAFETY: a live allocation of this device, freed once, unused by the GPU.
        unsafe { gpu.device.free_memory(raw, None) };
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn raw_imported_memory_is_freed_with_vk_free_memory() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = Gpu::new();
        let vmo = vmo_interop::zx::Vmo::create(4096).unwrap();
        let memory = gpu
            .interop()
            .import_memory(vmo, &AllocationInfo::new())
            .unwrap();
        let raw = memory.into_raw();
        assert_eq!(write_and_read(&gpu, raw, b"imported"), b"imported");
        // SAFETY: a live allocation of this device, freed once, unused by the GPU.
        unsafe { gpu.device.free_memory(raw, None) };
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn raw_buffers_and_images_are_destroyed_with_the_plain_commands() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let mut gpu = Gpu::new();
        let interop = gpu.interop.take().unwrap();
        let buffer = transfer_buffer(&interop, 4096);
        let info = common::image_info_16x16(
            vk::Format::R8G8B8A8_UNORM,
            vk::ImageTiling::LINEAR,
            vk::ImageUsageFlags::TRANSFER_DST,
        );
        // SAFETY: a valid create info without an external-memory structure.
        let image = unsafe { interop.create_image(&info) }.unwrap();
        let raw_buffer = buffer.into_raw();
        let raw_image = image.into_raw();
        drop(interop);
        // SAFETY: released by `into_raw`, destroyed once with the plain commands, unused by the
        // GPU.
        unsafe {
            gpu.device.destroy_buffer(raw_buffer, None);
            gpu.device.destroy_image(raw_image, None);
        }
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}
