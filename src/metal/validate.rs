//! Validation of Metal import and export requests, expressed in plain values.
//!
//! Nothing here touches Metal or a driver: a request is a handle type, sizes, bit masks and the
//! resource, so the rules run (and are tested) on every host. The Apple layer fills a request
//! from the real objects (`-[MTLBuffer length]`, `-[MTLHeap size]`, the texture's dimensions,
//! `vkGetMemoryMetalHandlePropertiesEXT`) and calls Vulkan only when validation passes.
//!
//! The rules shared with the Zircon path come from [`crate::vk::validate`], called with the Metal
//! [`ExternalHandleType`](crate::vk::ExternalHandleType)s: memory-type choice within the
//! handle's and the resource's `memoryTypeBits` ([`select_memory_type`]), the payload-size bound
//! ([`validate_allocation_size`]) and the dedicated size ([`validate_dedicated_size`]). Their failures arrive as
//! [`MetalValidationError::Shared`]. The rules only Metal has are the other variants.
//!
//! Each function destructures its request exhaustively, so a new field is a compile error here
//! rather than an unvalidated input.

use ash::vk;

use crate::ash_debug::dbg;

use super::caps::MetalMemoryCapabilities;
use super::handle_type::MetalHandleType;
use crate::vk::memory_type::all_memory_type_bits;
use crate::vk::validate::{
    select_memory_type, validate_allocation_size, validate_dedicated_size, Direction,
    MemoryTypeMasks, ResourceKind, ValidationError,
};
use crate::vk::MemoryTypeRequest;

/// The width, height, array layers and mip levels of an image or an `MTLTexture`, compared by
/// `VUID-VkMemoryAllocateInfo-pNext-10396`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageShape {
    /// `VkImageCreateInfo::extent.width` / `-[MTLTexture width]`.
    pub width: u32,
    /// `VkImageCreateInfo::extent.height` / `-[MTLTexture height]`.
    pub height: u32,
    /// `VkImageCreateInfo::arrayLayers` / `-[MTLTexture arrayLength]` (×6 for cube textures).
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

/// A buffer or an image: what `VkMemoryDedicatedAllocateInfo` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceHandle {
    /// `VkMemoryDedicatedAllocateInfo::buffer`.
    Buffer(vk::Buffer),
    /// `VkMemoryDedicatedAllocateInfo::image`.
    Image(vk::Image),
}

impl ResourceHandle {
    /// Buffer or image.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Self::Buffer(_) => ResourceKind::Buffer,
            Self::Image(_) => ResourceKind::Image,
        }
    }

    /// The handle is `VK_NULL_HANDLE`.
    pub fn is_null(&self) -> bool {
        match *self {
            Self::Buffer(b) => b == vk::Buffer::null(),
            Self::Image(i) => i == vk::Image::null(),
        }
    }
}

/// The buffer or image memory will be bound to, and what it requires.
#[derive(Clone, Copy)]
pub struct Resource {
    /// The buffer or image.
    pub handle: ResourceHandle,
    /// Its `vkGet{Buffer,Image}MemoryRequirements` result.
    pub requirements: vk::MemoryRequirements,
    /// Allocate the memory for this resource alone (chain `VkMemoryDedicatedAllocateInfo`).
    pub dedicated: bool,
}

crate::ash_debug::impl_debug!(Resource {
    handle,
    requirements: vk,
    dedicated,
});

impl Resource {
    fn masks_entry(&self) -> (ResourceKind, u32) {
        (self.handle.kind(), self.requirements.memory_type_bits)
    }
}

/// Which parameter carried a handle type or a handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Parameter {
    /// `VkImportMemoryMetalHandleInfoEXT` (import).
    ImportInfo,
    /// `VkMemoryGetMetalHandleInfoEXT` (export).
    GetInfo,
    /// `vkGetMemoryMetalHandlePropertiesEXT` (properties query).
    PropertiesQuery,
}

impl core::fmt::Display for Parameter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::ImportInfo => "VkImportMemoryMetalHandleInfoEXT",
            Self::GetInfo => "VkMemoryGetMetalHandleInfoEXT",
            Self::PropertiesQuery => "vkGetMemoryMetalHandlePropertiesEXT",
        })
    }
}

/// A Metal request that breaks a valid-usage rule, caught before Vulkan sees it.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetalValidationError {
    /// A rule shared with the Zircon path (memory type, sizes), reported by the shared core.
    #[error(transparent)]
    Shared(#[from] ValidationError),
    /// The handle type is not exactly one of the three Metal bits.
    #[error(
        "{parameter}::handleType is {} ({:#x}); it must be exactly one of MTLBUFFER \
         (0x10000), MTLTEXTURE (0x20000) or MTLHEAP (0x40000) ({})",
        dbg(handle_type),
        handle_type.as_raw(),
        vuid_or_none(self.vuid())
    )]
    NotAMetalHandleType {
        /// Where it was passed.
        parameter: Parameter,
        /// The value passed.
        handle_type: vk::ExternalMemoryHandleTypeFlags,
    },
    /// The Metal object pointer is NULL.
    #[error(
        "{parameter}: the {handle_type} handle is NULL; pass a live object ({})",
        vuid_or_none(self.vuid())
    )]
    NullHandle {
        /// Where it was passed.
        parameter: Parameter,
        /// Its handle type.
        handle_type: MetalHandleType,
    },
    /// The capability query says the handle type cannot be imported for this resource.
    #[error(
        "{handle_type} is not reported IMPORTABLE for this resource (externalMemoryFeatures \
         {}); import into a resource the driver supports ({})",
        dbg(features),
        vuid_or_none(self.vuid())
    )]
    NotImportable {
        /// The handle type.
        handle_type: MetalHandleType,
        /// What the query reported.
        features: vk::ExternalMemoryFeatureFlags,
    },
    /// An MTLTEXTURE import without a dedicated, non-null image.
    #[error(
        "an MTLTEXTURE import must be a dedicated allocation for a non-null image: chain \
         VkMemoryDedicatedAllocateInfo::image ({})",
        vuid_or_none(self.vuid())
    )]
    TextureImportNotDedicatedImage,
    /// An MTLTEXTURE import with a non-zero `allocationSize`.
    #[error(
        "allocationSize is {allocation_size}; an MTLTEXTURE import takes its size from the \
         texture and must pass 0 ({})",
        vuid_or_none(self.vuid())
    )]
    TextureImportAllocationSizeNotZero {
        /// The size passed.
        allocation_size: u64,
    },
    /// The dedicated image and the MTLTexture differ in width, height, layers or mip levels.
    #[error(
        "the dedicated image has shape {image:?} but the MTLTexture has {texture:?}; create the \
         image with the texture's width, height, array layers and mip levels ({})",
        vuid_or_none(self.vuid())
    )]
    TextureShapeMismatch {
        /// The image's shape.
        image: ImageShape,
        /// The texture's shape.
        texture: ImageShape,
    },
    /// `vkGetMemoryMetalHandlePropertiesEXT` reported no memory type of this device.
    #[error(
        "vkGetMemoryMetalHandlePropertiesEXT reported memoryTypeBits {handle_bits:#b} for the \
         {handle_type}: it cannot be imported into this device; Metal objects import only on the \
         device (MTLDevice) that created them"
    )]
    NoImportableMemoryType {
        /// The handle type.
        handle_type: MetalHandleType,
        /// The bits reported.
        handle_bits: u32,
    },
    /// Export from memory allocated without `VkExportMemoryAllocateInfo`.
    #[error(
        "the memory was not allocated with VkExportMemoryAllocateInfo, so it cannot be exported \
         as {handle_type}; allocate it for export ({})",
        vuid_or_none(self.vuid())
    )]
    NotAllocatedForExport {
        /// The handle type asked for.
        handle_type: MetalHandleType,
    },
    /// Export of a type not requested at allocation.
    #[error(
        "{handle_type} was not requested when the memory was allocated \
         (VkExportMemoryAllocateInfo::handleTypes = {}); add it there ({})",
        dbg(export_handle_types),
        vuid_or_none(self.vuid())
    )]
    HandleTypeNotExported {
        /// The handle type asked for.
        handle_type: MetalHandleType,
        /// The types requested at allocation.
        export_handle_types: vk::ExternalMemoryHandleTypeFlags,
    },
    /// `VkExportMemoryAllocateInfo::handleTypes` is empty or holds non-Metal bits.
    #[error(
        "VkExportMemoryAllocateInfo::handleTypes is {} ({:#x}); the Metal path \
         exports a non-empty set of MTLBUFFER, MTLTEXTURE and MTLHEAP bits only",
        dbg(handle_types),
        handle_types.as_raw()
    )]
    ExportHandleTypesNotMetal {
        /// The types passed.
        handle_types: vk::ExternalMemoryHandleTypeFlags,
    },
    /// The capability query says the handle type cannot be exported for this resource (or was not
    /// asked).
    #[error(
        "{handle_type} is not reported EXPORTABLE for this resource (externalMemoryFeatures \
         {}; None = not queried); query the capabilities and export only supported \
         types ({})",
        dbg(features),
        vuid_or_none(self.vuid())
    )]
    NotExportable {
        /// The handle type.
        handle_type: MetalHandleType,
        /// What the query reported, if it was asked.
        features: Option<vk::ExternalMemoryFeatureFlags>,
    },
    /// The requested export types are not all compatible with each other.
    #[error(
        "{} are not all in the compatibleHandleTypes {} reported for \
         {handle_type}; export fewer types ({})",
        dbg(handle_types),
        dbg(compatible),
        vuid_or_none(self.vuid())
    )]
    IncompatibleExportTypes {
        /// The type whose compatibility list excludes another.
        handle_type: MetalHandleType,
        /// All requested types.
        handle_types: vk::ExternalMemoryHandleTypeFlags,
        /// Its compatible types.
        compatible: vk::ExternalMemoryHandleTypeFlags,
    },
    /// An exportable allocation of size 0.
    #[error(
        "allocationSize is 0; an exportable allocation needs its size (VkMemoryRequirements::size) \
         ({})",
        vuid_or_none(self.vuid())
    )]
    ExportAllocationSizeZero,
    /// A `DEDICATED_ONLY` type (MTLTEXTURE always, needing an image) without a dedicated resource.
    #[error(
        "{handle_type} memory must be a dedicated allocation for a non-null {}: chain \
         VkMemoryDedicatedAllocateInfo ({})",
        if *needs_image { "image" } else { "image or buffer" },
        vuid_or_none(self.vuid())
    )]
    DedicatedAllocationRequired {
        /// The type that requires it.
        handle_type: MetalHandleType,
        /// Only an image will do (MTLTEXTURE).
        needs_image: bool,
    },
}

fn vuid_or_none(vuid: Option<&'static str>) -> &'static str {
    vuid.unwrap_or("no VUID")
}

crate::ash_debug::debug_as_display!(MetalValidationError);

impl MetalValidationError {
    /// The VUID this failure protects, where the specification names one.
    pub fn vuid(&self) -> Option<&'static str> {
        match self {
            Self::Shared(e) => e.vuid(),
            Self::NotAMetalHandleType { parameter, .. } => Some(match parameter {
                Parameter::ImportInfo => "VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10410",
                Parameter::GetInfo => "VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10415",
                Parameter::PropertiesQuery => {
                    "VUID-vkGetMemoryMetalHandlePropertiesEXT-handleType-10417"
                }
            }),
            Self::NullHandle { parameter, .. } => match parameter {
                Parameter::ImportInfo => {
                    Some("VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10411")
                }
                Parameter::PropertiesQuery => {
                    Some("VUID-vkGetMemoryMetalHandlePropertiesEXT-handle-10416")
                }
                Parameter::GetInfo => None,
            },
            Self::NotImportable { .. } => {
                Some("VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10408")
            }
            Self::TextureImportNotDedicatedImage => Some("VUID-VkMemoryAllocateInfo-pNext-10395"),
            Self::TextureShapeMismatch { .. } => Some("VUID-VkMemoryAllocateInfo-pNext-10396"),
            Self::TextureImportAllocationSizeNotZero { .. } => {
                Some("VUID-VkMemoryAllocateInfo-pNext-10397")
            }
            Self::NotAllocatedForExport { .. } => {
                Some("VUID-VkMemoryGetMetalHandleInfoEXT-memory-10413")
            }
            Self::HandleTypeNotExported { .. } => {
                Some("VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10414")
            }
            Self::NotExportable { .. } | Self::IncompatibleExportTypes { .. } => {
                Some("VUID-VkExportMemoryAllocateInfo-handleTypes-00656")
            }
            Self::ExportAllocationSizeZero => {
                Some("VUID-VkMemoryAllocateInfo-allocationSize-07899")
            }
            Self::DedicatedAllocationRequired { .. } => {
                Some("VUID-VkMemoryAllocateInfo-pNext-00639")
            }
            Self::NoImportableMemoryType { .. } | Self::ExportHandleTypesNotMetal { .. } => None,
        }
    }
}

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

/// A `vkGetMemoryMetalHandleEXT` request, in plain values.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExportRequest {
    /// `VkMemoryGetMetalHandleInfoEXT::handleType`.
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// `VkExportMemoryAllocateInfo::handleTypes` the memory was allocated with; `None` when the
    /// allocation carried no `VkExportMemoryAllocateInfo`.
    pub export_handle_types: Option<vk::ExternalMemoryHandleTypeFlags>,
}

crate::ash_debug::impl_debug!(ExportRequest {
    handle_type: vk,
    export_handle_types: vk,
});

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

/// An allocation that will be exported as Metal objects, in plain values.
#[derive(Clone, Copy)]
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
    /// [`super::caps`]); a requested type missing here is treated as not exportable.
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
    pub dedicated: Option<ResourceHandle>,
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

crate::ash_debug::impl_debug!(<'a> ExportAllocationRequest<'a> {
    handle_types: vk,
    allocation_size,
    memory_type,
});

/// An import of a Metal object, in plain values.
#[derive(Clone, Copy)]
pub struct ImportRequest {
    /// `VkImportMemoryMetalHandleInfoEXT::handleType`.
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// `VkImportMemoryMetalHandleInfoEXT::handle` is NULL.
    pub handle_is_null: bool,
    /// `memoryTypeBits` from `vkGetMemoryMetalHandlePropertiesEXT` for the object.
    pub handle_memory_type_bits: u32,
    /// The object's size in bytes (`-[MTLBuffer length]`, `-[MTLHeap size]`); ignored for an
    /// `MTLTexture`, whose size Vulkan takes from the OS.
    pub handle_size: vk::DeviceSize,
    /// `VkMemoryAllocateInfo::allocationSize`.
    pub allocation_size: vk::DeviceSize,
    /// How to choose `memoryTypeIndex`.
    pub memory_type: MemoryTypeRequest,
    /// The resource the memory will be bound to, if known.
    pub resource: Option<Resource>,
    /// For an MTLTEXTURE import: the dedicated image's shape and the texture's.
    pub shapes: Option<(ImageShape, ImageShape)>,
    /// `externalMemoryFeatures` reported for this handle type and resource, if queried.
    pub features: Option<vk::ExternalMemoryFeatureFlags>,
}

crate::ash_debug::impl_debug!(ImportRequest {
    handle_type: vk,
    handle_is_null,
    handle_memory_type_bits,
    handle_size,
    allocation_size,
    memory_type,
    resource,
    shapes,
    features: vk,
});

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
