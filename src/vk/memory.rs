//! The memory owner and allocation of exportable memory.

use ash::vk;

use super::allocation::ResolvedResource;
pub use super::allocation::{AllocationInfo, Dedicated, Resource};
use super::error::{map_allocate_memory_err, AllocateError};
use super::Interop;
use crate::external_memory::ExternalHandleType;
use crate::external_memory::{
    select_memory_type, validate_dedicated_size, validate_suballocation, Direction,
    ExportedDedication, MemoryTypeMasks, ValidationError,
};
use crate::zx::{self, AsHandleRef};

/// Where a [`Memory`]'s payload came from, and so what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backing {
    /// Allocated by this crate with `VkExportMemoryAllocateInfo{ZIRCON_VMO}`: exportable. The
    /// payload lives while the memory or any exported handle does.
    Exportable {
        /// The resource it is dedicated to, if any.
        dedicated: Option<Dedicated>,
    },
    /// Imported from a VMO; Vulkan owns that handle and closes it when the memory is freed.
    ImportedVmo {
        /// The koid of the imported VMO.
        koid: zx::Koid,
        /// The resource it is dedicated to, if any.
        dedicated: Option<Dedicated>,
        /// Imported for export too ([`Interop::import_exportable_memory`]): exports give new
        /// handles to the imported VMO.
        exportable: bool,
        /// Imported read-only ([`Interop::import_memory_read_only`]): the GPU may only read it.
        read_only: bool,
    },
}

/// A `VkDeviceMemory` made by [`Interop`]: exportable, or imported from a VMO.
///
/// Freed on drop with `vkFreeMemory`. As with any Vulkan allocator, the GPU must no longer use
/// the memory when it is dropped. [`Memory::into_raw`] hands it to the application's own
/// allocator instead (a plain `vkFreeMemory` frees it).
pub struct Memory {
    handle: vk::DeviceMemory,
    allocation_size: u64,
    memory_type_index: u32,
    backing: Backing,
    /// The payload this memory holds in the interop's exports (see `Shared::exports`), if any.
    export: Option<zx::Koid>,
    /// Keeps the device and extension table alive for `Drop`; last, as it must outlive the rest.
    interop: Interop,
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memory")
            .field("handle", &self.handle)
            .field("allocation_size", &self.allocation_size)
            .field("memory_type_index", &self.memory_type_index)
            .field("backing", &self.backing)
            .finish_non_exhaustive()
    }
}

impl Memory {
    pub(crate) fn new(
        interop: &Interop,
        handle: vk::DeviceMemory,
        allocation_size: u64,
        memory_type_index: u32,
        backing: Backing,
    ) -> Self {
        Self {
            handle,
            allocation_size,
            memory_type_index,
            backing,
            export: None,
            interop: interop.clone(),
        }
    }

    /// Marks the memory as holding the exported payload `koid` (counted in the interop's exports).
    pub(crate) fn with_export(mut self, koid: zx::Koid) -> Self {
        self.export = Some(koid);
        self
    }

    /// Drops this memory's hold on its exported payload's record.
    fn release_export(&mut self) {
        let Some(koid) = self.export.take() else {
            return;
        };
        let mut exports = self.interop.exports();
        if let Some(export) = exports.get_mut(&koid) {
            export.memories -= 1;
            if export.memories == 0 {
                exports.remove(&koid);
            }
        }
    }

    /// The `VkDeviceMemory`, for binding and mapping.
    pub fn as_raw(&self) -> vk::DeviceMemory {
        self.handle
    }

    /// `VkMemoryAllocateInfo::allocationSize` as asked for.
    pub fn allocation_size(&self) -> u64 {
        self.allocation_size
    }

    /// `VkMemoryAllocateInfo::memoryTypeIndex`.
    pub fn memory_type_index(&self) -> u32 {
        self.memory_type_index
    }

    /// Where the payload came from.
    pub fn backing(&self) -> Backing {
        self.backing
    }

    /// The interop that made it.
    pub fn interop(&self) -> &Interop {
        &self.interop
    }

    /// Gives the memory to the application's allocator: it is no longer freed on drop. Free it
    /// with `vkFreeMemory` (ash's `Device::free_memory`) once the GPU no longer uses it, before
    /// the device is destroyed.
    ///
    /// What the interop knew about the memory (its backing, and for exportable memory its
    /// dedication, which later dedicated imports of its payload are checked against) goes with
    /// it: the dedicated-import rules for that payload are then the driver's to enforce.
    #[must_use = "the memory must be freed with vkFreeMemory"]
    pub fn into_raw(mut self) -> vk::DeviceMemory {
        self.release_export();
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so its interop is dropped here exactly once (the
        // other fields are plain values).
        drop(unsafe { std::ptr::read(&this.interop) });
        this.handle
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        self.release_export();
        // SAFETY: the handle came from this interop's table and is freed once; the type's
        // contract says the GPU no longer uses it.
        unsafe { self.interop.shared.table.free_memory(self.handle) }
    }
}

impl Interop {
    /// Allocates memory that can be exported as a VMO: `vkAllocateMemory` with
    /// `VkExportMemoryAllocateInfo{ZIRCON_VMO}`, and `VkMemoryDedicatedAllocateInfo` for a
    /// dedicated resource.
    ///
    /// The memory type is chosen (or checked) within [`Interop::exportable_memory_type_bits`]
    /// and the resource's requirements.
    ///
    /// # Errors
    /// - [`AllocateError::Validation`]: size 0 or unknown (07899), a dedicated size other than
    ///   the requirements size (02964/02965), a memory type outside the masks, memory
    ///   suballocated for a [`Resource::Buffer`] / [`Resource::Image`] that requires a dedicated
    ///   allocation (01444 / 01445, 00639);
    /// - [`AllocateError::Vulkan`] with `vkAllocateMemory`'s code.
    pub fn allocate_exportable_memory(
        &self,
        info: &AllocationInfo<'_>,
    ) -> Result<Memory, AllocateError> {
        let (allocation_size, memory_type_index, dedicated) = self.validate_export(info)?;
        let dedication = match info.resource.resolve() {
            Some(ResolvedResource {
                dedicated: Some((_, description)),
                ..
            }) => ExportedDedication::Dedicated(description.clone()),
            _ => ExportedDedication::NotDedicated,
        };
        // SAFETY: validated above: non-zero size, a memory type the device has, a live
        // dedicated resource of this device with the requirements size.
        let memory = unsafe {
            self.allocate_exportable_memory_unchecked(allocation_size, memory_type_index, dedicated)
        }?;
        self.register_export(memory, dedication)
    }

    /// Records what the payload of `memory` was allocated for, so that imports of it on this
    /// device are checked against its dedication (04751 / 04752). The payload is known by its
    /// koid, read from one export: one `vkGetMemoryZirconHandleFUCHSIA`, one
    /// `zx_object_get_info` and one `zx_handle_close` per exportable allocation.
    fn register_export(
        &self,
        memory: Memory,
        dedication: ExportedDedication,
    ) -> Result<Memory, AllocateError> {
        // SAFETY: the memory was just allocated exportable as ZIRCON_VMO by this interop.
        let koid = match unsafe {
            self.get_memory_zircon_handle_unchecked(memory.handle, zx::Rights::SAME_RIGHTS)
        }
        .and_then(|vmo| Ok(vmo.get_koid()?))
        {
            Ok(koid) => koid,
            Err(error) => return Err(AllocateError::Export(Box::new(error))),
        };
        self.exports().insert(
            koid,
            super::device::Export {
                dedication,
                memories: 1,
            },
        );
        Ok(memory.with_export(koid))
    }

    #[inline(never)]
    fn validate_export(
        &self,
        info: &AllocationInfo<'_>,
    ) -> Result<(u64, u32, Option<Dedicated>), ValidationError> {
        let AllocationInfo {
            allocation_size,
            memory_type,
            resource,
        } = *info;
        let resolved = resource.resolve();
        if let Some(resolved) = &resolved {
            resolved.check_device(self)?;
        }
        let allocation_size = allocation_size
            .or(resolved.as_ref().map(|r| r.requirements.size))
            .unwrap_or(0);
        if allocation_size == 0 {
            return Err(ValidationError::ExportAllocationSizeZero {
                handle_type: ExternalHandleType::ZirconVmo,
            });
        }
        let masks = MemoryTypeMasks {
            handle_type: ExternalHandleType::ZirconVmo,
            direction: Direction::Export,
            handle_bits: self.shared.exportable_memory_type_bits,
            resource: resolved
                .as_ref()
                .map(|r| (r.kind, r.requirements.memory_type_bits)),
        };
        let index = select_memory_type(&self.shared.memory_properties, memory_type, masks)?;
        let dedicated = match &resolved {
            Some(ResolvedResource {
                kind,
                requirements,
                dedicated: Some((dedicated, _)),
                ..
            }) => {
                validate_dedicated_size(*kind, allocation_size, requirements.size)?;
                Some(*dedicated)
            }
            Some(ResolvedResource {
                kind,
                requires_dedicated,
                dedicated: None,
                ..
            }) => {
                validate_suballocation(*kind, *requires_dedicated, Direction::Export)?;
                None
            }
            None => None,
        };
        Ok((allocation_size, index, dedicated))
    }

    /// [`Self::allocate_exportable_memory`] without validation.
    ///
    /// # Errors
    /// [`AllocateError::Vulkan`] with `vkAllocateMemory`'s code.
    ///
    /// # Safety
    /// Valid iff the checked call would succeed with these values: `allocation_size > 0`,
    /// `memory_type_index` exportable and allowed by the resource, a dedicated resource live on
    /// this device with exactly `allocation_size` as its requirements size.
    pub unsafe fn allocate_exportable_memory_unchecked(
        &self,
        allocation_size: u64,
        memory_type_index: u32,
        dedicated: Option<Dedicated>,
    ) -> Result<Memory, AllocateError> {
        let mut export = vk::ExportMemoryAllocateInfo::default()
            .handle_types(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA);
        let mut dedicated_info = dedicated.map(Dedicated::allocate_info);
        let mut allocate_info = vk::MemoryAllocateInfo::default()
            .allocation_size(allocation_size)
            .memory_type_index(memory_type_index)
            .push_next(&mut export);
        if let Some(dedicated_info) = dedicated_info.as_mut() {
            allocate_info = allocate_info.push_next(dedicated_info);
        }
        // SAFETY: the caller vouches for the values; the chain is built with push_next from
        // locals that outlive the call.
        let handle = unsafe { self.shared.table.allocate_memory(&allocate_info) }
            .map_err(map_allocate_memory_err)?;
        Ok(Memory::new(
            self,
            handle,
            allocation_size,
            memory_type_index,
            Backing::Exportable { dedicated },
        ))
    }
}
