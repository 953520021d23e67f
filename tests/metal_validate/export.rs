//! Exporting a Metal object from memory: the requested type, VUIDs 10413, 10414 and 10415.

use super::*;

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
