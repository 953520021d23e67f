//! Allocating exportable memory: capabilities, compatible types, Metal types only, sizes, and
//! dedicated resources.

use super::*;

fn caps(t: MetalHandleType, features: vk::ExternalMemoryFeatureFlags) -> MetalMemoryCapabilities {
    MetalMemoryCapabilities {
        handle_type: t,
        features,
        export_from_imported_handle_types: t.to_vk(),
        compatible_handle_types: t.to_vk(),
    }
}

const EI: vk::ExternalMemoryFeatureFlags = vk::ExternalMemoryFeatureFlags::from_raw(
    vk::ExternalMemoryFeatureFlags::EXPORTABLE.as_raw()
        | vk::ExternalMemoryFeatureFlags::IMPORTABLE.as_raw(),
);
const EID: vk::ExternalMemoryFeatureFlags = vk::ExternalMemoryFeatureFlags::from_raw(
    EI.as_raw() | vk::ExternalMemoryFeatureFlags::DEDICATED_ONLY.as_raw(),
);

#[test]
fn exportable_buffer_allocation() {
    let c = [caps(MetalHandleType::MtlBuffer, EI)];
    let plan = validate_export_allocation(
        &apple_like(),
        &ExportAllocationRequest {
            handle_types: BUF,
            allocation_size: 4096,
            memory_type: MemoryTypeRequest::Properties {
                required: F::HOST_VISIBLE,
                preferred: F::empty(),
            },
            resource: Some(resource(buffer(3), 4096, 0b110, false)),
            capabilities: &c,
        },
    )
    .unwrap();
    assert_eq!(plan.memory_type_index, 1);
    assert_eq!(plan.dedicated, None);
}

#[test]
fn exportable_allocation_checks_capabilities() {
    let request = |c: &'static [MetalMemoryCapabilities]| ExportAllocationRequest {
        handle_types: BUF,
        allocation_size: 4096,
        memory_type: MemoryTypeRequest::default(),
        resource: None,
        capabilities: c,
    };
    // Not queried.
    let e = validate_export_allocation(&apple_like(), &request(&[])).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::NotExportable {
            handle_type: MetalHandleType::MtlBuffer,
            features: None
        }
    );
    assert_eq!(
        e.vuid(),
        Some("VUID-VkExportMemoryAllocateInfo-handleTypes-00656")
    );
    // Queried, import only (what a driver without the extension, or a read-only type, says).
    static IMPORT_ONLY: [MetalMemoryCapabilities; 1] = [MetalMemoryCapabilities {
        handle_type: MetalHandleType::MtlBuffer,
        features: vk::ExternalMemoryFeatureFlags::IMPORTABLE,
        export_from_imported_handle_types: vk::ExternalMemoryHandleTypeFlags::empty(),
        compatible_handle_types: BUF,
    }];
    let e = validate_export_allocation(&apple_like(), &request(&IMPORT_ONLY)).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::NotExportable {
            handle_type: MetalHandleType::MtlBuffer,
            features: Some(vk::ExternalMemoryFeatureFlags::IMPORTABLE)
        }
    );
}

#[test]
fn exportable_allocation_types_must_be_compatible() {
    let c = [
        caps(MetalHandleType::MtlBuffer, EI),
        caps(MetalHandleType::MtlHeap, EI),
    ];
    let e = validate_export_allocation(
        &apple_like(),
        &ExportAllocationRequest {
            handle_types: BUF | HEAP,
            allocation_size: 4096,
            memory_type: MemoryTypeRequest::default(),
            resource: None,
            capabilities: &c,
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::IncompatibleExportTypes {
            handle_type: MetalHandleType::MtlBuffer,
            handle_types: BUF | HEAP,
            compatible: BUF
        }
    );
    assert_eq!(
        e.vuid(),
        Some("VUID-VkExportMemoryAllocateInfo-handleTypes-00656")
    );
}

#[test]
fn exportable_allocation_rejects_non_metal_types() {
    for bad in [
        vk::ExternalMemoryHandleTypeFlags::empty(),
        BUF | vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA,
    ] {
        let e = validate_export_allocation(
            &apple_like(),
            &ExportAllocationRequest {
                handle_types: bad,
                allocation_size: 4096,
                memory_type: MemoryTypeRequest::default(),
                resource: None,
                capabilities: &[],
            },
        )
        .unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::ExportHandleTypesNotMetal { handle_types: bad }
        );
    }
}

#[test]
fn exportable_allocation_size_zero_names_07899() {
    let c = [caps(MetalHandleType::MtlBuffer, EI)];
    let e = validate_export_allocation(
        &apple_like(),
        &ExportAllocationRequest {
            handle_types: BUF,
            allocation_size: 0,
            memory_type: MemoryTypeRequest::default(),
            resource: None,
            capabilities: &c,
        },
    )
    .unwrap_err();
    assert_eq!(e, MetalValidationError::ExportAllocationSizeZero);
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryAllocateInfo-allocationSize-07899")
    );
}

#[test]
fn texture_export_needs_a_dedicated_image() {
    let c = [caps(MetalHandleType::MtlTexture, EID)];
    let request = |r: Option<Resource>| ExportAllocationRequest {
        handle_types: TEX,
        allocation_size: 16384,
        memory_type: MemoryTypeRequest::default(),
        resource: r,
        capabilities: &c,
    };
    for r in [
        None,
        Some(resource(image(5), 16384, 0b111, false)),
        Some(resource(buffer(5), 16384, 0b111, true)),
        Some(resource(image(0), 16384, 0b111, true)),
    ] {
        let e = validate_export_allocation(&apple_like(), &request(r)).unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::DedicatedAllocationRequired {
                handle_type: MetalHandleType::MtlTexture,
                needs_image: true
            },
            "{r:?}"
        );
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-pNext-00639"));
    }
    let plan = validate_export_allocation(
        &apple_like(),
        &request(Some(resource(image(5), 16384, 0b111, true))),
    )
    .unwrap();
    assert_eq!(plan.dedicated, Some(image(5)));
    assert_eq!(plan.memory_type_index, 0);
}

#[test]
fn dedicated_only_buffer_export_accepts_a_buffer() {
    let c = [caps(MetalHandleType::MtlBuffer, EID)];
    let request = |r: Option<Resource>| ExportAllocationRequest {
        handle_types: BUF,
        allocation_size: 4096,
        memory_type: MemoryTypeRequest::default(),
        resource: r,
        capabilities: &c,
    };
    let e = validate_export_allocation(&apple_like(), &request(None)).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::DedicatedAllocationRequired {
            handle_type: MetalHandleType::MtlBuffer,
            needs_image: false
        }
    );
    let plan = validate_export_allocation(
        &apple_like(),
        &request(Some(resource(buffer(4), 4096, 0b111, true))),
    )
    .unwrap();
    assert_eq!(plan.dedicated, Some(buffer(4)));
}

#[test]
fn dedicated_export_size_must_equal_requirements() {
    let c = [caps(MetalHandleType::MtlTexture, EID)];
    let e = validate_export_allocation(
        &apple_like(),
        &ExportAllocationRequest {
            handle_types: TEX,
            allocation_size: 8192,
            memory_type: MemoryTypeRequest::default(),
            resource: Some(resource(image(5), 16384, 0b111, true)),
            capabilities: &c,
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::Shared(ValidationError::DedicatedSizeMismatch {
            resource: ResourceKind::Image,
            allocation_size: 8192,
            required_size: 16384
        })
    );
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryDedicatedAllocateInfo-image-02964")
    );
}
