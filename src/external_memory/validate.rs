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

use super::error::{DedicatedMismatch, RequestDisplay, ValidationError};
use super::handle_type::ExternalHandleType;
use super::memory_type::{
    all_memory_type_bits, contains_type, find_memory_type_index, memory_types_with_flags,
    MemoryTypeRequest,
};
use super::resource::{ExportedDedication, ResourceDescription, ResourceKind};

/// Checks an import's `allocationSize` against the payload: `0 < allocation_size <= payload_size`.
///
/// # Errors
/// - [`ValidationError::AllocationSizeZero`] (07902 for Zircon);
/// - [`ValidationError::AllocationSizeExceedsPayload`] (07903 for Zircon).
#[inline(never)]
pub(crate) fn validate_allocation_size(
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
pub(crate) fn validate_dedicated_size(
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
pub(crate) fn validate_suballocation(
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
pub(crate) struct MemoryTypeMasks {
    /// The external handle type imported or exported.
    pub(crate) handle_type: ExternalHandleType,
    /// Import or export.
    pub(crate) direction: Direction,
    /// For an import the handle's `memoryTypeBits`; for an export the exportable types.
    pub(crate) handle_bits: u32,
    /// The resource and its `VkMemoryRequirements::memoryTypeBits`, if memory is for one.
    pub(crate) resource: Option<(ResourceKind, u32)>,
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
pub(crate) fn select_memory_type(
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
pub(crate) fn validate_dedicated_import(
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
mod tests;
