//! Metal import and export requests and the checked plans, in plain values.
//!
//! The Apple layer fills a request from the real objects (`-[MTLBuffer length]`,
//! `-[MTLHeap size]`, the texture's dimensions, `vkGetMemoryMetalHandlePropertiesEXT`);
//! [`super::validate`] checks it and returns the plan to put in `VkMemoryAllocateInfo`.

use ash::vk;

use super::caps::MetalMemoryCapabilities;
use super::handle_type::MetalHandleType;
use crate::external_memory::{MemoryTypeRequest, ResourceKind};

/// The width, height, array layers and mip levels of an image or an `MTLTexture`, compared by
/// `VUID-VkMemoryAllocateInfo-pNext-10396`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageShape {
    /// `VkImageCreateInfo::extent.width` / `-[MTLTexture width]`.
    pub width: u32,
    /// `VkImageCreateInfo::extent.height` / `-[MTLTexture height]`.
    pub height: u32,
    /// `VkImageCreateInfo::arrayLayers` / `-[MTLTexture arrayLength]` (×6 for cube textures).
    pub array_layers: u32,
    /// `VkImageCreateInfo::mipLevels` / `-[MTLTexture mipmapLevelCount]`.
    pub mip_levels: u32,
}

impl ImageShape {
    /// The shape of an image created with `info`.
    pub fn of_image(info: &vk::ImageCreateInfo<'_>) -> Self {
        Self {
            width: info.extent.width,
            height: info.extent.height,
            array_layers: info.array_layers,
            mip_levels: info.mip_levels,
        }
    }
}

/// A buffer or an image: what `VkMemoryDedicatedAllocateInfo` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceHandle {
    /// `VkMemoryDedicatedAllocateInfo::buffer`.
    Buffer(vk::Buffer),
    /// `VkMemoryDedicatedAllocateInfo::image`.
    Image(vk::Image),
}

impl ResourceHandle {
    /// Buffer or image.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Self::Buffer(_) => ResourceKind::Buffer,
            Self::Image(_) => ResourceKind::Image,
        }
    }

    /// The handle is `VK_NULL_HANDLE`.
    pub fn is_null(&self) -> bool {
        match *self {
            Self::Buffer(b) => b == vk::Buffer::null(),
            Self::Image(i) => i == vk::Image::null(),
        }
    }
}

/// The buffer or image memory will be bound to, and what it requires.
#[derive(Clone, Copy)]
pub struct Resource {
    /// The buffer or image.
    pub handle: ResourceHandle,
    /// Its `vkGet{Buffer,Image}MemoryRequirements` result.
    pub requirements: vk::MemoryRequirements,
    /// Allocate the memory for this resource alone (chain `VkMemoryDedicatedAllocateInfo`).
    pub dedicated: bool,
}

crate::ash_debug::impl_debug!(Resource {
    handle,
    requirements: vk,
    dedicated,
});

impl Resource {
    pub(super) fn masks_entry(&self) -> (ResourceKind, u32) {
        (self.handle.kind(), self.requirements.memory_type_bits)
    }
}

/// A `vkGetMemoryMetalHandleEXT` request, in plain values.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExportRequest {
    /// `VkMemoryGetMetalHandleInfoEXT::handleType`.
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// `VkExportMemoryAllocateInfo::handleTypes` the memory was allocated with; `None` when the
    /// allocation carried no `VkExportMemoryAllocateInfo`.
    pub export_handle_types: Option<vk::ExternalMemoryHandleTypeFlags>,
}

crate::ash_debug::impl_debug!(ExportRequest {
    handle_type: vk,
    export_handle_types: vk,
});

/// An allocation that will be exported as Metal objects, in plain values.
#[derive(Clone, Copy)]
pub struct ExportAllocationRequest<'a> {
    /// `VkExportMemoryAllocateInfo::handleTypes`.
    pub handle_types: vk::ExternalMemoryHandleTypeFlags,
    /// `VkMemoryAllocateInfo::allocationSize`.
    pub allocation_size: vk::DeviceSize,
    /// How to choose `memoryTypeIndex`.
    pub memory_type: MemoryTypeRequest,
    /// The resource the memory is for, if any.
    pub resource: Option<Resource>,
    /// The capability query's answer for each requested type and this resource (see
    /// [`super::caps`]); a requested type missing here is treated as not exportable.
    pub capabilities: &'a [MetalMemoryCapabilities],
}

/// The checked values to put in `VkMemoryAllocateInfo` and its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocationPlan {
    /// `VkMemoryAllocateInfo::allocationSize`.
    pub allocation_size: vk::DeviceSize,
    /// `VkMemoryAllocateInfo::memoryTypeIndex`.
    pub memory_type_index: u32,
    /// `VkMemoryDedicatedAllocateInfo`, when the allocation is dedicated.
    pub dedicated: Option<ResourceHandle>,
}

crate::ash_debug::impl_debug!(<'a> ExportAllocationRequest<'a> {
    handle_types: vk,
    allocation_size,
    memory_type,
});

/// An import of a Metal object, in plain values.
#[derive(Clone, Copy)]
pub struct ImportRequest {
    /// `VkImportMemoryMetalHandleInfoEXT::handleType`.
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// `VkImportMemoryMetalHandleInfoEXT::handle` is NULL.
    pub handle_is_null: bool,
    /// `memoryTypeBits` from `vkGetMemoryMetalHandlePropertiesEXT` for the object.
    pub handle_memory_type_bits: u32,
    /// The object's size in bytes (`-[MTLBuffer length]`, `-[MTLHeap size]`); ignored for an
    /// `MTLTexture`, whose size Vulkan takes from the OS.
    pub handle_size: vk::DeviceSize,
    /// `VkMemoryAllocateInfo::allocationSize`.
    pub allocation_size: vk::DeviceSize,
    /// How to choose `memoryTypeIndex`.
    pub memory_type: MemoryTypeRequest,
    /// The resource the memory will be bound to, if known.
    pub resource: Option<Resource>,
    /// For an MTLTEXTURE import: the dedicated image's shape and the texture's.
    pub shapes: Option<(ImageShape, ImageShape)>,
    /// `externalMemoryFeatures` reported for this handle type and resource, if queried.
    pub features: Option<vk::ExternalMemoryFeatureFlags>,
}

crate::ash_debug::impl_debug!(ImportRequest {
    handle_type: vk,
    handle_is_null,
    handle_memory_type_bits,
    handle_size,
    allocation_size,
    memory_type,
    resource,
    shapes,
    features: vk,
});

/// The checked values of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportPlan {
    /// The handle type.
    pub handle_type: MetalHandleType,
    /// The allocation itself.
    pub allocation: AllocationPlan,
}
