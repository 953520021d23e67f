//! Unit tests that need a real Vulkan device (lavapipe on the host) and reach crate-private
//! seams: rules no available driver triggers by itself.

use ash::vk;

use super::{
    required_device_extensions, AllocateError, AllocationInfo, ImportError, Interop, Resource,
};
use crate::zx::{self, AsHandleRef};

/// An instance and a device with the interop's extensions (no layers); destroyed on drop,
/// after the interop.
struct TestDevice {
    interop: Option<Interop>,
    device: ash::Device,
    instance: ash::Instance,
    _entry: ash::Entry,
}

impl TestDevice {
    fn new() -> Self {
        // SAFETY: loader, instance and device creation with valid structures; destroyed in
        // Drop in reverse order.
        unsafe {
            let entry = ash::Entry::load().expect("a Vulkan loader (lavapipe)");
            let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_1);
            let instance = entry
                .create_instance(
                    &vk::InstanceCreateInfo::default().application_info(&app),
                    None,
                )
                .expect("vkCreateInstance");
            let physical_device = instance.enumerate_physical_devices().expect("devices")[0];
            let priorities = [1.0f32];
            let queues = [vk::DeviceQueueCreateInfo::default()
                .queue_family_index(0)
                .queue_priorities(&priorities)];
            let extensions: Vec<_> = required_device_extensions()
                .iter()
                .map(|e| e.as_ptr())
                .collect();
            let device = instance
                .create_device(
                    physical_device,
                    &vk::DeviceCreateInfo::default()
                        .queue_create_infos(&queues)
                        .enabled_extension_names(&extensions),
                    None,
                )
                .expect("vkCreateDevice");
            let interop = Interop::new(&instance, physical_device, &device).expect("interop");
            Self {
                interop: Some(interop),
                device,
                instance,
                _entry: entry,
            }
        }
    }

    fn interop(&self) -> &Interop {
        self.interop.as_ref().expect("interop")
    }
}

impl Drop for TestDevice {
    fn drop(&mut self) {
        self.interop = None;
        // SAFETY: everything made from the device is gone (tests drop it first).
        unsafe {
            self.device.destroy_device(None);
            self.instance.destroy_instance(None);
        }
    }
}

#[test]
fn suballocating_for_a_resource_that_requires_dedicated_is_refused_before_vulkan() {
    let _lock = zx::host::counters_lock();
    let before = zx::host::counters();
    {
        let device = TestDevice::new();
        let interop = device.interop();
        let info = vk::BufferCreateInfo::default()
            .size(4096)
            .usage(vk::BufferUsageFlags::TRANSFER_DST);
        // SAFETY: a valid create info without an external-memory structure.
        let mut buffer = unsafe { interop.create_buffer(&info) }.expect("buffer");
        buffer.set_requires_dedicated(true);

        let err = interop
            .allocate_exportable_memory(&AllocationInfo::new().resource(Resource::Buffer(&buffer)))
            .expect_err("suballocated export for a dedicated-only buffer");
        let AllocateError::Validation(error) = err else {
            panic!("expected a validation error, got {err:?}");
        };
        assert_eq!(error.vuid(), Some("VUID-vkBindBufferMemory-buffer-01444"));
        assert!(
            error
                .to_string()
                .contains("VUID-VkMemoryAllocateInfo-pNext-00639"),
            "{error}"
        );

        let vmo = zx::Vmo::create(4096).expect("vmo");
        let koid = vmo.get_koid().expect("koid");
        let err = interop
            .import_memory(
                vmo,
                &AllocationInfo::new().resource(Resource::Buffer(&buffer)),
            )
            .expect_err("suballocated import for a dedicated-only buffer");
        assert_eq!(err.vuid(), Some("VUID-vkBindBufferMemory-buffer-01444"));
        let ImportError::Validation { vmo, .. } = err else {
            panic!("expected a validation error, got {err:?}");
        };
        assert_eq!(vmo.get_koid(), Ok(koid), "the VMO comes back");
        drop(vmo);

        // The same for an image.
        let image_info = vk::ImageCreateInfo::default()
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
        let mut image = unsafe { interop.create_image(&image_info) }.expect("image");
        image.set_requires_dedicated(true);
        let vmo = zx::Vmo::create(image.requirements().memory.size).expect("vmo");
        let err = interop
            .import_memory(
                vmo,
                &AllocationInfo::new().resource(Resource::Image(&image)),
            )
            .expect_err("suballocated import for a dedicated-only image");
        assert_eq!(err.vuid(), Some("VUID-vkBindImageMemory-image-01445"));
        drop((err, image));

        // The dedicated form of the same request is accepted.
        let memory = interop
            .allocate_exportable_memory(
                &AllocationInfo::new().resource(Resource::DedicatedBuffer(&buffer)),
            )
            .expect("a dedicated allocation");
        drop((memory, buffer));
    }
    let after = zx::host::counters();
    assert_eq!(
        (after.live_handles, after.live_vmos, after.live_mappings),
        (before.live_handles, before.live_vmos, before.live_mappings),
        "handles, VMOs or mappings leaked"
    );
}
