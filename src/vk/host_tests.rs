//! Unit tests of `src/vk` that need the host platform: a real Vulkan device (lavapipe through
//! the host Vulkan layer) and the host kernel's counters, and that reach crate-private seams
//! (rules no available driver triggers by itself). The Fuchsia build leaves them out; the
//! integration suites in `tests/` cover the public API on every platform.

mod memory {
    // Unit tests that need a real Vulkan device (lavapipe on the host) and reach crate-private
    // seams: rules no available driver triggers by itself.

    use ash::vk;

    use crate::vk::{
        required_device_extensions, AllocateError, AllocationInfo, ImportErrorKind, Interop,
        Resource,
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
            // The loader with the host Vulkan layer above it; the entry outlives the instance
            // (dropped last, after `destroy_instance`).
            let entry = crate::platform::vulkan_entry().expect("a Vulkan loader (lavapipe)");
            let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_1);
            let instance_info = vk::InstanceCreateInfo::default().application_info(&app);
            // SAFETY: a valid create info built with ash's builders; destroyed in Drop.
            let instance =
                unsafe { entry.create_instance(&instance_info, None) }.expect("vkCreateInstance");
            // SAFETY: `instance` is live.
            let physical_device =
                unsafe { instance.enumerate_physical_devices() }.expect("devices")[0];
            let priorities = [1.0f32];
            let queues = [vk::DeviceQueueCreateInfo::default()
                .queue_family_index(0)
                .queue_priorities(&priorities)];
            let extensions: Vec<_> = required_device_extensions()
                .iter()
                .map(|e| e.as_ptr())
                .collect();
            let device_info = vk::DeviceCreateInfo::default()
                .queue_create_infos(&queues)
                .enabled_extension_names(&extensions);
            // SAFETY: `physical_device` is of `instance`; the create info is built with ash's
            // builders from live locals and queue family 0 exists; destroyed in Drop, before the
            // instance.
            let device = unsafe { instance.create_device(physical_device, &device_info, None) }
                .expect("vkCreateDevice");
            // SAFETY: `instance` asked for API 1.1; `device` was created from `physical_device`,
            // of `instance`; both outlive the interop, which Drop drops first.
            let interop =
                unsafe { Interop::new(&instance, physical_device, &device) }.expect("interop");
            Self {
                interop: Some(interop),
                device,
                instance,
                _entry: entry,
            }
        }

        fn interop(&self) -> &Interop {
            self.interop.as_ref().expect("interop")
        }
    }

    impl Drop for TestDevice {
        fn drop(&mut self) {
            self.interop = None;
            // SAFETY: everything made from the device is gone (tests drop it first, and the
            // interop just above); it was created without allocation callbacks.
            unsafe { self.device.destroy_device(None) };
            // SAFETY: its only device was destroyed just above; created without callbacks.
            unsafe { self.instance.destroy_instance(None) };
        }
    }

    #[test]
    fn suballocating_for_a_resource_that_requires_dedicated_is_refused_before_vulkan() {
        let _lock = crate::platform::host::counters_lock();
        let before = crate::platform::host::counters();
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
                .allocate_exportable_memory(
                    &AllocationInfo::new().resource(Resource::Buffer(&buffer)),
                )
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
            let ImportErrorKind::Validation(_) = err.kind() else {
                panic!("expected a validation error, got {err:?}");
            };
            let vmo = err.into_vmo();
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
        let after = crate::platform::host::counters();
        assert_eq!(
            (after.live_handles, after.live_vmos, after.live_mappings),
            (before.live_handles, before.live_vmos, before.live_mappings),
            "handles, VMOs or mappings leaked"
        );
    }
}

mod import {
    use crate::vk::import::close_if_still_ours;
    use crate::zx::{self, AsHandleRef, HandleBased};

    fn live_handles() -> u64 {
        crate::platform::host::counters().live_handles
    }

    #[test]
    fn a_failed_imports_duplicate_is_closed_only_while_it_still_names_the_vmo() {
        let _lock = crate::platform::host::counters_lock();
        let before = live_handles();
        let vmo = zx::Vmo::create(4096).unwrap();
        let koid = vmo.get_koid().unwrap();

        // Not consumed by the driver: closed.
        let duplicate = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS).unwrap();
        let raw = duplicate.into_handle().into_raw();
        assert_eq!(live_handles(), before + 2);
        close_if_still_ours(raw, koid);
        assert_eq!(live_handles(), before + 1, "the duplicate was closed");

        // Consumed (closed) by the driver: nothing to close, the value is left alone.
        let duplicate = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS).unwrap();
        let raw = duplicate.into_handle().into_raw();
        // SAFETY: plays the driver that closes the value it was given.
        drop(unsafe { zx::Handle::from_raw(raw) });
        close_if_still_ours(raw, koid);
        assert_eq!(live_handles(), before + 1);

        // The value now names another object (as a reissued value would): not ours to close.
        let other = zx::Vmo::create(4096).unwrap();
        close_if_still_ours(other.raw_handle(), koid);
        assert!(
            other.basic_info().is_ok(),
            "the other VMO's handle is still open"
        );
        assert_eq!(live_handles(), before + 2);
        drop((other, vmo));
        assert_eq!(live_handles(), before);
    }
}
