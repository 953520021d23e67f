//! Vulkan images in sysmem image collections: constraints from what the application will
//! create and what the driver supports, and import of each buffer as a `VkImage` whose memory
//! layout is the one sysmem chose.
//!
//! # Which layout
//!
//! Where the driver offers it (the application stated `VK_EXT_image_drm_format_modifier`
//! enabled, [`Interop::with_enabled_extensions`](crate::vk::Interop::with_enabled_extensions);
//! the driver lists `DRM_FORMAT_MOD_LINEAR` for the format with the features the usage needs;
//! and VMO memory can back such an image: [`NoExplicitLayout`] says which failed),
//! images are created with `VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT` and sysmem's plane offsets
//! and row pitches given explicitly ([`LayoutSource::DrmFormatModifierExplicit`]). Elsewhere
//! (lavapipe, Mesa 22.3, has no such extension) they are `LINEAR` images whose driver layout is
//! checked against sysmem's ([`LayoutSource::CheckedLinear`], with the reason). The probe and
//! the import decide the same way, so the constraints and the images agree.
//!
//! # Constraints
//!
//! [`VulkanImageInfo::probe`] asks the driver, for each candidate `VkFormat` (in the order the
//! application prefers):
//!
//! - which layout the import will use, and whether an image of that tiling, format, usage and
//!   extent can live in VMO memory: the features the usage needs (the DRM modifier's tiling
//!   features, or the linear ones) and `vkGetPhysicalDeviceImageFormatProperties2` with
//!   `ZIRCON_VMO` (and the modifier); a format that cannot, or has no sysmem `PixelFormat`, is
//!   left out and the reason kept ([`ProbedImage::left_out`]);
//! - the row pitch the driver gives such an image (`vkGetImageSubresourceLayout` of a probe
//!   image at the extent's width and at the narrowest width), which becomes `min_bytes_per_row`
//!   and `bytes_per_row_divisor`, so sysmem picks a pitch this driver produces. The explicit
//!   layout keeps both: drivers still require their pitch alignment of explicit pitches, and the
//!   driver's own pitch is the one known to be accepted; what it adds is that a larger pitch or
//!   plane offsets another participant needs are taken as given rather than refused;
//! - the memory requirements, whose size becomes `min_size_bytes`.
//!
//! # Import
//!
//! [`import_image`] creates the image the application described, with the format sysmem
//! chose, either with sysmem's layout given explicitly or as a linear image, and checks before
//! Vulkan sees the VMO that the driver's layout is sysmem's (each plane's offset and row pitch,
//! [`ImageLayout`](super::image_format::ImageLayout); for a linear image this is the check that
//! matters, reported as [`ImportImageError::LayoutMismatch`]), that `vmo_usable_start` meets the
//! image's alignment, and that the image fits the VMO from there
//! (VUID-vkBindImageMemory-size-01049); the VMO comes back inside the error otherwise. It then
//! imports the VMO (dedicated to the image, or not) and binds it at `vmo_usable_start`.
//! [`import_images`] imports every buffer of a collection, each dedicated to its own image.
//! [`ImportedImage::layout_source`] says which layout was used.

use ash::vk;

pub use super::vulkan_image_drm::{LayoutSource, NoExplicitLayout, DRM_FORMAT_MOD_LINEAR};
pub use super::vulkan_image_import::{
    import_image, import_images, ImportImageError, ImportedImage,
};
pub(crate) use super::vulkan_image_probe::required_format_features;

use super::images::{ColorSpace, ImageFormatConstraints, PixelFormat, PixelFormatAndModifier};
use super::types::{BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage};
use super::vulkan::image_usage;
use crate::ash_debug::{dbg, debug_as_display, impl_debug};
use crate::vk::{AllocateError, VulkanError};

/// The sysmem pixel format of a `VkFormat`, and the color spaces it goes with: sRGB for RGB,
/// the BT.709 and BT.601 YCbCr spaces for the 4:2:0 formats. `None` for formats sysmem has no
/// equivalent of.
pub fn pixel_format(format: vk::Format) -> Option<(PixelFormat, &'static [ColorSpace])> {
    const RGB: &[ColorSpace] = &[ColorSpace::SRGB];
    const YUV: &[ColorSpace] = &[
        ColorSpace::REC709,
        ColorSpace::REC601_NTSC,
        ColorSpace::REC601_PAL,
    ];
    Some(match format {
        vk::Format::R8G8B8A8_UNORM | vk::Format::R8G8B8A8_SRGB => (PixelFormat::R8G8B8A8, RGB),
        vk::Format::B8G8R8A8_UNORM | vk::Format::B8G8R8A8_SRGB => (PixelFormat::B8G8R8A8, RGB),
        vk::Format::R5G6B5_UNORM_PACK16 => (PixelFormat::R5G6B5, RGB),
        vk::Format::R8_UNORM => (PixelFormat::R8, RGB),
        vk::Format::R8G8_UNORM => (PixelFormat::R8G8, RGB),
        vk::Format::G8_B8R8_2PLANE_420_UNORM => (PixelFormat::NV12, YUV),
        vk::Format::G8_B8_R8_3PLANE_420_UNORM => (PixelFormat::I420, YUV),
        _ => return None,
    })
}

/// The aspects of each plane of a format, in plane order.
pub(super) fn plane_aspects(format: PixelFormat) -> &'static [vk::ImageAspectFlags] {
    match format {
        PixelFormat::NV12 => &[vk::ImageAspectFlags::PLANE_0, vk::ImageAspectFlags::PLANE_1],
        PixelFormat::I420 => &[
            vk::ImageAspectFlags::PLANE_0,
            vk::ImageAspectFlags::PLANE_1,
            vk::ImageAspectFlags::PLANE_2,
        ],
        _ => &[vk::ImageAspectFlags::COLOR],
    }
}

/// The images one Vulkan participant will create, one per buffer.
#[derive(Clone)]
pub struct VulkanImageInfo {
    /// Candidate formats, most preferred first.
    pub formats: Vec<vk::Format>,
    /// The image's size; sysmem's `min_size`.
    pub extent: vk::Extent2D,
    /// `VkImageCreateInfo::usage`.
    pub usage: vk::ImageUsageFlags,
    /// Memory properties the imported memory must have (device-local is preferred on top).
    /// `HOST_VISIBLE` here also keeps sysmem off the INACCESSIBLE coherency domain.
    pub memory_properties: vk::MemoryPropertyFlags,
    /// Buffers held at once (`min_buffer_count_for_camping`).
    pub min_buffer_count_for_camping: u32,
}

/// Why a candidate format was left out of the constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeftOut {
    /// Sysmem has no pixel format for it.
    NoPixelFormat,
    /// The driver can make no image of it with this usage in VMO memory (neither with the
    /// explicit layout nor linear), or not this large.
    NotSupported,
}

/// One candidate the driver can use.
#[derive(Clone)]
pub struct ProbedFormat {
    /// The `VkFormat`.
    pub format: vk::Format,
    /// Its sysmem pixel format.
    pub pixel_format: PixelFormat,
    /// The driver's row pitch (plane 0) of an image of the extent's width.
    pub row_pitch: u32,
    /// The row pitch alignment it shows (the gcd of the pitches at two widths).
    pub row_pitch_alignment: u32,
    /// The memory requirements of an image of the extent.
    pub requirements: vk::MemoryRequirements,
    /// The layout the import will use (the probe images had its tiling).
    pub layout_source: LayoutSource,
}

/// What [`VulkanImageInfo::probe`] found.
#[derive(Clone)]
pub struct ProbedImage {
    /// The images described.
    pub info: VulkanImageInfo,
    /// The formats the driver can use, in preference order.
    pub formats: Vec<ProbedFormat>,
    /// The formats left out, and why.
    pub left_out: Vec<(vk::Format, LeftOut)>,
}

/// Probing the driver failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// No candidate format can be used; each is listed with the reason.
    #[error("no candidate format can back a linear {width}x{height} image with usage {} in VMO memory: {:?}", dbg(usage), dbg(left_out))]
    NoUsableFormat {
        /// The extent's width.
        width: u32,
        /// The extent's height.
        height: u32,
        /// The usage.
        usage: vk::ImageUsageFlags,
        /// Every candidate and why it was left out.
        left_out: Vec<(vk::Format, LeftOut)>,
    },
    /// A probe image could not be created.
    #[error("creating a probe image failed")]
    CreateImage(#[source] AllocateError),
    /// The format query failed for another reason than "not supported".
    #[error("vkGetPhysicalDeviceImageFormatProperties2 failed")]
    Query(#[source] VulkanError),
}

/// A `VkImageCreateInfo` that cannot describe images shared through sysmem here.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreateInfoError {
    /// Only linear images have a layout every participant can compute.
    #[error("tiling {}: images shared through sysmem here are LINEAR (another participant must find the pixels at sysmem's bytes_per_row)", dbg(.0))]
    NotLinear(vk::ImageTiling),
    /// Sysmem images are 2D, one mip level, one layer, one sample.
    #[error("{what} is {value}: sysmem images are 2D, with one mip level, one array layer and one sample")]
    NotSimple2d {
        /// The field.
        what: &'static str,
        /// Its value.
        value: String,
    },
    /// A pNext chain or flags would change the image in ways the import does not reproduce.
    #[error("flags {} or a pNext chain: the import creates the image from format, extent, usage and tiling only", dbg(.0))]
    Extended(vk::ImageCreateFlags),
}

impl_debug!(VulkanImageInfo {
    formats: vk,
    extent: vk,
    usage: vk,
    memory_properties: vk,
    min_buffer_count_for_camping,
});
impl_debug!(ProbedFormat {
    format: vk,
    pixel_format,
    row_pitch,
    row_pitch_alignment,
    requirements: vk,
    layout_source,
});
impl_debug!(ProbedImage {
    info,
    formats,
    left_out: vk,
});
debug_as_display!(ProbeError, CreateInfoError);

impl VulkanImageInfo {
    /// The images an application would create with `info` (its format first, then
    /// `more_formats` as alternatives sysmem may choose): its extent, usage and tiling.
    ///
    /// # Errors
    /// [`CreateInfoError`] for tiling other than `LINEAR`, anything but a single-sample,
    /// single-level, single-layer 2D image, and flags or a pNext chain.
    pub fn from_create_info(
        info: &vk::ImageCreateInfo<'_>,
        more_formats: &[vk::Format],
    ) -> Result<Self, CreateInfoError> {
        if info.tiling != vk::ImageTiling::LINEAR {
            return Err(CreateInfoError::NotLinear(info.tiling));
        }
        let simple = |what, ok: bool, value: String| {
            if ok {
                Ok(())
            } else {
                Err(CreateInfoError::NotSimple2d { what, value })
            }
        };
        simple(
            "imageType",
            info.image_type == vk::ImageType::TYPE_2D,
            dbg(info.image_type).to_string(),
        )?;
        simple(
            "extent.depth",
            info.extent.depth == 1,
            info.extent.depth.to_string(),
        )?;
        simple(
            "mipLevels",
            info.mip_levels == 1,
            info.mip_levels.to_string(),
        )?;
        simple(
            "arrayLayers",
            info.array_layers == 1,
            info.array_layers.to_string(),
        )?;
        simple(
            "samples",
            info.samples == vk::SampleCountFlags::TYPE_1,
            dbg(info.samples).to_string(),
        )?;
        if !info.flags.is_empty() || !info.p_next.is_null() {
            return Err(CreateInfoError::Extended(info.flags));
        }
        let mut formats = vec![info.format];
        formats.extend(more_formats.iter().filter(|&&f| f != info.format));
        let extent = vk::Extent2D {
            width: info.extent.width,
            height: info.extent.height,
        };
        Ok(VulkanImageInfo::new(&formats, extent, info.usage))
    }

    /// Images of these candidate formats, size and usage; any memory type (device-local
    /// preferred), one buffer camped.
    pub fn new(formats: &[vk::Format], extent: vk::Extent2D, usage: vk::ImageUsageFlags) -> Self {
        VulkanImageInfo {
            formats: formats.to_vec(),
            extent,
            usage,
            memory_properties: vk::MemoryPropertyFlags::empty(),
            min_buffer_count_for_camping: 1,
        }
    }

    /// The `VkImageCreateInfo` of one image of `format`: 2D, one mip level and layer, one
    /// sample, `LINEAR`, exclusive, initial layout `UNDEFINED`.
    pub fn create_info(&self, format: vk::Format, width: u32) -> vk::ImageCreateInfo<'static> {
        vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(format)
            .extent(vk::Extent3D {
                width,
                height: self.extent.height,
                depth: 1,
            })
            .mip_levels(1)
            .array_layers(1)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(vk::ImageTiling::LINEAR)
            .usage(self.usage)
            .sharing_mode(vk::SharingMode::EXCLUSIVE)
            .initial_layout(vk::ImageLayout::UNDEFINED)
    }
}

impl ProbedImage {
    /// The participant's sysmem constraints: its Vulkan usage, one `ImageFormatConstraints`
    /// per usable format (in preference order, at least the extent, the driver's row pitch and
    /// alignment), and buffers at least as large as any of those images needs.
    pub fn to_constraints(&self) -> BufferCollectionConstraints {
        let extent = self.info.extent;
        let list = self
            .formats
            .iter()
            .map(|f| {
                let (_, spaces) = pixel_format(f.format).unwrap_or((f.pixel_format, &[]));
                ImageFormatConstraints {
                    min_size: Some(super::images::SizeU::new(extent.width, extent.height)),
                    min_bytes_per_row: Some(f.row_pitch),
                    bytes_per_row_divisor: Some(f.row_pitch_alignment),
                    ..ImageFormatConstraints::new(
                        PixelFormatAndModifier::linear(f.pixel_format),
                        spaces,
                    )
                }
            })
            .collect();
        let min_size = self
            .formats
            .iter()
            .map(|f| f.requirements.size)
            .max()
            .unwrap_or(1);
        let host_visible = self
            .info
            .memory_properties
            .contains(vk::MemoryPropertyFlags::HOST_VISIBLE);
        BufferCollectionConstraints {
            usage: Some(BufferUsage {
                vulkan: Some(image_usage(self.info.usage)),
                ..Default::default()
            }),
            min_buffer_count_for_camping: Some(self.info.min_buffer_count_for_camping),
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(min_size),
                cpu_domain_supported: Some(true),
                ram_domain_supported: Some(true),
                inaccessible_domain_supported: Some(!host_visible),
                ..Default::default()
            }),
            image_format_constraints: Some(list),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear() -> vk::ImageCreateInfo<'static> {
        VulkanImageInfo::new(
            &[vk::Format::B8G8R8A8_UNORM],
            vk::Extent2D {
                width: 250,
                height: 100,
            },
            vk::ImageUsageFlags::SAMPLED,
        )
        .create_info(vk::Format::B8G8R8A8_UNORM, 250)
    }

    #[test]
    fn create_info_round_trips() {
        let info = VulkanImageInfo::from_create_info(
            &linear(),
            &[vk::Format::R8G8B8A8_UNORM, vk::Format::B8G8R8A8_UNORM],
        )
        .unwrap();
        // ash values compare with assert! (they have no Debug in the Fuchsia tree's ash).
        assert!(info.formats == [vk::Format::B8G8R8A8_UNORM, vk::Format::R8G8B8A8_UNORM]);
        assert_eq!((info.extent.width, info.extent.height), (250, 100));
        assert!(info.usage == vk::ImageUsageFlags::SAMPLED);
        let again = info.create_info(vk::Format::B8G8R8A8_UNORM, 250);
        assert!(again.tiling == vk::ImageTiling::LINEAR);
        assert_eq!((again.mip_levels, again.array_layers), (1, 1));
    }

    #[test]
    fn create_infos_sysmem_cannot_share_are_refused() {
        let optimal = linear().tiling(vk::ImageTiling::OPTIMAL);
        assert_eq!(
            VulkanImageInfo::from_create_info(&optimal, &[]).unwrap_err(),
            CreateInfoError::NotLinear(vk::ImageTiling::OPTIMAL)
        );
        let mips = linear().mip_levels(2);
        assert!(matches!(
            VulkanImageInfo::from_create_info(&mips, &[]),
            Err(CreateInfoError::NotSimple2d {
                what: "mipLevels",
                ..
            })
        ));
        let msaa = linear().samples(vk::SampleCountFlags::TYPE_4);
        assert!(matches!(
            VulkanImageInfo::from_create_info(&msaa, &[]),
            Err(CreateInfoError::NotSimple2d {
                what: "samples",
                ..
            })
        ));
        let flags = linear().flags(vk::ImageCreateFlags::MUTABLE_FORMAT);
        assert_eq!(
            VulkanImageInfo::from_create_info(&flags, &[]).unwrap_err(),
            CreateInfoError::Extended(vk::ImageCreateFlags::MUTABLE_FORMAT)
        );
    }

    #[test]
    fn formats_map_to_sysmem() {
        let map = |f| pixel_format(f).map(|(p, _)| p);
        assert_eq!(map(vk::Format::R8G8B8A8_UNORM), Some(PixelFormat::R8G8B8A8));
        assert_eq!(map(vk::Format::B8G8R8A8_SRGB), Some(PixelFormat::B8G8R8A8));
        assert_eq!(
            map(vk::Format::R5G6B5_UNORM_PACK16),
            Some(PixelFormat::R5G6B5)
        );
        assert_eq!(
            map(vk::Format::G8_B8R8_2PLANE_420_UNORM),
            Some(PixelFormat::NV12)
        );
        assert_eq!(
            map(vk::Format::G8_B8_R8_3PLANE_420_UNORM),
            Some(PixelFormat::I420)
        );
        assert_eq!(map(vk::Format::D32_SFLOAT), None);
        let (_, spaces) = pixel_format(vk::Format::G8_B8R8_2PLANE_420_UNORM).unwrap();
        assert!(spaces.contains(&ColorSpace::REC709) && spaces.contains(&ColorSpace::REC601_PAL));
    }
}
