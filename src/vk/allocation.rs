//! What memory is for: its size, memory type and resource ([`AllocationInfo`], [`Resource`]),
//! as allocation and import take them.

use ash::vk;

use super::resource::{Buffer, Image};
use super::Interop;
use crate::external_memory::MemoryTypeRequest;
use crate::external_memory::{ResourceDescription, ResourceKind, ValidationError};

/// What the memory will be bound to; it picks the requirements the memory type must meet and
/// whether the allocation is dedicated (`VkMemoryDedicatedAllocateInfo`).
#[derive(Clone, Copy, Default)]
pub enum Resource<'a> {
    /// Nothing in particular: any memory type the handle allows.
    #[default]
    None,
    /// Buffers with these requirements (buffers the application manages).
    BufferRequirements(vk::MemoryRequirements),
    /// Images with these requirements (images the application manages).
    ImageRequirements(vk::MemoryRequirements),
    /// Suballocated for this buffer (its requirements apply).
    Buffer(&'a Buffer),
    /// Suballocated for this image (its requirements apply).
    Image(&'a Image),
    /// A dedicated allocation for this buffer.
    DedicatedBuffer(&'a Buffer),
    /// A dedicated allocation for this image.
    DedicatedImage(&'a Image),
}

impl std::fmt::Debug for Resource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::ash_debug::dbg;
        match self {
            Self::None => f.write_str("None"),
            Self::BufferRequirements(r) => {
                f.debug_tuple("BufferRequirements").field(&dbg(r)).finish()
            }
            Self::ImageRequirements(r) => {
                f.debug_tuple("ImageRequirements").field(&dbg(r)).finish()
            }
            Self::Buffer(b) => f.debug_tuple("Buffer").field(b).finish(),
            Self::Image(i) => f.debug_tuple("Image").field(i).finish(),
            Self::DedicatedBuffer(b) => f.debug_tuple("DedicatedBuffer").field(b).finish(),
            Self::DedicatedImage(i) => f.debug_tuple("DedicatedImage").field(i).finish(),
        }
    }
}

/// A resolved resource: kind, requirements and (if dedicated) its handle and description.
pub(crate) struct ResolvedResource<'a> {
    pub(crate) kind: ResourceKind,
    pub(crate) requirements: vk::MemoryRequirements,
    /// `VkMemoryDedicatedRequirements::requiresDedicatedAllocation` (false when unknown).
    pub(crate) requires_dedicated: bool,
    pub(crate) dedicated: Option<(Dedicated, &'a ResourceDescription)>,
    /// The interop that created the resource, when the resource is one of ours.
    pub(crate) owner: Option<&'a Interop>,
}

impl ResolvedResource<'_> {
    /// Refuses a resource created on another device than `interop`'s.
    pub(crate) fn check_device(&self, interop: &Interop) -> Result<(), ValidationError> {
        match self.owner {
            Some(owner) if !owner.same_device(interop) => {
                Err(ValidationError::ResourceOfAnotherDevice {
                    resource: self.kind,
                    dedicated: self.dedicated.is_some(),
                })
            }
            _ => Ok(()),
        }
    }
}

impl<'a> Resource<'a> {
    pub(crate) fn resolve(&self) -> Option<ResolvedResource<'a>> {
        let suballocated = |kind, requirements, requires_dedicated, owner| ResolvedResource {
            kind,
            requirements,
            requires_dedicated,
            dedicated: None,
            owner,
        };
        Some(match *self {
            Resource::None => return None,
            Resource::BufferRequirements(r) => suballocated(ResourceKind::Buffer, r, false, None),
            Resource::ImageRequirements(r) => suballocated(ResourceKind::Image, r, false, None),
            Resource::Buffer(b) => {
                let r = b.requirements();
                suballocated(b.kind(), r.memory, r.requires_dedicated, Some(b.interop()))
            }
            Resource::Image(i) => {
                let r = i.requirements();
                suballocated(i.kind(), r.memory, r.requires_dedicated, Some(i.interop()))
            }
            Resource::DedicatedBuffer(b) => ResolvedResource {
                kind: b.kind(),
                requirements: b.requirements().memory,
                requires_dedicated: b.requirements().requires_dedicated,
                dedicated: Some((Dedicated::Buffer(b.as_raw()), b.description())),
                owner: Some(b.interop()),
            },
            Resource::DedicatedImage(i) => ResolvedResource {
                kind: i.kind(),
                requirements: i.requirements().memory,
                requires_dedicated: i.requirements().requires_dedicated,
                dedicated: Some((Dedicated::Image(i.as_raw()), i.description())),
                owner: Some(i.interop()),
            },
        })
    }
}

/// The resource a dedicated allocation belongs to (`VkMemoryDedicatedAllocateInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dedicated {
    /// `VkMemoryDedicatedAllocateInfo::buffer`.
    Buffer(vk::Buffer),
    /// `VkMemoryDedicatedAllocateInfo::image`.
    Image(vk::Image),
}

impl Dedicated {
    /// The `VkMemoryDedicatedAllocateInfo` naming this resource.
    pub fn allocate_info(self) -> vk::MemoryDedicatedAllocateInfo<'static> {
        match self {
            Self::Buffer(buffer) => vk::MemoryDedicatedAllocateInfo::default().buffer(buffer),
            Self::Image(image) => vk::MemoryDedicatedAllocateInfo::default().image(image),
        }
    }
}

/// How to allocate (or import) memory: size, memory type and resource.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllocationInfo<'a> {
    /// `VkMemoryAllocateInfo::allocationSize`. `None`: for an import the VMO's size (the
    /// resource's requirements size for a dedicated import); for an export the resource's
    /// requirements size.
    pub allocation_size: Option<u64>,
    /// The memory type, by index or by property flags.
    pub memory_type: MemoryTypeRequest,
    /// What the memory is for.
    pub resource: Resource<'a>,
}

impl<'a> AllocationInfo<'a> {
    /// Defaults: size from the payload or resource, any allowed type (device-local preferred),
    /// no resource.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `allocationSize`.
    pub fn allocation_size(mut self, size: u64) -> Self {
        self.allocation_size = Some(size);
        self
    }

    /// Uses exactly this `memoryTypeIndex` (validated, never replaced).
    pub fn memory_type_index(mut self, index: u32) -> Self {
        self.memory_type = MemoryTypeRequest::Index(index);
        self
    }

    /// Chooses the first allowed type with `required | preferred`, else with `required`.
    pub fn memory_properties(
        mut self,
        required: vk::MemoryPropertyFlags,
        preferred: vk::MemoryPropertyFlags,
    ) -> Self {
        self.memory_type = MemoryTypeRequest::Properties {
            required,
            preferred,
        };
        self
    }

    /// Sets what the memory is for.
    pub fn resource(mut self, resource: Resource<'a>) -> Self {
        self.resource = resource;
        self
    }
}
