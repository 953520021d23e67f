//! Descriptions of the resources external memory is for, as plain values: their kind, their
//! creation parameters (which "identical" in the dedicated-import VUIDs compares) and what is
//! known about the dedication of the memory that exported a payload.

use ash::vk;

/// Which kind of resource memory is meant for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// A `VkBuffer`.
    Buffer,
    /// A `VkImage`.
    Image,
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Buffer => "buffer",
            Self::Image => "image",
        })
    }
}

/// The creation parameters of a buffer, as far as "identical" (VUID-04752) compares them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BufferDescription {
    /// `VkBufferCreateInfo::flags`.
    pub flags: vk::BufferCreateFlags,
    /// `VkBufferCreateInfo::size`.
    pub size: u64,
    /// `VkBufferCreateInfo::usage`.
    pub usage: vk::BufferUsageFlags,
    /// `VkBufferCreateInfo::sharingMode`.
    pub sharing_mode: vk::SharingMode,
    /// `VkBufferCreateInfo::pQueueFamilyIndices` (meaningful for `CONCURRENT` only).
    pub queue_family_indices: Vec<u32>,
    /// `VkExternalMemoryBufferCreateInfo::handleTypes` as the application asked for them.
    pub external_handle_types: vk::ExternalMemoryHandleTypeFlags,
}

crate::ash_debug::impl_debug!(BufferDescription {
    flags: vk,
    size,
    usage: vk,
    sharing_mode: vk,
    queue_family_indices,
    external_handle_types: vk
});

/// The creation parameters of an image, as far as "identical" (VUID-04751) compares them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ImageDescription {
    /// `VkImageCreateInfo::flags`.
    pub flags: vk::ImageCreateFlags,
    /// `VkImageCreateInfo::imageType`.
    pub image_type: vk::ImageType,
    /// `VkImageCreateInfo::format`.
    pub format: vk::Format,
    /// `VkImageCreateInfo::extent` as `(width, height, depth)`.
    pub extent: (u32, u32, u32),
    /// `VkImageCreateInfo::mipLevels`.
    pub mip_levels: u32,
    /// `VkImageCreateInfo::arrayLayers`.
    pub array_layers: u32,
    /// `VkImageCreateInfo::samples`.
    pub samples: vk::SampleCountFlags,
    /// `VkImageCreateInfo::tiling`.
    pub tiling: vk::ImageTiling,
    /// `VkImageCreateInfo::usage`.
    pub usage: vk::ImageUsageFlags,
    /// `VkImageCreateInfo::sharingMode`.
    pub sharing_mode: vk::SharingMode,
    /// `VkImageCreateInfo::pQueueFamilyIndices` (meaningful for `CONCURRENT` only).
    pub queue_family_indices: Vec<u32>,
    /// `VkImageCreateInfo::initialLayout`.
    pub initial_layout: vk::ImageLayout,
    /// `VkExternalMemoryImageCreateInfo::handleTypes` as the application asked for them.
    pub external_handle_types: vk::ExternalMemoryHandleTypeFlags,
}

crate::ash_debug::impl_debug!(ImageDescription {
    flags: vk,
    image_type: vk,
    format: vk,
    extent,
    mip_levels,
    array_layers,
    samples: vk,
    tiling: vk,
    usage: vk,
    sharing_mode: vk,
    queue_family_indices,
    initial_layout: vk,
    external_handle_types: vk
});

/// The description of a dedicated resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ResourceDescription {
    /// A buffer.
    Buffer(BufferDescription),
    /// An image.
    Image(ImageDescription),
}

impl ResourceDescription {
    /// Buffer or image.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Self::Buffer(_) => ResourceKind::Buffer,
            Self::Image(_) => ResourceKind::Image,
        }
    }

    /// Describes a buffer from its create info (and the external handle types chained to it).
    ///
    /// # Safety
    /// When `info.sharing_mode` is `CONCURRENT`, `info.p_queue_family_indices` must point to
    /// `info.queue_family_index_count` values (as Vulkan requires; ash's builder guarantees it).
    pub unsafe fn buffer(
        info: &vk::BufferCreateInfo<'_>,
        external_handle_types: vk::ExternalMemoryHandleTypeFlags,
    ) -> Self {
        Self::Buffer(BufferDescription {
            flags: info.flags,
            size: info.size,
            usage: info.usage,
            sharing_mode: info.sharing_mode,
            // SAFETY: the caller guarantees the queue family pointer and count (# Safety).
            queue_family_indices: unsafe {
                queue_families(
                    info.sharing_mode,
                    info.p_queue_family_indices,
                    info.queue_family_index_count,
                )
            },
            external_handle_types,
        })
    }

    /// Describes an image from its create info (and the external handle types chained to it).
    ///
    /// # Safety
    /// When `info.sharing_mode` is `CONCURRENT`, `info.p_queue_family_indices` must point to
    /// `info.queue_family_index_count` values (as Vulkan requires; ash's builder guarantees it).
    pub unsafe fn image(
        info: &vk::ImageCreateInfo<'_>,
        external_handle_types: vk::ExternalMemoryHandleTypeFlags,
    ) -> Self {
        Self::Image(ImageDescription {
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
            // SAFETY: the caller guarantees the queue family pointer and count (# Safety).
            queue_family_indices: unsafe {
                queue_families(
                    info.sharing_mode,
                    info.p_queue_family_indices,
                    info.queue_family_index_count,
                )
            },
            initial_layout: info.initial_layout,
            external_handle_types,
        })
    }
}

/// The queue family list of a `CONCURRENT` resource; empty for `EXCLUSIVE` (where Vulkan ignores it).
///
/// # Safety
/// For `CONCURRENT`, a non-null `ptr` must point to `count` readable values.
unsafe fn queue_families(mode: vk::SharingMode, ptr: *const u32, count: u32) -> Vec<u32> {
    if mode != vk::SharingMode::CONCURRENT || ptr.is_null() || count == 0 {
        return Vec::new();
    }
    // SAFETY: the caller guarantees `ptr` addresses `count` values (# Safety).
    unsafe { std::slice::from_raw_parts(ptr, count as usize) }.to_vec()
}

/// What is known about the dedication of the memory that exported a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExportedDedication {
    /// The payload was not created by this Vulkan implementation (sysmem, `zx_vmo_create`, another
    /// device), so the dedicated-import rules do not apply to it.
    Unknown,
    /// The exporting memory was not a dedicated allocation.
    NotDedicated,
    /// The exporting memory was dedicated to this resource.
    Dedicated(ResourceDescription),
}
