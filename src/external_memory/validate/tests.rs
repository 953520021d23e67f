//! The validation core's rules, checked on the memory types of real drivers.

use super::*;
use crate::external_memory::memory_type::tests::{lavapipe, nvidia};

type F = vk::MemoryPropertyFlags;
const Z: ExternalHandleType = ExternalHandleType::ZirconVmo;

fn masks(handle_bits: u32, resource: Option<(ResourceKind, u32)>) -> MemoryTypeMasks {
    MemoryTypeMasks {
        handle_type: Z,
        direction: Direction::Import,
        handle_bits,
        resource,
    }
}

#[test]
fn allocation_size_rules() {
    assert_eq!(validate_allocation_size(Z, 4096, 4096), Ok(()));
    assert_eq!(validate_allocation_size(Z, 1, 4096), Ok(()));
    let zero = validate_allocation_size(Z, 0, 4096).unwrap_err();
    assert_eq!(zero, ValidationError::AllocationSizeZero { handle_type: Z });
    assert_eq!(
        zero.vuid(),
        Some("VUID-VkMemoryAllocateInfo-allocationSize-07902")
    );
    assert!(zero.to_string().contains("07902"));
    let big = validate_allocation_size(Z, 8192, 4096).unwrap_err();
    assert_eq!(
        big.vuid(),
        Some("VUID-VkMemoryAllocateInfo-allocationSize-07903")
    );
    assert!(big.to_string().contains("8192"), "{big}");
    assert!(big.to_string().contains("4096"), "{big}");
}

#[test]
fn export_size_zero_names_07899() {
    let e = ValidationError::ExportAllocationSizeZero { handle_type: Z };
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryAllocateInfo-allocationSize-07899")
    );
    assert!(e.to_string().contains("07899"), "{e}");
}

#[test]
fn metal_sizes_name_no_zircon_vuid() {
    let e = validate_allocation_size(ExternalHandleType::MtlBuffer, 0, 16).unwrap_err();
    assert_eq!(e.vuid(), None);
    assert!(e.to_string().contains("no VUID"));
}

#[test]
fn suballocating_for_a_resource_that_requires_dedicated_names_the_bind_vuids() {
    for direction in [Direction::Import, Direction::Export] {
        assert_eq!(
            validate_suballocation(ResourceKind::Buffer, false, direction),
            Ok(())
        );
        let e = validate_suballocation(ResourceKind::Buffer, true, direction).unwrap_err();
        assert_eq!(e.vuid(), Some("VUID-vkBindBufferMemory-buffer-01444"));
        assert!(e.to_string().contains("01444"), "{e}");
        assert!(e.to_string().contains("Resource::DedicatedBuffer"), "{e}");
        let e = validate_suballocation(ResourceKind::Image, true, direction).unwrap_err();
        assert_eq!(e.vuid(), Some("VUID-vkBindImageMemory-image-01445"));
        assert!(e.to_string().contains("Resource::DedicatedImage"), "{e}");
        assert_eq!(
            e.to_string()
                .contains("VUID-VkMemoryAllocateInfo-pNext-00639"),
            direction == Direction::Export,
            "{e}"
        );
    }
}

#[test]
fn a_handle_without_memory_types_and_disjoint_images_name_their_vuids() {
    let e = ValidationError::HandleNotImportable { handle_type: Z };
    assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-None-04749"));
    assert!(e.to_string().contains("RESIZABLE"), "{e}");
    let e = ValidationError::DisjointImage;
    assert_eq!(
        e.vuid(),
        Some("VUID-VkImageMemoryRequirementsInfo2-image-01589")
    );
    assert!(e.to_string().contains("DISJOINT"), "{e}");
}

#[test]
fn dedicated_size_must_equal() {
    assert_eq!(
        validate_dedicated_size(ResourceKind::Buffer, 64, 64),
        Ok(())
    );
    let e = validate_dedicated_size(ResourceKind::Buffer, 4096, 64).unwrap_err();
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-02965")
    );
    let e = validate_dedicated_size(ResourceKind::Image, 1, 64).unwrap_err();
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryDedicatedAllocateInfo-image-02964")
    );
}

#[test]
fn index_out_of_range() {
    let e =
        select_memory_type(&lavapipe(), MemoryTypeRequest::Index(1), masks(1, None)).unwrap_err();
    assert_eq!(
        e,
        ValidationError::MemoryTypeIndexOutOfRange {
            memory_type_index: 1,
            memory_type_count: 1
        }
    );
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714")
    );
}

#[test]
fn nvidia_device_local_index_rejected_with_04749() {
    let e = select_memory_type(
        &nvidia(),
        MemoryTypeRequest::Index(1),
        masks(0b1100, Some((ResourceKind::Buffer, 0b1111))),
    )
    .unwrap_err();
    assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-None-04749"));
    let msg = e.to_string();
    assert!(msg.contains("0b1100") && msg.contains("0b1111"), "{msg}");
}

#[test]
fn nvidia_device_local_flags_rejected_with_04749() {
    let request = MemoryTypeRequest::Properties {
        required: F::DEVICE_LOCAL,
        preferred: F::empty(),
    };
    let e = select_memory_type(
        &nvidia(),
        request,
        masks(0b1100, Some((ResourceKind::Buffer, 0b1111))),
    )
    .unwrap_err();
    assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-None-04749"));
    assert!(e.to_string().contains("DEVICE_LOCAL"), "{e}");
}

#[test]
fn index_not_in_requirements() {
    let e = select_memory_type(
        &nvidia(),
        MemoryTypeRequest::Index(3),
        masks(0b1100, Some((ResourceKind::Image, 0b0111))),
    )
    .unwrap_err();
    assert_eq!(e.vuid(), Some("VUID-vkBindImageMemory-memory-01047"));
    let e = select_memory_type(
        &lavapipe(),
        MemoryTypeRequest::Index(0),
        masks(1, Some((ResourceKind::Buffer, 0))),
    )
    .unwrap_err();
    assert_eq!(e.vuid(), Some("VUID-vkBindBufferMemory-memory-01035"));
}

#[test]
fn flags_not_in_requirements() {
    let request = MemoryTypeRequest::Properties {
        required: F::HOST_CACHED,
        preferred: F::empty(),
    };
    let e = select_memory_type(
        &nvidia(),
        request,
        masks(0b1100, Some((ResourceKind::Buffer, 0b0111))),
    )
    .unwrap_err();
    assert_eq!(e.vuid(), Some("VUID-vkBindBufferMemory-memory-01035"));
}

#[test]
fn flags_no_type_at_all() {
    let request = MemoryTypeRequest::Properties {
        required: F::PROTECTED,
        preferred: F::empty(),
    };
    let e = select_memory_type(&nvidia(), request, masks(0b1100, None)).unwrap_err();
    assert!(matches!(e, ValidationError::NoMemoryTypeWithFlags { .. }));
    assert_eq!(e.vuid(), None);
}

#[test]
fn zero_handle_bits_reject_everything_with_04749() {
    let e =
        select_memory_type(&lavapipe(), MemoryTypeRequest::default(), masks(0, None)).unwrap_err();
    assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-None-04749"));
}

#[test]
fn chooses_from_the_intersection() {
    let got = select_memory_type(
        &nvidia(),
        MemoryTypeRequest::default(),
        masks(0b1100, Some((ResourceKind::Buffer, 0b1111))),
    );
    assert_eq!(got, Ok(2));
    let got = select_memory_type(&lavapipe(), MemoryTypeRequest::Index(0), masks(1, None));
    assert_eq!(got, Ok(0));
}

#[test]
fn export_allocation_outside_exportable_types() {
    let m = MemoryTypeMasks {
        handle_type: Z,
        direction: Direction::Export,
        handle_bits: 0b1100,
        resource: None,
    };
    let e = select_memory_type(&nvidia(), MemoryTypeRequest::Index(1), m).unwrap_err();
    assert!(matches!(
        e,
        ValidationError::MemoryTypeNotExportable {
            exportable_bits: 0b1100,
            ..
        }
    ));
    assert_eq!(e.vuid(), None);
    assert_eq!(
        select_memory_type(&nvidia(), MemoryTypeRequest::Index(3), m),
        Ok(3)
    );
}

fn buffer(size: u64) -> ResourceDescription {
    let info = vk::BufferCreateInfo::default()
        .size(size)
        .usage(vk::BufferUsageFlags::TRANSFER_DST);
    // SAFETY: built with ash's builder.
    unsafe { ResourceDescription::buffer(&info, Z.to_vk()) }
}

fn image() -> ResourceDescription {
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
        .samples(vk::SampleCountFlags::TYPE_1);
    // SAFETY: built with ash's builder.
    unsafe { ResourceDescription::image(&info, Z.to_vk()) }
}

#[test]
fn dedicated_import_rules() {
    let b = buffer(64);
    let ok = |imp: Option<&ResourceDescription>, kind, exp: &ExportedDedication| {
        validate_dedicated_import(Z, kind, imp, exp)
    };
    assert_eq!(
        ok(Some(&b), ResourceKind::Buffer, &ExportedDedication::Unknown),
        Ok(())
    );
    assert_eq!(
        ok(
            Some(&b),
            ResourceKind::Buffer,
            &ExportedDedication::Dedicated(buffer(64))
        ),
        Ok(())
    );
    let e = ok(
        Some(&b),
        ResourceKind::Buffer,
        &ExportedDedication::NotDedicated,
    )
    .unwrap_err();
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-04752")
    );
    let e = ok(
        Some(&b),
        ResourceKind::Buffer,
        &ExportedDedication::Dedicated(buffer(128)),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        ValidationError::DedicatedImportMismatch {
            reason: DedicatedMismatch::NotIdentical,
            ..
        }
    ));
    let e = ok(
        Some(&image()),
        ResourceKind::Image,
        &ExportedDedication::Dedicated(buffer(64)),
    )
    .unwrap_err();
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryDedicatedAllocateInfo-image-04751")
    );
    assert!(
        e.to_string().contains("dedicated to a buffer instead"),
        "{e}"
    );
}

#[test]
fn queue_families_only_for_concurrent() {
    let families = [0u32, 1];
    let info = vk::BufferCreateInfo::default()
        .size(4)
        .sharing_mode(vk::SharingMode::CONCURRENT)
        .queue_family_indices(&families);
    // SAFETY: built with ash's builder from `families`, which outlives the call.
    let ResourceDescription::Buffer(d) = (unsafe { ResourceDescription::buffer(&info, Z.to_vk()) })
    else {
        panic!("buffer described as an image");
    };
    assert_eq!(d.queue_family_indices, vec![0, 1]);
    let info = info.sharing_mode(vk::SharingMode::EXCLUSIVE);
    // SAFETY: built with ash's builder from `families`, which outlives the call.
    let ResourceDescription::Buffer(d) = (unsafe { ResourceDescription::buffer(&info, Z.to_vk()) })
    else {
        panic!("buffer described as an image");
    };
    assert!(d.queue_family_indices.is_empty());
}
