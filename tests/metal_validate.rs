//! The Metal validation rules, and the shared core they use, exercised with Metal handle types.
//!
//! Pure: no driver, no Metal. Every test asserts the exact error and the VUID it names.

use ash::vk;
use ash::vk::Handle;
use vmo_interop::external_memory::{ExternalHandleType, MemoryTypeRequest};
use vmo_interop::external_memory::{ResourceKind, ValidationError};
use vmo_interop::metal::validate::*;
use vmo_interop::metal::{MetalHandleType, MetalMemoryCapabilities};

type F = vk::MemoryPropertyFlags;
const BUF: vk::ExternalMemoryHandleTypeFlags = MetalHandleType::MtlBuffer.to_vk();
const TEX: vk::ExternalMemoryHandleTypeFlags = MetalHandleType::MtlTexture.to_vk();
const HEAP: vk::ExternalMemoryHandleTypeFlags = MetalHandleType::MtlHeap.to_vk();

/// An Apple-silicon-like device: 0 = DEVICE_LOCAL (private), 1 = DEVICE_LOCAL | HOST_VISIBLE |
/// HOST_COHERENT (shared), 2 = HOST_VISIBLE | HOST_CACHED (managed-like).
fn apple_like() -> vk::PhysicalDeviceMemoryProperties {
    let types = [
        F::DEVICE_LOCAL,
        F::DEVICE_LOCAL | F::HOST_VISIBLE | F::HOST_COHERENT,
        F::HOST_VISIBLE | F::HOST_CACHED,
    ];
    let mut p = vk::PhysicalDeviceMemoryProperties {
        memory_type_count: types.len() as u32,
        memory_heap_count: 1,
        ..Default::default()
    };
    for (slot, flags) in p.memory_types.iter_mut().zip(types) {
        *slot = vk::MemoryType {
            property_flags: flags,
            heap_index: 0,
        };
    }
    p
}

fn image(raw: u64) -> ResourceHandle {
    ResourceHandle::Image(vk::Image::from_raw(raw))
}

fn buffer(raw: u64) -> ResourceHandle {
    ResourceHandle::Buffer(vk::Buffer::from_raw(raw))
}

fn resource(handle: ResourceHandle, size: u64, bits: u32, dedicated: bool) -> Resource {
    Resource {
        handle,
        requirements: vk::MemoryRequirements {
            size,
            alignment: 256,
            memory_type_bits: bits,
        },
        dedicated,
    }
}

fn shape(width: u32, height: u32) -> ImageShape {
    ImageShape {
        width,
        height,
        array_layers: 1,
        mip_levels: 1,
    }
}

/// A valid MTLBuffer import of 64 KiB, host-visible preferred.
fn buffer_import() -> ImportRequest {
    ImportRequest {
        handle_type: BUF,
        handle_is_null: false,
        handle_memory_type_bits: 0b110,
        handle_size: 65536,
        allocation_size: 65536,
        memory_type: MemoryTypeRequest::Properties {
            required: F::HOST_VISIBLE,
            preferred: F::DEVICE_LOCAL,
        },
        resource: None,
        shapes: None,
        features: None,
    }
}

/// A valid MTLTexture import for a dedicated 64×64 image.
fn texture_import() -> ImportRequest {
    ImportRequest {
        handle_type: TEX,
        handle_is_null: false,
        handle_memory_type_bits: 0b001,
        handle_size: 0,
        allocation_size: 0,
        memory_type: MemoryTypeRequest::default(),
        resource: Some(resource(image(7), 16384, 0b011, true)),
        shapes: Some((shape(64, 64), shape(64, 64))),
        features: Some(vk::ExternalMemoryFeatureFlags::IMPORTABLE),
    }
}

fn vuid(e: &MetalValidationError) -> Option<&'static str> {
    e.vuid()
}

// ---- import -------------------------------------------------------------------------------

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

#[test]
fn texture_import_valid() {
    let plan = validate_import(&apple_like(), &texture_import()).unwrap();
    assert_eq!(plan.handle_type, MetalHandleType::MtlTexture);
    assert_eq!(plan.allocation.allocation_size, 0);
    assert_eq!(plan.allocation.memory_type_index, 0);
    assert_eq!(plan.allocation.dedicated, Some(image(7)));
}

#[test]
fn texture_import_requires_a_dedicated_image() {
    let cases = [
        None,
        Some(resource(image(7), 16384, 0b011, false)),
        Some(resource(buffer(7), 16384, 0b011, true)),
        Some(resource(image(0), 16384, 0b011, true)),
    ];
    for r in cases {
        let request = ImportRequest {
            resource: r,
            ..texture_import()
        };
        let e = validate_import(&apple_like(), &request).unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::TextureImportNotDedicatedImage,
            "{r:?}"
        );
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-pNext-10395"));
    }
}

#[test]
fn texture_import_allocation_size_must_be_zero() {
    let request = ImportRequest {
        allocation_size: 16384,
        ..texture_import()
    };
    let e = validate_import(&apple_like(), &request).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::TextureImportAllocationSizeNotZero {
            allocation_size: 16384
        }
    );
    assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-pNext-10397"));
}

#[test]
fn texture_import_shapes_must_match() {
    let mips = ImageShape {
        mip_levels: 7,
        ..shape(64, 64)
    };
    for (img, tex) in [
        (shape(64, 64), shape(64, 32)),
        (shape(32, 64), shape(64, 64)),
        (shape(64, 64), mips),
        (
            shape(64, 64),
            ImageShape {
                array_layers: 6,
                ..shape(64, 64)
            },
        ),
    ] {
        let request = ImportRequest {
            shapes: Some((img, tex)),
            ..texture_import()
        };
        let e = validate_import(&apple_like(), &request).unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::TextureShapeMismatch {
                image: img,
                texture: tex
            }
        );
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-pNext-10396"));
    }
}

#[test]
fn image_shape_from_create_info() {
    let info = vk::ImageCreateInfo::default()
        .extent(vk::Extent3D {
            width: 640,
            height: 480,
            depth: 1,
        })
        .array_layers(2)
        .mip_levels(3);
    assert_eq!(
        ImageShape::of_image(&info),
        ImageShape {
            width: 640,
            height: 480,
            array_layers: 2,
            mip_levels: 3
        }
    );
}

// ---- export -------------------------------------------------------------------------------

#[test]
fn export_of_requested_type_is_valid() {
    let ok = validate_export(&ExportRequest {
        handle_type: TEX,
        export_handle_types: Some(BUF | TEX),
    });
    assert_eq!(ok, Ok(MetalHandleType::MtlTexture));
}

#[test]
fn export_wrong_type_names_10415() {
    for bad in [
        vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA,
        vk::ExternalMemoryHandleTypeFlags::empty(),
        BUF | TEX,
    ] {
        let e = validate_export(&ExportRequest {
            handle_type: bad,
            export_handle_types: Some(MetalHandleType::ALL_BITS),
        })
        .unwrap_err();
        assert_eq!(
            e,
            MetalValidationError::NotAMetalHandleType {
                parameter: Parameter::GetInfo,
                handle_type: bad
            }
        );
        assert_eq!(
            e.vuid(),
            Some("VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10415")
        );
    }
}

#[test]
fn export_from_non_exportable_memory_names_10413() {
    let e = validate_export(&ExportRequest {
        handle_type: BUF,
        export_handle_types: None,
    })
    .unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::NotAllocatedForExport {
            handle_type: MetalHandleType::MtlBuffer
        }
    );
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryGetMetalHandleInfoEXT-memory-10413")
    );
}

#[test]
fn export_of_unrequested_type_names_10414() {
    let e = validate_export(&ExportRequest {
        handle_type: HEAP,
        export_handle_types: Some(BUF),
    })
    .unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::HandleTypeNotExported {
            handle_type: MetalHandleType::MtlHeap,
            export_handle_types: BUF
        }
    );
    assert_eq!(
        e.vuid(),
        Some("VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10414")
    );
    assert!(e.to_string().contains("10414"), "{e}");
}

// ---- exportable allocation ----------------------------------------------------------------

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

// ---- properties query ---------------------------------------------------------------------

#[test]
fn properties_query_rules() {
    assert_eq!(
        validate_properties_query(HEAP, false),
        Ok(MetalHandleType::MtlHeap)
    );
    let e = validate_properties_query(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA, false)
        .unwrap_err();
    assert_eq!(
        e.vuid(),
        Some("VUID-vkGetMemoryMetalHandlePropertiesEXT-handleType-10417")
    );
    let e = validate_properties_query(TEX, true).unwrap_err();
    assert_eq!(
        e,
        MetalValidationError::NullHandle {
            parameter: Parameter::PropertiesQuery,
            handle_type: MetalHandleType::MtlTexture
        }
    );
    assert_eq!(
        e.vuid(),
        Some("VUID-vkGetMemoryMetalHandlePropertiesEXT-handle-10416")
    );
}

// ---- handle types -------------------------------------------------------------------------

#[test]
fn handle_types_round_trip() {
    for t in MetalHandleType::ALL {
        assert_eq!(MetalHandleType::from_vk(t.to_vk()), Some(t));
        assert_eq!(MetalHandleType::try_from(t.to_external()), Ok(t));
        assert_eq!(ExternalHandleType::from(t).to_vk(), t.to_vk());
        assert_eq!(t.to_string(), t.name());
    }
    assert_eq!(MetalHandleType::ALL_BITS.as_raw(), 0x7_0000);
    assert_eq!(
        MetalHandleType::try_from(ExternalHandleType::ZirconVmo),
        Err(ExternalHandleType::ZirconVmo)
    );
    assert_eq!(MetalHandleType::from_vk(BUF | TEX), None);
    let set: Vec<_> = MetalHandleType::iter_set(
        HEAP | BUF | vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA,
    )
    .collect();
    assert_eq!(set, [MetalHandleType::MtlBuffer, MetalHandleType::MtlHeap]);
    assert!(MetalHandleType::MtlTexture.requires_dedicated_image());
    assert!(!MetalHandleType::MtlBuffer.requires_dedicated_image());
    assert!(!MetalHandleType::MtlHeap.requires_dedicated_image());
}
