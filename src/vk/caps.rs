//! Capability queries for `ZIRCON_VMO`: external buffer and image-format properties.
//!
//! The implementation of the extension answers: the driver on Fuchsia, the host Vulkan layer
//! elsewhere (from what the driver's `HOST_ALLOCATION` import supports).

use ash::vk;

use super::error::map_image_format_err;
use super::Interop;
use crate::external_memory::VulkanError;

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;

/// The image the image-format query asks about (`VkPhysicalDeviceImageFormatInfo2`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ImageFormatQuery {
    /// `format`.
    pub format: vk::Format,
    /// `type`.
    pub image_type: vk::ImageType,
    /// `tiling`.
    pub tiling: vk::ImageTiling,
    /// `usage`.
    pub usage: vk::ImageUsageFlags,
    /// `flags`.
    pub flags: vk::ImageCreateFlags,
}

crate::ash_debug::impl_debug!(ImageFormatQuery {
    format: vk,
    image_type: vk,
    tiling: vk,
    usage: vk,
    flags: vk
});

/// The answer of the image-format query for `ZIRCON_VMO`.
#[derive(Clone, Copy)]
pub struct ExternalImageFormatProperties {
    /// `VkImageFormatProperties2::imageFormatProperties`.
    pub image_format_properties: vk::ImageFormatProperties,
    /// `VkExternalImageFormatProperties::externalMemoryProperties`.
    pub external_memory_properties: vk::ExternalMemoryProperties,
}

crate::ash_debug::impl_debug!(ExternalImageFormatProperties {
    image_format_properties: vk,
    external_memory_properties: vk,
});

impl Interop {
    /// `vkGetPhysicalDeviceExternalBufferProperties` for `ZIRCON_VMO`: whether buffers with
    /// these `flags` and `usage` can live in exported or imported VMO memory.
    pub fn get_physical_device_external_buffer_properties(
        &self,
        flags: vk::BufferCreateFlags,
        usage: vk::BufferUsageFlags,
    ) -> vk::ExternalMemoryProperties {
        let info = vk::PhysicalDeviceExternalBufferInfo::default()
            .flags(flags)
            .usage(usage)
            .handle_type(ZIRCON_VMO);
        let mut properties = vk::ExternalBufferProperties::default();
        // SAFETY: both structures are valid and unchained.
        unsafe {
            self.shared
                .table
                .get_physical_device_external_buffer_properties(&info, &mut properties)
        };
        properties.external_memory_properties
    }

    /// The format's features (`vkGetPhysicalDeviceFormatProperties`): what linear and optimal
    /// images and buffers of it support.
    pub fn get_physical_device_format_properties(
        &self,
        format: vk::Format,
    ) -> vk::FormatProperties {
        // SAFETY: the table is this interop's, which is alive (`&self`).
        unsafe {
            self.shared
                .table
                .get_physical_device_format_properties(format)
        }
    }

    /// `vkGetPhysicalDeviceImageFormatProperties2` with
    /// `VkPhysicalDeviceExternalImageFormatInfo{ZIRCON_VMO}`.
    ///
    /// # Errors
    /// [`VulkanError::FormatNotSupported`] when images like this cannot use VMO memory (or do
    /// not exist at all); other [`VulkanError`]s for other failures.
    pub fn get_physical_device_image_format_properties2(
        &self,
        query: &ImageFormatQuery,
    ) -> Result<ExternalImageFormatProperties, VulkanError> {
        let ImageFormatQuery {
            format,
            image_type,
            tiling,
            usage,
            flags,
        } = *query;
        let mut external_info =
            vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(ZIRCON_VMO);
        let info = vk::PhysicalDeviceImageFormatInfo2::default()
            .format(format)
            .ty(image_type)
            .tiling(tiling)
            .usage(usage)
            .flags(flags)
            .push_next(&mut external_info);
        let mut external_properties = vk::ExternalImageFormatProperties::default();
        let mut properties =
            vk::ImageFormatProperties2::default().push_next(&mut external_properties);
        // SAFETY: both chains are built with push_next from locals that outlive the call.
        unsafe {
            self.shared
                .table
                .get_physical_device_image_format_properties2(&info, &mut properties)
        }
        .map_err(map_image_format_err)?;
        Ok(ExternalImageFormatProperties {
            image_format_properties: properties.image_format_properties,
            external_memory_properties: external_properties.external_memory_properties,
        })
    }
}
