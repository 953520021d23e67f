//! Capability queries for the Metal handle types.
//!
//! These are core Vulkan 1.1 queries (`vkGetPhysicalDeviceExternalBufferProperties`,
//! `vkGetPhysicalDeviceImageFormatProperties2` with `VkPhysicalDeviceExternalImageFormatInfo`)
//! asked about a Metal handle type. They compile and run everywhere: on a driver without
//! `VK_EXT_external_memory_metal` they report the type as neither importable nor exportable.

use ash::vk;

use super::handle_type::MetalHandleType;

/// What a driver reports for one Metal handle type and one resource description
/// (`VkExternalMemoryProperties`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MetalMemoryCapabilities {
    /// The handle type the query was about.
    pub handle_type: MetalHandleType,
    /// `externalMemoryFeatures`.
    pub features: vk::ExternalMemoryFeatureFlags,
    /// `exportFromImportedHandleTypes`.
    pub export_from_imported_handle_types: vk::ExternalMemoryHandleTypeFlags,
    /// `compatibleHandleTypes`.
    pub compatible_handle_types: vk::ExternalMemoryHandleTypeFlags,
}

crate::ash_debug::impl_debug!(MetalMemoryCapabilities {
    handle_type,
    features: vk,
    export_from_imported_handle_types: vk,
    compatible_handle_types: vk,
});

impl MetalMemoryCapabilities {
    /// Reads `VkExternalMemoryProperties` returned for `handle_type`.
    pub fn from_vk(
        handle_type: MetalHandleType,
        properties: &vk::ExternalMemoryProperties,
    ) -> Self {
        Self {
            handle_type,
            features: properties.external_memory_features,
            export_from_imported_handle_types: properties.export_from_imported_handle_types,
            compatible_handle_types: properties.compatible_handle_types,
        }
    }

    /// `VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT` is set.
    pub fn exportable(&self) -> bool {
        self.features
            .contains(vk::ExternalMemoryFeatureFlags::EXPORTABLE)
    }

    /// `VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT` is set.
    pub fn importable(&self) -> bool {
        self.features
            .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE)
    }

    /// `VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT` is set: memory of this type must be a
    /// dedicated allocation (`VUID-VkMemoryAllocateInfo-pNext-00639`).
    pub fn dedicated_only(&self) -> bool {
        self.features
            .contains(vk::ExternalMemoryFeatureFlags::DEDICATED_ONLY)
    }
}

/// The capabilities of `handle_type` for a buffer with `flags` and `usage`.
///
/// Wraps `vkGetPhysicalDeviceExternalBufferProperties` (Vulkan 1.1), which cannot fail.
///
/// # Safety
/// - `physical_device` must be a valid physical device of `instance`, and `instance` must have
///   been created for Vulkan 1.1 or later.
pub unsafe fn buffer_capabilities(
    instance: &ash::Instance,
    physical_device: vk::PhysicalDevice,
    handle_type: MetalHandleType,
    flags: vk::BufferCreateFlags,
    usage: vk::BufferUsageFlags,
) -> MetalMemoryCapabilities {
    let info = vk::PhysicalDeviceExternalBufferInfo::default()
        .flags(flags)
        .usage(usage)
        .handle_type(handle_type.to_vk());
    let mut out = vk::ExternalBufferProperties::default();
    // SAFETY: valid instance and physical device (caller); `info` and `out` are valid structures
    // with empty chains.
    unsafe {
        instance.get_physical_device_external_buffer_properties(physical_device, &info, &mut out)
    };
    MetalMemoryCapabilities::from_vk(handle_type, &out.external_memory_properties)
}

/// The capabilities of `handle_type` for an image described by `format_info` (its own `p_next`
/// must be empty; this function chains `VkPhysicalDeviceExternalImageFormatInfo`).
///
/// Wraps `vkGetPhysicalDeviceImageFormatProperties2` (Vulkan 1.1).
///
/// # Errors
/// - `Ok(None)` when the driver answers `VK_ERROR_FORMAT_NOT_SUPPORTED`: this combination of image
///   parameters and handle type cannot be used at all.
/// - `Err(VK_ERROR_OUT_OF_HOST_MEMORY | VK_ERROR_OUT_OF_DEVICE_MEMORY)` as the command returns
///   them; any other code is passed through unchanged.
///
/// # Safety
/// - `physical_device` must be a valid physical device of `instance` (Vulkan 1.1 or later), and
///   `format_info.p_next` must be null.
pub unsafe fn image_capabilities(
    instance: &ash::Instance,
    physical_device: vk::PhysicalDevice,
    handle_type: MetalHandleType,
    format_info: vk::PhysicalDeviceImageFormatInfo2<'_>,
) -> Result<Option<MetalMemoryCapabilities>, vk::Result> {
    let mut external_info =
        vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(handle_type.to_vk());
    let format_info = format_info.push_next(&mut external_info);
    let mut external_out = vk::ExternalImageFormatProperties::default();
    let mut out = vk::ImageFormatProperties2::default().push_next(&mut external_out);
    // SAFETY: valid instance and physical device (caller); both chains are built with ash's
    // lifetime-checked `push_next` from locals that outlive the call.
    let result = unsafe {
        instance.get_physical_device_image_format_properties2(
            physical_device,
            &format_info,
            &mut out,
        )
    };
    match result {
        Ok(()) => Ok(Some(MetalMemoryCapabilities::from_vk(
            handle_type,
            &external_out.external_memory_properties,
        ))),
        Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED) => Ok(None),
        Err(e) => Err(e),
    }
}
