//! The constraints, properties and errors of [`super::buffer_collection`].

use ash::vk;

use crate::ash_debug::{dbg, debug_as_display, impl_debug};
use crate::sysmem::images::{ColorSpace, PixelFormat};
use crate::sysmem::vulkan_image::pixel_format;
use crate::sysmem::BufferCollectionToken;

/// `VkBufferCollectionConstraintsInfoFUCHSIA`: the buffer counts this participant asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BufferCounts {
    /// `minBufferCount`.
    pub min_buffer_count: u32,
    /// `maxBufferCount` (0: no limit).
    pub max_buffer_count: u32,
    /// `minBufferCountForCamping`: buffers this participant holds at once.
    pub min_buffer_count_for_camping: u32,
    /// `minBufferCountForDedicatedSlack`.
    pub min_buffer_count_for_dedicated_slack: u32,
    /// `minBufferCountForSharedSlack`.
    pub min_buffer_count_for_shared_slack: u32,
}

impl BufferCounts {
    /// `camping` buffers held at once, nothing else asked.
    pub fn camping(camping: u32) -> Self {
        BufferCounts {
            min_buffer_count_for_camping: camping,
            ..Default::default()
        }
    }

    pub(crate) fn info(&self) -> vk::BufferCollectionConstraintsInfoFUCHSIA<'static> {
        vk::BufferCollectionConstraintsInfoFUCHSIA::default()
            .min_buffer_count(self.min_buffer_count)
            .max_buffer_count(self.max_buffer_count)
            .min_buffer_count_for_camping(self.min_buffer_count_for_camping)
            .min_buffer_count_for_dedicated_slack(self.min_buffer_count_for_dedicated_slack)
            .min_buffer_count_for_shared_slack(self.min_buffer_count_for_shared_slack)
    }
}

/// The parts of a `VkImageCreateInfo` a buffer collection's images are created from (2D,
/// exclusive, no chain: what can be shared through sysmem).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ImageDescription {
    /// `flags`.
    pub flags: vk::ImageCreateFlags,
    /// `format` (`UNDEFINED` lets `sysmem_pixel_format` choose).
    pub format: vk::Format,
    /// `extent` (depth 1).
    pub extent: vk::Extent2D,
    /// `tiling`: `LINEAR` where another participant reads the pixels.
    pub tiling: vk::ImageTiling,
    /// `usage`.
    pub usage: vk::ImageUsageFlags,
}

impl_debug!(ImageDescription {
    flags: vk,
    format: vk,
    extent: vk,
    tiling: vk,
    usage: vk,
});

impl ImageDescription {
    /// The description of `info` (its flags, format, extent, tiling and usage).
    ///
    /// # Errors
    /// [`ImageDescriptionError`]: not a single-sample, single-level, single-layer 2D image,
    /// concurrent sharing, or a pNext chain.
    pub fn from_create_info(info: &vk::ImageCreateInfo<'_>) -> Result<Self, ImageDescriptionError> {
        let simple = info.image_type == vk::ImageType::TYPE_2D
            && info.extent.depth == 1
            && info.mip_levels == 1
            && info.array_layers == 1
            && info.samples == vk::SampleCountFlags::TYPE_1;
        if !simple {
            return Err(ImageDescriptionError::NotSimple2d);
        }
        if !info.p_next.is_null() || info.sharing_mode != vk::SharingMode::EXCLUSIVE {
            return Err(ImageDescriptionError::Extended);
        }
        Ok(ImageDescription {
            flags: info.flags,
            format: info.format,
            extent: vk::Extent2D {
                width: info.extent.width,
                height: info.extent.height,
            },
            tiling: info.tiling,
            usage: info.usage,
        })
    }

    /// The `VkImageCreateInfo`: 2D, one level, one layer, one sample, exclusive, `UNDEFINED`
    /// initial layout.
    pub fn create_info(&self) -> vk::ImageCreateInfo<'static> {
        vk::ImageCreateInfo::default()
            .flags(self.flags)
            .image_type(vk::ImageType::TYPE_2D)
            .format(self.format)
            .extent(vk::Extent3D {
                width: self.extent.width,
                height: self.extent.height,
                depth: 1,
            })
            .mip_levels(1)
            .array_layers(1)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(self.tiling)
            .usage(self.usage)
            .sharing_mode(vk::SharingMode::EXCLUSIVE)
            .initial_layout(vk::ImageLayout::UNDEFINED)
    }

    /// The format features `usage` needs (VUID-VkImageConstraintsInfoFUCHSIA-
    /// pFormatConstraints-06396 .. -06400), plus the transfer features for transfer usages.
    pub fn required_format_features(&self) -> vk::FormatFeatureFlags {
        crate::sysmem::vulkan_image::required_format_features(self.usage)
    }
}

/// One `VkImageFormatConstraintsInfoFUCHSIA`: an image this participant can use, and what it
/// needs of it.
#[derive(Clone, PartialEq, Eq)]
pub struct ImageFormatConstraint {
    /// The image.
    pub image: ImageDescription,
    /// `requiredFormatFeatures` (never empty).
    pub required_format_features: vk::FormatFeatureFlags,
    /// `sysmemPixelFormat` (`None`: the driver's for `image.format`).
    pub sysmem_pixel_format: Option<PixelFormat>,
    /// `pColorSpaces` (never empty).
    pub color_spaces: Vec<ColorSpace>,
}

impl std::fmt::Debug for ImageFormatConstraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageFormatConstraint")
            .field("image", &self.image)
            .field(
                "required_format_features",
                &format_args!("{:#x}", self.required_format_features.as_raw()),
            )
            .field("sysmem_pixel_format", &self.sysmem_pixel_format)
            .field("color_spaces", &self.color_spaces)
            .finish()
    }
}

impl ImageFormatConstraint {
    /// The image of `info`, with the format features its usage needs and the color spaces its
    /// format goes with (sRGB for RGB, BT.709 / BT.601 for 4:2:0).
    ///
    /// # Errors
    /// As [`ImageDescription::from_create_info`].
    pub fn from_create_info(info: &vk::ImageCreateInfo<'_>) -> Result<Self, ImageDescriptionError> {
        let image = ImageDescription::from_create_info(info)?;
        let color_spaces = pixel_format(image.format)
            .map_or_else(|| vec![ColorSpace::SRGB], |(_, spaces)| spaces.to_vec());
        Ok(ImageFormatConstraint {
            required_format_features: image.required_format_features(),
            image,
            sysmem_pixel_format: None,
            color_spaces,
        })
    }
}

/// `VkImageConstraintsInfoFUCHSIA`: the images this participant can use, most preferred first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageConstraints {
    /// `pFormatConstraints` (1 to 64 entries).
    pub formats: Vec<ImageFormatConstraint>,
    /// `bufferCollectionConstraints`.
    pub counts: BufferCounts,
    /// `flags` (`CPU_READ_OFTEN` etc.: this participant's CPU use, as bits).
    pub flags: u32,
}

/// `VkBufferConstraintsInfoFUCHSIA`: buffers this participant can use.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BufferConstraints {
    /// `createInfo.size`.
    pub size: u64,
    /// `createInfo.usage`.
    pub usage: vk::BufferUsageFlags,
    /// `requiredFormatFeatures` (buffer-compatible features only, 06404).
    pub required_format_features: vk::FormatFeatureFlags,
    /// `bufferCollectionConstraints`.
    pub counts: BufferCounts,
}

impl std::fmt::Debug for BufferConstraints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferConstraints")
            .field("size", &self.size)
            .field("usage", &dbg(self.usage))
            .field(
                "required_format_features",
                &format_args!("{:#x}", self.required_format_features.as_raw()),
            )
            .field("counts", &self.counts)
            .finish()
    }
}

impl BufferConstraints {
    /// The `VkBufferCreateInfo` of each buffer (exclusive, no flags).
    pub fn create_info(&self) -> vk::BufferCreateInfo<'static> {
        vk::BufferCreateInfo::default()
            .size(self.size)
            .usage(self.usage)
            .sharing_mode(vk::SharingMode::EXCLUSIVE)
    }
}

/// `VkBufferCollectionPropertiesFUCHSIA`: what sysmem chose, as this device sees it.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct BufferCollectionProperties {
    /// `memoryTypeBits`: the types the buffers can be imported as.
    pub memory_type_bits: u32,
    /// `bufferCount`.
    pub buffer_count: u32,
    /// `createInfoIndex`: the chosen entry of [`ImageConstraints::formats`] (0 for buffers).
    pub create_info_index: u32,
    /// `sysmemPixelFormat`.
    pub sysmem_pixel_format: PixelFormat,
    /// `formatFeatures`.
    pub format_features: vk::FormatFeatureFlags,
    /// `sysmemColorSpaceIndex.colorSpace`: the chosen color space.
    pub color_space: ColorSpace,
    /// `samplerYcbcrConversionComponents`.
    pub sampler_ycbcr_conversion_components: vk::ComponentMapping,
    /// `suggestedYcbcrModel`.
    pub suggested_ycbcr_model: vk::SamplerYcbcrModelConversion,
    /// `suggestedYcbcrRange`.
    pub suggested_ycbcr_range: vk::SamplerYcbcrRange,
    /// `suggestedXChromaOffset`.
    pub suggested_x_chroma_offset: vk::ChromaLocation,
    /// `suggestedYChromaOffset`.
    pub suggested_y_chroma_offset: vk::ChromaLocation,
}

impl std::fmt::Debug for BufferCollectionProperties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferCollectionProperties")
            .field(
                "memory_type_bits",
                &format_args!("{:#b}", self.memory_type_bits),
            )
            .field("buffer_count", &self.buffer_count)
            .field("create_info_index", &self.create_info_index)
            .field("sysmem_pixel_format", &self.sysmem_pixel_format)
            .field(
                "format_features",
                &format_args!("{:#x}", self.format_features.as_raw()),
            )
            .field("color_space", &self.color_space)
            .field(
                "suggested_ycbcr_model",
                &self.suggested_ycbcr_model.as_raw(),
            )
            .field(
                "suggested_ycbcr_range",
                &self.suggested_ycbcr_range.as_raw(),
            )
            .finish_non_exhaustive()
    }
}

/// An image description that cannot be shared through a buffer collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageDescriptionError {
    /// Only single-sample, single-level, single-layer 2D images.
    #[error("buffer collection images are 2D, with one mip level, one array layer and one sample")]
    NotSimple2d,
    /// The images are created from the description alone.
    #[error("a pNext chain or concurrent sharing: buffer collection images are created from flags, format, extent, tiling and usage only")]
    Extended,
}

/// The name of a `VkResult` these commands return.
pub(crate) fn result_name(result: vk::Result) -> String {
    let name = match result {
        vk::Result::ERROR_OUT_OF_HOST_MEMORY => "VK_ERROR_OUT_OF_HOST_MEMORY",
        vk::Result::ERROR_OUT_OF_DEVICE_MEMORY => "VK_ERROR_OUT_OF_DEVICE_MEMORY",
        vk::Result::ERROR_INITIALIZATION_FAILED => "VK_ERROR_INITIALIZATION_FAILED",
        vk::Result::ERROR_INVALID_EXTERNAL_HANDLE => "VK_ERROR_INVALID_EXTERNAL_HANDLE",
        vk::Result::ERROR_FORMAT_NOT_SUPPORTED => "VK_ERROR_FORMAT_NOT_SUPPORTED",
        vk::Result::ERROR_VALIDATION_FAILED_EXT => "VK_ERROR_VALIDATION_FAILED_EXT",
        vk::Result::ERROR_UNKNOWN => "VK_ERROR_UNKNOWN",
        r => return format!("VkResult {}", r.as_raw()),
    };
    name.to_owned()
}

/// `vkCreateBufferCollectionFUCHSIA` failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum CreateBufferCollectionError {
    /// The device was created without `VK_FUCHSIA_buffer_collection`.
    #[error("the device was created without VK_FUCHSIA_buffer_collection: enable it (after VK_FUCHSIA_external_memory) in VkDeviceCreateInfo")]
    ExtensionNotEnabled {
        /// The token, still the caller's.
        token: BufferCollectionToken,
    },
    /// The token is not one sysmem knows (VUID-VkBufferCollectionCreateInfoFUCHSIA-
    /// collectionToken-06393); it is handed back.
    #[error("vkCreateBufferCollectionFUCHSIA: VK_ERROR_INVALID_EXTERNAL_HANDLE: the token is not a buffer collection token sysmem knows (duplicate it with duplicate_sync, or sync, before handing it to Vulkan; VUID-VkBufferCollectionCreateInfoFUCHSIA-collectionToken-06393)")]
    InvalidToken {
        /// The token, still the caller's.
        token: BufferCollectionToken,
    },
    /// The command failed; the token was consumed (the driver took it).
    #[error("vkCreateBufferCollectionFUCHSIA: {}", result_name(*.0))]
    Vulkan(vk::Result),
}

/// `vkSetBufferCollection{Image,Buffer}ConstraintsFUCHSIA` failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum SetConstraintsError {
    /// Constraints were already set on this collection (VUID-vkSetBufferCollection
    /// ImageConstraintsFUCHSIA-collection-06394 / -BufferConstraintsFUCHSIA-collection-06403).
    #[error("constraints were already set on this buffer collection: set them once (VUID-vkSetBufferCollectionImageConstraintsFUCHSIA-collection-06394, VUID-vkSetBufferCollectionBufferConstraintsFUCHSIA-collection-06403)")]
    AlreadySet,
    /// No format constraints, or more than 64.
    #[error("{0} format constraints: give between 1 and 64 (VUID-VkImageConstraintsInfoFUCHSIA-formatConstraintsCount-arraylength)")]
    FormatCount(usize),
    /// A format constraint has no required features or no color space
    /// (VUID-VkImageConstraintsInfoFUCHSIA-pFormatConstraints-06395,
    /// VUID-VkImageFormatConstraintsInfoFUCHSIA-colorSpaceCount-arraylength).
    #[error("format constraint {index} has no required format features or no color space (VUID-VkImageConstraintsInfoFUCHSIA-pFormatConstraints-06395, VUID-VkImageFormatConstraintsInfoFUCHSIA-colorSpaceCount-arraylength)")]
    EmptyConstraint {
        /// The entry.
        index: usize,
    },
    /// The driver supports none of the formats (`VK_ERROR_FORMAT_NOT_SUPPORTED`).
    #[error("vkSetBufferCollectionImageConstraintsFUCHSIA: VK_ERROR_FORMAT_NOT_SUPPORTED: the driver can make none of these images in sysmem memory (on the host: LINEAR 2D images of a format sysmem has, with the required features)")]
    FormatNotSupported,
    /// The command failed otherwise.
    #[error("{command}: {}", result_name(*.result))]
    Vulkan {
        /// The command.
        command: &'static str,
        /// Its result.
        result: vk::Result,
    },
}

/// `vkGetBufferCollectionPropertiesFUCHSIA` failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum PropertiesError {
    /// No constraints were set yet (VUID-vkGetBufferCollectionPropertiesFUCHSIA-None-06405).
    #[error("set constraints (set_image_constraints or set_buffer_constraints) before asking for the properties (VUID-vkGetBufferCollectionPropertiesFUCHSIA-None-06405)")]
    ConstraintsNotSet,
    /// Sysmem could not resolve every participant's constraints
    /// (`VK_ERROR_INITIALIZATION_FAILED`): the collection has failed.
    #[error("vkGetBufferCollectionPropertiesFUCHSIA: VK_ERROR_INITIALIZATION_FAILED: sysmem could not allocate buffers every participant's constraints allow (sysmem's log names the constraint); the collection has failed")]
    AllocationFailed,
    /// The command failed otherwise.
    #[error("vkGetBufferCollectionPropertiesFUCHSIA: {}", result_name(*.0))]
    Vulkan(vk::Result),
}

/// Creating a resource or importing memory from a buffer collection failed; nothing leaked.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum CollectionImportError {
    /// The collection's properties were not read yet, or failed.
    #[error("the collection is not allocated: call properties() first")]
    NotAllocated(#[source] PropertiesError),
    /// `index` is not below `bufferCount` (VUID-VkBufferCollectionImageCreateInfoFUCHSIA-
    /// index-06391, VUID-VkBufferCollectionBufferCreateInfoFUCHSIA-index-06388,
    /// VUID-VkImportMemoryBufferCollectionFUCHSIA-index-06406).
    #[error("buffer index {index} is not below the collection's bufferCount {buffer_count} (VUID-VkBufferCollectionImageCreateInfoFUCHSIA-index-06391, VUID-VkBufferCollectionBufferCreateInfoFUCHSIA-index-06388, VUID-VkImportMemoryBufferCollectionFUCHSIA-index-06406)")]
    IndexOutOfRange {
        /// The index asked for.
        index: u32,
        /// `bufferCount`.
        buffer_count: u32,
    },
    /// Image constraints were set, and a buffer asked for (or the other way round).
    #[error("the collection was constrained for {constrained}, not for this resource")]
    WrongKind {
        /// `"images"` or `"buffers"`.
        constrained: &'static str,
    },
    /// No memory type is in both the collection's and the resource's bits.
    #[error("no memory type is in both the collection's memoryTypeBits {collection:#b} and the resource's {resource:#b} (VUID-VkMemoryAllocateInfo-memoryTypeIndex-06386)")]
    NoMemoryType {
        /// `VkBufferCollectionPropertiesFUCHSIA::memoryTypeBits`.
        collection: u32,
        /// `VkMemoryRequirements::memoryTypeBits`.
        resource: u32,
    },
    /// Creating the image or buffer failed.
    #[error("creating the resource failed")]
    Create(#[source] crate::vk::AllocateError),
    /// A command failed.
    #[error("{command}: {}", result_name(*.result))]
    Vulkan {
        /// The command.
        command: &'static str,
        /// Its result.
        result: vk::Result,
    },
}

debug_as_display!(
    CreateBufferCollectionError,
    SetConstraintsError,
    PropertiesError,
    CollectionImportError,
);
