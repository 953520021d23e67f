//! Resources of another device: memory for (or dedicated to) a buffer or image created on
//! another `VkDevice` is refused before Vulkan sees it, on export and on import, by the library
//! (naming VUID-VkMemoryDedicatedAllocateInfo-commonparent or the bind rule) and by the host
//! layer for raw callers; a refused import hands the VMO back.

mod common;

use ash::vk;
use common::{live, transfer_buffer, Gpu, GpuOptions};
use vmo_interop::vk::{AllocateError, AllocationInfo, ImportErrorKind, Resource, ValidationError};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;

#[test]
fn the_library_refuses_resources_of_another_device() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = Gpu::new();
        let other = gpu.second_device();
        let interop = gpu.interop();
        let foreign = transfer_buffer(other.interop(), 4096);
        for (resource, dedicated, vuid) in [
            (
                Resource::DedicatedBuffer(&foreign),
                true,
                "VUID-VkMemoryDedicatedAllocateInfo-commonparent",
            ),
            (
                Resource::Buffer(&foreign),
                false,
                "VUID-vkBindBufferMemory-memory-parent",
            ),
        ] {
            let info = AllocationInfo::new().resource(resource);
            let err = interop.allocate_exportable_memory(&info).unwrap_err();
            let AllocateError::Validation(error) = &err else {
                panic!("expected a validation error, got {err:?}");
            };
            assert_eq!(
                *error,
                ValidationError::ResourceOfAnotherDevice {
                    resource: vmo_interop::external_memory::ResourceKind::Buffer,
                    dedicated,
                }
            );
            assert_eq!(error.vuid(), Some(vuid));
            assert!(err.to_string().contains(vuid), "{err}");

            let vmo = zx::Vmo::create(4096).unwrap();
            let koid = vmo.get_koid().unwrap();
            let err = interop.import_memory(vmo, &info).unwrap_err();
            assert_eq!(err.vuid(), Some(vuid), "{err}");
            let ImportErrorKind::Validation(_) = err.kind() else {
                panic!("expected a validation error, got {err:?}");
            };
            let vmo = err.into_vmo();
            assert_eq!(vmo.get_koid().unwrap(), koid, "the VMO comes back");
        }
        // The other device's own interop takes its buffer.
        let memory = other
            .interop()
            .allocate_exportable_memory(
                &AllocationInfo::new().resource(Resource::DedicatedBuffer(&foreign)),
            )
            .unwrap();
        drop((memory, foreign));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn the_layer_refuses_a_raw_dedicated_allocation_for_another_devices_buffer() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = Gpu::with(GpuOptions {
            interop: false,
            ..GpuOptions::default()
        });
        let other = gpu.second_device();
        let mut external = vk::ExternalMemoryBufferCreateInfo::default().handle_types(ZIRCON_VMO);
        let info = vk::BufferCreateInfo::default()
            .size(4096)
            .usage(vk::BufferUsageFlags::TRANSFER_DST)
            .push_next(&mut external);
        // SAFETY: a valid create info on the other device; destroyed below.
        let foreign = unsafe { other.device.create_buffer(&info, None) }.unwrap();
        let memory_type = other
            .interop()
            .exportable_memory_type_bits()
            .trailing_zeros();

        let vmo = zx::Vmo::create(4096).unwrap();
        let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
            .handle_type(ZIRCON_VMO)
            .handle(vmo.raw_handle());
        let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().buffer(foreign);
        let allocate = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .memory_type_index(memory_type)
            .push_next(&mut import)
            .push_next(&mut dedicated);
        // SAFETY: invalid on purpose (the buffer is another device's); nothing is allocated.
        let result = unsafe { gpu.device.allocate_memory(&allocate, None) };
        assert_eq!(result, Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE));
        assert!(vmo.basic_info().is_ok(), "the handle is still ours");

        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(ZIRCON_VMO);
        let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().buffer(foreign);
        let allocate = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .memory_type_index(memory_type)
            .push_next(&mut export)
            .push_next(&mut dedicated);
        // SAFETY: as above.
        let result = unsafe { gpu.device.allocate_memory(&allocate, None) };
        assert_eq!(result, Err(vk::Result::ERROR_VALIDATION_FAILED_EXT));
        // SAFETY: unused, destroyed once on its own device.
        unsafe { other.device.destroy_buffer(foreign, None) };
        drop(vmo.into_handle());
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}
