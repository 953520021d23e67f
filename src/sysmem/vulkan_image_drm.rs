//! `VK_EXT_image_drm_format_modifier`'s explicit layout for sysmem images: the image is created
//! with `VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT` and
//! `VkImageDrmFormatModifierExplicitCreateInfoEXT` { `DRM_FORMAT_MOD_LINEAR`, one
//! `VkSubresourceLayout` per memory plane: sysmem's offset and row pitch }, so the driver takes
//! sysmem's layout as given instead of computing its own and hoping it matches.
//!
//! Offered for a format and usage when all of these hold ([`explicit_layout`]):
//!
//! 1. the application enabled the extension and said so
//!    ([`Interop::with_enabled_extensions`](crate::vk::Interop::with_enabled_extensions): Vulkan
//!    cannot be asked which extensions a device has enabled);
//! 2. the driver lists `DRM_FORMAT_MOD_LINEAR` for the format
//!    (`vkGetPhysicalDeviceFormatProperties2` with `VkDrmFormatModifierPropertiesListEXT`), with
//!    the tiling features the usage needs;
//! 3. `vkGetPhysicalDeviceImageFormatProperties2` with
//!    `VkPhysicalDeviceImageDrmFormatModifierInfoEXT` { LINEAR } and `ZIRCON_VMO` succeeds, for
//!    an extent at least the image's, importable.
//!
//! Otherwise the import creates a `LINEAR` image and checks that the driver's layout is
//! sysmem's; [`LayoutSource`] says which was used, and [`NoExplicitLayout`] why not.

use ash::vk;

use super::image_format::ImageLayout;
use super::vulkan_image_probe::required_format_features;
use crate::vk::{ImageFormatQuery, Interop, VulkanError};

/// `DRM_FORMAT_MOD_LINEAR`: rows of pixels one after another (sysmem's
/// `PixelFormatModifier::LINEAR` has the same value, 0).
pub const DRM_FORMAT_MOD_LINEAR: u64 = 0;

/// How an image's memory layout was made sysmem's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayoutSource {
    /// `VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT` with sysmem's plane offsets and row pitches
    /// given to the driver (`VkImageDrmFormatModifierExplicitCreateInfoEXT`, modifier LINEAR).
    DrmFormatModifierExplicit,
    /// A `LINEAR` image whose driver layout was checked to be sysmem's (and why the explicit
    /// layout was not used).
    CheckedLinear(NoExplicitLayout),
}

impl LayoutSource {
    /// The image's `VkImageTiling`.
    pub fn tiling(&self) -> vk::ImageTiling {
        match self {
            Self::DrmFormatModifierExplicit => vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT,
            Self::CheckedLinear(_) => vk::ImageTiling::LINEAR,
        }
    }

    /// The aspect of memory plane `plane` for `vkGetImageSubresourceLayout`:
    /// `MEMORY_PLANE_i_BIT_EXT` for a DRM-modifier image (VUID-vkGetImageSubresourceLayout-
    /// tiling-02271), otherwise `linear_aspects[plane]` (`PLANE_i_BIT` or `COLOR`).
    pub fn subresource_aspect(
        &self,
        linear_aspects: &[vk::ImageAspectFlags],
        plane: usize,
    ) -> Option<vk::ImageAspectFlags> {
        match self {
            Self::DrmFormatModifierExplicit => MEMORY_PLANES.get(plane).copied(),
            Self::CheckedLinear(_) => linear_aspects.get(plane).copied(),
        }
    }
}

const MEMORY_PLANES: [vk::ImageAspectFlags; 4] = [
    vk::ImageAspectFlags::MEMORY_PLANE_0_EXT,
    vk::ImageAspectFlags::MEMORY_PLANE_1_EXT,
    vk::ImageAspectFlags::MEMORY_PLANE_2_EXT,
    vk::ImageAspectFlags::MEMORY_PLANE_3_EXT,
];

/// Why the explicit layout is not used for a format (see the module docs).
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoExplicitLayout {
    /// The application did not state `VK_EXT_image_drm_format_modifier` enabled.
    #[error("VK_EXT_image_drm_format_modifier is not enabled (or not stated: Interop::with_enabled_extensions)")]
    ExtensionNotEnabled,
    /// The driver lists no `DRM_FORMAT_MOD_LINEAR` for the format.
    #[error("the driver lists no DRM_FORMAT_MOD_LINEAR for this format")]
    NoLinearModifier,
    /// `DRM_FORMAT_MOD_LINEAR` lacks tiling features the usage needs.
    #[error("DRM_FORMAT_MOD_LINEAR has tiling features {:#x}, the usage needs {:#x}", .features.as_raw(), .needed.as_raw())]
    MissingFeatures {
        /// `drmFormatModifierTilingFeatures`.
        features: vk::FormatFeatureFlags,
        /// What the usage needs.
        needed: vk::FormatFeatureFlags,
    },
    /// The image query with the modifier and `ZIRCON_VMO` failed, or answered not importable.
    #[error("vkGetPhysicalDeviceImageFormatProperties2 with DRM_FORMAT_MOD_LINEAR and ZIRCON_VMO: not supported or not importable")]
    NotSupported,
    /// The image is larger than the query's `maxExtent`.
    #[error("the image is larger than maxExtent {max_width}x{max_height} of DRM_FORMAT_MOD_LINEAR images")]
    ExtentTooLarge {
        /// `maxExtent.width`.
        max_width: u32,
        /// `maxExtent.height`.
        max_height: u32,
    },
}

crate::ash_debug::debug_as_display!(NoExplicitLayout);

/// What the driver offers for `DRM_FORMAT_MOD_LINEAR` images of one format and usage.
#[derive(Clone, Copy)]
pub(crate) struct ExplicitLayout {
    /// `drmFormatModifierPlaneCount`: how many `VkSubresourceLayout`s the create info needs.
    pub(crate) plane_count: u32,
}

/// Whether the explicit layout is offered for images of `format`, `usage` and `extent` (see
/// the module docs): `Ok(Err(why))` where it is not.
///
/// # Errors
/// A query failure other than "not supported".
pub(crate) fn explicit_layout(
    interop: &Interop,
    format: vk::Format,
    usage: vk::ImageUsageFlags,
    extent: vk::Extent2D,
) -> Result<Result<ExplicitLayout, NoExplicitLayout>, VulkanError> {
    if !interop.image_drm_format_modifier() {
        return Ok(Err(NoExplicitLayout::ExtensionNotEnabled));
    }
    let modifiers = interop.get_physical_device_drm_format_modifier_properties(format);
    let Some(linear) = modifiers
        .iter()
        .find(|m| m.drm_format_modifier == DRM_FORMAT_MOD_LINEAR)
    else {
        return Ok(Err(NoExplicitLayout::NoLinearModifier));
    };
    let needed = required_format_features(usage);
    let features = linear.drm_format_modifier_tiling_features;
    if !features.contains(needed) {
        return Ok(Err(NoExplicitLayout::MissingFeatures { features, needed }));
    }
    let query = ImageFormatQuery {
        format,
        image_type: vk::ImageType::TYPE_2D,
        tiling: vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT,
        usage,
        flags: vk::ImageCreateFlags::empty(),
    };
    let properties = match interop
        .get_physical_device_image_drm_format_modifier_properties2(&query, DRM_FORMAT_MOD_LINEAR)
    {
        Ok(properties) => properties,
        Err(VulkanError::FormatNotSupported { .. }) => {
            return Ok(Err(NoExplicitLayout::NotSupported))
        }
        Err(e) => return Err(e),
    };
    if !properties
        .external_memory_properties
        .external_memory_features
        .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE)
    {
        return Ok(Err(NoExplicitLayout::NotSupported));
    }
    let max = properties.image_format_properties.max_extent;
    if extent.width > max.width || extent.height > max.height {
        return Ok(Err(NoExplicitLayout::ExtentTooLarge {
            max_width: max.width,
            max_height: max.height,
        }));
    }
    Ok(Ok(ExplicitLayout {
        plane_count: linear.drm_format_modifier_plane_count,
    }))
}

/// The `VkSubresourceLayout`s of `layout`'s planes for
/// `VkImageDrmFormatModifierExplicitCreateInfoEXT`: sysmem's offset (from the start of the
/// image, which is bound at `vmo_usable_start`) and row pitch; `size`, `arrayPitch` and
/// `depthPitch` 0 (VUID-VkImageDrmFormatModifierExplicitCreateInfoEXT-size-02267, -02268,
/// -02269: one layer, depth 1). `Err(planes)` when sysmem's plane count is not the modifier's
/// (-drmFormatModifierPlaneCount-02265).
pub(crate) fn plane_layouts(
    layout: &ImageLayout,
    explicit: ExplicitLayout,
) -> Result<Vec<vk::SubresourceLayout>, usize> {
    if usize::try_from(explicit.plane_count) != Ok(layout.planes.len()) {
        return Err(layout.planes.len());
    }
    Ok(layout
        .planes
        .iter()
        .map(|plane| vk::SubresourceLayout {
            offset: plane.offset,
            size: 0,
            row_pitch: u64::from(plane.row_bytes),
            array_pitch: 0,
            depth_pitch: 0,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysmem::image_format::Plane;
    use crate::sysmem::images::{PixelFormat, PixelFormatAndModifier, SizeU};

    fn nv12() -> ImageLayout {
        ImageLayout {
            format: PixelFormatAndModifier::linear(PixelFormat::NV12),
            color_space: None,
            size: SizeU::new(250, 100),
            bytes_per_row: 256,
            size_bytes: 256 * 150,
            planes: vec![
                Plane {
                    offset: 0,
                    row_bytes: 256,
                },
                Plane {
                    offset: 256 * 100,
                    row_bytes: 256,
                },
            ],
        }
    }

    #[test]
    fn plane_layouts_are_sysmems_with_the_sizes_and_pitches_the_spec_requires() {
        let layouts = plane_layouts(&nv12(), ExplicitLayout { plane_count: 2 }).unwrap();
        let got: Vec<_> = layouts
            .iter()
            .map(|l| (l.offset, l.row_pitch, l.size, l.array_pitch, l.depth_pitch))
            .collect();
        assert_eq!(got, [(0, 256, 0, 0, 0), (25_600, 256, 0, 0, 0)]);
    }

    #[test]
    fn a_plane_count_other_than_the_modifiers_is_refused() {
        // (ash's SubresourceLayout has no Debug in the Fuchsia tree: compared with `matches!`.)
        assert!(matches!(
            plane_layouts(&nv12(), ExplicitLayout { plane_count: 3 }),
            Err(2)
        ));
        let mut one = nv12();
        one.planes.truncate(1);
        assert!(matches!(
            plane_layouts(&one, ExplicitLayout { plane_count: 2 }),
            Err(1)
        ));
    }

    #[test]
    fn subresource_aspects_follow_the_tiling() {
        let linear = [vk::ImageAspectFlags::PLANE_0, vk::ImageAspectFlags::PLANE_1];
        let explicit = LayoutSource::DrmFormatModifierExplicit;
        assert!(explicit.tiling() == vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT);
        assert!(
            explicit.subresource_aspect(&linear, 1)
                == Some(vk::ImageAspectFlags::MEMORY_PLANE_1_EXT)
        );
        let checked = LayoutSource::CheckedLinear(NoExplicitLayout::ExtensionNotEnabled);
        assert!(checked.tiling() == vk::ImageTiling::LINEAR);
        assert!(checked.subresource_aspect(&linear, 1) == Some(vk::ImageAspectFlags::PLANE_1));
        assert!(checked.subresource_aspect(&linear, 2).is_none());
    }
}
