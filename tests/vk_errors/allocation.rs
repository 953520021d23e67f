//! Allocation sizes and memory types: zero, too large, the memory-type rules, and an exportable
//! allocation without a size.

use super::*;

#[test]
fn allocation_size_zero_and_too_large() {
    leak_checked(|_, interop| {
        let (source, _) = refused_import(
            interop,
            vmo(8192).0,
            &AllocationInfo::new().allocation_size(0),
            "VUID-VkMemoryAllocateInfo-allocationSize-07902",
        );
        assert!(matches!(source, ValidationError::AllocationSizeZero { .. }));

        let (source, _) = refused_import(
            interop,
            vmo(8192).0,
            &AllocationInfo::new().allocation_size(8193),
            "VUID-VkMemoryAllocateInfo-allocationSize-07903",
        );
        assert_eq!(
            source,
            ValidationError::AllocationSizeExceedsPayload {
                handle_type: vmo_interop::vk::ExternalHandleType::ZirconVmo,
                allocation_size: 8193,
                payload_size: 8192,
            }
        );
    });
}

#[test]
fn memory_type_rules() {
    leak_checked(|gpu, interop| {
        let properties = interop.memory_properties();
        let (probe, _) = vmo(4096);
        let vmo_bits = interop.get_memory_zircon_handle_properties(&probe).unwrap();
        drop(probe);
        assert_ne!(vmo_bits, 0);
        eprintln!(
            "{}: {} memory types, a VMO allows {vmo_bits:#b}",
            gpu.device_name, properties.memory_type_count
        );

        // Out of range.
        let count = properties.memory_type_count;
        refused_import(
            interop,
            vmo(4096).0,
            &AllocationInfo::new().memory_type_index(count),
            "VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714",
        );

        // A DEVICE_LOCAL-only type, where the device has one (NVIDIA): never a host VMO's.
        let device_local_only = (0..count).find(|&i| {
            let flags = properties.memory_types[i as usize].property_flags;
            flags.contains(vk::MemoryPropertyFlags::DEVICE_LOCAL)
                && !flags.contains(vk::MemoryPropertyFlags::HOST_VISIBLE)
        });
        match device_local_only {
            Some(index) => {
                assert_eq!(
                    vmo_bits & (1 << index),
                    0,
                    "a host VMO cannot be device-local-only memory"
                );
                let (_, msg) = refused_import(
                    interop,
                    vmo(4096).0,
                    &AllocationInfo::new().memory_type_index(index),
                    "VUID-VkMemoryAllocateInfo-None-04749",
                );
                assert!(msg.contains(&format!("{vmo_bits:#b}")), "{msg}");

                let (_, msg) = refused_import(
                    interop,
                    vmo(4096).0,
                    &AllocationInfo::new().memory_properties(
                        properties.memory_types[index as usize].property_flags,
                        vk::MemoryPropertyFlags::empty(),
                    ),
                    "VUID-VkMemoryAllocateInfo-None-04749",
                );
                assert!(msg.contains("DEVICE_LOCAL"), "{msg}");
            }
            None => {
                // lavapipe: every type is host-visible and the VMO allows all of them, so the
                // path left is a resource whose requirements exclude the VMO's types.
                eprintln!("no device-local-only memory type: checking the requirements path");
                assert_eq!(
                    vmo_bits,
                    (1u32 << count) - 1,
                    "every type is host-visible, so a VMO should allow every type"
                );
            }
        }

        // Requirements that exclude every type the VMO allows (a resource of other memory).
        let requirements = vk::MemoryRequirements {
            size: 4096,
            alignment: 4096,
            memory_type_bits: !vmo_bits & ((1u32 << count) - 1),
        };
        let (source, msg) = refused_import(
            interop,
            vmo(4096).0,
            &AllocationInfo::new()
                .memory_type_index(vmo_bits.trailing_zeros())
                .resource(Resource::BufferRequirements(requirements)),
            "VUID-vkBindBufferMemory-memory-01035",
        );
        assert!(matches!(
            source,
            ValidationError::MemoryTypeNotInRequirements { .. }
        ));
        assert!(
            msg.contains(&format!("{vmo_bits:#b}")),
            "shows the VMO's mask: {msg}"
        );
        assert!(
            msg.contains(&format!("{:#b}", requirements.memory_type_bits)),
            "shows the requirements' mask: {msg}"
        );
    });
}

#[test]
fn exportable_allocation_needs_a_size() {
    leak_checked(|_, interop| {
        let err = interop
            .allocate_exportable_memory(&AllocationInfo::new())
            .unwrap_err();
        match err {
            AllocateError::Validation(e) => assert_eq!(
                e.vuid(),
                Some("VUID-VkMemoryAllocateInfo-allocationSize-07899")
            ),
            other => panic!("expected a validation error, got {other:?}"),
        }
        let buffer = transfer_buffer(interop, 4096);
        let err = interop
            .allocate_exportable_memory(
                &AllocationInfo::new()
                    .allocation_size(8192)
                    .resource(Resource::DedicatedBuffer(&buffer)),
            )
            .unwrap_err();
        match err {
            AllocateError::Validation(e) => assert_eq!(
                e.vuid(),
                Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-02965")
            ),
            other => panic!("expected a validation error, got {other:?}"),
        }
    });
}
