//! Buffers and images that will be bound to external memory.
//!
//! A resource bound to imported or exported memory must be created with
//! `VkExternalMemory{Buffer,Image}CreateInfo` naming the handle type (VUID-vkBindBufferMemory-
//! memory-02726/-02985 and their image twins). [`Interop::create_buffer`] and
//! [`Interop::create_image`] are optional helpers that chain `ZIRCON_VMO` and query the memory
//! requirements; ash's own `create_buffer`/`create_image` with the same structure chained work
//! just as well (use [`Resource::BufferRequirements`](super::Resource::BufferRequirements) /
//! [`Resource::ImageRequirements`](super::Resource::ImageRequirements) for those).

use ash::vk;

use super::error::{map_create_err, AllocateError};
use super::Interop;
use crate::external_memory::{ResourceDescription, ResourceKind, ValidationError};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;

/// What `vkGet{Buffer,Image}MemoryRequirements2` reported for a resource.
#[derive(Clone, Copy)]
pub struct ResourceRequirements {
    /// `VkMemoryRequirements`.
    pub memory: vk::MemoryRequirements,
    /// `VkMemoryDedicatedRequirements::prefersDedicatedAllocation`.
    pub prefers_dedicated: bool,
    /// `VkMemoryDedicatedRequirements::requiresDedicatedAllocation`.
    pub requires_dedicated: bool,
}

crate::ash_debug::impl_debug!(ResourceRequirements {
    memory: vk,
    prefers_dedicated,
    requires_dedicated
});

/// A `VkBuffer` created for external (`ZIRCON_VMO`) memory. Destroyed on drop
/// (`vkDestroyBuffer`); the GPU must no longer use it then.
pub struct Buffer {
    handle: vk::Buffer,
    requirements: ResourceRequirements,
    description: ResourceDescription,
    interop: Interop,
}

/// A `VkImage` created for external (`ZIRCON_VMO`) memory. Destroyed on drop
/// (`vkDestroyImage`); the GPU must no longer use it then.
pub struct Image {
    handle: vk::Image,
    requirements: ResourceRequirements,
    description: ResourceDescription,
    interop: Interop,
}

macro_rules! resource_common {
    ($ty:ident, $raw:ty, $destroy:ident) => {
        impl $ty {
            /// The Vulkan handle, for binding and commands.
            pub fn as_raw(&self) -> $raw {
                self.handle
            }

            /// The memory requirements (with the dedicated-allocation ones).
            pub fn requirements(&self) -> ResourceRequirements {
                self.requirements
            }

            /// The interop (device) that created it.
            pub(crate) fn interop(&self) -> &Interop {
                &self.interop
            }

            /// The creation parameters, as the dedicated-allocation rules compare them.
            pub fn description(&self) -> &ResourceDescription {
                &self.description
            }

            /// Test seam: pretend the driver reported `requiresDedicatedAllocation` (no driver
            /// these tests run on requires it). Used by `host_tests.rs`, which the Fuchsia
            /// build leaves out.
            #[cfg(test)]
            #[allow(dead_code)]
            pub(crate) fn set_requires_dedicated(&mut self, requires_dedicated: bool) {
                self.requirements.requires_dedicated = requires_dedicated;
            }

            /// Gives up ownership: returns the handle, which the application destroys with
            /// the plain `vkDestroy*` command once the GPU no longer uses it.
            #[must_use = "destroy the handle with vkDestroyBuffer / vkDestroyImage"]
            pub fn into_raw(self) -> $raw {
                let this = std::mem::ManuallyDrop::new(self);
                // SAFETY: `this` is never dropped, so its interop and description are dropped
                // here exactly once.
                drop(unsafe { std::ptr::read(&this.interop) });
                // SAFETY: as above.
                drop(unsafe { std::ptr::read(&this.description) });
                this.handle
            }
        }

        impl Drop for $ty {
            fn drop(&mut self) {
                // SAFETY: the handle came from this interop's table and is destroyed once; the
                // type's contract says the GPU no longer uses it.
                unsafe { self.interop.shared.table.$destroy(self.handle) }
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("handle", &self.handle)
                    .field("requirements", &self.requirements)
                    .field("description", &self.description)
                    .finish_non_exhaustive()
            }
        }
    };
}

resource_common!(Buffer, vk::Buffer, destroy_buffer);
resource_common!(Image, vk::Image, destroy_image);

impl Buffer {
    /// Buffer (for the validation core).
    pub(crate) fn kind(&self) -> ResourceKind {
        ResourceKind::Buffer
    }
}

impl Image {
    /// Image (for the validation core).
    pub(crate) fn kind(&self) -> ResourceKind {
        ResourceKind::Image
    }
}

impl Interop {
    /// Creates a buffer that can be bound to `ZIRCON_VMO` memory: `vkCreateBuffer` with
    /// `VkExternalMemoryBufferCreateInfo{ZIRCON_VMO}` chained, and its memory requirements
    /// (`vkGetBufferMemoryRequirements2` with the dedicated ones).
    ///
    /// # Errors
    /// [`AllocateError::Vulkan`] with `vkCreateBuffer`'s code.
    ///
    /// # Safety
    /// `info` and its chain must satisfy `vkCreateBuffer`'s valid usage, and must not already
    /// chain `VkExternalMemoryBufferCreateInfo`.
    pub unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
    ) -> Result<Buffer, AllocateError> {
        let mut external = vk::ExternalMemoryBufferCreateInfo::default().handle_types(ZIRCON_VMO);
        let create_info = info.push_next(&mut external);
        // SAFETY: the caller vouches for `info`; our struct is a valid extension of it.
        let handle = unsafe { self.shared.table.create_buffer(&create_info) }
            .map_err(|r| map_create_err("vkCreateBuffer", r))?;
        let buffer_info = vk::BufferMemoryRequirementsInfo2::default().buffer(handle);
        let mut dedicated = vk::MemoryDedicatedRequirements::default();
        let mut requirements = vk::MemoryRequirements2::default().push_next(&mut dedicated);
        // SAFETY: `handle` is a live buffer of this device.
        unsafe {
            self.shared
                .device
                .get_buffer_memory_requirements2(&buffer_info, &mut requirements)
        };
        let memory = requirements.memory_requirements;
        Ok(Buffer {
            handle,
            requirements: ResourceRequirements {
                memory,
                prefers_dedicated: dedicated.prefers_dedicated_allocation != vk::FALSE,
                requires_dedicated: dedicated.requires_dedicated_allocation != vk::FALSE,
            },
            // SAFETY: the caller vouches for `info`'s pointers.
            description: unsafe { ResourceDescription::buffer(info, ZIRCON_VMO) },
            interop: self.clone(),
        })
    }

    /// Creates an image that can be bound to `ZIRCON_VMO` memory: `vkCreateImage` with
    /// `VkExternalMemoryImageCreateInfo{ZIRCON_VMO}` chained, and its memory requirements.
    ///
    /// # Errors
    /// - [`AllocateError::Validation`] with [`ValidationError::DisjointImage`] for
    ///   `VK_IMAGE_CREATE_DISJOINT_BIT`: an [`Image`] is bound to one allocation, and its memory
    ///   requirements are queried without a plane (VUID-VkImageMemoryRequirementsInfo2-image-01589);
    /// - [`AllocateError::Vulkan`] with `vkCreateImage`'s code.
    ///
    /// # Safety
    /// `info` and its chain must satisfy `vkCreateImage`'s valid usage, and must not already
    /// chain `VkExternalMemoryImageCreateInfo`.
    pub unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
    ) -> Result<Image, AllocateError> {
        if info.flags.contains(vk::ImageCreateFlags::DISJOINT) {
            return Err(ValidationError::DisjointImage.into());
        }
        let mut external = vk::ExternalMemoryImageCreateInfo::default().handle_types(ZIRCON_VMO);
        let create_info = info.push_next(&mut external);
        // SAFETY: the caller vouches for `info`; our struct is a valid extension of it.
        let handle = unsafe { self.shared.table.create_image(&create_info) }
            .map_err(|r| map_create_err("vkCreateImage", r))?;
        let image_info = vk::ImageMemoryRequirementsInfo2::default().image(handle);
        let mut dedicated = vk::MemoryDedicatedRequirements::default();
        let mut requirements = vk::MemoryRequirements2::default().push_next(&mut dedicated);
        // SAFETY: `handle` is a live image of this device, not disjoint (refused above), so no
        // plane info is needed (01589).
        unsafe {
            self.shared
                .device
                .get_image_memory_requirements2(&image_info, &mut requirements)
        };
        let memory = requirements.memory_requirements;
        Ok(Image {
            handle,
            requirements: ResourceRequirements {
                memory,
                prefers_dedicated: dedicated.prefers_dedicated_allocation != vk::FALSE,
                requires_dedicated: dedicated.requires_dedicated_allocation != vk::FALSE,
            },
            // SAFETY: the caller vouches for `info`'s pointers.
            description: unsafe { ResourceDescription::image(info, ZIRCON_VMO) },
            interop: self.clone(),
        })
    }
}
