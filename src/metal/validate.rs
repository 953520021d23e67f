//! Validation of Metal import and export requests, expressed in plain values.
//!
//! Nothing here touches Metal or a driver: a request is a handle type, sizes, bit masks and the
//! dedicated resource, so the rules run (and are tested) on every host. The Apple layer fills a
//! request from the real objects (`-[MTLBuffer length]`, `-[MTLHeap size]`, the texture's
//! dimensions, `vkGetMemoryMetalHandlePropertiesEXT`) and only calls Vulkan when validation
//! passes.
//!
//! Each function destructures its request exhaustively, so a new field is a compile error here
//! rather than an unvalidated input. Each failure names the VUIDs it protects; where the spec sets
//! no rule and this crate sets its own (sizes of MTLBuffer and MTLHeap imports), the error says so
//! and carries no VUID.

use std::borrow::Cow;

use ash::vk;

use super::caps::MetalMemoryCapabilities;
use super::handle_type::MetalHandleType;
use super::shared::{
    all_memory_type_bits, contains_type, find_memory_type_index, Dedicated, MemoryTypeRequest,
    ValidationError,
};

fn error(
    context: impl Into<Cow<'static, str>>,
    problem: impl Into<Cow<'static, str>>,
    vuids: &'static [&'static str],
) -> ValidationError {
    ValidationError {
        context: context.into(),
        problem: problem.into(),
        vuids,
    }
}

/// The single Metal handle type in `bits`, or an error naming `vuid` and the value found.
fn single_metal_type(
    context: &'static str,
    bits: vk::ExternalMemoryHandleTypeFlags,
    vuid: &'static [&'static str],
) -> Result<MetalHandleType, ValidationError> {
    MetalHandleType::from_vk(bits).ok_or_else(|| {
        error(
            context,
            format!(
                "is {bits:?} ({:#x}); it must be exactly one of MTLBUFFER (0x10000), MTLTEXTURE \
                 (0x20000) or MTLHEAP (0x40000)",
                bits.as_raw()
            ),
            vuid,
        )
    })
}

/// The width, height, array layers and mip levels of an image or an `MTLTexture`, compared by
/// `VUID-VkMemoryAllocateInfo-pNext-10396`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageShape {
    /// `VkImageCreateInfo::extent.width` / `-[MTLTexture width]`.
    pub width: u32,
    /// `VkImageCreateInfo::extent.height` / `-[MTLTexture height]`.
    pub height: u32,
    /// `VkImageCreateInfo::arrayLayers` / `-[MTLTexture arrayLength]`.
    pub array_layers: u32,
    /// `VkImageCreateInfo::mipLevels` / `-[MTLTexture mipmapLevelCount]`.
    pub mip_levels: u32,
}

impl ImageShape {
    /// The shape of an image created with `info`.
    pub fn of_image(info: &vk::ImageCreateInfo<'_>) -> Self {
        Self {
            width: info.extent.width,
            height: info.extent.height,
            array_layers: info.array_layers,
            mip_levels: info.mip_levels,
        }
    }
}

/// The buffer or image the memory will be bound to, and what it requires.
#[derive(Clone, Copy, Debug)]
pub struct Resource {
    /// The buffer or image.
    pub handle: Dedicated,
    /// Its `vkGet{Buffer,Image}MemoryRequirements` result.
    pub requirements: vk::MemoryRequirements,
    /// Allocate the memory for this resource alone (chain `VkMemoryDedicatedAllocateInfo`).
    pub dedicated: bool,
}

impl Resource {
    fn bind_vuid(&self) -> &'static [&'static str] {
        match self.handle {
            Dedicated::Buffer(_) => &["VUID-vkBindBufferMemory-memory-01035"],
            Dedicated::Image(_) => &["VUID-vkBindImageMemory-memory-01047"],
        }
    }

    fn size_vuid(&self) -> &'static [&'static str] {
        match self.handle {
            Dedicated::Buffer(_) => &["VUID-VkMemoryDedicatedAllocateInfo-buffer-02965"],
            Dedicated::Image(_) => &["VUID-VkMemoryDedicatedAllocateInfo-image-02964"],
        }
    }

    fn is_null(&self) -> bool {
        match self.handle {
            Dedicated::Buffer(b) => b == vk::Buffer::null(),
            Dedicated::Image(i) => i == vk::Image::null(),
        }
    }

    fn dedicated_info(&self) -> Option<Dedicated> {
        self.dedicated.then_some(self.handle)
    }
}

/// The memory type for `request` among `allowed` (the intersection of every mask that applies).
fn choose_memory_type(
    properties: &vk::PhysicalDeviceMemoryProperties,
    context: &'static str,
    handle_bits: Option<u32>,
    resource: Option<&Resource>,
    request: MemoryTypeRequest,
) -> Result<u32, ValidationError> {
    let device_bits = all_memory_type_bits(properties);
    let resource_bits = resource.map_or(u32::MAX, |r| r.requirements.memory_type_bits);
    let handle_mask = handle_bits.unwrap_or(u32::MAX);
    match request {
        MemoryTypeRequest::Index(index) => {
            if !contains_type(device_bits, index) {
                return Err(error(
                    context,
                    format!(
                        "memoryTypeIndex {index} is not below memoryTypeCount {}",
                        properties.memory_type_count
                    ),
                    &["VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714"],
                ));
            }
            if !contains_type(handle_mask, index) {
                return Err(error(
                    context,
                    format!(
                        "memoryTypeIndex {index} is not in memoryTypeBits {handle_mask:#b} that \
                         vkGetMemoryMetalHandlePropertiesEXT reports for the object; pick one of \
                         those types (the Metal extension has no VUID for this; the Zircon \
                         equivalent is VUID-VkMemoryAllocateInfo-None-04749)"
                    ),
                    &[],
                ));
            }
            if let Some(r) = resource {
                if !contains_type(resource_bits, index) {
                    return Err(error(
                        context,
                        format!(
                            "memoryTypeIndex {index} is not in the resource's \
                             VkMemoryRequirements::memoryTypeBits {resource_bits:#b}; it could \
                             not be bound"
                        ),
                        r.bind_vuid(),
                    ));
                }
            }
            Ok(index)
        }
        MemoryTypeRequest::Properties {
            required,
            preferred,
        } => {
            let allowed = handle_mask & resource_bits;
            find_memory_type_index(properties, allowed, required, preferred).ok_or_else(|| {
                error(
                    context,
                    format!(
                        "no memory type with {required:?} is allowed by both the handle \
                         ({handle_mask:#b}) and the resource ({resource_bits:#b}); the device has \
                         types {device_bits:#b}"
                    ),
                    resource.map_or(&[][..], |r| r.bind_vuid()),
                )
            })
        }
    }
}

/// Validates a `vkGetMemoryMetalHandlePropertiesEXT` call.
///
/// # Errors
/// - `VUID-vkGetMemoryMetalHandlePropertiesEXT-handleType-10417`: `handle_type` is not exactly one
///   Metal type.
/// - `VUID-vkGetMemoryMetalHandlePropertiesEXT-handle-10416`: the handle is NULL.
pub fn validate_properties_query(
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    handle_is_null: bool,
) -> Result<MetalHandleType, ValidationError> {
    let handle_type = single_metal_type(
        "vkGetMemoryMetalHandlePropertiesEXT::handleType",
        handle_type,
        &["VUID-vkGetMemoryMetalHandlePropertiesEXT-handleType-10417"],
    )?;
    if handle_is_null {
        return Err(error(
            "vkGetMemoryMetalHandlePropertiesEXT::pHandle",
            format!("is NULL; pass a valid id<{}>", handle_type.protocol_name()),
            &["VUID-vkGetMemoryMetalHandlePropertiesEXT-handle-10416"],
        ));
    }
    Ok(handle_type)
}

/// A `vkGetMemoryMetalHandleEXT` request, in plain values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportRequest {
    /// `VkMemoryGetMetalHandleInfoEXT::handleType`.
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// `VkExportMemoryAllocateInfo::handleTypes` the memory was allocated with; `None` when the
    /// allocation carried no `VkExportMemoryAllocateInfo`.
    pub export_handle_types: Option<vk::ExternalMemoryHandleTypeFlags>,
}

/// Validates a `vkGetMemoryMetalHandleEXT` request.
///
/// # Errors
/// - `VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10415`: not exactly one Metal type.
/// - `VUID-VkMemoryGetMetalHandleInfoEXT-memory-10413`: the memory was not allocated for export.
/// - `VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10414`: the type was not among the export
///   types requested at allocation.
#[inline(never)]
pub fn validate_export(request: &ExportRequest) -> Result<MetalHandleType, ValidationError> {
    let ExportRequest {
        handle_type,
        export_handle_types,
    } = *request;
    let handle_type = single_metal_type(
        "VkMemoryGetMetalHandleInfoEXT::handleType",
        handle_type,
        &["VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10415"],
    )?;
    let Some(exported) = export_handle_types else {
        return Err(error(
            "VkMemoryGetMetalHandleInfoEXT::memory",
            format!(
                "was not allocated with VkExportMemoryAllocateInfo; allocate it for export of \
                 {handle_type} first"
            ),
            &["VUID-VkMemoryGetMetalHandleInfoEXT-memory-10413"],
        ));
    };
    if !exported.contains(handle_type.to_vk()) {
        return Err(error(
            "VkMemoryGetMetalHandleInfoEXT::handleType",
            format!(
                "{handle_type} was not requested when the memory was allocated \
                 (VkExportMemoryAllocateInfo::handleTypes = {exported:?}); add it there"
            ),
            &["VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10414"],
        ));
    }
    Ok(handle_type)
}

/// An allocation that will be exported as Metal objects, in plain values.
#[derive(Clone, Copy, Debug)]
pub struct ExportAllocationRequest<'a> {
    /// `VkExportMemoryAllocateInfo::handleTypes`.
    pub handle_types: vk::ExternalMemoryHandleTypeFlags,
    /// `VkMemoryAllocateInfo::allocationSize`.
    pub allocation_size: vk::DeviceSize,
    /// How to choose `memoryTypeIndex`.
    pub memory_type: MemoryTypeRequest,
    /// The resource the memory is for, if any.
    pub resource: Option<Resource>,
    /// The capability query's answer for each requested type and this resource (see
    /// [`super::caps`]); a requested type missing here is treated as unsupported.
    pub capabilities: &'a [MetalMemoryCapabilities],
}

/// The checked values to put in `VkMemoryAllocateInfo` and its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocationPlan {
    /// `VkMemoryAllocateInfo::allocationSize`.
    pub allocation_size: vk::DeviceSize,
    /// `VkMemoryAllocateInfo::memoryTypeIndex`.
    pub memory_type_index: u32,
    /// `VkMemoryDedicatedAllocateInfo`, when the allocation is dedicated.
    pub dedicated: Option<Dedicated>,
}

/// Validates an allocation with `VkExportMemoryAllocateInfo` for Metal handle types.
///
/// # Errors
/// - `VUID-VkExportMemoryAllocateInfo-handleTypes-00656`: a type is not a Metal type, is not
///   reported exportable for the resource, or is not compatible with the other requested types.
/// - `VUID-VkMemoryAllocateInfo-allocationSize-07899`: `allocationSize` is 0.
/// - `VUID-VkMemoryAllocateInfo-pNext-00639`: a type is `DEDICATED_ONLY` (always so for
///   MTLTEXTURE, which needs a dedicated **image**) and the allocation is not dedicated.
/// - `VUID-VkMemoryDedicatedAllocateInfo-image-02964` / `-buffer-02965`: dedicated allocation
///   smaller than the resource requires.
/// - Memory-type errors as for imports (`VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714`,
///   `VUID-vkBindBufferMemory-memory-01035`, `VUID-vkBindImageMemory-memory-01047`).
#[inline(never)]
pub fn validate_export_allocation(
    properties: &vk::PhysicalDeviceMemoryProperties,
    request: &ExportAllocationRequest<'_>,
) -> Result<AllocationPlan, ValidationError> {
    let ExportAllocationRequest {
        handle_types,
        allocation_size,
        memory_type,
        resource,
        capabilities,
    } = *request;
    const CONTEXT: &str = "VkExportMemoryAllocateInfo::handleTypes";
    if handle_types.is_empty() || !MetalHandleType::ALL_BITS.contains(handle_types) {
        return Err(error(
            CONTEXT,
            format!(
                "is {handle_types:?} ({:#x}); it must be a non-empty set of MTLBUFFER, MTLTEXTURE \
                 and MTLHEAP bits",
                handle_types.as_raw()
            ),
            &["VUID-VkExportMemoryAllocateInfo-handleTypes-00656"],
        ));
    }
    let mut dedicated_only = false;
    for t in MetalHandleType::iter_set(handle_types) {
        let Some(caps) = capabilities.iter().find(|c| c.handle_type == t) else {
            return Err(error(
                CONTEXT,
                format!("no capability query result for {t}; query it for this resource first"),
                &["VUID-VkExportMemoryAllocateInfo-handleTypes-00656"],
            ));
        };
        if !caps.exportable() {
            return Err(error(
                CONTEXT,
                format!(
                    "{t} is not reported EXPORTABLE for this resource (features {:?})",
                    caps.features
                ),
                &["VUID-VkExportMemoryAllocateInfo-handleTypes-00656"],
            ));
        }
        if !caps.compatible_handle_types.contains(handle_types) {
            return Err(error(
                CONTEXT,
                format!(
                    "{handle_types:?} are not all in the compatibleHandleTypes \
                     {:?} reported for {t}; export fewer types",
                    caps.compatible_handle_types
                ),
                &["VUID-VkExportMemoryAllocateInfo-handleTypes-00656"],
            ));
        }
        dedicated_only |= caps.dedicated_only() || t.requires_dedicated_image();
    }
    if allocation_size == 0 {
        return Err(error(
            "VkMemoryAllocateInfo::allocationSize",
            "is 0; an exportable allocation needs its size (VkMemoryRequirements::size)",
            &["VUID-VkMemoryAllocateInfo-allocationSize-07899"],
        ));
    }
    if dedicated_only {
        let needs_image = handle_types.contains(MetalHandleType::MtlTexture.to_vk());
        let ok = match resource {
            Some(r) if r.dedicated && !r.is_null() => {
                !needs_image || matches!(r.handle, Dedicated::Image(_))
            }
            _ => false,
        };
        if !ok {
            return Err(error(
                "VkMemoryAllocateInfo::pNext",
                if needs_image {
                    "MTLTEXTURE export requires a dedicated allocation for a non-null image \
                     (VkMemoryDedicatedAllocateInfo::image)"
                } else {
                    "a requested handle type is DEDICATED_ONLY; chain \
                     VkMemoryDedicatedAllocateInfo with a non-null image or buffer"
                },
                &["VUID-VkMemoryAllocateInfo-pNext-00639"],
            ));
        }
    }
    if let Some(r) = resource.as_ref().filter(|r| r.dedicated) {
        if allocation_size < r.requirements.size {
            return Err(error(
                "VkMemoryAllocateInfo::allocationSize",
                format!(
                    "{allocation_size} is smaller than the dedicated resource's \
                     VkMemoryRequirements::size {}",
                    r.requirements.size
                ),
                r.size_vuid(),
            ));
        }
    }
    let memory_type_index = choose_memory_type(
        properties,
        "VkMemoryAllocateInfo::memoryTypeIndex",
        None,
        resource.as_ref(),
        memory_type,
    )?;
    Ok(AllocationPlan {
        allocation_size,
        memory_type_index,
        dedicated: resource.and_then(|r| r.dedicated_info()),
    })
}

/// An import of a Metal object, in plain values.
#[derive(Clone, Copy, Debug)]
pub struct ImportRequest {
    /// `VkImportMemoryMetalHandleInfoEXT::handleType`.
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// `VkImportMemoryMetalHandleInfoEXT::handle` is NULL.
    pub handle_is_null: bool,
    /// `memoryTypeBits` from `vkGetMemoryMetalHandlePropertiesEXT` for the object.
    pub handle_memory_type_bits: u32,
    /// The object's size in bytes (`-[MTLBuffer length]`, `-[MTLHeap size]`); `None` for an
    /// `MTLTexture`, whose size Vulkan takes from the OS.
    pub handle_size: Option<vk::DeviceSize>,
    /// `VkMemoryAllocateInfo::allocationSize`.
    pub allocation_size: vk::DeviceSize,
    /// How to choose `memoryTypeIndex`.
    pub memory_type: MemoryTypeRequest,
    /// The resource the memory will be bound to, if known.
    pub resource: Option<Resource>,
    /// For an MTLTEXTURE import: the dedicated image's shape and the texture's.
    pub shapes: Option<(ImageShape, ImageShape)>,
    /// The importable feature reported for this handle type and resource, if it was queried
    /// (`VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10408`).
    pub features: Option<vk::ExternalMemoryFeatureFlags>,
}

/// The checked values of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportPlan {
    /// The handle type.
    pub handle_type: MetalHandleType,
    /// The allocation itself.
    pub allocation: AllocationPlan,
}

/// Validates the import of a Metal object.
///
/// # Errors
/// - `VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10410`: not exactly one Metal type.
/// - `VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10411`: NULL handle.
/// - `VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10408`: the type is reported not
///   importable for the resource.
/// - MTLTEXTURE: `VUID-VkMemoryAllocateInfo-pNext-10395` (no dedicated non-null image),
///   `-pNext-10397` (`allocationSize` not 0), `-pNext-10396` (image and texture shapes differ).
/// - MTLBUFFER / MTLHEAP (this crate's rule, no VUID): `allocationSize` must be in
///   `1..=object size`; a dedicated allocation must cover the resource
///   (`VUID-VkMemoryDedicatedAllocateInfo-image-02964` / `-buffer-02965`).
/// - Memory type: `vkGetMemoryMetalHandlePropertiesEXT` reported no type, or the chosen type is
///   outside its `memoryTypeBits` or the resource's (`VUID-vkBindBufferMemory-memory-01035`,
///   `VUID-vkBindImageMemory-memory-01047`), or out of range
///   (`VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714`).
#[inline(never)]
pub fn validate_import(
    properties: &vk::PhysicalDeviceMemoryProperties,
    request: &ImportRequest,
) -> Result<ImportPlan, ValidationError> {
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
    let handle_type = single_metal_type(
        "VkImportMemoryMetalHandleInfoEXT::handleType",
        handle_type,
        &["VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10410"],
    )?;
    if handle_is_null {
        return Err(error(
            "VkImportMemoryMetalHandleInfoEXT::handle",
            format!("is NULL; pass a valid id<{}>", handle_type.protocol_name()),
            &["VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10411"],
        ));
    }
    if let Some(features) = features {
        if !features.contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE) {
            return Err(error(
                "VkImportMemoryMetalHandleInfoEXT::handleType",
                format!(
                    "{handle_type} is not reported IMPORTABLE for this resource (features \
                     {features:?})"
                ),
                &["VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10408"],
            ));
        }
    }
    if handle_type == MetalHandleType::MtlTexture {
        let dedicated_image = matches!(
            resource,
            Some(Resource { handle: Dedicated::Image(image), dedicated: true, .. })
                if image != vk::Image::null()
        );
        if !dedicated_image {
            return Err(error(
                "VkMemoryAllocateInfo::pNext",
                "an MTLTEXTURE import must be a dedicated allocation for a non-null image \
                 (VkMemoryDedicatedAllocateInfo::image)",
                &["VUID-VkMemoryAllocateInfo-pNext-10395"],
            ));
        }
        if allocation_size != 0 {
            return Err(error(
                "VkMemoryAllocateInfo::allocationSize",
                format!(
                    "is {allocation_size}; an MTLTEXTURE import with a dedicated image takes its \
                     size from the texture and must pass 0"
                ),
                &["VUID-VkMemoryAllocateInfo-pNext-10397"],
            ));
        }
        if let Some((image, texture)) = shapes {
            if image != texture {
                return Err(error(
                    "VkMemoryDedicatedAllocateInfo::image",
                    format!(
                        "has shape {image:?} but the MTLTexture has {texture:?}; width, height, \
                         array layers and mip levels must be identical"
                    ),
                    &["VUID-VkMemoryAllocateInfo-pNext-10396"],
                ));
            }
        }
    } else {
        let object_size = handle_size.unwrap_or(0);
        if allocation_size == 0 || allocation_size > object_size {
            return Err(error(
                "VkMemoryAllocateInfo::allocationSize",
                format!(
                    "is {allocation_size} but the {} holds {object_size} bytes; import between 1 \
                     byte and the object's size (this crate's rule: the spec sets none and \
                     implementations substitute the object's size)",
                    handle_type.protocol_name()
                ),
                &[],
            ));
        }
        if let Some(r) = resource.as_ref().filter(|r| r.dedicated) {
            if r.is_null() || allocation_size < r.requirements.size {
                return Err(error(
                    "VkMemoryAllocateInfo::allocationSize",
                    format!(
                        "{allocation_size} does not cover the dedicated resource's \
                         VkMemoryRequirements::size {} (or the resource is VK_NULL_HANDLE)",
                        r.requirements.size
                    ),
                    r.size_vuid(),
                ));
            }
        }
    }
    if handle_memory_type_bits & all_memory_type_bits(properties) == 0 {
        return Err(error(
            "vkGetMemoryMetalHandlePropertiesEXT",
            format!(
                "reported memoryTypeBits {handle_memory_type_bits:#b}: this {} cannot be \
                 imported as any memory type of this device; Metal objects import only on the \
                 device that created them",
                handle_type.protocol_name()
            ),
            &[],
        ));
    }
    let memory_type_index = choose_memory_type(
        properties,
        "VkMemoryAllocateInfo::memoryTypeIndex",
        Some(handle_memory_type_bits),
        resource.as_ref(),
        memory_type,
    )?;
    Ok(ImportPlan {
        handle_type,
        allocation: AllocationPlan {
            allocation_size,
            memory_type_index,
            dedicated: resource.and_then(|r| r.dedicated_info()),
        },
    })
}
