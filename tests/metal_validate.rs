//! The Metal validation rules, and the shared core they use, exercised with Metal handle types.
//!
//! Pure: no driver, no Metal. Every test asserts the exact error and the VUID it names.

use ash::vk;
use ash::vk::Handle;
use vmo_interop::external_memory::{ExternalHandleType, MemoryTypeRequest};
use vmo_interop::external_memory::{ResourceKind, ValidationError};
use vmo_interop::metal::validate::*;
use vmo_interop::metal::{MetalHandleType, MetalMemoryCapabilities};

#[path = "metal_validate/buffer_import.rs"]
mod buffer_import;
#[path = "metal_validate/export.rs"]
mod export;
#[path = "metal_validate/exportable_allocation.rs"]
mod exportable_allocation;
#[path = "metal_validate/texture_import.rs"]
mod texture_import;

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
