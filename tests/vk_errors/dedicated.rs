//! Dedicated allocations: an import needs an identical dedicated exporter; disjoint images are
//! refused before Vulkan.

use super::*;

fn dedicated_buffer(
    interop: &Interop,
    size: u64,
    usage: vk::BufferUsageFlags,
) -> vmo_interop::vk::Buffer {
    let info = vk::BufferCreateInfo::default()
        .size(size)
        .usage(usage)
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    // SAFETY: a valid create info without an external-memory structure.
    unsafe { interop.create_buffer(&info) }.unwrap()
}

fn image_16x16(interop: &Interop) -> vmo_interop::vk::Image {
    let info = common::image_info_16x16(
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageTiling::LINEAR,
        vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC,
    );
    // SAFETY: a valid create info without an external-memory structure.
    unsafe { interop.create_image(&info) }.unwrap()
}

#[test]
fn dedicated_imports_need_an_identical_dedicated_exporter() {
    leak_checked(|_, interop| {
        let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
        let exporter_buffer = dedicated_buffer(interop, 4096, usage);
        let exporter = interop
            .allocate_exportable_memory(
                &AllocationInfo::new().resource(Resource::DedicatedBuffer(&exporter_buffer)),
            )
            .unwrap();
        let export = || {
            interop
                .get_memory_zircon_handle(&exporter, zx::Rights::SAME_RIGHTS)
                .unwrap()
        };

        // An identical buffer: accepted.
        let twin = dedicated_buffer(interop, 4096, usage);
        let imported = interop
            .import_memory(
                export(),
                &AllocationInfo::new().resource(Resource::DedicatedBuffer(&twin)),
            )
            .unwrap();
        drop(imported);

        // Other creation parameters.
        let other = dedicated_buffer(interop, 4096, vk::BufferUsageFlags::TRANSFER_DST);
        let (source, _) = refused_import(
            interop,
            export(),
            &AllocationInfo::new().resource(Resource::DedicatedBuffer(&other)),
            "VUID-VkMemoryDedicatedAllocateInfo-buffer-04752",
        );
        assert!(matches!(
            source,
            ValidationError::DedicatedImportMismatch {
                reason: DedicatedMismatch::NotIdentical,
                ..
            }
        ));

        // An image importing buffer-dedicated memory.
        let image = image_16x16(interop);
        if image.requirements().memory.size <= 4096 {
            let (source, _) = refused_import(
                interop,
                export(),
                &AllocationInfo::new().resource(Resource::DedicatedImage(&image)),
                "VUID-VkMemoryDedicatedAllocateInfo-image-04751",
            );
            assert!(matches!(
                source,
                ValidationError::DedicatedImportMismatch {
                    resource: ResourceKind::Image,
                    reason: DedicatedMismatch::OtherKind(ResourceKind::Buffer),
                    ..
                }
            ));
        }

        // A dedicated import of memory that was not exported dedicated.
        let plain = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let (source, _) = refused_import(
            interop,
            interop
                .get_memory_zircon_handle(&plain, zx::Rights::SAME_RIGHTS)
                .unwrap(),
            &AllocationInfo::new().resource(Resource::DedicatedBuffer(&twin)),
            "VUID-VkMemoryDedicatedAllocateInfo-buffer-04752",
        );
        assert!(matches!(
            source,
            ValidationError::DedicatedImportMismatch {
                reason: DedicatedMismatch::ExporterNotDedicated,
                ..
            }
        ));

        // A dedicated size other than the requirements size.
        let size = twin.requirements().memory.size;
        refused_import(
            interop,
            export(),
            &AllocationInfo::new()
                .allocation_size(size - 1)
                .resource(Resource::DedicatedBuffer(&twin)),
            "VUID-VkMemoryDedicatedAllocateInfo-buffer-02965",
        );
        drop((plain, exporter, exporter_buffer, twin, other, image));
    });
}

#[test]
fn disjoint_images_are_refused_before_vulkan() {
    leak_checked(|_, interop| {
        let info = common::image_info_16x16(
            vk::Format::G8_B8R8_2PLANE_420_UNORM,
            vk::ImageTiling::OPTIMAL,
            vk::ImageUsageFlags::SAMPLED,
        )
        .flags(vk::ImageCreateFlags::DISJOINT);
        // SAFETY: a create info valid for a device with sampler YCbCr conversion; refused before
        // Vulkan sees it (the harness asserts the layer saw nothing).
        let err = unsafe { interop.create_image(&info) }.unwrap_err();
        match err {
            AllocateError::Validation(e) => {
                assert_eq!(e, ValidationError::DisjointImage);
                assert_eq!(
                    e.vuid(),
                    Some("VUID-VkImageMemoryRequirementsInfo2-image-01589")
                );
                assert!(e.to_string().contains("without DISJOINT"), "{e}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    });
}
