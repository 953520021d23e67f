//! `VK_FUCHSIA_buffer_collection` constraints: what a `VkImageConstraintsInfoFUCHSIA` or
//! `VkBufferConstraintsInfoFUCHSIA` becomes in sysmem2's vocabulary, checked against the spec's
//! valid-usage rules and against what the driver can do with a VMO mapping.
//!
//! Only `LINEAR` images are offered: a VMO's bytes are the image's only where every
//! participant can compute the layout (the host sysmem knows only the `LINEAR` modifier). Each
//! format's `min_bytes_per_row` and `bytes_per_row_divisor` are the driver's own row pitch and
//! its alignment (a probe image at the create info's width and at the narrowest width), so
//! the pitch sysmem picks is one the driver's linear layout produces.

use ash::vk;

use crate::device::Device;
use crate::dispatch::Instance;
use crate::sysmem_driver::{Constraints, ImageFormat};
use crate::HOST_ALLOCATION;

/// The most format constraints one call may carry (sysmem's
/// `image_format_constraints` bound).
pub(crate) const MAX_FORMAT_CONSTRAINTS: u32 = 64;

/// `fuchsia.images2/PixelFormat` of a `VkFormat`, for the formats the layer offers.
pub(crate) fn pixel_format(format: vk::Format) -> Option<u32> {
    Some(match format {
        vk::Format::R8G8B8A8_UNORM | vk::Format::R8G8B8A8_SRGB => 1,
        vk::Format::B8G8R8A8_UNORM | vk::Format::B8G8R8A8_SRGB => 101,
        vk::Format::G8_B8_R8_3PLANE_420_UNORM => 102,
        vk::Format::G8_B8R8_2PLANE_420_UNORM => 104,
        vk::Format::R5G6B5_UNORM_PACK16 => 109,
        vk::Format::R8_UNORM => 113,
        vk::Format::R8G8_UNORM => 114,
        _ => return None,
    })
}

/// The `VkFormat` for a sysmem pixel format when the application leaves the format
/// `UNDEFINED` (the UNORM one).
fn format_of(sysmem_pixel_format: u64) -> Option<vk::Format> {
    [
        vk::Format::R8G8B8A8_UNORM,
        vk::Format::B8G8R8A8_UNORM,
        vk::Format::G8_B8_R8_3PLANE_420_UNORM,
        vk::Format::G8_B8R8_2PLANE_420_UNORM,
        vk::Format::R5G6B5_UNORM_PACK16,
        vk::Format::R8_UNORM,
        vk::Format::R8G8_UNORM,
    ]
    .into_iter()
    .find(|&f| pixel_format(f).map(u64::from) == Some(sysmem_pixel_format))
}

/// Whether a sysmem pixel format is YCbCr (4:2:0).
pub(crate) fn is_yuv(pixel_format: u32) -> bool {
    matches!(pixel_format, 102 | 104)
}

/// The aspects of each plane, in plane order.
pub(crate) fn plane_aspects(pixel_format: u32) -> &'static [vk::ImageAspectFlags] {
    match pixel_format {
        104 => &[vk::ImageAspectFlags::PLANE_0, vk::ImageAspectFlags::PLANE_1],
        102 => &[
            vk::ImageAspectFlags::PLANE_0,
            vk::ImageAspectFlags::PLANE_1,
            vk::ImageAspectFlags::PLANE_2,
        ],
        _ => &[vk::ImageAspectFlags::COLOR],
    }
}

/// `fuchsia.sysmem2` `VULKAN_IMAGE_USAGE_*` bits of an image usage.
fn image_usage(usage: vk::ImageUsageFlags) -> u32 {
    let table = [
        (vk::ImageUsageFlags::TRANSFER_SRC, 0x1),
        (vk::ImageUsageFlags::TRANSFER_DST, 0x2),
        (vk::ImageUsageFlags::SAMPLED, 0x4),
        (vk::ImageUsageFlags::STORAGE, 0x8),
        (vk::ImageUsageFlags::COLOR_ATTACHMENT, 0x10),
        (vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT, 0x20),
        (vk::ImageUsageFlags::TRANSIENT_ATTACHMENT, 0x40),
        (vk::ImageUsageFlags::INPUT_ATTACHMENT, 0x80),
    ];
    table
        .iter()
        .filter(|(flag, _)| usage.contains(*flag))
        .fold(0, |bits, (_, bit)| bits | bit)
}

/// `fuchsia.sysmem2` `VULKAN_BUFFER_USAGE_*` bits of a buffer usage.
fn buffer_usage(usage: vk::BufferUsageFlags) -> u32 {
    let table = [
        (vk::BufferUsageFlags::TRANSFER_SRC, 0x1_0000),
        (vk::BufferUsageFlags::TRANSFER_DST, 0x2_0000),
        (vk::BufferUsageFlags::UNIFORM_TEXEL_BUFFER, 0x4_0000),
        (vk::BufferUsageFlags::STORAGE_TEXEL_BUFFER, 0x8_0000),
        (vk::BufferUsageFlags::UNIFORM_BUFFER, 0x10_0000),
        (vk::BufferUsageFlags::STORAGE_BUFFER, 0x20_0000),
        (vk::BufferUsageFlags::INDEX_BUFFER, 0x40_0000),
        (vk::BufferUsageFlags::VERTEX_BUFFER, 0x80_0000),
        (vk::BufferUsageFlags::INDIRECT_BUFFER, 0x100_0000),
    ];
    table
        .iter()
        .filter(|(flag, _)| usage.contains(*flag))
        .fold(0, |bits, (_, bit)| bits | bit)
}

/// `CPU_USAGE_*` bits of `VkImageConstraintsInfoFlagsFUCHSIA`.
fn cpu_usage(flags: vk::ImageConstraintsInfoFlagsFUCHSIA) -> u32 {
    let table = [
        (vk::ImageConstraintsInfoFlagsFUCHSIA::CPU_READ_RARELY, 1),
        (vk::ImageConstraintsInfoFlagsFUCHSIA::CPU_READ_OFTEN, 2),
        (vk::ImageConstraintsInfoFlagsFUCHSIA::CPU_WRITE_RARELY, 4),
        (vk::ImageConstraintsInfoFlagsFUCHSIA::CPU_WRITE_OFTEN, 8),
    ];
    table
        .iter()
        .filter(|(flag, _)| flags.contains(*flag))
        .fold(0, |bits, (_, bit)| bits | bit)
}

/// The buffer counts of `VkBufferCollectionConstraintsInfoFUCHSIA`.
fn counts(c: &vk::BufferCollectionConstraintsInfoFUCHSIA<'_>, into: &mut Constraints) {
    into.min_buffer_count = c.min_buffer_count;
    into.max_buffer_count = c.max_buffer_count;
    into.min_buffer_count_for_camping = c.min_buffer_count_for_camping;
    into.min_buffer_count_for_dedicated_slack = c.min_buffer_count_for_dedicated_slack;
    into.min_buffer_count_for_shared_slack = c.min_buffer_count_for_shared_slack;
}

/// The parts of a `VkImageCreateInfo` the layer keeps (the chain and queue families are not
/// kept: images are created from the application's own create info later).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ImageDescription {
    pub(crate) flags: vk::ImageCreateFlags,
    pub(crate) format: vk::Format,
    pub(crate) extent: vk::Extent3D,
    pub(crate) usage: vk::ImageUsageFlags,
}

impl ImageDescription {
    /// The linear 2D image of this description, for HOST_ALLOCATION memory.
    pub(crate) fn create_info<'a>(
        &self,
        width: u32,
        external: &'a mut vk::ExternalMemoryImageCreateInfo<'_>,
    ) -> vk::ImageCreateInfo<'a> {
        vk::ImageCreateInfo::default()
            .flags(self.flags)
            .image_type(vk::ImageType::TYPE_2D)
            .format(self.format)
            .extent(vk::Extent3D {
                width,
                ..self.extent
            })
            .mip_levels(1)
            .array_layers(1)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(vk::ImageTiling::LINEAR)
            .usage(self.usage)
            .sharing_mode(vk::SharingMode::EXCLUSIVE)
            .initial_layout(vk::ImageLayout::UNDEFINED)
            .push_next(external)
    }
}

/// One format constraint the layer can offer.
#[derive(Clone, Debug)]
pub(crate) struct Offered {
    /// Its index in the application's `pFormatConstraints`.
    pub(crate) index: u32,
    pub(crate) image: ImageDescription,
    pub(crate) pixel_format: u32,
    pub(crate) color_spaces: Vec<u32>,
}

/// What a successful set-constraints call recorded.
#[derive(Clone, Debug)]
pub(crate) enum Recorded {
    Images(Vec<Offered>),
    Buffer {
        size: u64,
        usage: vk::BufferUsageFlags,
        flags: vk::BufferCreateFlags,
        required_features: vk::FormatFeatureFlags,
    },
}

/// Format features each image usage needs (VUID-VkImageConstraintsInfoFUCHSIA-
/// pFormatConstraints-06396 .. -06400).
fn usage_features_present(usage: vk::ImageUsageFlags, features: vk::FormatFeatureFlags) -> bool {
    let needs = [
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
    ];
    let each = needs
        .iter()
        .all(|(u, f)| !usage.contains(*u) || features.contains(*f));
    let input = !usage.contains(vk::ImageUsageFlags::INPUT_ATTACHMENT)
        || features.intersects(
            vk::FormatFeatureFlags::COLOR_ATTACHMENT
                | vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT,
        );
    each && input
}

/// The features a buffer collection may require (VUID-VkBufferConstraintsInfoFUCHSIA-
/// requiredFormatFeatures-06404: the buffer compatible format features).
const BUFFER_FEATURES: vk::FormatFeatureFlags = vk::FormatFeatureFlags::from_raw(
    vk::FormatFeatureFlags::UNIFORM_TEXEL_BUFFER.as_raw()
        | vk::FormatFeatureFlags::STORAGE_TEXEL_BUFFER.as_raw()
        | vk::FormatFeatureFlags::STORAGE_TEXEL_BUFFER_ATOMIC.as_raw()
        | vk::FormatFeatureFlags::VERTEX_BUFFER.as_raw(),
);

/// Checks the image constraints' valid usage and keeps the formats the layer can offer.
///
/// # Errors
/// `VK_ERROR_VALIDATION_FAILED_EXT` for a broken valid-usage rule (the VUID is in the
/// comment at each check), `VK_ERROR_INITIALIZATION_FAILED` above [`MAX_FORMAT_CONSTRAINTS`],
/// `VK_ERROR_FORMAT_NOT_SUPPORTED` when no format can be offered.
///
/// # Safety
/// `info` is a valid structure (its arrays included).
pub(crate) unsafe fn image_constraints(
    instance: &Instance,
    physical_device: vk::PhysicalDevice,
    info: &vk::ImageConstraintsInfoFUCHSIA<'_>,
) -> Result<Vec<Offered>, vk::Result> {
    if info.format_constraints_count == 0 {
        // VUID-VkImageConstraintsInfoFUCHSIA-formatConstraintsCount-arraylength.
        return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT);
    }
    if info.format_constraints_count > MAX_FORMAT_CONSTRAINTS {
        return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
    }
    // SAFETY: a valid structure addresses `format_constraints_count` elements.
    let list = unsafe {
        crate::chain::raw_slice(info.p_format_constraints, info.format_constraints_count)
    };
    let mut offered = Vec::new();
    for (index, c) in list.iter().enumerate() {
        let create = &c.image_create_info;
        if c.required_format_features.is_empty()
            || !c.flags.is_empty()
            || c.color_space_count == 0
            || !usage_features_present(create.usage, c.required_format_features)
        {
            // VUID-VkImageConstraintsInfoFUCHSIA-pFormatConstraints-06395 .. -06400,
            // VUID-VkImageFormatConstraintsInfoFUCHSIA-flags-zerobitmask,
            // -colorSpaceCount-arraylength.
            return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT);
        }
        // SAFETY: a valid structure addresses `color_space_count` elements.
        let spaces = unsafe { crate::chain::raw_slice(c.p_color_spaces, c.color_space_count) };
        let format = if create.format == vk::Format::UNDEFINED {
            format_of(c.sysmem_pixel_format)
        } else {
            Some(create.format)
        };
        let Some(format) = format else { continue };
        let Some(pixel) = pixel_format(format) else {
            continue;
        };
        if c.sysmem_pixel_format != 0 && c.sysmem_pixel_format != u64::from(pixel) {
            continue;
        }
        let image = ImageDescription {
            flags: create.flags,
            format,
            extent: create.extent,
            usage: create.usage,
        };
        let simple = create.image_type == vk::ImageType::TYPE_2D
            && create.tiling == vk::ImageTiling::LINEAR
            && create.mip_levels == 1
            && create.array_layers == 1
            && create.samples == vk::SampleCountFlags::TYPE_1
            && create.extent.depth == 1;
        if !simple
            || !supported(
                instance,
                physical_device,
                &image,
                c.required_format_features,
            )
        {
            continue;
        }
        offered.push(Offered {
            index: index as u32,
            image,
            pixel_format: pixel,
            color_spaces: spaces.iter().map(|s| s.color_space).collect(),
        });
    }
    if offered.is_empty() {
        return Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED);
    }
    Ok(offered)
}

/// Whether a linear image of `image` has `required` features and can live in host memory.
fn supported(
    instance: &Instance,
    physical_device: vk::PhysicalDevice,
    image: &ImageDescription,
    required: vk::FormatFeatureFlags,
) -> bool {
    // SAFETY: `physical_device` belongs to the live instance.
    let features = unsafe {
        instance
            .fns
            .get_physical_device_format_properties(physical_device, image.format)
    };
    if !features.linear_tiling_features.contains(required) {
        return false;
    }
    let mut external_info =
        vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(HOST_ALLOCATION);
    let query = vk::PhysicalDeviceImageFormatInfo2::default()
        .format(image.format)
        .ty(vk::ImageType::TYPE_2D)
        .tiling(vk::ImageTiling::LINEAR)
        .usage(image.usage)
        .flags(image.flags)
        .push_next(&mut external_info);
    let mut external = vk::ExternalImageFormatProperties::default();
    let mut properties = vk::ImageFormatProperties2::default().push_next(&mut external);
    // SAFETY: as above; the chains are built with push_next (Vulkan 1.1, checked when the
    // extension was offered).
    let result = unsafe {
        (instance
            .fns
            .fp_v1_1()
            .get_physical_device_image_format_properties2)(
            physical_device, &query, &mut properties
        )
    };
    let max = properties.image_format_properties.max_extent;
    result == vk::Result::SUCCESS
        && external
            .external_memory_properties
            .external_memory_features
            .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE)
        && image.extent.width <= max.width
        && image.extent.height <= max.height
}

/// The driver's row pitch (plane 0) and memory requirements of a linear image of `image` at
/// `width`.
pub(crate) fn probe_image(
    device: &Device,
    image: &ImageDescription,
    width: u32,
) -> Result<(u64, vk::MemoryRequirements), vk::Result> {
    let mut external = vk::ExternalMemoryImageCreateInfo::default().handle_types(HOST_ALLOCATION);
    let info = image.create_info(width, &mut external);
    // SAFETY: a complete linear 2D create info the format query accepted; destroyed below.
    let handle = unsafe { device.fns().create_image(&info, None) }?;
    let aspect = plane_aspects(pixel_format(image.format).unwrap_or(0))[0];
    // SAFETY: a live linear image of this device; the aspect is one of its planes.
    let layout = unsafe {
        device.fns().get_image_subresource_layout(
            handle,
            vk::ImageSubresource::default().aspect_mask(aspect),
        )
    };
    // SAFETY: as above.
    let requirements = unsafe { device.fns().get_image_memory_requirements(handle) };
    // SAFETY: made above, unused since.
    unsafe { device.fns().destroy_image(handle, None) };
    Ok((layout.row_pitch, requirements))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Sysmem constraints for the offered image formats.
pub(crate) fn image_sysmem_constraints(
    device: &Device,
    offered: &[Offered],
    info: &vk::ImageConstraintsInfoFUCHSIA<'_>,
) -> Result<Constraints, vk::Result> {
    let mut constraints = Constraints::default();
    counts(&info.buffer_collection_constraints, &mut constraints);
    constraints.cpu_usage = cpu_usage(info.flags);
    for o in offered {
        let width = o.image.extent.width;
        let (pitch, requirements) = probe_image(device, &o.image, width)?;
        let narrowest = if is_yuv(o.pixel_format) { 2 } else { 1 };
        let (narrow, _) = probe_image(device, &o.image, narrowest)?;
        constraints.vulkan_usage |= image_usage(o.image.usage);
        constraints.min_size_bytes = constraints.min_size_bytes.max(requirements.size);
        constraints.image_formats.push(ImageFormat {
            pixel_format: o.pixel_format,
            pixel_format_modifier: 0,
            color_spaces: o.color_spaces.clone(),
            min_size: (width, o.image.extent.height),
            min_bytes_per_row: u32::try_from(pitch).unwrap_or(u32::MAX),
            bytes_per_row_divisor: u32::try_from(gcd(pitch, narrow).max(1)).unwrap_or(1),
        });
    }
    constraints.cpu_domain_supported = true;
    constraints.ram_domain_supported = true;
    constraints.inaccessible_domain_supported = constraints.cpu_usage == 0;
    Ok(constraints)
}

/// Checks the buffer constraints' valid usage and makes the sysmem constraints.
///
/// # Errors
/// `VK_ERROR_VALIDATION_FAILED_EXT` (06404), or the driver's error for the probe buffer.
pub(crate) fn buffer_constraints(
    device: &Device,
    info: &vk::BufferConstraintsInfoFUCHSIA<'_>,
) -> Result<(Constraints, Recorded), vk::Result> {
    if !BUFFER_FEATURES.contains(info.required_format_features) {
        // VUID-VkBufferConstraintsInfoFUCHSIA-requiredFormatFeatures-06404.
        return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT);
    }
    let create = &info.create_info;
    let mut external = vk::ExternalMemoryBufferCreateInfo::default().handle_types(HOST_ALLOCATION);
    let probe = vk::BufferCreateInfo::default()
        .flags(create.flags)
        .size(create.size)
        .usage(create.usage)
        .sharing_mode(vk::SharingMode::EXCLUSIVE)
        .push_next(&mut external);
    // SAFETY: a complete buffer create info; destroyed below.
    let buffer = unsafe { device.fns().create_buffer(&probe, None) }?;
    // SAFETY: a live buffer of this device.
    let requirements = unsafe { device.fns().get_buffer_memory_requirements(buffer) };
    // SAFETY: made above, unused since.
    unsafe { device.fns().destroy_buffer(buffer, None) };
    let mut constraints = Constraints::default();
    counts(&info.buffer_collection_constraints, &mut constraints);
    constraints.vulkan_usage = buffer_usage(create.usage);
    constraints.min_size_bytes = requirements.size.max(create.size);
    constraints.cpu_domain_supported = true;
    constraints.ram_domain_supported = true;
    constraints.inaccessible_domain_supported = true;
    let recorded = Recorded::Buffer {
        size: create.size,
        usage: create.usage,
        flags: create.flags,
        required_features: info.required_format_features,
    };
    Ok((constraints, recorded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usages_map_to_sysmem_bits() {
        let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED;
        assert_eq!(image_usage(usage), 0x2 | 0x4);
        let buffer = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::STORAGE_BUFFER;
        assert_eq!(buffer_usage(buffer), 0x1_0000 | 0x20_0000);
        let cpu = vk::ImageConstraintsInfoFlagsFUCHSIA::CPU_READ_OFTEN
            | vk::ImageConstraintsInfoFlagsFUCHSIA::CPU_WRITE_RARELY;
        assert_eq!(cpu_usage(cpu), 2 | 4);
        assert_eq!(
            cpu_usage(vk::ImageConstraintsInfoFlagsFUCHSIA::PROTECTED_OPTIONAL),
            0
        );
    }

    #[test]
    fn each_usage_needs_its_format_feature() {
        let sampled = vk::ImageUsageFlags::SAMPLED;
        assert!(usage_features_present(
            sampled,
            vk::FormatFeatureFlags::SAMPLED_IMAGE
        ));
        // VUID-VkImageConstraintsInfoFUCHSIA-pFormatConstraints-06396.
        assert!(!usage_features_present(
            sampled,
            vk::FormatFeatureFlags::TRANSFER_DST
        ));
        // -06400: an input attachment needs a color or depth/stencil attachment feature.
        let input = vk::ImageUsageFlags::INPUT_ATTACHMENT;
        assert!(!usage_features_present(
            input,
            vk::FormatFeatureFlags::SAMPLED_IMAGE
        ));
        assert!(usage_features_present(
            input,
            vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT
        ));
    }

    #[test]
    fn formats_round_trip_through_sysmem() {
        for format in [
            vk::Format::R8G8B8A8_UNORM,
            vk::Format::B8G8R8A8_UNORM,
            vk::Format::G8_B8R8_2PLANE_420_UNORM,
            vk::Format::G8_B8_R8_3PLANE_420_UNORM,
        ] {
            let pixel = pixel_format(format).unwrap();
            assert_eq!(format_of(u64::from(pixel)), Some(format));
        }
        assert_eq!(pixel_format(vk::Format::R8G8B8A8_SRGB), Some(1));
        assert_eq!(pixel_format(vk::Format::D32_SFLOAT), None);
        assert_eq!(plane_aspects(104).len(), 2);
        assert_eq!(plane_aspects(102).len(), 3);
        assert!(is_yuv(104) && !is_yuv(101));
    }
}
