//! The raw escape hatches: memory, buffers and images released with `into_raw` stay valid for
//! as long as the application holds them, whatever happens to the interop clones around them.

mod common;

use ash::vk;
use common::{live, transfer_buffer, Gpu};
use vmo_interop::vk::AllocationInfo;

/// Writes `bytes` at the start of host-visible `memory` and reads them back through a second
/// `vkMapMemory`.
fn write_and_read(gpu: &Gpu, memory: vk::DeviceMemory, bytes: &[u8]) -> Vec<u8> {
    // SAFETY: the memory is host-visible (every type the host implementation uses is) and not
    // mapped elsewhere; the ranges lie within the allocation.
    unsafe {
        let ptr = gpu
            .device
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap();
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.cast::<u8>(), bytes.len());
        gpu.device.unmap_memory(memory);
        let ptr = gpu
            .device
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap();
        let read = std::slice::from_raw_parts(ptr.cast::<u8>(), bytes.len()).to_vec();
        gpu.device.unmap_memory(memory);
        read
    }
}

#[test]
fn raw_memory_comes_with_the_interop_that_frees_it() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let mut gpu = Gpu::new();
        let interop = gpu.interop.take().unwrap();
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let (raw, owner) = memory.into_raw();
        assert!(owner.same_device(&interop));
        // The returned interop is the only one left: the backing must survive the others.
        drop(interop);
        assert_eq!(write_and_read(&gpu, raw, b"still mapped"), b"still mapped");
        // SAFETY: released by `into_raw` of this interop, freed once, unused by the GPU.
        unsafe { owner.free_memory(raw) };
        drop(owner);
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn raw_memory_outliving_every_interop_stays_mapped_and_leaks_only_its_backing() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let mut gpu = Gpu::new();
        let interop = gpu.interop.take().unwrap();
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let (raw, owner) = memory.into_raw();
        // Misuse: every interop dropped while the raw memory lives. The host implementation
        // must not unmap what the driver's memory still imports.
        drop((interop, owner));
        assert_eq!(write_and_read(&gpu, raw, b"no dangling"), b"no dangling");
        // With no interop left, only the driver's own vkFreeMemory is possible: the
        // implementation's VMO and mapping for this memory leak, as documented.
        // SAFETY: a live allocation of this device, unused by the GPU.
        unsafe { gpu.device.free_memory(raw, None) };
    }
    let (handles, vmos, mappings) = before;
    assert_eq!(
        live(),
        (handles + 1, vmos + 1, mappings + 1),
        "exactly the backing of the lost memory leaks: one VMO handle, its VMO, one mapping"
    );
}

#[test]
fn raw_buffers_and_images_come_with_their_interop() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let mut gpu = Gpu::new();
        let interop = gpu.interop.take().unwrap();
        let buffer = transfer_buffer(&interop, 4096);
        let info = vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(vk::Format::R8G8B8A8_UNORM)
            .extent(vk::Extent3D {
                width: 16,
                height: 16,
                depth: 1,
            })
            .mip_levels(1)
            .array_layers(1)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(vk::ImageTiling::LINEAR)
            .usage(vk::ImageUsageFlags::TRANSFER_DST)
            .initial_layout(vk::ImageLayout::UNDEFINED);
        // SAFETY: a valid create info without an external-memory structure.
        let image = unsafe { interop.create_image(&info) }.unwrap();
        let (raw_buffer, buffer_owner) = buffer.into_raw();
        let (raw_image, image_owner) = image.into_raw();
        assert!(buffer_owner.same_device(&interop) && image_owner.same_device(&interop));
        drop(interop);
        // SAFETY: released by `into_raw` of these interops, destroyed once, unused by the GPU.
        unsafe {
            buffer_owner.destroy_buffer(raw_buffer);
            image_owner.destroy_image(raw_image);
        }
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}
