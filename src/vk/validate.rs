//! The validation core: pure checks over plain values, each failure naming the VUID it protects.
//!
//! Nothing here touches a Zircon or Metal object or calls Vulkan: callers pass the handle type,
//! sizes, bit masks, property flags and descriptions of resources. The Zircon path (`vk::import`,
//! `vk::export`) and the Metal path (`metal`) both build on it, so its rules are tested on any
//! host.
//!
//! | check | function | VUIDs |
//! |---|---|---|
//! | allocation size vs. payload | [`validate_allocation_size`] | `VkMemoryAllocateInfo-allocationSize-07902` / `-07903` (Zircon) |
//! | memory type vs. handle bits and requirements | [`select_memory_type`] | `VkMemoryAllocateInfo-None-04749` (Zircon), `-memoryTypeIndex-01714`, `vkBind{Buffer,Image}Memory-memory-{01035,01047}` |
//! | dedicated size | [`validate_dedicated_size`] | `VkMemoryDedicatedAllocateInfo-{buffer-02965,image-02964}` |
//! | dedicated import vs. the exporter's dedication | [`validate_dedicated_import`] | `VkMemoryDedicatedAllocateInfo-{image-04751,buffer-04752}` (Zircon) |
//! | suballocation vs. `requiresDedicatedAllocation` | [`validate_suballocation`] | `vkBindBufferMemory-buffer-01444`, `vkBindImageMemory-image-01445`, `VkMemoryAllocateInfo-pNext-00639` (export) |

use ash::vk;

use super::handle_type::ExternalHandleType;
use super::memory_type::{
    all_memory_type_bits, contains_type, find_memory_type_index, memory_types_with_flags,
    MemoryTypeRequest,
};

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
pub enum ExportedDedication {
    /// The payload was not created by this Vulkan implementation (sysmem, `zx_vmo_create`, another
    /// device), so the dedicated-import rules do not apply to it.
    Unknown,
    /// The exporting memory was not a dedicated allocation.
    NotDedicated,
    /// The exporting memory was dedicated to this resource.
    Dedicated(ResourceDescription),
}

/// A validation failure: what was wrong, with the values involved, naming the VUID it protects.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// `allocationSize` is 0 on an import.
    #[error(
        "allocationSize is 0; an import of {handle_type} must allocate at least one byte ({})",
        vuid_or_none(self.vuid())
    )]
    AllocationSizeZero {
        /// The handle type imported.
        handle_type: ExternalHandleType,
    },
    /// `allocationSize` is 0 on an allocation for export.
    #[error(
        "allocationSize is 0; memory exported as {handle_type} needs a non-zero size (give one, \
         or a resource whose requirements give it) ({})",
        vuid_or_none(self.vuid())
    )]
    ExportAllocationSizeZero {
        /// The handle type to export.
        handle_type: ExternalHandleType,
    },
    /// `allocationSize` is larger than the payload.
    #[error(
        "allocationSize {allocation_size} exceeds the {payload_size}-byte payload of the \
         {handle_type} handle; import at most the payload's size ({})",
        vuid_or_none(self.vuid())
    )]
    AllocationSizeExceedsPayload {
        /// The handle type imported.
        handle_type: ExternalHandleType,
        /// The size asked for.
        allocation_size: u64,
        /// The payload's size (`zx_vmo_get_size` for a VMO).
        payload_size: u64,
    },
    /// A dedicated allocation's size differs from the resource's `VkMemoryRequirements::size`.
    #[error(
        "allocationSize {allocation_size} of a dedicated {resource} allocation must equal its \
         VkMemoryRequirements::size {required_size} ({})",
        vuid_or_none(self.vuid())
    )]
    DedicatedSizeMismatch {
        /// The resource kind.
        resource: ResourceKind,
        /// The size asked for.
        allocation_size: u64,
        /// The resource's requirements size.
        required_size: u64,
    },
    /// `memoryTypeIndex` is not below `memoryTypeCount`.
    #[error(
        "memoryTypeIndex {memory_type_index} is out of range: the device has {memory_type_count} \
         memory types ({})",
        vuid_or_none(self.vuid())
    )]
    MemoryTypeIndexOutOfRange {
        /// The index asked for.
        memory_type_index: u32,
        /// `VkPhysicalDeviceMemoryProperties::memoryTypeCount`.
        memory_type_count: u32,
    },
    /// The memory type (asked for by index or by flags) is outside the handle's `memoryTypeBits`.
    #[error(
        "{request} is not in the memoryTypeBits {handle_bits:#b} the {handle_type} handle allows \
         (resource requirements {}); choose a type from the handle's bits ({})",
        bits_or_any(*resource_bits),
        vuid_or_none(self.vuid())
    )]
    MemoryTypeNotInHandleBits {
        /// The handle type imported.
        handle_type: ExternalHandleType,
        /// What the caller asked for.
        request: RequestDisplay,
        /// The handle's `memoryTypeBits`.
        handle_bits: u32,
        /// The resource's `VkMemoryRequirements::memoryTypeBits`, if memory is for a resource.
        resource_bits: Option<u32>,
    },
    /// The memory type (asked for by index or by flags) is outside the resource's requirements.
    #[error(
        "{request} is not in the memoryTypeBits {resource_bits:#b} the {resource} requires \
         (handle allows {handle_bits:#b}); choose a type from both masks ({})",
        vuid_or_none(self.vuid())
    )]
    MemoryTypeNotInRequirements {
        /// The resource kind.
        resource: ResourceKind,
        /// What the caller asked for.
        request: RequestDisplay,
        /// The handle's `memoryTypeBits` (all types for a plain allocation).
        handle_bits: u32,
        /// The resource's `VkMemoryRequirements::memoryTypeBits`.
        resource_bits: u32,
    },
    /// The memory type (asked for by index or by flags) cannot back memory exportable as the
    /// handle type.
    #[error(
        "{request} cannot back memory exportable as {handle_type}: exportable types are \
         {exportable_bits:#b} (resource requirements {}); choose a type from both masks",
        bits_or_any(*resource_bits)
    )]
    MemoryTypeNotExportable {
        /// The handle type to export.
        handle_type: ExternalHandleType,
        /// What the caller asked for.
        request: RequestDisplay,
        /// The types whose memory can be exported as `handle_type`.
        exportable_bits: u32,
        /// The resource's `VkMemoryRequirements::memoryTypeBits`, if memory is for a resource.
        resource_bits: Option<u32>,
    },
    /// No memory type of the device has the required property flags.
    #[error(
        "{request}: no memory type of the device has these flags (handle allows {handle_bits:#b}, \
         resource requirements {}); relax the required flags",
        bits_or_any(*resource_bits)
    )]
    NoMemoryTypeWithFlags {
        /// What the caller asked for.
        request: RequestDisplay,
        /// The handle's `memoryTypeBits`.
        handle_bits: u32,
        /// The resource's `VkMemoryRequirements::memoryTypeBits`, if memory is for a resource.
        resource_bits: Option<u32>,
    },
    /// A dedicated import of a payload whose exporting memory was not dedicated to an identical
    /// resource.
    #[error(
        "dedicated {resource} import of a {handle_type} payload {reason}; a dedicated import \
         needs memory exported as a dedicated allocation for an identical {resource} ({})",
        vuid_or_none(self.vuid())
    )]
    DedicatedImportMismatch {
        /// The handle type imported.
        handle_type: ExternalHandleType,
        /// The kind of the importing resource.
        resource: ResourceKind,
        /// What differs.
        reason: DedicatedMismatch,
    },
    /// Suballocated memory for a resource whose `VkMemoryDedicatedRequirements::
    /// requiresDedicatedAllocation` is true: binding it would be invalid.
    #[error(
        "the {resource} requires a dedicated allocation (VkMemoryDedicatedRequirements::\
         requiresDedicatedAllocation), so memory suballocated for it cannot be bound ({}){}; \
         ask for Resource::Dedicated{}",
        vuid_or_none(self.vuid()),
        self.dedicated_required_export_note(),
        match resource { ResourceKind::Buffer => "Buffer", ResourceKind::Image => "Image" }
    )]
    DedicatedAllocationRequired {
        /// The resource kind.
        resource: ResourceKind,
        /// Import or export.
        direction: Direction,
    },
    /// The handle's `memoryTypeBits` are 0: no memory type can import it.
    #[error(
        "the {handle_type} handle reports memoryTypeBits 0: no memory type of this device can \
         import it (on the host: a RESIZABLE VMO, whose mapping shrinking would pull from \
         under the device); import a non-resizable VMO with MAP | READ | WRITE ({})",
        vuid_or_none(self.vuid())
    )]
    HandleNotImportable {
        /// The handle type imported.
        handle_type: ExternalHandleType,
    },
    /// An image created with `VK_IMAGE_CREATE_DISJOINT_BIT`: its planes would need memory of
    /// their own, which this crate does not manage.
    #[error(
        "the image create info has VK_IMAGE_CREATE_DISJOINT_BIT: its planes need per-plane \
         memory requirements ({}) and bindings, which vmo-interop does not manage; create the \
         image without DISJOINT (its planes then share one allocation)",
        vuid_or_none(self.vuid())
    )]
    DisjointImage,
    /// The buffer or image the memory is for was created on another device (another
    /// `Interop`): the memory could never be bound to it.
    #[error(
        "the {resource:?} the memory is {} was created on another VkDevice; use a {resource:?} \
         of the device that allocates or imports the memory ({})",
        if *dedicated { "dedicated to" } else { "for" },
        vuid_or_none(self.vuid())
    )]
    ResourceOfAnotherDevice {
        /// Buffer or image.
        resource: ResourceKind,
        /// Named in `VkMemoryDedicatedAllocateInfo` (else a suballocation for it).
        dedicated: bool,
    },
}

impl ValidationError {
    fn dedicated_required_export_note(&self) -> &'static str {
        match self {
            Self::DedicatedAllocationRequired {
                direction: Direction::Export,
                ..
            } => {
                "; exporting it also needs VkMemoryDedicatedAllocateInfo \
                 (VUID-VkMemoryAllocateInfo-pNext-00639)"
            }
            _ => "",
        }
    }
}

/// Why a dedicated import does not match its exporter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DedicatedMismatch {
    /// The exporting memory was not a dedicated allocation.
    ExporterNotDedicated,
    /// The exporting memory was dedicated to a resource of the other kind.
    OtherKind(ResourceKind),
    /// The exporting memory was dedicated to a resource created with other parameters.
    NotIdentical,
}

impl std::fmt::Display for DedicatedMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ExporterNotDedicated => f.write_str("whose exporting memory was not dedicated"),
            Self::OtherKind(k) => {
                write!(f, "whose exporting memory was dedicated to a {k} instead")
            }
            Self::NotIdentical => f.write_str(
                "whose exporting memory was dedicated to a resource with other creation parameters",
            ),
        }
    }
}

/// A memory-type request, printed for messages: the index, or the flags asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestDisplay(pub MemoryTypeRequest);

impl std::fmt::Display for RequestDisplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            MemoryTypeRequest::Index(i) => write!(f, "memoryTypeIndex {i}"),
            MemoryTypeRequest::Properties {
                required,
                preferred,
            } => write!(
                f,
                "a memory type with required flags {} (preferred {})",
                crate::ash_debug::dbg(required),
                crate::ash_debug::dbg(preferred)
            ),
        }
    }
}

fn vuid_or_none(vuid: Option<&'static str>) -> &'static str {
    vuid.unwrap_or("no VUID")
}

fn bits_or_any(bits: Option<u32>) -> String {
    bits.map_or_else(|| "none".to_owned(), |b| format!("{b:#b}"))
}

impl ValidationError {
    /// The VUID this failure protects, where the specification names one.
    pub fn vuid(&self) -> Option<&'static str> {
        use ExternalHandleType::ZirconVmo;
        match self {
            Self::AllocationSizeZero {
                handle_type: ZirconVmo,
            } => Some("VUID-VkMemoryAllocateInfo-allocationSize-07902"),
            Self::ExportAllocationSizeZero { .. } => {
                Some("VUID-VkMemoryAllocateInfo-allocationSize-07899")
            }
            Self::AllocationSizeExceedsPayload {
                handle_type: ZirconVmo,
                ..
            } => Some("VUID-VkMemoryAllocateInfo-allocationSize-07903"),
            Self::DedicatedSizeMismatch {
                resource: ResourceKind::Image,
                ..
            } => Some("VUID-VkMemoryDedicatedAllocateInfo-image-02964"),
            Self::DedicatedSizeMismatch {
                resource: ResourceKind::Buffer,
                ..
            } => Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-02965"),
            Self::MemoryTypeIndexOutOfRange { .. } => {
                Some("VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714")
            }
            Self::MemoryTypeNotInHandleBits {
                handle_type: ZirconVmo,
                ..
            } => Some("VUID-VkMemoryAllocateInfo-None-04749"),
            Self::MemoryTypeNotInRequirements {
                resource: ResourceKind::Buffer,
                ..
            } => Some("VUID-vkBindBufferMemory-memory-01035"),
            Self::MemoryTypeNotInRequirements {
                resource: ResourceKind::Image,
                ..
            } => Some("VUID-vkBindImageMemory-memory-01047"),
            Self::DedicatedImportMismatch {
                handle_type: ZirconVmo,
                resource: ResourceKind::Image,
                ..
            } => Some("VUID-VkMemoryDedicatedAllocateInfo-image-04751"),
            Self::DedicatedImportMismatch {
                handle_type: ZirconVmo,
                resource: ResourceKind::Buffer,
                ..
            } => Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-04752"),
            Self::DedicatedAllocationRequired {
                resource: ResourceKind::Buffer,
                ..
            } => Some("VUID-vkBindBufferMemory-buffer-01444"),
            Self::DedicatedAllocationRequired {
                resource: ResourceKind::Image,
                ..
            } => Some("VUID-vkBindImageMemory-image-01445"),
            Self::HandleNotImportable {
                handle_type: ZirconVmo,
            } => Some("VUID-VkMemoryAllocateInfo-None-04749"),
            Self::DisjointImage => Some("VUID-VkImageMemoryRequirementsInfo2-image-01589"),
            Self::ResourceOfAnotherDevice {
                dedicated: true, ..
            } => Some("VUID-VkMemoryDedicatedAllocateInfo-commonparent"),
            Self::ResourceOfAnotherDevice {
                resource: ResourceKind::Buffer,
                dedicated: false,
            } => Some("VUID-vkBindBufferMemory-memory-parent"),
            Self::ResourceOfAnotherDevice {
                resource: ResourceKind::Image,
                dedicated: false,
            } => Some("VUID-vkBindImageMemory-memory-parent"),
            _ => None,
        }
    }
}

/// Checks an import's `allocationSize` against the payload: `0 < allocation_size <= payload_size`.
///
/// # Errors
/// - [`ValidationError::AllocationSizeZero`] (07902 for Zircon);
/// - [`ValidationError::AllocationSizeExceedsPayload`] (07903 for Zircon).
#[inline(never)]
pub fn validate_allocation_size(
    handle_type: ExternalHandleType,
    allocation_size: u64,
    payload_size: u64,
) -> Result<(), ValidationError> {
    if allocation_size == 0 {
        return Err(ValidationError::AllocationSizeZero { handle_type });
    }
    if allocation_size > payload_size {
        return Err(ValidationError::AllocationSizeExceedsPayload {
            handle_type,
            allocation_size,
            payload_size,
        });
    }
    Ok(())
}

/// Checks that a dedicated allocation's size equals its resource's requirements size.
///
/// # Errors
/// [`ValidationError::DedicatedSizeMismatch`] (VUID-VkMemoryDedicatedAllocateInfo-image-02964 /
/// buffer-02965).
#[inline(never)]
pub fn validate_dedicated_size(
    resource: ResourceKind,
    allocation_size: u64,
    required_size: u64,
) -> Result<(), ValidationError> {
    if allocation_size == required_size {
        Ok(())
    } else {
        Err(ValidationError::DedicatedSizeMismatch {
            resource,
            allocation_size,
            required_size,
        })
    }
}

/// Checks that memory suballocated for a resource (not dedicated to it) may be bound to it.
///
/// # Errors
/// [`ValidationError::DedicatedAllocationRequired`] when the resource's
/// `requiresDedicatedAllocation` is true (VUID-vkBindBufferMemory-buffer-01444 /
/// VUID-vkBindImageMemory-image-01445; for an export also VUID-VkMemoryAllocateInfo-pNext-00639).
#[inline(never)]
pub fn validate_suballocation(
    resource: ResourceKind,
    requires_dedicated: bool,
    direction: Direction,
) -> Result<(), ValidationError> {
    if requires_dedicated {
        Err(ValidationError::DedicatedAllocationRequired {
            resource,
            direction,
        })
    } else {
        Ok(())
    }
}

/// Whether memory imports a handle or is allocated for export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// An import: `handle_bits` are the `memoryTypeBits` the handle properties query reported.
    Import,
    /// An allocation for export: `handle_bits` are the types whose memory can be exported.
    Export,
}

/// The masks a memory type must satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryTypeMasks {
    /// The external handle type imported or exported.
    pub handle_type: ExternalHandleType,
    /// Import or export.
    pub direction: Direction,
    /// For an import the handle's `memoryTypeBits`; for an export the exportable types.
    pub handle_bits: u32,
    /// The resource and its `VkMemoryRequirements::memoryTypeBits`, if memory is for one.
    pub resource: Option<(ResourceKind, u32)>,
}

/// Chooses (for a flags request) or checks (for an index) the memory type of an allocation.
///
/// The result lies in `handle_bits`, in the resource's bits and below `memoryTypeCount`.
///
/// # Errors
/// - [`ValidationError::MemoryTypeIndexOutOfRange`] (01714);
/// - [`ValidationError::MemoryTypeNotInHandleBits`] (04749 for Zircon; imports) or
///   [`ValidationError::MemoryTypeNotExportable`] (exports): the index, or every type with the
///   required flags the resource allows, lies outside the handle's bits;
/// - [`ValidationError::MemoryTypeNotInRequirements`] (01035 / 01047): the index, or every type
///   with the required flags the handle allows, lies outside the resource's bits;
/// - [`ValidationError::NoMemoryTypeWithFlags`]: no type has the required flags in either mask.
#[inline(never)]
pub fn select_memory_type(
    properties: &vk::PhysicalDeviceMemoryProperties,
    request: MemoryTypeRequest,
    masks: MemoryTypeMasks,
) -> Result<u32, ValidationError> {
    let MemoryTypeMasks {
        handle_type,
        direction,
        handle_bits,
        resource,
    } = masks;
    let all = all_memory_type_bits(properties);
    let resource_bits = resource.map_or(all, |(_, bits)| bits);
    let not_in_handle = || match direction {
        Direction::Import => ValidationError::MemoryTypeNotInHandleBits {
            handle_type,
            request: RequestDisplay(request),
            handle_bits,
            resource_bits: resource.map(|(_, bits)| bits),
        },
        Direction::Export => ValidationError::MemoryTypeNotExportable {
            handle_type,
            request: RequestDisplay(request),
            exportable_bits: handle_bits,
            resource_bits: resource.map(|(_, bits)| bits),
        },
    };
    let not_in_resource = |kind: ResourceKind| ValidationError::MemoryTypeNotInRequirements {
        resource: kind,
        request: RequestDisplay(request),
        handle_bits,
        resource_bits,
    };
    match request {
        MemoryTypeRequest::Index(index) => {
            if !contains_type(all, index) {
                return Err(ValidationError::MemoryTypeIndexOutOfRange {
                    memory_type_index: index,
                    memory_type_count: properties.memory_type_count,
                });
            }
            if !contains_type(handle_bits, index) {
                return Err(not_in_handle());
            }
            match resource {
                Some((kind, bits)) if !contains_type(bits, index) => Err(not_in_resource(kind)),
                _ => Ok(index),
            }
        }
        MemoryTypeRequest::Properties {
            required,
            preferred,
        } => {
            if let Some(index) =
                find_memory_type_index(properties, handle_bits & resource_bits, required, preferred)
            {
                return Ok(index);
            }
            let with_required = memory_types_with_flags(properties, required);
            match resource {
                _ if with_required & resource_bits != 0 => Err(not_in_handle()),
                Some((kind, _)) if with_required & handle_bits != 0 => Err(not_in_resource(kind)),
                _ => Err(ValidationError::NoMemoryTypeWithFlags {
                    request: RequestDisplay(request),
                    handle_bits,
                    resource_bits: resource.map(|(_, bits)| bits),
                }),
            }
        }
    }
}

/// Checks a dedicated import against what is known about its exporter (04751 / 04752 for Zircon).
///
/// `importing` is the description of the resource the import is dedicated to, if known.
/// Payloads not created by Vulkan ([`ExportedDedication::Unknown`]) and importing resources whose
/// description is unknown are not constrained.
///
/// # Errors
/// [`ValidationError::DedicatedImportMismatch`] with the reason.
#[inline(never)]
pub fn validate_dedicated_import(
    handle_type: ExternalHandleType,
    importing_kind: ResourceKind,
    importing: Option<&ResourceDescription>,
    exported: &ExportedDedication,
) -> Result<(), ValidationError> {
    let reason = match exported {
        ExportedDedication::Unknown => return Ok(()),
        ExportedDedication::NotDedicated => DedicatedMismatch::ExporterNotDedicated,
        ExportedDedication::Dedicated(exporter) if exporter.kind() != importing_kind => {
            DedicatedMismatch::OtherKind(exporter.kind())
        }
        ExportedDedication::Dedicated(exporter) => match importing {
            Some(importing) if importing != exporter => DedicatedMismatch::NotIdentical,
            _ => return Ok(()),
        },
    };
    Err(ValidationError::DedicatedImportMismatch {
        handle_type,
        resource: importing_kind,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vk::memory_type::tests::{lavapipe, nvidia};

    type F = vk::MemoryPropertyFlags;
    const Z: ExternalHandleType = ExternalHandleType::ZirconVmo;

    fn masks(handle_bits: u32, resource: Option<(ResourceKind, u32)>) -> MemoryTypeMasks {
        MemoryTypeMasks {
            handle_type: Z,
            direction: Direction::Import,
            handle_bits,
            resource,
        }
    }

    #[test]
    fn allocation_size_rules() {
        assert_eq!(validate_allocation_size(Z, 4096, 4096), Ok(()));
        assert_eq!(validate_allocation_size(Z, 1, 4096), Ok(()));
        let zero = validate_allocation_size(Z, 0, 4096).unwrap_err();
        assert_eq!(zero, ValidationError::AllocationSizeZero { handle_type: Z });
        assert_eq!(
            zero.vuid(),
            Some("VUID-VkMemoryAllocateInfo-allocationSize-07902")
        );
        assert!(zero.to_string().contains("07902"));
        let big = validate_allocation_size(Z, 8192, 4096).unwrap_err();
        assert_eq!(
            big.vuid(),
            Some("VUID-VkMemoryAllocateInfo-allocationSize-07903")
        );
        assert!(big.to_string().contains("8192"), "{big}");
        assert!(big.to_string().contains("4096"), "{big}");
    }

    #[test]
    fn export_size_zero_names_07899() {
        let e = ValidationError::ExportAllocationSizeZero { handle_type: Z };
        assert_eq!(
            e.vuid(),
            Some("VUID-VkMemoryAllocateInfo-allocationSize-07899")
        );
        assert!(e.to_string().contains("07899"), "{e}");
    }

    #[test]
    fn metal_sizes_name_no_zircon_vuid() {
        let e = validate_allocation_size(ExternalHandleType::MtlBuffer, 0, 16).unwrap_err();
        assert_eq!(e.vuid(), None);
        assert!(e.to_string().contains("no VUID"));
    }

    #[test]
    fn suballocating_for_a_resource_that_requires_dedicated_names_the_bind_vuids() {
        for direction in [Direction::Import, Direction::Export] {
            assert_eq!(
                validate_suballocation(ResourceKind::Buffer, false, direction),
                Ok(())
            );
            let e = validate_suballocation(ResourceKind::Buffer, true, direction).unwrap_err();
            assert_eq!(e.vuid(), Some("VUID-vkBindBufferMemory-buffer-01444"));
            assert!(e.to_string().contains("01444"), "{e}");
            assert!(e.to_string().contains("Resource::DedicatedBuffer"), "{e}");
            let e = validate_suballocation(ResourceKind::Image, true, direction).unwrap_err();
            assert_eq!(e.vuid(), Some("VUID-vkBindImageMemory-image-01445"));
            assert!(e.to_string().contains("Resource::DedicatedImage"), "{e}");
            assert_eq!(
                e.to_string()
                    .contains("VUID-VkMemoryAllocateInfo-pNext-00639"),
                direction == Direction::Export,
                "{e}"
            );
        }
    }

    #[test]
    fn a_handle_without_memory_types_and_disjoint_images_name_their_vuids() {
        let e = ValidationError::HandleNotImportable { handle_type: Z };
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-None-04749"));
        assert!(e.to_string().contains("RESIZABLE"), "{e}");
        let e = ValidationError::DisjointImage;
        assert_eq!(
            e.vuid(),
            Some("VUID-VkImageMemoryRequirementsInfo2-image-01589")
        );
        assert!(e.to_string().contains("DISJOINT"), "{e}");
    }

    #[test]
    fn dedicated_size_must_equal() {
        assert_eq!(
            validate_dedicated_size(ResourceKind::Buffer, 64, 64),
            Ok(())
        );
        let e = validate_dedicated_size(ResourceKind::Buffer, 4096, 64).unwrap_err();
        assert_eq!(
            e.vuid(),
            Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-02965")
        );
        let e = validate_dedicated_size(ResourceKind::Image, 1, 64).unwrap_err();
        assert_eq!(
            e.vuid(),
            Some("VUID-VkMemoryDedicatedAllocateInfo-image-02964")
        );
    }

    #[test]
    fn index_out_of_range() {
        let e = select_memory_type(&lavapipe(), MemoryTypeRequest::Index(1), masks(1, None))
            .unwrap_err();
        assert_eq!(
            e,
            ValidationError::MemoryTypeIndexOutOfRange {
                memory_type_index: 1,
                memory_type_count: 1
            }
        );
        assert_eq!(
            e.vuid(),
            Some("VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714")
        );
    }

    #[test]
    fn nvidia_device_local_index_rejected_with_04749() {
        let e = select_memory_type(
            &nvidia(),
            MemoryTypeRequest::Index(1),
            masks(0b1100, Some((ResourceKind::Buffer, 0b1111))),
        )
        .unwrap_err();
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-None-04749"));
        let msg = e.to_string();
        assert!(msg.contains("0b1100") && msg.contains("0b1111"), "{msg}");
    }

    #[test]
    fn nvidia_device_local_flags_rejected_with_04749() {
        let request = MemoryTypeRequest::Properties {
            required: F::DEVICE_LOCAL,
            preferred: F::empty(),
        };
        let e = select_memory_type(
            &nvidia(),
            request,
            masks(0b1100, Some((ResourceKind::Buffer, 0b1111))),
        )
        .unwrap_err();
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-None-04749"));
        assert!(e.to_string().contains("DEVICE_LOCAL"), "{e}");
    }

    #[test]
    fn index_not_in_requirements() {
        let e = select_memory_type(
            &nvidia(),
            MemoryTypeRequest::Index(3),
            masks(0b1100, Some((ResourceKind::Image, 0b0111))),
        )
        .unwrap_err();
        assert_eq!(e.vuid(), Some("VUID-vkBindImageMemory-memory-01047"));
        let e = select_memory_type(
            &lavapipe(),
            MemoryTypeRequest::Index(0),
            masks(1, Some((ResourceKind::Buffer, 0))),
        )
        .unwrap_err();
        assert_eq!(e.vuid(), Some("VUID-vkBindBufferMemory-memory-01035"));
    }

    #[test]
    fn flags_not_in_requirements() {
        let request = MemoryTypeRequest::Properties {
            required: F::HOST_CACHED,
            preferred: F::empty(),
        };
        let e = select_memory_type(
            &nvidia(),
            request,
            masks(0b1100, Some((ResourceKind::Buffer, 0b0111))),
        )
        .unwrap_err();
        assert_eq!(e.vuid(), Some("VUID-vkBindBufferMemory-memory-01035"));
    }

    #[test]
    fn flags_no_type_at_all() {
        let request = MemoryTypeRequest::Properties {
            required: F::PROTECTED,
            preferred: F::empty(),
        };
        let e = select_memory_type(&nvidia(), request, masks(0b1100, None)).unwrap_err();
        assert!(matches!(e, ValidationError::NoMemoryTypeWithFlags { .. }));
        assert_eq!(e.vuid(), None);
    }

    #[test]
    fn zero_handle_bits_reject_everything_with_04749() {
        let e = select_memory_type(&lavapipe(), MemoryTypeRequest::default(), masks(0, None))
            .unwrap_err();
        assert_eq!(e.vuid(), Some("VUID-VkMemoryAllocateInfo-None-04749"));
    }

    #[test]
    fn chooses_from_the_intersection() {
        let got = select_memory_type(
            &nvidia(),
            MemoryTypeRequest::default(),
            masks(0b1100, Some((ResourceKind::Buffer, 0b1111))),
        );
        assert_eq!(got, Ok(2));
        let got = select_memory_type(&lavapipe(), MemoryTypeRequest::Index(0), masks(1, None));
        assert_eq!(got, Ok(0));
    }

    #[test]
    fn export_allocation_outside_exportable_types() {
        let m = MemoryTypeMasks {
            handle_type: Z,
            direction: Direction::Export,
            handle_bits: 0b1100,
            resource: None,
        };
        let e = select_memory_type(&nvidia(), MemoryTypeRequest::Index(1), m).unwrap_err();
        assert!(matches!(
            e,
            ValidationError::MemoryTypeNotExportable {
                exportable_bits: 0b1100,
                ..
            }
        ));
        assert_eq!(e.vuid(), None);
        assert_eq!(
            select_memory_type(&nvidia(), MemoryTypeRequest::Index(3), m),
            Ok(3)
        );
    }

    fn buffer(size: u64) -> ResourceDescription {
        let info = vk::BufferCreateInfo::default()
            .size(size)
            .usage(vk::BufferUsageFlags::TRANSFER_DST);
        // SAFETY: built with ash's builder.
        unsafe { ResourceDescription::buffer(&info, Z.to_vk()) }
    }

    fn image() -> ResourceDescription {
        let info = vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(vk::Format::R8G8B8A8_UNORM)
            .extent(vk::Extent3D {
                width: 16,
                height: 16,
                depth: 1,
            })
            .mip_levels(1)
            .array_layers(1)
            .samples(vk::SampleCountFlags::TYPE_1);
        // SAFETY: built with ash's builder.
        unsafe { ResourceDescription::image(&info, Z.to_vk()) }
    }

    #[test]
    fn dedicated_import_rules() {
        let b = buffer(64);
        let ok = |imp: Option<&ResourceDescription>, kind, exp: &ExportedDedication| {
            validate_dedicated_import(Z, kind, imp, exp)
        };
        assert_eq!(
            ok(Some(&b), ResourceKind::Buffer, &ExportedDedication::Unknown),
            Ok(())
        );
        assert_eq!(
            ok(
                Some(&b),
                ResourceKind::Buffer,
                &ExportedDedication::Dedicated(buffer(64))
            ),
            Ok(())
        );
        let e = ok(
            Some(&b),
            ResourceKind::Buffer,
            &ExportedDedication::NotDedicated,
        )
        .unwrap_err();
        assert_eq!(
            e.vuid(),
            Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-04752")
        );
        let e = ok(
            Some(&b),
            ResourceKind::Buffer,
            &ExportedDedication::Dedicated(buffer(128)),
        )
        .unwrap_err();
        assert!(matches!(
            e,
            ValidationError::DedicatedImportMismatch {
                reason: DedicatedMismatch::NotIdentical,
                ..
            }
        ));
        let e = ok(
            Some(&image()),
            ResourceKind::Image,
            &ExportedDedication::Dedicated(buffer(64)),
        )
        .unwrap_err();
        assert_eq!(
            e.vuid(),
            Some("VUID-VkMemoryDedicatedAllocateInfo-image-04751")
        );
        assert!(
            e.to_string().contains("dedicated to a buffer instead"),
            "{e}"
        );
    }

    #[test]
    fn queue_families_only_for_concurrent() {
        let families = [0u32, 1];
        let info = vk::BufferCreateInfo::default()
            .size(4)
            .sharing_mode(vk::SharingMode::CONCURRENT)
            .queue_family_indices(&families);
        // SAFETY: built with ash's builder from `families`, which outlives the call.
        let ResourceDescription::Buffer(d) =
            (unsafe { ResourceDescription::buffer(&info, Z.to_vk()) })
        else {
            panic!("buffer described as an image");
        };
        assert_eq!(d.queue_family_indices, vec![0, 1]);
        let info = info.sharing_mode(vk::SharingMode::EXCLUSIVE);
        // SAFETY: built with ash's builder from `families`, which outlives the call.
        let ResourceDescription::Buffer(d) =
            (unsafe { ResourceDescription::buffer(&info, Z.to_vk()) })
        else {
            panic!("buffer described as an image");
        };
        assert!(d.queue_family_indices.is_empty());
    }
}
