//! Validation of Metal import and export requests, expressed in plain values.
//!
//! Nothing here touches Metal or a driver: a request is a handle type, sizes, bit masks and the
//! resource, so the rules run (and are tested) on every host. The Apple layer fills a request
//! from the real objects (`-[MTLBuffer length]`, `-[MTLHeap size]`, the texture's dimensions,
//! `vkGetMemoryMetalHandlePropertiesEXT`) and calls Vulkan only when validation passes.
//!
//! The rules shared with the Zircon path come from [`crate::external_memory`], called with the
//! Metal [`ExternalHandleType`](crate::external_memory::ExternalHandleType)s: memory-type choice
//! within the handle's and the resource's `memoryTypeBits`, the payload-size bound and the
//! dedicated size. Their failures arrive as [`MetalValidationError::Shared`]. The rules only
//! Metal has are the other variants.
//!
//! Each function destructures its request exhaustively, so a new field is a compile error here
//! rather than an unvalidated input.

use ash::vk;

use super::handle_type::MetalHandleType;
pub use super::request::{
    AllocationPlan, ExportAllocationRequest, ExportRequest, ImageShape, ImportPlan, ImportRequest,
    Resource, ResourceHandle,
};
pub use super::validation_error::{MetalValidationError, Parameter};
use crate::external_memory::{
    all_memory_type_bits, select_memory_type, validate_allocation_size, validate_dedicated_size,
    Direction, MemoryTypeMasks, ResourceKind,
};

fn single_metal_type(
    parameter: Parameter,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
) -> Result<MetalHandleType, MetalValidationError> {
    MetalHandleType::from_vk(handle_type).ok_or(MetalValidationError::NotAMetalHandleType {
        parameter,
        handle_type,
    })
}

/// Validates a `vkGetMemoryMetalHandlePropertiesEXT` call.
///
/// # Errors
/// - [`MetalValidationError::NotAMetalHandleType`]
///   (`VUID-vkGetMemoryMetalHandlePropertiesEXT-handleType-10417`);
/// - [`MetalValidationError::NullHandle`] (`VUID-vkGetMemoryMetalHandlePropertiesEXT-handle-10416`).
#[inline(never)]
pub fn validate_properties_query(
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    handle_is_null: bool,
) -> Result<MetalHandleType, MetalValidationError> {
    let handle_type = single_metal_type(Parameter::PropertiesQuery, handle_type)?;
    if handle_is_null {
        return Err(MetalValidationError::NullHandle {
            parameter: Parameter::PropertiesQuery,
            handle_type,
        });
    }
    Ok(handle_type)
}

/// Validates a `vkGetMemoryMetalHandleEXT` request.
///
/// # Errors
/// - [`MetalValidationError::NotAMetalHandleType`] (`…GetMetalHandleInfoEXT-handleType-10415`);
/// - [`MetalValidationError::NotAllocatedForExport`] (`…-memory-10413`);
/// - [`MetalValidationError::HandleTypeNotExported`] (`…-handleType-10414`).
#[inline(never)]
pub fn validate_export(request: &ExportRequest) -> Result<MetalHandleType, MetalValidationError> {
    let ExportRequest {
        handle_type,
        export_handle_types,
    } = *request;
    let handle_type = single_metal_type(Parameter::GetInfo, handle_type)?;
    let Some(export_handle_types) = export_handle_types else {
        return Err(MetalValidationError::NotAllocatedForExport { handle_type });
    };
    if !export_handle_types.contains(handle_type.to_vk()) {
        return Err(MetalValidationError::HandleTypeNotExported {
            handle_type,
            export_handle_types,
        });
    }
    Ok(handle_type)
}

/// Validates an allocation with `VkExportMemoryAllocateInfo` for Metal handle types.
///
/// # Errors
/// - [`MetalValidationError::ExportHandleTypesNotMetal`] (no VUID: this path's own scope);
/// - [`MetalValidationError::NotExportable`], [`MetalValidationError::IncompatibleExportTypes`]
///   (`VUID-VkExportMemoryAllocateInfo-handleTypes-00656`);
/// - [`MetalValidationError::ExportAllocationSizeZero`] (`…-allocationSize-07899`);
/// - [`MetalValidationError::DedicatedAllocationRequired`] (`…-pNext-00639`): a type is
///   `DEDICATED_ONLY` (MTLTEXTURE always, and then the resource must be an image);
/// - [`MetalValidationError::Shared`]: the dedicated size (02964 / 02965) and the memory type
///   (01714, 01035 / 01047), from the shared core.
#[inline(never)]
pub fn validate_export_allocation(
    properties: &vk::PhysicalDeviceMemoryProperties,
    request: &ExportAllocationRequest<'_>,
) -> Result<AllocationPlan, MetalValidationError> {
    let ExportAllocationRequest {
        handle_types,
        allocation_size,
        memory_type,
        resource,
        capabilities,
    } = *request;
    if handle_types.is_empty() || !MetalHandleType::ALL_BITS.contains(handle_types) {
        return Err(MetalValidationError::ExportHandleTypesNotMetal { handle_types });
    }
    let mut dedicated_required: Option<MetalHandleType> = None;
    for handle_type in MetalHandleType::iter_set(handle_types) {
        let caps = capabilities.iter().find(|c| c.handle_type == handle_type);
        let Some(caps) = caps.filter(|c| c.exportable()) else {
            return Err(MetalValidationError::NotExportable {
                handle_type,
                features: caps.map(|c| c.features),
            });
        };
        if !caps.compatible_handle_types.contains(handle_types) {
            return Err(MetalValidationError::IncompatibleExportTypes {
                handle_type,
                handle_types,
                compatible: caps.compatible_handle_types,
            });
        }
        if caps.dedicated_only() || handle_type.requires_dedicated_image() {
            // MTLTEXTURE is the stricter requirement (an image); keep it if present.
            if dedicated_required != Some(MetalHandleType::MtlTexture) {
                dedicated_required = Some(handle_type);
            }
        }
    }
    if allocation_size == 0 {
        return Err(MetalValidationError::ExportAllocationSizeZero);
    }
    if let Some(handle_type) = dedicated_required {
        let needs_image = handle_type.requires_dedicated_image();
        let satisfied = resource.is_some_and(|r| {
            r.dedicated
                && !r.handle.is_null()
                && (!needs_image || r.handle.kind() == ResourceKind::Image)
        });
        if !satisfied {
            return Err(MetalValidationError::DedicatedAllocationRequired {
                handle_type,
                needs_image,
            });
        }
    }
    if let Some(r) = resource.filter(|r| r.dedicated) {
        validate_dedicated_size(r.handle.kind(), allocation_size, r.requirements.size)?;
    }
    // Any memory type may back exportable Metal memory as far as the API can tell; the first
    // requested type stands for the set in messages.
    let first = MetalHandleType::iter_set(handle_types)
        .next()
        .unwrap_or(MetalHandleType::MtlBuffer);
    let memory_type_index = select_memory_type(
        properties,
        memory_type,
        MemoryTypeMasks {
            handle_type: first.to_external(),
            direction: Direction::Export,
            handle_bits: all_memory_type_bits(properties),
            resource: resource.map(|r| r.masks_entry()),
        },
    )?;
    Ok(AllocationPlan {
        allocation_size,
        memory_type_index,
        dedicated: resource.filter(|r| r.dedicated).map(|r| r.handle),
    })
}

/// Validates the import of a Metal object.
///
/// # Errors
/// - [`MetalValidationError::NotAMetalHandleType`] (`VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10410`);
/// - [`MetalValidationError::NullHandle`] (`…-handleType-10411`);
/// - [`MetalValidationError::NotImportable`] (`…-handleType-10408`), when features were queried;
/// - MTLTEXTURE: [`MetalValidationError::TextureImportNotDedicatedImage`] (`VkMemoryAllocateInfo-pNext-10395`),
///   [`MetalValidationError::TextureImportAllocationSizeNotZero`] (`-pNext-10397`),
///   [`MetalValidationError::TextureShapeMismatch`] (`-pNext-10396`);
/// - MTLBUFFER / MTLHEAP: [`MetalValidationError::Shared`] from the shared size rules:
///   `allocationSize` in `1..=object size` (the spec sets no Metal rule, so no VUID: this crate's
///   own, as implementations substitute the object's size) and, when dedicated, equal to the
///   resource's requirements (02964 / 02965);
/// - [`MetalValidationError::NoImportableMemoryType`]: the properties query reported no type;
/// - [`MetalValidationError::Shared`] from the shared memory-type choice (01714, 01035 / 01047;
///   the handle-bits rule has no Metal VUID).
#[inline(never)]
pub fn validate_import(
    properties: &vk::PhysicalDeviceMemoryProperties,
    request: &ImportRequest,
) -> Result<ImportPlan, MetalValidationError> {
    let ImportRequest {
        handle_type,
        handle_is_null,
        handle_memory_type_bits,
        handle_size,
        allocation_size,
        memory_type,
        resource,
        shapes,
        features,
    } = *request;
    let handle_type = single_metal_type(Parameter::ImportInfo, handle_type)?;
    if handle_is_null {
        return Err(MetalValidationError::NullHandle {
            parameter: Parameter::ImportInfo,
            handle_type,
        });
    }
    if let Some(features) = features {
        if !features.contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE) {
            return Err(MetalValidationError::NotImportable {
                handle_type,
                features,
            });
        }
    }
    if handle_type == MetalHandleType::MtlTexture {
        let dedicated_image = resource.is_some_and(|r| {
            r.dedicated && r.handle.kind() == ResourceKind::Image && !r.handle.is_null()
        });
        if !dedicated_image {
            return Err(MetalValidationError::TextureImportNotDedicatedImage);
        }
        if allocation_size != 0 {
            return Err(MetalValidationError::TextureImportAllocationSizeNotZero {
                allocation_size,
            });
        }
        if let Some((image, texture)) = shapes {
            if image != texture {
                return Err(MetalValidationError::TextureShapeMismatch { image, texture });
            }
        }
    } else {
        validate_allocation_size(handle_type.to_external(), allocation_size, handle_size)?;
        if let Some(r) = resource.filter(|r| r.dedicated) {
            validate_dedicated_size(r.handle.kind(), allocation_size, r.requirements.size)?;
        }
    }
    if handle_memory_type_bits & all_memory_type_bits(properties) == 0 {
        return Err(MetalValidationError::NoImportableMemoryType {
            handle_type,
            handle_bits: handle_memory_type_bits,
        });
    }
    let memory_type_index = select_memory_type(
        properties,
        memory_type,
        MemoryTypeMasks {
            handle_type: handle_type.to_external(),
            direction: Direction::Import,
            handle_bits: handle_memory_type_bits,
            resource: resource.map(|r| r.masks_entry()),
        },
    )?;
    Ok(ImportPlan {
        handle_type,
        allocation: AllocationPlan {
            allocation_size,
            memory_type_index,
            dedicated: resource.filter(|r| r.dedicated).map(|r| r.handle),
        },
    })
}
