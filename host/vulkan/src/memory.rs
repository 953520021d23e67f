//! Memory: `vkAllocateMemory` (Zircon import and export over host-pointer imports),
//! `vkFreeMemory`, and the extension's two commands.

use ash::vk;
use fuchsia_zircon_types::zx_handle_t;

use crate::chain;
use crate::device::{Device, Forwarded, Record};
use crate::dispatch as registry;
use crate::resource::{dedicated_import_allowed, status, ExportedDedication, Resource};
use crate::zx::{self, UnownedVmo, Vmo};
use crate::ZIRCON_VMO;

/// The rights an import needs to map a VMO at all; a VMO lacking either reports 0 memory types.
const MAP_RIGHTS: u32 = zx::ZX_RIGHT_MAP | zx::ZX_RIGHT_READ;
const MAP_FLAGS: u32 = zx::ZX_VM_PERM_READ | zx::ZX_VM_PERM_WRITE;

/// How a VMO with `rights` is mapped for an import: read-write with WRITE, else read-only
/// (the memory is then read-only for the GPU too; see `bind`).
fn map_flags(rights: u32) -> u32 {
    if rights & zx::ZX_RIGHT_WRITE != 0 {
        MAP_FLAGS
    } else {
        zx::ZX_VM_PERM_READ
    }
}

/// A parsed `VkMemoryAllocateInfo` chain.
#[derive(Default)]
struct AllocateChain {
    export_zircon: bool,
    export_others: bool,
    import: Option<(vk::ExternalMemoryHandleTypeFlags, zx_handle_t)>,
    dedicated: Option<Resource>,
    forwarded: Forwarded,
    unknown: bool,
}

impl AllocateChain {
    /// # Safety
    /// `info`'s chain is valid.
    unsafe fn parse(info: &vk::MemoryAllocateInfo<'_>) -> Self {
        let mut chain = Self::default();
        // SAFETY: the chain of `info` is valid (the caller's contract), and the borrow of `info`
        // keeps it live and unwritten during the walk.
        unsafe { chain::walk(info.p_next, |node| chain.visit(node)) };
        chain
    }

    fn visit(&mut self, node: chain::Node<'_>) {
        if let Some(s) = node.get::<vk::ExportMemoryAllocateInfo<'_>>() {
            self.export_zircon = s.handle_types.contains(ZIRCON_VMO);
            self.export_others = !(s.handle_types & !ZIRCON_VMO).is_empty();
        } else if let Some(s) = node.get::<vk::ImportMemoryZirconHandleInfoFUCHSIA<'_>>() {
            if !s.handle_type.is_empty() {
                self.import = Some((s.handle_type, s.handle));
            }
        } else if let Some(s) = node.get::<vk::MemoryDedicatedAllocateInfo<'_>>() {
            self.dedicated = if s.buffer != vk::Buffer::null() {
                Some(Resource::Buffer(s.buffer))
            } else if s.image != vk::Image::null() {
                Some(Resource::Image(s.image))
            } else {
                None
            };
        } else if let Some(s) = node.get::<vk::MemoryAllocateFlagsInfo<'_>>() {
            self.forwarded.flags = Some(
                vk::MemoryAllocateFlagsInfo::default()
                    .flags(s.flags)
                    .device_mask(s.device_mask),
            );
        } else if let Some(s) = node.get::<vk::MemoryPriorityAllocateInfoEXT<'_>>() {
            self.forwarded.priority =
                Some(vk::MemoryPriorityAllocateInfoEXT::default().priority(s.priority));
        } else {
            self.unknown = true;
        }
    }

    fn involves_zircon(&self) -> bool {
        self.export_zircon || self.import.is_some()
    }
}

/// Refuses a memory type the layer cannot back with a VMO mapping (VUID-VkMemoryAllocateInfo-
/// memoryTypeIndex-01744 of the host-pointer import it would make): the driver never sees it.
fn check_memory_type(
    this: &Device,
    vmo: UnownedVmo,
    size: u64,
    writable: bool,
    index: u32,
) -> Result<(), vk::Result> {
    let bits = this.vmo_memory_type_bits(vmo, size, writable)?;
    if index >= 32 || bits & (1 << index) == 0 {
        return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
    }
    Ok(())
}

/// `vkAllocateMemory` with a Zircon import. The application's handle value is only inspected
/// until the driver's import succeeded; then it is the layer's.
///
/// # Safety
/// As `vkAllocateMemory`; `allocator`, if any, is valid.
unsafe fn allocate_import(
    this: &Device,
    chain: &mut AllocateChain,
    raw_handle: zx_handle_t,
    info: &vk::MemoryAllocateInfo<'_>,
    allocator: Option<&vk::AllocationCallbacks<'_>>,
) -> Result<vk::DeviceMemory, vk::Result> {
    let invalid = |_| vk::Result::ERROR_INVALID_EXTERNAL_HANDLE;
    let (vmo, basic) = UnownedVmo::check(raw_handle).map_err(invalid)?;
    if basic.rights & MAP_RIGHTS != MAP_RIGHTS || basic.resizable {
        return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
    }
    let flags = map_flags(basic.rights);
    let writable = flags & zx::ZX_VM_PERM_WRITE != 0;
    let vmo_size = basic.size;
    if info.allocation_size == 0 || info.allocation_size > vmo_size {
        // VUID-VkMemoryAllocateInfo-allocationSize-07902 / -07903.
        return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
    }
    // `min_alignment` divides the page size and `vmo_size` is a whole number of pages, so
    // rounding `allocation_size <= vmo_size` up to the alignment stays within the VMO.
    let length = this
        .round_up(info.allocation_size)
        .and_then(|l| usize::try_from(l).ok())
        .ok_or(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)?;
    check_memory_type(this, vmo, vmo_size, writable, info.memory_type_index)?;
    if let Some(dedicated) = chain.dedicated {
        // A resource this device did not create for ZIRCON_VMO memory (another device's:
        // VUID-VkMemoryDedicatedAllocateInfo-commonparent; or one without
        // VkExternalMemory*CreateInfo{ZIRCON_VMO}: 02726/02985 at bind) is refused here, as the
        // driver never sees the stripped dedicated structure.
        let Some(importing) = this.description(Some(dedicated)) else {
            return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
        };
        let exported = this.exported_dedication(basic.koid);
        if !dedicated_import_allowed(dedicated, Some(&importing), &exported) {
            // VUID-VkMemoryDedicatedAllocateInfo-buffer-04752 / -image-04751.
            return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
        }
    }
    // zx_vmar_map checks the rights (READ and MAP, and WRITE for a writable mapping) or
    // ACCESS_DENIED.
    let mapping = vmo
        .shared_mapping(basic.koid, vmo_size, flags)
        .map_err(invalid)?;
    // SAFETY: `mapping` moves into the record, which keeps it mapped until `free_memory` has
    // freed the driver's memory; `allocator` is the application's (the caller's contract).
    let memory = unsafe {
        this.import_mapping(
            &mapping,
            length,
            info.memory_type_index,
            &mut chain.forwarded,
            allocator,
        )
    }?;
    // Success: the handle is the layer's now (VK_FUCHSIA_external_memory moves it on success
    // only).
    // SAFETY: `raw_handle` is a live VMO handle the application gave up by this call.
    let vmo = unsafe { Vmo::from_raw(raw_handle) };
    let record = Record {
        koid: basic.koid,
        exportable: chain.export_zircon,
        read_only: !writable,
        _mapping: mapping,
        vmo,
    };
    this.insert_record(memory, record, None);
    Ok(memory)
}

/// `vkAllocateMemory` for export: a fresh VMO, mapped and imported.
///
/// # Safety
/// As `vkAllocateMemory`; `allocator`, if any, is valid.
unsafe fn allocate_export(
    this: &Device,
    chain: &mut AllocateChain,
    info: &vk::MemoryAllocateInfo<'_>,
    allocator: Option<&vk::AllocationCallbacks<'_>>,
) -> Result<vk::DeviceMemory, vk::Result> {
    if info.allocation_size == 0 {
        // VUID-VkMemoryAllocateInfo-allocationSize-07899.
        return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT);
    }
    let dedication = match chain.dedicated {
        None => ExportedDedication::NotDedicated,
        Some(d) => match this.description(Some(d)) {
            Some(description) => ExportedDedication::Dedicated(description),
            // Another device's resource (VUID-VkMemoryDedicatedAllocateInfo-commonparent), or
            // one not created for ZIRCON_VMO memory: refused, as for an import.
            None => return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT),
        },
    };
    let out_of_memory = |_: zx::Status| vk::Result::ERROR_OUT_OF_HOST_MEMORY;
    let size = this
        .round_up(info.allocation_size)
        .ok_or(vk::Result::ERROR_OUT_OF_HOST_MEMORY)?;
    let length = usize::try_from(size).map_err(|_| vk::Result::ERROR_OUT_OF_HOST_MEMORY)?;
    let vmo = Vmo::create(size).map_err(out_of_memory)?;
    let basic = zx::basic_info(vmo.unowned().raw()).map_err(out_of_memory)?;
    if check_memory_type(this, vmo.unowned(), size, true, info.memory_type_index).is_err() {
        // VUID-VkMemoryAllocateInfo-memoryTypeIndex-01872 family: not a type exportable memory
        // can have here.
        return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT);
    }
    let mapping = vmo
        .unowned()
        .shared_mapping(basic.koid, size, MAP_FLAGS)
        .map_err(out_of_memory)?;
    // SAFETY: `mapping` moves into the record, which keeps it mapped until `free_memory` has
    // freed the driver's memory; `allocator` is the application's (the caller's contract).
    let memory = unsafe {
        this.import_mapping(
            &mapping,
            length,
            info.memory_type_index,
            &mut chain.forwarded,
            allocator,
        )
    }?;
    let record = Record {
        koid: basic.koid,
        exportable: true,
        read_only: false,
        _mapping: mapping,
        vmo,
    };
    this.insert_record(memory, record, Some(dedication));
    Ok(memory)
}

pub(crate) unsafe extern "system" fn allocate_memory(
    device: vk::Device,
    p_allocate_info: *const vk::MemoryAllocateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_memory: *mut vk::DeviceMemory,
) -> vk::Result {
    // SAFETY: the application's call, as this function's.
    if let Some(result) = unsafe {
        crate::buffer_collection_resource::allocate_memory(
            device,
            p_allocate_info,
            p_allocator,
            p_memory,
        )
    } {
        return result;
    }
    let Some(this) = registry::device(device) else {
        return vk::Result::ERROR_DEVICE_LOST;
    };
    // SAFETY: a valid pointer to a valid structure (VUID-vkAllocateMemory-pAllocateInfo-parameter).
    let info = unsafe { &*p_allocate_info };
    // SAFETY: null or a valid pointer to valid callbacks
    // (VUID-vkAllocateMemory-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    // SAFETY: a valid, writable pointer (VUID-vkAllocateMemory-pMemory-parameter) that nothing
    // else accesses during the call.
    let out = unsafe { &mut *p_memory };
    // SAFETY: the chain of a valid VkMemoryAllocateInfo is valid
    // (VUID-VkMemoryAllocateInfo-pNext-pNext).
    let mut chain = unsafe { AllocateChain::parse(info) };
    if !chain.involves_zircon() || !this.zircon_enabled() {
        // SAFETY: the application's valid call, forwarded untouched.
        let result = unsafe { this.fns().allocate_memory(info, allocator) };
        return status(result, out);
    }
    if chain.unknown {
        return vk::Result::ERROR_UNKNOWN;
    }
    if chain.export_others {
        // Host-pointer memory cannot be exported as anything but ZIRCON_VMO here.
        return vk::Result::ERROR_UNKNOWN;
    }
    let result = match chain.import {
        // VUID-VkImportMemoryZirconHandleInfoFUCHSIA-handleType-04771.
        Some((handle_type, _)) if handle_type != ZIRCON_VMO => {
            Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)
        }
        // SAFETY: `handle` is the chain's VkImportMemoryZirconHandleInfoFUCHSIA::handle, which
        // the application gives up on success; `allocator` is the application's, valid.
        Some((_, handle)) => unsafe { allocate_import(&this, &mut chain, handle, info, allocator) },
        // SAFETY: `allocator` is the application's, valid.
        None => unsafe { allocate_export(&this, &mut chain, info, allocator) },
    };
    status(result, out)
}

pub(crate) unsafe extern "system" fn free_memory(
    device: vk::Device,
    memory: vk::DeviceMemory,
    p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    let Some(this) = registry::device(device) else {
        // A device that was destroyed (or never came through the layer): its memory went with
        // it; nothing to free, and no dispatch table to call.
        return;
    };
    // SAFETY: null or a valid pointer to valid callbacks (VUID-vkFreeMemory-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    // SAFETY: the application's valid call; the driver's memory goes first, then the mapping it
    // imported and the VMO (the record, dropped outside the lock).
    unsafe { this.fns().free_memory(memory, allocator) };
    drop(this.remove_record(memory));
}

pub(crate) unsafe extern "system" fn get_memory_zircon_handle(
    device: vk::Device,
    p_get_zircon_handle_info: *const vk::MemoryGetZirconHandleInfoFUCHSIA<'_>,
    p_zircon_handle: *mut zx_handle_t,
) -> vk::Result {
    let Some(this) = registry::device(device) else {
        return vk::Result::ERROR_DEVICE_LOST;
    };
    // SAFETY: a valid pointer to a valid structure
    // (VUID-vkGetMemoryZirconHandleFUCHSIA-pGetZirconHandleInfo-parameter).
    let info = unsafe { &*p_get_zircon_handle_info };
    // SAFETY: a valid, writable pointer (VUID-vkGetMemoryZirconHandleFUCHSIA-pZirconHandle-
    // parameter) that nothing else accesses during the call.
    let out = unsafe { &mut *p_zircon_handle };
    if info.handle_type != ZIRCON_VMO {
        // VUID-VkMemoryGetZirconHandleInfoFUCHSIA-handleType-04775.
        return vk::Result::ERROR_VALIDATION_FAILED_EXT;
    }
    let Some(state) = this.lock() else {
        return vk::Result::ERROR_EXTENSION_NOT_PRESENT;
    };
    let Some(record) = state.memories.get(&info.memory).filter(|r| r.exportable) else {
        // VUID-VkMemoryGetZirconHandleInfoFUCHSIA-handleType-04776.
        return vk::Result::ERROR_VALIDATION_FAILED_EXT;
    };
    match record.vmo.unowned().duplicate(zx::ZX_RIGHT_SAME_RIGHTS) {
        Ok(vmo) => {
            *out = vmo.into_raw();
            vk::Result::SUCCESS
        }
        Err(zx::ZX_ERR_NO_MEMORY) => vk::Result::ERROR_OUT_OF_HOST_MEMORY,
        Err(_) => vk::Result::ERROR_TOO_MANY_OBJECTS,
    }
}

pub(crate) unsafe extern "system" fn get_memory_zircon_handle_properties(
    device: vk::Device,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    zircon_handle: zx_handle_t,
    p_memory_zircon_handle_properties: *mut vk::MemoryZirconHandlePropertiesFUCHSIA<'_>,
) -> vk::Result {
    let Some(this) = registry::device(device) else {
        return vk::Result::ERROR_DEVICE_LOST;
    };
    // SAFETY: a valid, writable pointer (VUID-vkGetMemoryZirconHandlePropertiesFUCHSIA-
    // pMemoryZirconHandleProperties-parameter) that nothing else accesses during the call.
    let out = unsafe { &mut *p_memory_zircon_handle_properties };
    if handle_type != ZIRCON_VMO {
        // VUID-vkGetMemoryZirconHandlePropertiesFUCHSIA-handleType-04773.
        return vk::Result::ERROR_VALIDATION_FAILED_EXT;
    }
    match vmo_memory_type_bits(&this, zircon_handle) {
        Ok(bits) => {
            out.memory_type_bits = bits;
            vk::Result::SUCCESS
        }
        Err(result) => result,
    }
}

/// The memory types the handle value `handle` (borrowed) can be imported as.
fn vmo_memory_type_bits(this: &Device, handle: zx_handle_t) -> Result<u32, vk::Result> {
    let invalid = |_| vk::Result::ERROR_INVALID_EXTERNAL_HANDLE;
    // One kernel call answers everything asked of the VMO: that it is one, the handle's
    // rights, its size, and whether it is RESIZABLE. A VMO an import cannot take must report
    // 0 bits, or validation would pass and the import fail in vkAllocateMemory.
    let (vmo, basic) = UnownedVmo::check(handle).map_err(invalid)?;
    if basic.rights & MAP_RIGHTS != MAP_RIGHTS || basic.size == 0 || basic.resizable {
        return Ok(0);
    }
    let flags = map_flags(basic.rights);
    let size = basic.size;
    this.vmo_memory_type_bits(vmo, size, flags & zx::ZX_VM_PERM_WRITE != 0)
}
