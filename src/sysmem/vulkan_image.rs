//! Vulkan images in sysmem image collections: constraints from what the application will
//! create and what the driver supports, and import of each buffer as a `VkImage` whose memory
//! layout is the one sysmem chose.
//!
//! # Constraints
//!
//! [`VulkanImageInfo::probe`] asks the driver, for each candidate `VkFormat` (in the order the
//! application prefers):
//!
//! - whether a `LINEAR` image of that format, usage and extent can live in VMO memory
//!   (`vkGetPhysicalDeviceImageFormatProperties2` with `ZIRCON_VMO`, which fails unless the
//!   format has the features the usage needs with that tiling); a format that cannot, or has no
//!   sysmem `PixelFormat`, is left out and the reason kept ([`ProbedImage::left_out`]);
//! - the row pitch the driver gives such an image (`vkGetImageSubresourceLayout` of a probe
//!   image at the extent's width and at the narrowest width), which becomes `min_bytes_per_row` and
//!   `bytes_per_row_divisor`, so sysmem picks a pitch this driver produces;
//! - the memory requirements, whose size becomes `min_size_bytes`.
//!
//! # Import
//!
//! [`import_image`] creates the image the application described, with the format sysmem
//! chose, and checks before Vulkan sees the VMO that the driver's layout of a linear image is
//! sysmem's (each plane's offset and row pitch,
//! [`ImageLayout`](super::image_format::ImageLayout)), that `vmo_usable_start` meets the
//! image's alignment, and that the image fits the VMO from there
//! (VUID-vkBindImageMemory-size-01049); the VMO comes back inside the error otherwise. It then
//! imports the VMO (dedicated to the image, or not) and binds it at `vmo_usable_start`.
//! [`import_images`] imports every buffer of a collection, each dedicated to its own image.
//!
//! `VK_EXT_image_drm_format_modifier`'s explicit layout (which would let the driver take
//! sysmem's row pitch as given) is not used yet: lavapipe, the CI driver, does not offer it.
//! A driver whose linear layout differs from sysmem's is reported as
//! [`ImportImageError::LayoutMismatch`].

use ash::vk;

pub use super::vulkan_image_import::{
    import_image, import_images, ImportImageError, ImportedImage,
};

use super::image_format::size_min_divisor;
use super::images::{ColorSpace, ImageFormatConstraints, PixelFormat, PixelFormatAndModifier};
use super::types::{BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage};
use super::vulkan::image_usage;
use crate::ash_debug::{dbg, debug_as_display, impl_debug};
use crate::vk::{AllocateError, ImageFormatQuery, Interop, VulkanError};

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
    /// The driver cannot make a linear image of it with this usage in VMO memory, or not this
    /// large.
    NotSupported,
}

/// One candidate the driver can use.
#[derive(Clone, Copy)]
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

    /// Probes the driver for each candidate format (see the module docs).
    ///
    /// # Errors
    /// [`ProbeError`].
    pub fn probe(&self, interop: &Interop) -> Result<ProbedImage, ProbeError> {
        let mut formats = Vec::new();
        let mut left_out = Vec::new();
        for &format in &self.formats {
            let Some((pixel_format, _)) = pixel_format(format) else {
                left_out.push((format, LeftOut::NoPixelFormat));
                continue;
            };
            // The linear format features this usage needs (some drivers accept the image
            // query for a usage whose feature a linear image lacks: NVIDIA, COLOR_ATTACHMENT).
            let linear = interop
                .get_physical_device_format_properties(format)
                .linear_tiling_features;
            if !linear.contains(required_format_features(self.usage)) {
                left_out.push((format, LeftOut::NotSupported));
                continue;
            }
            let query = ImageFormatQuery {
                format,
                image_type: vk::ImageType::TYPE_2D,
                tiling: vk::ImageTiling::LINEAR,
                usage: self.usage,
                flags: vk::ImageCreateFlags::empty(),
            };
            let limits = match interop.get_physical_device_image_format_properties2(&query) {
                Ok(properties) => properties.image_format_properties.max_extent,
                Err(VulkanError::FormatNotSupported { .. }) => {
                    left_out.push((format, LeftOut::NotSupported));
                    continue;
                }
                Err(e) => return Err(ProbeError::Query(e)),
            };
            if self.extent.width > limits.width || self.extent.height > limits.height {
                left_out.push((format, LeftOut::NotSupported));
                continue;
            }
            let (row_pitch, requirements) = probe_image(
                interop,
                &self.create_info(format, self.extent.width),
                pixel_format,
            )?;
            // The narrowest image the format allows (4:2:0 widths are even, VUID 04712).
            let narrowest = size_min_divisor(pixel_format).map_or(1, |d| d.width);
            let narrow_info = self.create_info(format, narrowest);
            let (narrow, _) = probe_image(interop, &narrow_info, pixel_format)?;
            formats.push(ProbedFormat {
                format,
                pixel_format,
                row_pitch,
                row_pitch_alignment: gcd(row_pitch, narrow).max(1),
                requirements,
            });
        }
        if formats.is_empty() {
            return Err(ProbeError::NoUsableFormat {
                width: self.extent.width,
                height: self.extent.height,
                usage: self.usage,
                left_out,
            });
        }
        Ok(ProbedImage {
            info: self.clone(),
            formats,
            left_out,
        })
    }
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Creates a probe image, reads plane 0's row pitch and the memory requirements, destroys it.
fn probe_image(
    interop: &Interop,
    info: &vk::ImageCreateInfo<'_>,
    format: PixelFormat,
) -> Result<(u32, vk::MemoryRequirements), ProbeError> {
    // SAFETY: `info` is a complete 2D linear image description without a pNext chain, whose
    // format, usage and extent the format query above accepted.
    let image = unsafe { interop.create_image(info) }.map_err(ProbeError::CreateImage)?;
    let aspect = plane_aspects(format)[0];
    // SAFETY: a live linear image of this device; the aspect is one it has.
    let layout = unsafe {
        interop.device().get_image_subresource_layout(
            image.as_raw(),
            vk::ImageSubresource::default().aspect_mask(aspect),
        )
    };
    Ok((
        u32::try_from(layout.row_pitch).unwrap_or(u32::MAX),
        image.requirements().memory,
    ))
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

/// The format features an image of `usage` needs (VUID-VkImageViewCreateInfo-usage-02274 ..
/// 02277, and the transfer commands' format-feature rules).
pub(crate) fn required_format_features(usage: vk::ImageUsageFlags) -> vk::FormatFeatureFlags {
    const TABLE: [(vk::ImageUsageFlags, vk::FormatFeatureFlags); 7] = [
        (
            vk::ImageUsageFlags::SAMPLED,
            vk::FormatFeatureFlags::SAMPLED_IMAGE,
        ),
        (
            vk::ImageUsageFlags::STORAGE,
            vk::FormatFeatureFlags::STORAGE_IMAGE,
        ),
        (
            vk::ImageUsageFlags::COLOR_ATTACHMENT,
            vk::FormatFeatureFlags::COLOR_ATTACHMENT,
        ),
        (
            vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
            vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT,
        ),
        (
            vk::ImageUsageFlags::INPUT_ATTACHMENT,
            vk::FormatFeatureFlags::COLOR_ATTACHMENT,
        ),
        (
            vk::ImageUsageFlags::TRANSFER_SRC,
            vk::FormatFeatureFlags::TRANSFER_SRC,
        ),
        (
            vk::ImageUsageFlags::TRANSFER_DST,
            vk::FormatFeatureFlags::TRANSFER_DST,
        ),
    ];
    TABLE
        .iter()
        .filter(|(u, _)| usage.contains(*u))
        .fold(vk::FormatFeatureFlags::empty(), |all, (_, f)| all | *f)
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
