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
        // SAFETY: the chain holds only the external-memory structure (core 1.1), at the
        // caller's tiling.
        unsafe { self.external_image_format_properties(query, query.tiling, None) }
    }

    /// The DRM format modifiers the driver offers for `format`
    /// (`vkGetPhysicalDeviceFormatProperties2` with `VkDrmFormatModifierPropertiesListEXT`):
    /// each with its memory-plane count and tiling features. Empty unless the application
    /// stated `VK_EXT_image_drm_format_modifier` enabled
    /// ([`Interop::with_enabled_extensions`]), whose structure the query needs.
    pub fn get_physical_device_drm_format_modifier_properties(
        &self,
        format: vk::Format,
    ) -> Vec<vk::DrmFormatModifierPropertiesEXT> {
        if !self.image_drm_format_modifier() {
            return Vec::new();
        }
        let mut list = vk::DrmFormatModifierPropertiesListEXT::default();
        let mut properties = vk::FormatProperties2::default().push_next(&mut list);
        // SAFETY: the extension is enabled (the application's statement); the chain is built
        // with push_next from locals, and a null array asks for the count.
        unsafe {
            self.shared
                .table
                .get_physical_device_format_properties2(format, &mut properties)
        };
        let count = list.drm_format_modifier_count;
        let mut modifiers = vec![
            vk::DrmFormatModifierPropertiesEXT::default();
            usize::try_from(count).unwrap_or(0)
        ];
        let mut list = vk::DrmFormatModifierPropertiesListEXT::default()
            .drm_format_modifier_properties(&mut modifiers);
        let mut properties = vk::FormatProperties2::default().push_next(&mut list);
        // SAFETY: as above, with an array of `count` writable elements.
        unsafe {
            self.shared
                .table
                .get_physical_device_format_properties2(format, &mut properties)
        };
        let written = usize::try_from(list.drm_format_modifier_count).unwrap_or(0);
        modifiers.truncate(written);
        modifiers
    }

    /// [`Self::get_physical_device_image_format_properties2`] for `VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT`
    /// (whatever `query.tiling` says) with `VkPhysicalDeviceImageDrmFormatModifierInfoEXT`
    /// { `drm_format_modifier`, exclusive sharing } chained: whether images of that modifier
    /// can use VMO memory.
    ///
    /// # Errors
    /// [`VulkanError::FormatNotSupported`] as there, and also where the application did not
    /// state `VK_EXT_image_drm_format_modifier` enabled (the query would be invalid).
    pub fn get_physical_device_image_drm_format_modifier_properties2(
        &self,
        query: &ImageFormatQuery,
        drm_format_modifier: u64,
    ) -> Result<ExternalImageFormatProperties, VulkanError> {
        if !self.image_drm_format_modifier() {
            return Err(VulkanError::FormatNotSupported {
                command: "vkGetPhysicalDeviceImageFormatProperties2",
            });
        }
        let mut modifier_info = vk::PhysicalDeviceImageDrmFormatModifierInfoEXT::default()
            .drm_format_modifier(drm_format_modifier)
            .sharing_mode(vk::SharingMode::EXCLUSIVE);
        // SAFETY: the extension is enabled (the application's statement), as the tiling and
        // the modifier structure need (VUID-VkPhysicalDeviceImageFormatInfo2-tiling-02249).
        unsafe {
            self.external_image_format_properties(
                query,
                vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT,
                Some(&mut modifier_info),
            )
        }
    }

    /// `vkGetPhysicalDeviceImageFormatProperties2` of `query` at `tiling`, with
    /// `VkPhysicalDeviceExternalImageFormatInfo{ZIRCON_VMO}` (and `modifier_info`, if any)
    /// chained, and `VkExternalImageFormatProperties` on the properties.
    ///
    /// # Safety
    /// Every structure of the chain (`tiling`'s and `modifier_info`'s extension) is enabled.
    unsafe fn external_image_format_properties(
        &self,
        query: &ImageFormatQuery,
        tiling: vk::ImageTiling,
        modifier_info: Option<&mut vk::PhysicalDeviceImageDrmFormatModifierInfoEXT<'_>>,
    ) -> Result<ExternalImageFormatProperties, VulkanError> {
        let mut external_info =
            vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(ZIRCON_VMO);
        let mut info = vk::PhysicalDeviceImageFormatInfo2::default()
            .format(query.format)
            .ty(query.image_type)
            .tiling(tiling)
            .usage(query.usage)
            .flags(query.flags)
            .push_next(&mut external_info);
        if let Some(modifier_info) = modifier_info {
            info = info.push_next(modifier_info);
        }
        let mut external_properties = vk::ExternalImageFormatProperties::default();
        let mut properties =
            vk::ImageFormatProperties2::default().push_next(&mut external_properties);
        // SAFETY: both chains are built with push_next from structures that outlive the call;
        // their extensions are enabled (caller).
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
