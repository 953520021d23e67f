//! [`MetalValidationError`]: a Metal request that breaks a valid-usage rule, with the VUID.

use ash::vk;

use crate::ash_debug::dbg;

use super::handle_type::MetalHandleType;
use super::request::ImageShape;
use crate::external_memory::ValidationError;

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
