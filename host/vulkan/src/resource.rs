//! Buffers and images for `ZIRCON_VMO` memory: `VkExternalMemory{Buffer,Image}CreateInfo`
//! rewritten to `HOST_ALLOCATION`, and the description of each resource kept for the
//! dedicated-import rules (VUID-VkMemoryDedicatedAllocateInfo-buffer-04752 / -image-04751).

use ash::vk::{self, Handle};

use crate::chain::{self, raw_slice};
use crate::device::Device;
use crate::dispatch as registry;
use crate::{HOST_ALLOCATION, ZIRCON_VMO};

/// A `VkBuffer` or `VkImage`: what memory is bound to, or dedicated to
/// (`VkMemoryDedicatedAllocateInfo`'s resource).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Resource {
    Buffer(vk::Buffer),
    Image(vk::Image),
}

impl Resource {
    /// The handle's raw value.
    fn as_raw(self) -> u64 {
        match self {
            Self::Buffer(buffer) => buffer.as_raw(),
            Self::Image(image) => image.as_raw(),
        }
    }
}

/// The creation parameters of a resource, as "identical" in 04751/04752 compares them: every
/// field of the create info, the queue families of a `CONCURRENT` resource and the external
/// handle types the application asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ResourceDescription {
    Buffer {
        flags: vk::BufferCreateFlags,
        size: u64,
        usage: vk::BufferUsageFlags,
        sharing_mode: vk::SharingMode,
        queue_family_indices: Vec<u32>,
        external: vk::ExternalMemoryHandleTypeFlags,
    },
    Image {
        flags: vk::ImageCreateFlags,
        image_type: vk::ImageType,
        format: vk::Format,
        extent: (u32, u32, u32),
        mip_levels: u32,
        array_layers: u32,
        samples: vk::SampleCountFlags,
        tiling: vk::ImageTiling,
        usage: vk::ImageUsageFlags,
        sharing_mode: vk::SharingMode,
        queue_family_indices: Vec<u32>,
        initial_layout: vk::ImageLayout,
        external: vk::ExternalMemoryHandleTypeFlags,
    },
}

/// The queue family list of a `CONCURRENT` resource; empty for `EXCLUSIVE`.
///
/// # Safety
/// For `CONCURRENT`, a non-null `ptr` addresses `count` values.
unsafe fn queue_families(mode: vk::SharingMode, ptr: *const u32, count: u32) -> Vec<u32> {
    if mode != vk::SharingMode::CONCURRENT {
        return Vec::new();
    }
    // SAFETY: the caller's contract.
    unsafe { raw_slice(ptr, count) }.to_vec()
}

impl ResourceDescription {
    /// # Safety
    /// `info` is a valid create info (its queue family array included).
    pub(crate) unsafe fn buffer(
        info: &vk::BufferCreateInfo<'_>,
        external: vk::ExternalMemoryHandleTypeFlags,
    ) -> Self {
        Self::Buffer {
            flags: info.flags,
            size: info.size,
            usage: info.usage,
            sharing_mode: info.sharing_mode,
            // SAFETY: the caller's contract.
            queue_family_indices: unsafe {
                queue_families(
                    info.sharing_mode,
                    info.p_queue_family_indices,
                    info.queue_family_index_count,
                )
            },
            external,
        }
    }

    /// # Safety
    /// `info` is a valid create info (its queue family array included).
    pub(crate) unsafe fn image(
        info: &vk::ImageCreateInfo<'_>,
        external: vk::ExternalMemoryHandleTypeFlags,
    ) -> Self {
        Self::Image {
            flags: info.flags,
            image_type: info.image_type,
            format: info.format,
            extent: (info.extent.width, info.extent.height, info.extent.depth),
            mip_levels: info.mip_levels,
            array_layers: info.array_layers,
            samples: info.samples,
            tiling: info.tiling,
            usage: info.usage,
            sharing_mode: info.sharing_mode,
            // SAFETY: the caller's contract.
            queue_family_indices: unsafe {
                queue_families(
                    info.sharing_mode,
                    info.p_queue_family_indices,
                    info.queue_family_index_count,
                )
            },
            initial_layout: info.initial_layout,
            external,
        }
    }

    fn is_buffer(&self) -> bool {
        matches!(self, Self::Buffer { .. })
    }
}

/// What is known about the dedication of the memory that exported a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExportedDedication {
    /// Not exported by this device (sysmem, `zx_vmo_create`, another device): unconstrained.
    Unknown,
    NotDedicated,
    Dedicated(ResourceDescription),
}

/// Whether a dedicated import for `dedicated` (described by `importing`, if known) may import a
/// payload exported as `exported` (04751 / 04752).
pub(crate) fn dedicated_import_allowed(
    dedicated: Resource,
    importing: Option<&ResourceDescription>,
    exported: &ExportedDedication,
) -> bool {
    match exported {
        ExportedDedication::Unknown => true,
        ExportedDedication::NotDedicated => false,
        ExportedDedication::Dedicated(exporter) => {
            exporter.is_buffer() == matches!(dedicated, Resource::Buffer(_))
                && importing.is_none_or(|importing| importing == exporter)
        }
    }
}

/// `status` of a forwarded call that writes its result to `out`.
pub(crate) fn status<T>(result: Result<T, vk::Result>, out: &mut T) -> vk::Result {
    match result {
        Ok(value) => {
            *out = value;
            vk::Result::SUCCESS
        }
        Err(e) => e,
    }
}

/// The end of `vkCreateBuffer` / `vkCreateImage` for `ZIRCON_VMO` memory: the driver's
/// `result`; on success the resource's description (`describe`) is kept for the dedicated-import
/// and bind rules, and the resource written to `out`.
fn created<R: Copy>(
    this: &Device,
    result: Result<R, vk::Result>,
    resource: fn(R) -> Resource,
    describe: impl FnOnce() -> ResourceDescription,
    out: &mut R,
) -> vk::Result {
    if let (Ok(created), Some(mut state)) = (&result, this.lock()) {
        state.resources.insert(resource(*created), describe());
    }
    status(result, out)
}

/// `vkDestroyBuffer` / `vkDestroyImage`: forgets what the layer keeps of `resource`, then
/// `forward`s the call to the driver.
fn destroy(device: vk::Device, resource: Resource, forward: impl FnOnce(&ash::Device)) {
    let Some(this) = registry::device(device) else {
        return;
    };
    if let Some(mut state) = this.lock() {
        state.resources.remove(&resource);
    }
    crate::buffer_collection_resource::forget(&this, resource.as_raw());
    forward(this.fns());
}

pub(crate) unsafe extern "system" fn create_buffer(
    device: vk::Device,
    p_create_info: *const vk::BufferCreateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_buffer: *mut vk::Buffer,
) -> vk::Result {
    // SAFETY: the application's call, as this function's.
    if let Some(result) = unsafe {
        crate::buffer_collection_resource::create_buffer(
            device,
            p_create_info,
            p_allocator,
            p_buffer,
        )
    } {
        return result;
    }
    let Some(this) = registry::device(device) else {
        return vk::Result::ERROR_DEVICE_LOST;
    };
    // SAFETY: a valid pointer to a valid structure (VUID-vkCreateBuffer-pCreateInfo-parameter).
    let info = unsafe { &*p_create_info };
    // SAFETY: null or a valid pointer to valid callbacks
    // (VUID-vkCreateBuffer-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    // SAFETY: a valid, writable pointer (VUID-vkCreateBuffer-pBuffer-parameter) that nothing
    // else accesses during the call.
    let out = unsafe { &mut *p_buffer };
    let mut external = None;
    let mut usage2 = None;
    let mut unknown = false;
    let visit = |node: chain::Node<'_>| {
        if let Some(s) = node.get::<vk::ExternalMemoryBufferCreateInfo<'_>>() {
            external = Some(s.handle_types);
        } else if let Some(s) = node.get::<vk::BufferUsageFlags2CreateInfoKHR<'_>>() {
            usage2 = Some(vk::BufferUsageFlags2CreateInfoKHR::default().usage(s.usage));
        } else {
            unknown = true;
        }
    };
    // SAFETY: the chain of a valid VkBufferCreateInfo is valid
    // (VUID-VkBufferCreateInfo-pNext-pNext) and, borrowed with `info`, stays live and unwritten.
    unsafe { chain::walk(info.p_next, visit) };
    let Some(types) = external.filter(|t| t.contains(ZIRCON_VMO) && this.zircon_enabled()) else {
        // SAFETY: the application's valid call, forwarded untouched.
        let result = unsafe { this.fns().create_buffer(info, allocator) };
        return status(result, out);
    };
    if unknown {
        return vk::Result::ERROR_UNKNOWN;
    }
    let mut host_external = vk::ExternalMemoryBufferCreateInfo::default()
        .handle_types((types & !ZIRCON_VMO) | HOST_ALLOCATION);
    // SAFETY: a valid create info addresses `queue_family_index_count` indices (or none).
    let queue_families =
        unsafe { raw_slice(info.p_queue_family_indices, info.queue_family_index_count) };
    let mut host_info = vk::BufferCreateInfo::default()
        .flags(info.flags)
        .size(info.size)
        .usage(info.usage)
        .sharing_mode(info.sharing_mode)
        .queue_family_indices(queue_families)
        .push_next(&mut host_external);
    if let Some(usage2) = usage2.as_mut() {
        host_info = host_info.push_next(usage2);
    }
    // SAFETY: the application's valid call with the handle type rewritten; the chain is built
    // with push_next from live locals; the queue family array is the application's.
    let result = unsafe { this.fns().create_buffer(&host_info, allocator) };
    // SAFETY: `info` is valid (Vulkan's requirement on the caller).
    let describe = || unsafe { ResourceDescription::buffer(info, types) };
    created(&this, result, Resource::Buffer, describe, out)
}

pub(crate) unsafe extern "system" fn destroy_buffer(
    device: vk::Device,
    buffer: vk::Buffer,
    p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    // SAFETY: null or a valid pointer to valid callbacks
    // (VUID-vkDestroyBuffer-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    destroy(device, Resource::Buffer(buffer), |fns| {
        // SAFETY: the application's valid call, forwarded.
        unsafe { fns.destroy_buffer(buffer, allocator) }
    });
}

pub(crate) unsafe extern "system" fn create_image(
    device: vk::Device,
    p_create_info: *const vk::ImageCreateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_image: *mut vk::Image,
) -> vk::Result {
    // SAFETY: the application's call, as this function's.
    if let Some(result) = unsafe {
        crate::buffer_collection_resource::create_image(device, p_create_info, p_allocator, p_image)
    } {
        return result;
    }
    let Some(this) = registry::device(device) else {
        return vk::Result::ERROR_DEVICE_LOST;
    };
    // SAFETY: a valid pointer to a valid structure (VUID-vkCreateImage-pCreateInfo-parameter).
    let info = unsafe { &*p_create_info };
    // SAFETY: null or a valid pointer to valid callbacks
    // (VUID-vkCreateImage-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    // SAFETY: a valid, writable pointer (VUID-vkCreateImage-pImage-parameter) that nothing else
    // accesses during the call.
    let out = unsafe { &mut *p_image };
    let mut external = None;
    let mut forwarded = chain::ForwardedImageStructures::default();
    let mut explicit_modifier = None;
    let mut modifier_list = None;
    let mut unknown = false;
    let visit = |node: chain::Node<'_>| {
        if let Some(s) = node.get::<vk::ExternalMemoryImageCreateInfo<'_>>() {
            external = Some(s.handle_types);
        } else if let Some(s) = node.get::<vk::ImageDrmFormatModifierExplicitCreateInfoEXT<'_>>() {
            explicit_modifier = Some(s);
        } else if let Some(s) = node.get::<vk::ImageDrmFormatModifierListCreateInfoEXT<'_>>() {
            modifier_list = Some(s);
        } else {
            // SAFETY: the arrays of a valid VkImageCreateInfo's chain live and stay unwritten
            // during this call, which `forwarded` (a local) does not outlive.
            unknown |= !unsafe { forwarded.take(node) };
        }
    };
    // SAFETY: the chain of a valid VkImageCreateInfo is valid
    // (VUID-VkImageCreateInfo-pNext-pNext) and, borrowed with `info`, stays live and unwritten.
    unsafe { chain::walk(info.p_next, visit) };
    let Some(types) = external.filter(|t| t.contains(ZIRCON_VMO) && this.zircon_enabled()) else {
        // SAFETY: the application's valid call, forwarded untouched.
        let result = unsafe { this.fns().create_image(info, allocator) };
        return status(result, out);
    };
    if unknown {
        return vk::Result::ERROR_UNKNOWN;
    }
    // SAFETY: a valid create info addresses `queue_family_index_count` indices (or none).
    let queue_families =
        unsafe { raw_slice(info.p_queue_family_indices, info.queue_family_index_count) };
    let mut host_format_list = forwarded.format_list();
    let mut host_external = vk::ExternalMemoryImageCreateInfo::default()
        .handle_types((types & !ZIRCON_VMO) | HOST_ALLOCATION);
    let mut host_info = vk::ImageCreateInfo::default()
        .flags(info.flags)
        .image_type(info.image_type)
        .format(info.format)
        .extent(info.extent)
        .mip_levels(info.mip_levels)
        .array_layers(info.array_layers)
        .samples(info.samples)
        .tiling(info.tiling)
        .usage(info.usage)
        .sharing_mode(info.sharing_mode)
        .initial_layout(info.initial_layout)
        .queue_family_indices(queue_families)
        .push_next(&mut host_external);
    if let Some(format_list) = host_format_list.as_mut() {
        host_info = host_info.push_next(format_list);
    }
    // VK_EXT_image_drm_format_modifier's explicit layout (sysmem's row pitch and plane
    // offsets), forwarded as given.
    let plane_layouts: &[vk::SubresourceLayout] = match &explicit_modifier {
        // SAFETY: a valid VkImageDrmFormatModifierExplicitCreateInfoEXT addresses
        // `drm_format_modifier_plane_count` layouts.
        Some(e) => unsafe { raw_slice(e.p_plane_layouts, e.drm_format_modifier_plane_count) },
        None => &[],
    };
    let mut host_explicit = explicit_modifier.map(|e| {
        vk::ImageDrmFormatModifierExplicitCreateInfoEXT::default()
            .drm_format_modifier(e.drm_format_modifier)
            .plane_layouts(plane_layouts)
    });
    if let Some(explicit) = host_explicit.as_mut() {
        host_info = host_info.push_next(explicit);
    }
    // Or the list of modifiers the driver may choose from, forwarded as given.
    let modifiers: &[u64] = match &modifier_list {
        // SAFETY: a valid VkImageDrmFormatModifierListCreateInfoEXT addresses
        // `drm_format_modifier_count` modifiers.
        Some(l) => unsafe { raw_slice(l.p_drm_format_modifiers, l.drm_format_modifier_count) },
        None => &[],
    };
    let mut host_modifier_list = modifier_list.map(|_| {
        vk::ImageDrmFormatModifierListCreateInfoEXT::default().drm_format_modifiers(modifiers)
    });
    if let Some(list) = host_modifier_list.as_mut() {
        host_info = host_info.push_next(list);
    }
    let mut host_stencil_usage = forwarded.stencil_usage();
    if let Some(stencil_usage) = host_stencil_usage.as_mut() {
        host_info = host_info.push_next(stencil_usage);
    }
    // SAFETY: the application's valid call with the handle type rewritten; the chain is built
    // with push_next from live locals; the arrays are the application's.
    let result = unsafe { this.fns().create_image(&host_info, allocator) };
    // SAFETY: `info` is valid (Vulkan's requirement on the caller).
    let describe = || unsafe { ResourceDescription::image(info, types) };
    created(&this, result, Resource::Image, describe, out)
}

pub(crate) unsafe extern "system" fn destroy_image(
    device: vk::Device,
    image: vk::Image,
    p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    // SAFETY: null or a valid pointer to valid callbacks
    // (VUID-vkDestroyImage-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    destroy(device, Resource::Image(image), |fns| {
        // SAFETY: the application's valid call, forwarded.
        unsafe { fns.destroy_image(image, allocator) }
    });
}
