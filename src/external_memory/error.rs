//! [`ValidationError`]: what a validation check found wrong, with the values involved, and the
//! VUID it protects.

use super::handle_type::ExternalHandleType;
use super::memory_type::MemoryTypeRequest;
use super::resource::ResourceKind;
use super::validate::Direction;

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
