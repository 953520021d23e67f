//! Importing an MTLBuffer or MTLHeap: the handle type, a null handle, the importable feature,
//! memory types (through the shared core), and the size against the object.

use super::*;

#[test]
fn buffer_import_chooses_within_handle_bits() {
    let plan = validate_import(&apple_like(), &buffer_import()).unwrap();
    assert_eq!(plan.handle_type, MetalHandleType::MtlBuffer);
    // Handle allows 1 and 2; HOST_VISIBLE required, DEVICE_LOCAL preferred: type 1.
    assert_eq!(plan.allocation.memory_type_index, 1);
    assert_eq!(plan.allocation.allocation_size, 65536);
    assert_eq!(plan.allocation.dedicated, None);
}

#[test]
fn heap_import_is_accepted() {
    let request = ImportRequest {
        handle_type: HEAP,
        ..buffer_import()
    };
    let plan = validate_import(&apple_like(), &request).unwrap();
    assert_eq!(plan.handle_type, MetalHandleType::MtlHeap);
}

#[test]
fn import_handle_type_must_be_one_metal_bit() {
    for bad in [
        vk::ExternalMemoryHandleTypeFlags::empty(),
        vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA,
        vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD,
        BUF | HEAP,
    ] {
        let request = ImportRequest {
            handle_type: bad,
            ..buffer_import()
        };
        let e = validate_import(&apple_like(), &request).unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::NotAMetalHandleType {
                parameter: Parameter::ImportInfo,
                handle_type: bad
            }
        );
        assert_eq!(
            vuid(&e),
            Some("VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10410")
        );
        assert!(e.to_string().contains("10410"), "{e}");
    }
}

#[test]
fn import_null_handle_is_rejected() {
    let request = ImportRequest {
        handle_is_null: true,
        ..buffer_import()
    };
    let e = validate_import(&apple_like(), &request).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::NullHandle {
            parameter: Parameter::ImportInfo,
            handle_type: MetalHandleType::MtlBuffer
        }
    );
    assert_eq!(
        vuid(&e),
        Some("VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10411")
    );
}

#[test]
fn import_needs_importable_feature_when_queried() {
    let request = ImportRequest {
        features: Some(vk::ExternalMemoryFeatureFlags::EXPORTABLE),
        ..buffer_import()
    };
    let e = validate_import(&apple_like(), &request).unwrap_err();
    assert_eq!(
        vuid(&e),
        Some("VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10408")
    );
}

#[test]
fn memory_type_outside_handle_bits_is_rejected_by_the_shared_core() {
    let request = ImportRequest {
        memory_type: MemoryTypeRequest::Index(0),
        ..buffer_import()
    };
    let e = validate_import(&apple_like(), &request).unwrap_err();
    let MetalValidationError::Shared(ValidationError::MemoryTypeNotInHandleBits {
        handle_type,
        handle_bits,
        ..
    }) = e
    else {
        panic!("unexpected {e:?}");
    };
    assert_eq!(handle_type, ExternalHandleType::MtlBuffer);
    assert_eq!(handle_bits, 0b110);
    // The Metal extension has no VUID for this rule (Zircon's is None-04749).
    assert_eq!(e.vuid(), None);
}

#[test]
fn memory_type_is_intersected_with_the_resource() {
    // Handle allows 1|2, the buffer 0|1: only type 1 remains, though 2 has HOST_CACHED.
    let request = ImportRequest {
        memory_type: MemoryTypeRequest::Properties {
            required: F::HOST_VISIBLE,
            preferred: F::HOST_CACHED,
        },
        resource: Some(resource(buffer(9), 4096, 0b011, false)),
        ..buffer_import()
    };
    let plan = validate_import(&apple_like(), &request).unwrap();
    assert_eq!(plan.allocation.memory_type_index, 1);

    let request = ImportRequest {
        memory_type: MemoryTypeRequest::Index(2),
        ..request
    };
    let e = validate_import(&apple_like(), &request).unwrap_err();
    assert_eq!(e.vuid(), Some("VUID-vkBindBufferMemory-memory-01035"));
}

#[test]
fn memory_type_index_out_of_range() {
    let request = ImportRequest {
        memory_type: MemoryTypeRequest::Index(3),
        ..buffer_import()
    };
    let e = validate_import(&apple_like(), &request).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::Shared(ValidationError::MemoryTypeIndexOutOfRange {
            memory_type_index: 3,
            memory_type_count: 3
        })
    );
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714")
    );
}

#[test]
fn handle_reporting_no_memory_type_is_rejected() {
    for bits in [0, 0b1000] {
        let request = ImportRequest {
            handle_memory_type_bits: bits,
            ..buffer_import()
        };
        let e = validate_import(&apple_like(), &request).unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::NoImportableMemoryType {
                handle_type: MetalHandleType::MtlBuffer,
                handle_bits: bits
            }
        );
        assert_eq!(e.vuid(), None);
    }
}

#[test]
fn buffer_import_size_must_fit_the_object() {
    let too_big = ImportRequest {
        allocation_size: 65537,
        ..buffer_import()
    };
    let e = validate_import(&apple_like(), &too_big).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::Shared(ValidationError::AllocationSizeExceedsPayload {
            handle_type: ExternalHandleType::MtlBuffer,
            allocation_size: 65537,
            payload_size: 65536
        })
    );
    // The spec sets no size rule for Metal imports: this crate's rule carries no VUID.
    assert_eq!(e.vuid(), None);

    let zero = ImportRequest {
        allocation_size: 0,
        ..buffer_import()
    };
    let e = validate_import(&apple_like(), &zero).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::Shared(ValidationError::AllocationSizeZero {
            handle_type: ExternalHandleType::MtlBuffer
        })
    );
}

#[test]
fn dedicated_buffer_import_must_equal_requirements() {
    let request = ImportRequest {
        allocation_size: 65536,
        resource: Some(resource(buffer(9), 4096, 0b111, true)),
        ..buffer_import()
    };
    let e = validate_import(&apple_like(), &request).unwrap_err();
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-02965")
    );
    let request = ImportRequest {
        allocation_size: 4096,
        ..request
    };
    let plan = validate_import(&apple_like(), &request).unwrap();
    assert_eq!(plan.allocation.dedicated, Some(buffer(9)));
}
