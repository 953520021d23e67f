//! The capability queries for `ZIRCON_VMO`: answered from the driver's `HOST_ALLOCATION`
//! answers for the same resource (what the layer imports is a host allocation).

use ash::vk;

use crate::chain::{self, raw_slice};
use crate::dispatch as registry;
use crate::{HOST_ALLOCATION, ZIRCON_VMO};

/// `ZIRCON_VMO`'s external memory properties, from `HOST_ALLOCATION`'s.
pub(crate) fn zircon_properties_from_host(
    host: vk::ExternalMemoryProperties,
) -> vk::ExternalMemoryProperties {
    let importable = host
        .external_memory_features
        .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE);
    vk::ExternalMemoryProperties {
        external_memory_features: if importable {
            vk::ExternalMemoryFeatureFlags::EXPORTABLE
                | vk::ExternalMemoryFeatureFlags::IMPORTABLE
                | (host.external_memory_features & vk::ExternalMemoryFeatureFlags::DEDICATED_ONLY)
        } else {
            vk::ExternalMemoryFeatureFlags::empty()
        },
        export_from_imported_handle_types: if importable {
            ZIRCON_VMO
        } else {
            vk::ExternalMemoryHandleTypeFlags::empty()
        },
        compatible_handle_types: ZIRCON_VMO,
    }
}

pub(crate) unsafe extern "system" fn get_physical_device_external_buffer_properties(
    physical_device: vk::PhysicalDevice,
    p_external_buffer_info: *const vk::PhysicalDeviceExternalBufferInfo<'_>,
    p_external_buffer_properties: *mut vk::ExternalBufferProperties<'_>,
) {
    let Some(this) = registry::instance_of(physical_device) else {
        return;
    };
    // SAFETY: a valid pointer to a valid structure
    // (VUID-vkGetPhysicalDeviceExternalBufferProperties-pExternalBufferInfo-parameter).
    let info = unsafe { &*p_external_buffer_info };
    // SAFETY: a valid, writable pointer (VUID-vkGetPhysicalDeviceExternalBufferProperties-
    // pExternalBufferProperties-parameter) that nothing else accesses during the call.
    let out = unsafe { &mut *p_external_buffer_properties };
    let get = this
        .fns
        .fp_v1_1()
        .get_physical_device_external_buffer_properties;
    if info.handle_type != ZIRCON_VMO {
        // SAFETY: the application's call, forwarded untouched to the real physical device.
        unsafe { get(physical_device, info, out) };
        return;
    }
    let host_info = vk::PhysicalDeviceExternalBufferInfo {
        handle_type: HOST_ALLOCATION,
        ..*info
    };
    let mut host = vk::ExternalBufferProperties::default();
    // SAFETY: a copy of the application's valid query (same chain) for HOST_ALLOCATION.
    unsafe { get(physical_device, &host_info, &mut host) };
    let mut properties = zircon_properties_from_host(host.external_memory_properties);
    // Report only what can work: such a buffer must allow a memory type a VMO can have (asked
    // only where the driver imports host memory for it, so the probe buffer is valid).
    let importable = host
        .external_memory_properties
        .external_memory_features
        .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE);
    let backed = importable
        && this
            .probe(physical_device)
            .is_some_and(|probe| probe.buffer_is_backed(info.flags, info.usage));
    if !backed {
        properties = zircon_properties_from_host(vk::ExternalMemoryProperties::default());
    }
    out.external_memory_properties = properties;
}

pub(crate) unsafe extern "system" fn get_physical_device_image_format_properties2(
    physical_device: vk::PhysicalDevice,
    p_image_format_info: *const vk::PhysicalDeviceImageFormatInfo2<'_>,
    p_image_format_properties: *mut vk::ImageFormatProperties2<'_>,
) -> vk::Result {
    let Some(this) = registry::instance_of(physical_device) else {
        return vk::Result::ERROR_INITIALIZATION_FAILED;
    };
    // SAFETY: a valid pointer to a valid structure
    // (VUID-vkGetPhysicalDeviceImageFormatProperties2-pImageFormatInfo-parameter).
    let info = unsafe { &*p_image_format_info };
    // SAFETY: a valid, writable pointer (VUID-vkGetPhysicalDeviceImageFormatProperties2-
    // pImageFormatProperties-parameter) that nothing else accesses during the call.
    let out = unsafe { &mut *p_image_format_properties };
    let get = this
        .fns
        .fp_v1_1()
        .get_physical_device_image_format_properties2;
    let mut external = None;
    let mut forwarded = chain::ForwardedImageStructures::default();
    let mut drm_modifier = None;
    let mut unknown = false;
    let visit = |node: chain::Node<'_>| {
        if let Some(s) = node.get::<vk::PhysicalDeviceExternalImageFormatInfo<'_>>() {
            external = Some(s.handle_type);
        } else if let Some(s) = node.get::<vk::PhysicalDeviceImageDrmFormatModifierInfoEXT<'_>>() {
            drm_modifier = Some(s);
        } else {
            // SAFETY: the arrays of a valid VkPhysicalDeviceImageFormatInfo2's chain live and
            // stay unwritten during this call, which `forwarded` (a local) does not outlive.
            unknown |= !unsafe { forwarded.take(node) };
        }
    };
    // SAFETY: the chain of a valid VkPhysicalDeviceImageFormatInfo2 is valid
    // (VUID-VkPhysicalDeviceImageFormatInfo2-pNext-pNext) and, borrowed with `info`, stays live
    // and unwritten.
    unsafe { chain::walk(info.p_next, visit) };
    if external != Some(ZIRCON_VMO) {
        // SAFETY: the application's call, forwarded untouched to the real physical device.
        return unsafe { get(physical_device, info, out) };
    }
    if unknown {
        return vk::Result::ERROR_UNKNOWN;
    }
    let formats = forwarded.view_formats();
    let mut host_format_list = forwarded.format_list();
    let mut host_external =
        vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(HOST_ALLOCATION);
    let mut host_info = vk::PhysicalDeviceImageFormatInfo2::default()
        .format(info.format)
        .ty(info.ty)
        .tiling(info.tiling)
        .usage(info.usage)
        .flags(info.flags)
        .push_next(&mut host_external);
    if let Some(format_list) = host_format_list.as_mut() {
        host_info = host_info.push_next(format_list);
    }
    let mut host_stencil_usage = forwarded.stencil_usage();
    if let Some(stencil_usage) = host_stencil_usage.as_mut() {
        host_info = host_info.push_next(stencil_usage);
    }
    // VK_EXT_image_drm_format_modifier (tiling DRM_FORMAT_MODIFIER_EXT needs it,
    // VUID-VkPhysicalDeviceImageFormatInfo2-tiling-02249): the modifier, sharing mode and queue
    // families, forwarded as given with the handle type rewritten.
    let modifier_queue_families: &[u32] = match &drm_modifier {
        // SAFETY: a valid VkPhysicalDeviceImageDrmFormatModifierInfoEXT addresses
        // `queue_family_index_count` indices (or none).
        Some(m) => unsafe { raw_slice(m.p_queue_family_indices, m.queue_family_index_count) },
        None => &[],
    };
    let mut host_drm_modifier = drm_modifier.map(|m| {
        vk::PhysicalDeviceImageDrmFormatModifierInfoEXT::default()
            .drm_format_modifier(m.drm_format_modifier)
            .sharing_mode(m.sharing_mode)
            .queue_family_indices(modifier_queue_families)
    });
    if let Some(drm_modifier) = host_drm_modifier.as_mut() {
        host_info = host_info.push_next(drm_modifier);
    }
    let modifier = drm_modifier.map(|m| m.drm_format_modifier);
    // SAFETY: the rewritten query (chain built with push_next from live locals); the output is
    // the application's valid chain, which the driver fills for HOST_ALLOCATION.
    let result = unsafe { get(physical_device, &host_info, out) };
    if result != vk::Result::SUCCESS {
        return result;
    }
    // Report only what can work: such an image must allow a memory type a VMO can have. Asked
    // only where the driver imports host memory for it (its own answer, in a chain of ours, as
    // the application's may lack VkExternalImageFormatProperties), so the probe image is valid.
    let mut own_external = vk::ExternalImageFormatProperties::default();
    let mut own = vk::ImageFormatProperties2::default().push_next(&mut own_external);
    // SAFETY: the same rewritten query, into an output chain built with push_next.
    let own_result = unsafe { get(physical_device, &host_info, &mut own) };
    let importable = own_result == vk::Result::SUCCESS
        && own_external
            .external_memory_properties
            .external_memory_features
            .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE);
    let backed = importable
        && this.probe(physical_device).is_some_and(|probe| {
            probe.image_is_backed(&host_info, formats, modifier, &out.image_format_properties)
        });
    let mut result = if backed {
        vk::Result::SUCCESS
    } else {
        vk::Result::ERROR_FORMAT_NOT_SUPPORTED
    };
    let rewrite = |external: &mut vk::ExternalImageFormatProperties<'_>| {
        let mut host = external.external_memory_properties;
        if !backed {
            host = vk::ExternalMemoryProperties::default();
        }
        if !host
            .external_memory_features
            .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE)
        {
            result = vk::Result::ERROR_FORMAT_NOT_SUPPORTED;
        }
        external.external_memory_properties = zircon_properties_from_host(host);
    };
    // SAFETY: the application's output chain is valid (VUID-VkImageFormatProperties2-pNext-pNext)
    // and writable, and the driver is done with it; `out` holds the only reference to it.
    unsafe { chain::for_each_mut(out.p_next, rewrite) };
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn importable_host_memory_is_exportable_and_importable_vmo_memory() {
        let host = vk::ExternalMemoryProperties {
            external_memory_features: vk::ExternalMemoryFeatureFlags::IMPORTABLE,
            export_from_imported_handle_types: vk::ExternalMemoryHandleTypeFlags::empty(),
            compatible_handle_types: HOST_ALLOCATION,
        };
        let z = zircon_properties_from_host(host);
        assert_eq!(
            z.external_memory_features,
            vk::ExternalMemoryFeatureFlags::EXPORTABLE | vk::ExternalMemoryFeatureFlags::IMPORTABLE
        );
        assert_eq!(z.compatible_handle_types, ZIRCON_VMO);
        assert_eq!(z.export_from_imported_handle_types, ZIRCON_VMO);
    }

    #[test]
    fn unsupported_host_memory_is_unsupported_vmo_memory() {
        let z = zircon_properties_from_host(vk::ExternalMemoryProperties::default());
        assert!(z.external_memory_features.is_empty());
        assert!(z.export_from_imported_handle_types.is_empty());
        assert_eq!(z.compatible_handle_types, ZIRCON_VMO);
    }
}
