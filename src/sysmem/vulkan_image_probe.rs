//! [`VulkanImageInfo::probe`]: what the driver can do with each candidate format (see
//! [`vulkan_image`](super::vulkan_image) for the whole path).

use ash::vk;

use super::image_format::size_min_divisor;
use super::images::PixelFormat;
use super::vulkan_image::{
    pixel_format, plane_aspects, LeftOut, ProbeError, ProbedFormat, ProbedImage, VulkanImageInfo,
};
use super::vulkan_image_drm::{explicit_layout, LayoutSource, DRM_FORMAT_MOD_LINEAR};
use crate::vk::{ImageFormatQuery, Interop, VulkanError};

impl VulkanImageInfo {
    /// Probes the driver for each candidate format (see the module docs of
    /// [`vulkan_image`](super::vulkan_image)): which layout the import will use
    /// ([`ProbedFormat::layout_source`]), whether the format has the features the usage needs
    /// with that tiling, and the driver's row pitch, alignment and memory requirements for an
    /// image of that tiling.
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
            let layout_source = match explicit_layout(interop, format, self.usage, self.extent)
                .map_err(ProbeError::Query)?
            {
                Ok(_) => LayoutSource::DrmFormatModifierExplicit,
                Err(why) => {
                    if !self.linear_is_usable(interop, format)? {
                        left_out.push((format, LeftOut::NotSupported));
                        continue;
                    }
                    LayoutSource::CheckedLinear(why)
                }
            };
            let tiling = layout_source.tiling();
            let (row_pitch, requirements) = probe_image(
                interop,
                &self.create_info(format, self.extent.width).tiling(tiling),
                pixel_format,
                &layout_source,
            )?;
            // The narrowest image the format allows (4:2:0 widths are even, VUID 04712).
            let narrowest = size_min_divisor(pixel_format).map_or(1, |d| d.width);
            let narrow_info = self.create_info(format, narrowest).tiling(tiling);
            let (narrow, _) = probe_image(interop, &narrow_info, pixel_format, &layout_source)?;
            formats.push(ProbedFormat {
                format,
                pixel_format,
                row_pitch,
                row_pitch_alignment: gcd(row_pitch, narrow).max(1),
                requirements,
                layout_source,
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

    /// Whether a `LINEAR` image of `format`, this usage and extent can live in VMO memory: the
    /// linear features the usage needs (some drivers accept the image query for a usage whose
    /// feature a linear image lacks: NVIDIA, COLOR_ATTACHMENT), and the image query.
    fn linear_is_usable(&self, interop: &Interop, format: vk::Format) -> Result<bool, ProbeError> {
        let linear = interop
            .get_physical_device_format_properties(format)
            .linear_tiling_features;
        if !linear.contains(required_format_features(self.usage)) {
            return Ok(false);
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
            Err(VulkanError::FormatNotSupported { .. }) => return Ok(false),
            Err(e) => return Err(ProbeError::Query(e)),
        };
        Ok(self.extent.width <= limits.width && self.extent.height <= limits.height)
    }
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Creates a probe image of `info`'s tiling (a DRM-modifier one with the modifier list
/// { LINEAR }: the driver's own layout for it), reads plane 0's row pitch and the memory
/// requirements, destroys it.
fn probe_image(
    interop: &Interop,
    info: &vk::ImageCreateInfo<'_>,
    format: PixelFormat,
    layout_source: &LayoutSource,
) -> Result<(u32, vk::MemoryRequirements), ProbeError> {
    let modifiers = [DRM_FORMAT_MOD_LINEAR];
    let mut list =
        vk::ImageDrmFormatModifierListCreateInfoEXT::default().drm_format_modifiers(&modifiers);
    let info = match layout_source {
        // Exactly one of the list and the explicit structure (VUID-VkImageCreateInfo-tiling-02261).
        LayoutSource::DrmFormatModifierExplicit => info.push_next(&mut list),
        LayoutSource::CheckedLinear(_) => *info,
    };
    // SAFETY: `info` is a complete 2D image description whose format, usage, tiling and extent
    // the queries above accepted; a DRM-modifier one chains the modifier list (and the
    // extension is enabled: `explicit_layout` checked the application's statement).
    let image = unsafe { interop.create_image(&info) }.map_err(ProbeError::CreateImage)?;
    let aspect = layout_source
        .subresource_aspect(plane_aspects(format), 0)
        .unwrap_or(vk::ImageAspectFlags::COLOR);
    // SAFETY: a live linear or DRM-modifier image of this device; the aspect is its plane 0
    // (MEMORY_PLANE_0 for the latter, VUID-vkGetImageSubresourceLayout-tiling-02271).
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
