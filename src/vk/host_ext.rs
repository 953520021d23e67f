//! The host implementation of `VK_FUCHSIA_external_memory`, over the driver's
//! `VK_EXT_external_memory_host`.
//!
//! No Linux driver knows `ZIRCON_VMO`, so on the host this module is the extension. Its entry
//! points fill [`ExternalMemoryTable`]; their dispatch handles (`VkDevice`, `VkPhysicalDevice`)
//! address a [`HostExternalMemory`], as a layer's dispatchable handles address its own objects.
//!
//! | command | what the host implementation does |
//! |---|---|
//! | `vkAllocateMemory` + `VkImportMemoryZirconHandleInfoFUCHSIA` | checks the handle is a live VMO, maps it (`zx_vmar_map` with READ \| WRITE, so rights are checked as the kernel would), imports the mapping with `VkImportMemoryHostPointerInfoEXT{HOST_ALLOCATION}`; takes the handle only on success |
//! | `vkAllocateMemory` + `VkExportMemoryAllocateInfo{ZIRCON_VMO}` | creates a VMO of the size rounded up to `minImportedHostPointerAlignment` (VUID-01745), maps it and imports the mapping; strips the export structure |
//! | either, + `VkMemoryDedicatedAllocateInfo` | strips it (host-pointer imports must not be dedicated, VUID-02806) and keeps the resource's description, so 04751/04752 still hold |
//! | `vkFreeMemory` | frees the driver's memory, then unmaps and closes the VMO |
//! | `vkGetMemoryZirconHandleFUCHSIA` | duplicates the allocation's VMO with SAME_RIGHTS (0xD0EF), as drivers on Fuchsia do |
//! | `vkGetMemoryZirconHandlePropertiesFUCHSIA` | not a live VMO: `VK_ERROR_INVALID_EXTERNAL_HANDLE`; lacking MAP \| READ \| WRITE, or RESIZABLE (`ZX_INFO_VMO` flags: the host imports a mapping, which shrinking would pull from under the device): 0 bits; else the bits `vkGetMemoryHostPointerPropertiesEXT` reports for a mapping of it |
//! | `vkCreateBuffer` / `vkCreateImage` with `VkExternalMemory*CreateInfo{ZIRCON_VMO}` | rewrites the type to `HOST_ALLOCATION` and remembers the resource's description |
//! | external buffer / image-format queries for `ZIRCON_VMO` | answered from `HOST_ALLOCATION`'s: importable there means EXPORTABLE \| IMPORTABLE here, compatible and export-from-imported = ZIRCON_VMO |
//!
//! Invalid usage the host implementation detects returns `VK_ERROR_VALIDATION_FAILED_EXT`. A
//! chained structure it does not know how to forward (it rebuilds the chain it hands the driver
//! from typed copies) returns `VK_ERROR_UNKNOWN`; chains without Zircon structures pass through
//! untouched.
//!
//! All state lives in the [`HostExternalMemory`] object (one per interop); nothing is global.
//!
//! # Lifetime
//!
//! The implementation is a device-level object, and like a driver's device it outlives every
//! allocation made through it: each record of a live `VkDeviceMemory` holds a strong reference
//! to the implementation (besides the one each [`Interop`](super::Interop) holds). So the
//! mapping that backs a live allocation is never unmapped behind the driver's back, even when
//! the application released the memory with [`Memory::into_raw`](super::Memory::into_raw) and
//! then dropped every interop: the implementation, and the VMO and mapping of that allocation,
//! live until `vkFreeMemory` reaches it through the table ([`Interop::free_memory`](
//! super::Interop::free_memory)). Memory that never gets there (freed with the driver's plain
//! `vkFreeMemory`, or never freed) leaks its VMO and mapping rather than leaving a dangling
//! one. When the last record and the last interop are gone the implementation drops with an
//! empty state, so its `Drop` never unmaps anything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use ash::vk::{self, Handle as _};

use super::error::DeviceError;
use super::import::IMPORT_RIGHTS;
use super::raw::{ExternalMemoryFn, ExternalMemoryTable};
use super::validate::{validate_dedicated_import, ExportedDedication, ResourceDescription};
use super::ExternalHandleType;
use crate::zx::{self, AsHandleRef, HandleBased};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;
const HOST_ALLOCATION: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT;

/// The host implementation's device object.
pub(crate) struct HostExternalMemory {
    instance: ash::Instance,
    device: ash::Device,
    physical_device: vk::PhysicalDevice,
    get_memory_host_pointer_properties: vk::PFN_vkGetMemoryHostPointerPropertiesEXT,
    /// `VkPhysicalDeviceExternalMemoryHostPropertiesEXT::minImportedHostPointerAlignment`.
    min_alignment: u64,
    /// What the driver reports (`vkGetMemoryHostPointerPropertiesEXT`) for a mapping of a VMO.
    /// Every host VMO is a shared mapping of the same kind of memory (a memfd), so the driver's
    /// answer for one stands for all and is asked once. Whether a *given* VMO can be mapped at
    /// all is not cached: the query probes it (`vmo_memory_type_bits`).
    vmo_memory_type_bits: OnceLock<u32>,
    state: Mutex<State>,
    /// `self`, for the strong reference each [`Record`] holds (see the module's "Lifetime").
    this: Weak<HostExternalMemory>,
}

#[derive(Default)]
struct State {
    /// One record per `VkDeviceMemory` this implementation backs with a VMO.
    memories: HashMap<vk::DeviceMemory, Record>,
    /// Payloads exported by this device, by VMO koid: what their exporter was dedicated to.
    payloads: HashMap<zx::Koid, Payload>,
    /// Descriptions of buffers and images created for ZIRCON_VMO memory.
    buffers: HashMap<vk::Buffer, ResourceDescription>,
    images: HashMap<vk::Image, ResourceDescription>,
}

/// What the host implementation holds for one `VkDeviceMemory`.
struct Record {
    koid: zx::Koid,
    /// Allocated with `VkExportMemoryAllocateInfo{ZIRCON_VMO}`.
    exportable: bool,
    /// Unmapped before the VMO handle closes (fields drop in declaration order); the driver's
    /// memory is freed before the record is dropped.
    _mapping: zx::Mapping,
    vmo: zx::Vmo,
    /// Keeps the implementation (whose state holds this record) alive while the driver's memory
    /// may still use the mapping; last, so it drops after the mapping and the VMO. See the
    /// module's "Lifetime".
    _implementation: Arc<HostExternalMemory>,
}

/// A payload exported by this device.
struct Payload {
    dedication: ExportedDedication,
    /// Live memory objects (the exporter and imports on this device) of this payload.
    memories: usize,
}

/// The entry points of the host implementation.
const ENTRY_POINTS: ExternalMemoryFn = ExternalMemoryFn {
    get_memory_zircon_handle,
    get_memory_zircon_handle_properties,
    allocate_memory,
    free_memory,
    create_buffer,
    destroy_buffer,
    create_image,
    destroy_image,
    get_physical_device_external_buffer_properties,
    get_physical_device_image_format_properties2,
};

impl HostExternalMemory {
    /// The implementation for the application's device.
    ///
    /// # Errors
    /// - [`DeviceError::ExtensionNotEnabled`] when the device lacks `VK_EXT_external_memory_host`;
    /// - [`DeviceError::HostPointerAlignmentUnsupported`] when the driver's
    ///   `minImportedHostPointerAlignment` does not divide the page size.
    ///
    /// # Safety
    /// As [`super::Interop::new`].
    pub(crate) unsafe fn new(
        instance: &ash::Instance,
        physical_device: vk::PhysicalDevice,
        device: &ash::Device,
    ) -> Result<Arc<Self>, DeviceError> {
        // SAFETY: `device` came from `instance` (caller); the name is NUL-terminated.
        let fp = unsafe {
            instance.get_device_proc_addr(
                device.handle(),
                c"vkGetMemoryHostPointerPropertiesEXT".as_ptr(),
            )
        };
        let Some(fp) = fp else {
            return Err(DeviceError::ExtensionNotEnabled {
                extension: "VK_EXT_external_memory_host",
            });
        };
        // SAFETY: the loader returned this command's pointer, whose signature is the PFN's.
        let get_memory_host_pointer_properties = unsafe {
            std::mem::transmute::<
                unsafe extern "system" fn(),
                vk::PFN_vkGetMemoryHostPointerPropertiesEXT,
            >(fp)
        };
        let mut host_properties = vk::PhysicalDeviceExternalMemoryHostPropertiesEXT::default();
        let mut properties =
            vk::PhysicalDeviceProperties2::default().push_next(&mut host_properties);
        // SAFETY: `physical_device` belongs to `instance`; the chain is built with push_next.
        unsafe { instance.get_physical_device_properties2(physical_device, &mut properties) };
        let page_size = crate::zx::system_get_page_size() as u64;
        let min_alignment = host_pointer_alignment(
            host_properties.min_imported_host_pointer_alignment,
            page_size,
        )?;
        Ok(Arc::new_cyclic(|this| Self {
            instance: instance.clone(),
            device: device.clone(),
            physical_device,
            get_memory_host_pointer_properties,
            min_alignment,
            vmo_memory_type_bits: OnceLock::new(),
            state: Mutex::new(State::default()),
            this: this.clone(),
        }))
    }

    /// The extension table whose dispatch handles address `self`.
    pub(crate) fn table(self: &Arc<Self>) -> ExternalMemoryTable {
        let dispatch = Arc::as_ptr(self) as usize as u64;
        // SAFETY: ENTRY_POINTS implement every command for dispatch handles that address a
        // HostExternalMemory; the interop holds this Arc for as long as it holds the table.
        unsafe {
            ExternalMemoryTable::new(
                ENTRY_POINTS,
                vk::Device::from_raw(dispatch),
                vk::PhysicalDevice::from_raw(dispatch),
            )
        }
    }

    /// What this device knows about the exporter of the payload `koid`.
    pub(crate) fn exported_dedication(&self, koid: zx::Koid) -> ExportedDedication {
        self.lock()
            .payloads
            .get(&koid)
            .map_or(ExportedDedication::Unknown, |p| p.dedication.clone())
    }

    /// A strong reference to `self`, for a new [`Record`].
    ///
    /// Always there while a command runs: commands arrive through a table that an
    /// [`Interop`](super::Interop) holds, and every interop holds the implementation.
    fn strong(&self) -> Result<Arc<Self>, vk::Result> {
        self.this.upgrade().ok_or(vk::Result::ERROR_UNKNOWN)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent across panics (every update is a single insert/remove).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn round_up(&self, size: u64) -> Option<u64> {
        size.checked_next_multiple_of(self.min_alignment)
    }

    /// `vkGetMemoryHostPointerPropertiesEXT` for `pointer`.
    fn host_pointer_bits(&self, pointer: *const u8) -> Result<u32, vk::Result> {
        let mut properties = vk::MemoryHostPointerPropertiesEXT::default();
        // SAFETY: the pointer came from the loader for this device; `pointer` is a live mapping.
        let result = unsafe {
            (self.get_memory_host_pointer_properties)(
                self.device.handle(),
                HOST_ALLOCATION,
                pointer.cast(),
                &mut properties,
            )
        };
        result.result_with_success(properties.memory_type_bits)
    }

    /// Imports `mapping` into the driver as host memory, with the forwarded structures.
    ///
    /// # Safety
    /// - `mapping` stays mapped until the memory is freed;
    /// - `allocator`, if any, is valid for `vkAllocateMemory`.
    unsafe fn import_mapping(
        &self,
        mapping: &zx::Mapping,
        memory_type_index: u32,
        forwarded: &mut Forwarded,
        allocator: Option<&vk::AllocationCallbacks<'_>>,
    ) -> Result<vk::DeviceMemory, vk::Result> {
        let mut host_pointer = vk::ImportMemoryHostPointerInfoEXT::default()
            .handle_type(HOST_ALLOCATION)
            .host_pointer(mapping.as_ptr().cast());
        let mut info = vk::MemoryAllocateInfo::default()
            .allocation_size(mapping.len() as u64)
            .memory_type_index(memory_type_index)
            .push_next(&mut host_pointer);
        if let Some(flags) = forwarded.flags.as_mut() {
            info = info.push_next(flags);
        }
        if let Some(priority) = forwarded.priority.as_mut() {
            info = info.push_next(priority);
        }
        // SAFETY: the chain is built with push_next from live locals; the mapping is
        // page-aligned and `min_alignment` divides the page size (checked in `new`), so the
        // pointer meets VUID-VkImportMemoryHostPointerInfoEXT-pHostPointer-01749; its length
        // was rounded up to a multiple of `min_alignment` (VUID-VkMemoryAllocateInfo-01745);
        // the caller vouches for `allocator`.
        unsafe { self.device.allocate_memory(&info, allocator) }
    }

    fn insert_record(
        &self,
        memory: vk::DeviceMemory,
        record: Record,
        exported: Option<ExportedDedication>,
    ) {
        let mut state = self.lock();
        let koid = record.koid;
        match exported {
            Some(dedication) => {
                state.payloads.insert(
                    koid,
                    Payload {
                        dedication,
                        memories: 1,
                    },
                );
            }
            None => {
                if let Some(payload) = state.payloads.get_mut(&koid) {
                    payload.memories += 1;
                }
            }
        }
        state.memories.insert(memory, record);
    }

    fn description(&self, dedicated: Option<Dedicated>) -> Option<ResourceDescription> {
        let state = self.lock();
        match dedicated? {
            Dedicated::Buffer(buffer) => state.buffers.get(&buffer).cloned(),
            Dedicated::Image(image) => state.images.get(&image).cloned(),
        }
    }

    /// `vkAllocateMemory` with a Zircon import.
    ///
    /// # Safety
    /// As `vkAllocateMemory`: `raw_handle` is the handle of `info`'s
    /// `VkImportMemoryZirconHandleInfoFUCHSIA`, which the application gives up if the import
    /// succeeds; `allocator`, if any, is valid.
    unsafe fn allocate_import(
        &self,
        chain: &mut AllocateChain,
        raw_handle: u32,
        info: &vk::MemoryAllocateInfo<'_>,
        allocator: Option<&vk::AllocationCallbacks<'_>>,
    ) -> Result<vk::DeviceMemory, vk::Result> {
        // SAFETY: any value may be inspected; the handle is only borrowed until success.
        let vmo = unsafe { zx::Unowned::<zx::Vmo>::from_raw_handle(raw_handle) };
        let invalid = |_| vk::Result::ERROR_INVALID_EXTERNAL_HANDLE;
        // One call: a VMO (WRONG_TYPE otherwise), its size, and not RESIZABLE (the host
        // imports a mapping, which shrinking the VMO would pull from under the device).
        let vmo_info = vmo.info().map_err(invalid)?;
        if vmo_info.flags.contains(zx::VmoInfoFlags::RESIZABLE) {
            return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
        }
        let vmo_size = vmo_info.size_bytes;
        if info.allocation_size == 0 || info.allocation_size > vmo_size {
            return Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
        }
        // `min_alignment` divides the page size and `vmo_size` is a whole number of pages, so
        // rounding `allocation_size <= vmo_size` up to the alignment stays within the VMO.
        let length = self
            .round_up(info.allocation_size)
            .and_then(|l| usize::try_from(l).ok())
            .ok_or(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)?;
        let importing = self.description(chain.dedicated);
        if let (Some(dedicated), Some(importing)) = (chain.dedicated, importing.as_ref()) {
            validate_dedicated_import(
                ExternalHandleType::ZirconVmo,
                dedicated.kind(),
                Some(importing),
                &self.exported_dedication(vmo_info.koid),
            )
            .map_err(|_| vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)?;
        }
        // zx_vmar_map checks the rights: READ and WRITE (and MAP) or ACCESS_DENIED.
        let mapping = vmo
            .map(
                0,
                length,
                zx::VmarFlags::PERM_READ | zx::VmarFlags::PERM_WRITE,
            )
            .map_err(invalid)?;
        let implementation = self.strong()?;
        // SAFETY: `mapping` moves into the record, which keeps it mapped until `free_memory` has
        // freed the driver's memory; `allocator` is the application's (the caller's contract).
        let memory = unsafe {
            self.import_mapping(
                &mapping,
                info.memory_type_index,
                &mut chain.forwarded,
                allocator,
            )
        }?;
        // Success: the handle is ours now (VK_FUCHSIA_external_memory moves it on success only).
        // SAFETY: `raw_handle` is a live VMO handle the application gave up by this call.
        let vmo = zx::Vmo::from(unsafe { zx::Handle::from_raw(raw_handle) });
        let record = Record {
            koid: vmo_info.koid,
            exportable: chain.export_zircon,
            _mapping: mapping,
            vmo,
            _implementation: implementation,
        };
        self.insert_record(memory, record, None);
        Ok(memory)
    }

    /// `vkAllocateMemory` for export.
    ///
    /// # Safety
    /// As `vkAllocateMemory`: `allocator`, if any, is valid.
    unsafe fn allocate_export(
        &self,
        chain: &mut AllocateChain,
        info: &vk::MemoryAllocateInfo<'_>,
        allocator: Option<&vk::AllocationCallbacks<'_>>,
    ) -> Result<vk::DeviceMemory, vk::Result> {
        if info.allocation_size == 0 {
            return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT);
        }
        let size = self
            .round_up(info.allocation_size)
            .ok_or(vk::Result::ERROR_OUT_OF_HOST_MEMORY)?;
        let length = usize::try_from(size).map_err(|_| vk::Result::ERROR_OUT_OF_HOST_MEMORY)?;
        let out_of_memory = |_| vk::Result::ERROR_OUT_OF_HOST_MEMORY;
        let vmo = zx::Vmo::create(size).map_err(out_of_memory)?;
        let basic = vmo.basic_info().map_err(out_of_memory)?;
        let mapping = vmo
            .map(
                0,
                length,
                zx::VmarFlags::PERM_READ | zx::VmarFlags::PERM_WRITE,
            )
            .map_err(out_of_memory)?;
        let implementation = self.strong()?;
        // SAFETY: `mapping` moves into the record, which keeps it mapped until `free_memory` has
        // freed the driver's memory; `allocator` is the application's (the caller's contract).
        let memory = unsafe {
            self.import_mapping(
                &mapping,
                info.memory_type_index,
                &mut chain.forwarded,
                allocator,
            )
        }?;
        let dedication = match chain.dedicated {
            None => ExportedDedication::NotDedicated,
            Some(d) => self
                .description(Some(d))
                .map_or(ExportedDedication::Unknown, ExportedDedication::Dedicated),
        };
        let record = Record {
            koid: basic.koid,
            exportable: true,
            _mapping: mapping,
            vmo,
            _implementation: implementation,
        };
        self.insert_record(memory, record, Some(dedication));
        Ok(memory)
    }
}

/// Checks the driver's `minImportedHostPointerAlignment` against the page size.
///
/// The implementation imports VMO mappings, which are page-aligned; that meets
/// VUID-VkImportMemoryHostPointerInfoEXT-pHostPointer-01749 only if the alignment (a power of
/// two, as Vulkan requires) divides the page size. It also keeps the rounded-up length of an
/// import within the VMO's page-rounded size.
///
/// # Errors
/// [`DeviceError::HostPointerAlignmentUnsupported`] otherwise.
fn host_pointer_alignment(min_alignment: u64, page_size: u64) -> Result<u64, DeviceError> {
    let min_alignment = min_alignment.max(1);
    if !min_alignment.is_power_of_two() || page_size % min_alignment != 0 {
        return Err(DeviceError::HostPointerAlignmentUnsupported {
            min_alignment,
            page_size,
        });
    }
    Ok(min_alignment)
}

/// `VkMemoryDedicatedAllocateInfo`'s resource.
#[derive(Clone, Copy, Debug)]
enum Dedicated {
    Buffer(vk::Buffer),
    Image(vk::Image),
}

impl Dedicated {
    fn kind(self) -> super::validate::ResourceKind {
        match self {
            Self::Buffer(_) => super::validate::ResourceKind::Buffer,
            Self::Image(_) => super::validate::ResourceKind::Image,
        }
    }
}

/// Structures of a `VkMemoryAllocateInfo` chain the host implementation forwards to the driver.
#[derive(Default)]
struct Forwarded {
    flags: Option<vk::MemoryAllocateFlagsInfo<'static>>,
    priority: Option<vk::MemoryPriorityAllocateInfoEXT<'static>>,
}

/// A parsed `VkMemoryAllocateInfo` chain.
#[derive(Default)]
struct AllocateChain {
    export_zircon: bool,
    export_others: bool,
    import: Option<(vk::ExternalMemoryHandleTypeFlags, u32)>,
    dedicated: Option<Dedicated>,
    forwarded: Forwarded,
    unknown: bool,
}

/// Reading `pNext` chains by `sType`.
///
/// A module of its own so that only [`chain::walk`] can make a [`chain::Node`]: a node's safe
/// [`get`](chain::Node::get) relies on the walk's caller having vouched for the chain.
mod chain {
    use std::ffi::c_void;
    use std::marker::PhantomData;

    use ash::vk::{self, TaggedStructure};

    /// A structure of a valid input chain, lent to [`walk`]'s visitor.
    ///
    /// Invariant: for `'a` (no longer than the visit, as the visitor takes any lifetime),
    /// `ptr` points at a live, unwritten Vulkan structure whose `sType` is `s_type`.
    #[derive(Clone, Copy)]
    pub(super) struct Node<'a> {
        ptr: *const vk::BaseInStructure<'a>,
        s_type: vk::StructureType,
        _chain: PhantomData<&'a vk::BaseInStructure<'a>>,
    }

    impl Node<'_> {
        /// A copy of the structure, if it is a `T`.
        pub(super) fn get<T: TaggedStructure + Copy>(self) -> Option<T> {
            if self.s_type != T::STRUCTURE_TYPE {
                return None;
            }
            // SAFETY: by the invariant `ptr` points at a live structure whose sType is
            // `T::STRUCTURE_TYPE`, and by `TaggedStructure`'s (unsafe) contract a structure of
            // that sType is a `T`: so it is aligned and initialized as one. `read` copies it.
            Some(unsafe { self.ptr.cast::<T>().read() })
        }
    }

    /// Walks an input `pNext` chain, calling `visit` with each structure.
    ///
    /// # Safety
    /// `p_next` is null or the start of a valid chain of Vulkan structures (each one's `sType`
    /// names its type, its `pNext` is null or the next structure) that stays live and unwritten
    /// during the walk.
    pub(super) unsafe fn walk(p_next: *const c_void, mut visit: impl FnMut(Node<'_>)) {
        let mut ptr = p_next.cast::<vk::BaseInStructure<'_>>();
        while !ptr.is_null() {
            // SAFETY: `ptr` is a structure of the valid chain (the caller's contract), and every
            // Vulkan structure starts with sType and pNext, which are VkBaseInStructure.
            let header = unsafe { ptr.read() };
            // The node cannot outlive this call of `visit`, during which the chain is live.
            visit(Node {
                ptr: ptr.cast(),
                s_type: header.s_type,
                _chain: PhantomData,
            });
            ptr = header.p_next;
        }
    }

    /// Walks an output `pNext` chain, calling `visit` with each `T` in it.
    ///
    /// # Safety
    /// `p_next` is null or the start of a valid chain of writable Vulkan structures (each one's
    /// `sType` names its type, its `pNext` is null or the next structure) that nothing else
    /// accesses during the walk.
    pub(super) unsafe fn for_each_mut<T: TaggedStructure>(
        p_next: *mut c_void,
        mut visit: impl FnMut(&mut T),
    ) {
        let mut ptr = p_next.cast::<vk::BaseOutStructure<'_>>();
        while !ptr.is_null() {
            // SAFETY: `ptr` is a structure of the valid chain (the caller's contract), and every
            // Vulkan structure starts with sType and pNext, which are VkBaseOutStructure. The
            // header is copied before `visit` may write the structure.
            let header = unsafe { ptr.read() };
            if header.s_type == T::STRUCTURE_TYPE {
                // SAFETY: `ptr` is a live, writable structure whose sType names `T`
                // (`TaggedStructure`'s promise), and nothing else accesses it (the caller's
                // contract) while `visit` holds the only reference.
                visit(unsafe { &mut *ptr.cast::<T>() });
            }
            ptr = header.p_next;
        }
    }
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
                Some(Dedicated::Buffer(s.buffer))
            } else if s.image != vk::Image::null() {
                Some(Dedicated::Image(s.image))
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

/// The `count` values at `ptr` (none when `ptr` is null or `count` is 0).
///
/// # Safety
/// A non-null `ptr` with a non-zero `count` addresses `count` values that outlive `'a`.
unsafe fn raw_slice<'a, T>(ptr: *const T, count: u32) -> &'a [T] {
    if ptr.is_null() || count == 0 {
        return &[];
    }
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts(ptr, count as usize) }
}

/// # Safety
/// `device` addresses a live [`HostExternalMemory`] (the table's contract).
unsafe fn this<'a>(device: u64) -> &'a HostExternalMemory {
    // SAFETY: the caller's contract.
    unsafe { &*(device as usize as *const HostExternalMemory) }
}

fn status(result: Result<(), vk::Result>) -> vk::Result {
    match result {
        Ok(()) => vk::Result::SUCCESS,
        Err(e) => e,
    }
}

unsafe extern "system" fn allocate_memory(
    device: vk::Device,
    p_allocate_info: *const vk::MemoryAllocateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_memory: *mut vk::DeviceMemory,
) -> vk::Result {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(device.as_raw()) };
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
    if !chain.involves_zircon() {
        // SAFETY: the application's valid call, forwarded untouched.
        let result = unsafe { this.device.allocate_memory(info, allocator) };
        return status(result.map(|m| *out = m));
    }
    if chain.unknown {
        return vk::Result::ERROR_UNKNOWN;
    }
    if chain.export_others {
        // Host-pointer memory cannot be exported as anything but ZIRCON_VMO here.
        return vk::Result::ERROR_UNKNOWN;
    }
    let result = match chain.import {
        Some((handle_type, _)) if handle_type != ZIRCON_VMO => {
            Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)
        }
        // SAFETY: `handle` is the chain's VkImportMemoryZirconHandleInfoFUCHSIA::handle, which
        // the application gives up on success; `allocator` is the application's, valid.
        Some((_, handle)) => unsafe { this.allocate_import(&mut chain, handle, info, allocator) },
        // SAFETY: `allocator` is the application's, valid.
        None => unsafe { this.allocate_export(&mut chain, info, allocator) },
    };
    status(result.map(|m| *out = m))
}

unsafe extern "system" fn free_memory(
    device: vk::Device,
    memory: vk::DeviceMemory,
    p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    let record = {
        // SAFETY: the table's dispatch handle addresses a live implementation.
        let this = unsafe { this(device.as_raw()) };
        // SAFETY: null or a valid pointer to valid callbacks
        // (VUID-vkFreeMemory-pAllocator-parameter).
        let allocator = unsafe { p_allocator.as_ref() };
        // SAFETY: the application's valid call; the driver's memory goes first, then the
        // mapping it imported and the VMO.
        unsafe { this.device.free_memory(memory, allocator) };
        let mut state = this.lock();
        let record = state.memories.remove(&memory);
        if let Some(record) = &record {
            if let Some(payload) = state.payloads.get_mut(&record.koid) {
                payload.memories -= 1;
                if payload.memories == 0 {
                    state.payloads.remove(&record.koid);
                }
            }
        }
        record
    };
    // Unmap and close outside the lock, and last of all: the record may hold the last
    // reference to the implementation (see the module's "Lifetime"), which `this` addressed.
    drop(record);
}

unsafe extern "system" fn get_memory_zircon_handle(
    device: vk::Device,
    p_get_zircon_handle_info: *const vk::MemoryGetZirconHandleInfoFUCHSIA<'_>,
    p_zircon_handle: *mut u32,
) -> vk::Result {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(device.as_raw()) };
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
    let state = this.lock();
    let Some(record) = state.memories.get(&info.memory).filter(|r| r.exportable) else {
        // VUID-VkMemoryGetZirconHandleInfoFUCHSIA-handleType-04776.
        return vk::Result::ERROR_VALIDATION_FAILED_EXT;
    };
    match record.vmo.duplicate_handle(zx::Rights::SAME_RIGHTS) {
        Ok(vmo) => {
            *out = vmo.into_handle().into_raw();
            vk::Result::SUCCESS
        }
        Err(zx::Status::NO_MEMORY) => vk::Result::ERROR_OUT_OF_HOST_MEMORY,
        Err(_) => vk::Result::ERROR_TOO_MANY_OBJECTS,
    }
}

unsafe extern "system" fn get_memory_zircon_handle_properties(
    device: vk::Device,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    zircon_handle: u32,
    p_memory_zircon_handle_properties: *mut vk::MemoryZirconHandlePropertiesFUCHSIA<'_>,
) -> vk::Result {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(device.as_raw()) };
    // SAFETY: a valid, writable pointer (VUID-vkGetMemoryZirconHandlePropertiesFUCHSIA-
    // pMemoryZirconHandleProperties-parameter) that nothing else accesses during the call.
    let out = unsafe { &mut *p_memory_zircon_handle_properties };
    if handle_type != ZIRCON_VMO {
        // VUID-vkGetMemoryZirconHandlePropertiesFUCHSIA-handleType-04773.
        return vk::Result::ERROR_VALIDATION_FAILED_EXT;
    }
    // SAFETY: any value may be inspected; the handle is borrowed, never consumed.
    let vmo = unsafe { zx::Unowned::<zx::Vmo>::from_raw_handle(zircon_handle) };
    match vmo_memory_type_bits(this, &vmo) {
        Ok(bits) => {
            out.memory_type_bits = bits;
            vk::Result::SUCCESS
        }
        Err(result) => result,
    }
}

fn vmo_memory_type_bits(this: &HostExternalMemory, vmo: &zx::Vmo) -> Result<u32, vk::Result> {
    let invalid = |_| vk::Result::ERROR_INVALID_EXTERNAL_HANDLE;
    // One kernel call answers everything asked of the VMO: that it is one (WRONG_TYPE
    // otherwise), the handle's rights, its size, and whether it is RESIZABLE. A resizable VMO
    // reports 0 bits: the host imports a mapping of it, which shrinking would pull from under
    // the device.
    let info = vmo.info().map_err(invalid)?;
    if !info.rights.contains(IMPORT_RIGHTS)
        || info.size_bytes == 0
        || info.flags.contains(zx::VmoInfoFlags::RESIZABLE)
    {
        return Ok(0);
    }
    let size = info.size_bytes;
    let flags = zx::VmarFlags::PERM_READ | zx::VmarFlags::PERM_WRITE;
    if let Some(&bits) = this.vmo_memory_type_bits.get() {
        return Ok(bits);
    }
    // Map one alignment unit (or the whole VMO, if smaller) to ask the driver about it.
    let length = size.min(this.min_alignment);
    let length = usize::try_from(length).map_err(|_| vk::Result::ERROR_OUT_OF_HOST_MEMORY)?;
    let mapping = vmo.map(0, length, flags).map_err(invalid)?;
    let bits = this.host_pointer_bits(mapping.as_ptr())?;
    Ok(*this.vmo_memory_type_bits.get_or_init(|| bits))
}

unsafe extern "system" fn create_buffer(
    device: vk::Device,
    p_create_info: *const vk::BufferCreateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_buffer: *mut vk::Buffer,
) -> vk::Result {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(device.as_raw()) };
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
    let Some(types) = external.filter(|t| t.contains(ZIRCON_VMO)) else {
        // SAFETY: the application's valid call, forwarded untouched.
        let result = unsafe { this.device.create_buffer(info, allocator) };
        return status(result.map(|b| *out = b));
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
    let buffer = match unsafe { this.device.create_buffer(&host_info, allocator) } {
        Ok(buffer) => buffer,
        Err(result) => return result,
    };
    // SAFETY: `info` is valid (Vulkan's requirement on the caller).
    let description = unsafe { ResourceDescription::buffer(info, types) };
    this.lock().buffers.insert(buffer, description);
    *out = buffer;
    vk::Result::SUCCESS
}

unsafe extern "system" fn destroy_buffer(
    device: vk::Device,
    buffer: vk::Buffer,
    p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(device.as_raw()) };
    // SAFETY: null or a valid pointer to valid callbacks
    // (VUID-vkDestroyBuffer-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    this.lock().buffers.remove(&buffer);
    // SAFETY: the application's valid call, forwarded.
    unsafe { this.device.destroy_buffer(buffer, allocator) };
}

unsafe extern "system" fn create_image(
    device: vk::Device,
    p_create_info: *const vk::ImageCreateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_image: *mut vk::Image,
) -> vk::Result {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(device.as_raw()) };
    // SAFETY: a valid pointer to a valid structure (VUID-vkCreateImage-pCreateInfo-parameter).
    let info = unsafe { &*p_create_info };
    // SAFETY: null or a valid pointer to valid callbacks
    // (VUID-vkCreateImage-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    // SAFETY: a valid, writable pointer (VUID-vkCreateImage-pImage-parameter) that nothing else
    // accesses during the call.
    let out = unsafe { &mut *p_image };
    let mut external = None;
    let mut format_list = None;
    let mut stencil_usage = None;
    let mut unknown = false;
    let visit = |node: chain::Node<'_>| {
        if let Some(s) = node.get::<vk::ExternalMemoryImageCreateInfo<'_>>() {
            external = Some(s.handle_types);
        } else if let Some(s) = node.get::<vk::ImageFormatListCreateInfo<'_>>() {
            format_list = Some(s);
        } else if let Some(s) = node.get::<vk::ImageStencilUsageCreateInfo<'_>>() {
            stencil_usage =
                Some(vk::ImageStencilUsageCreateInfo::default().stencil_usage(s.stencil_usage));
        } else {
            unknown = true;
        }
    };
    // SAFETY: the chain of a valid VkImageCreateInfo is valid
    // (VUID-VkImageCreateInfo-pNext-pNext) and, borrowed with `info`, stays live and unwritten.
    unsafe { chain::walk(info.p_next, visit) };
    let Some(types) = external.filter(|t| t.contains(ZIRCON_VMO)) else {
        // SAFETY: the application's valid call, forwarded untouched.
        let result = unsafe { this.device.create_image(info, allocator) };
        return status(result.map(|i| *out = i));
    };
    if unknown {
        return vk::Result::ERROR_UNKNOWN;
    }
    let formats: &[vk::Format] = match &format_list {
        // SAFETY: a valid VkImageFormatListCreateInfo addresses `view_format_count` formats.
        Some(list) => unsafe { raw_slice(list.p_view_formats, list.view_format_count) },
        None => &[],
    };
    // SAFETY: a valid create info addresses `queue_family_index_count` indices (or none).
    let queue_families =
        unsafe { raw_slice(info.p_queue_family_indices, info.queue_family_index_count) };
    let mut host_format_list = vk::ImageFormatListCreateInfo::default().view_formats(formats);
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
    if format_list.is_some() {
        host_info = host_info.push_next(&mut host_format_list);
    }
    if let Some(stencil_usage) = stencil_usage.as_mut() {
        host_info = host_info.push_next(stencil_usage);
    }
    // SAFETY: the application's valid call with the handle type rewritten; the chain is built
    // with push_next from live locals; the arrays are the application's.
    let image = match unsafe { this.device.create_image(&host_info, allocator) } {
        Ok(image) => image,
        Err(result) => return result,
    };
    // SAFETY: `info` is valid (Vulkan's requirement on the caller).
    let description = unsafe { ResourceDescription::image(info, types) };
    this.lock().images.insert(image, description);
    *out = image;
    vk::Result::SUCCESS
}

unsafe extern "system" fn destroy_image(
    device: vk::Device,
    image: vk::Image,
    p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(device.as_raw()) };
    // SAFETY: null or a valid pointer to valid callbacks
    // (VUID-vkDestroyImage-pAllocator-parameter).
    let allocator = unsafe { p_allocator.as_ref() };
    this.lock().images.remove(&image);
    // SAFETY: the application's valid call, forwarded.
    unsafe { this.device.destroy_image(image, allocator) };
}

/// `ZIRCON_VMO`'s external memory properties, from `HOST_ALLOCATION`'s.
fn zircon_properties_from_host(host: vk::ExternalMemoryProperties) -> vk::ExternalMemoryProperties {
    let importable = host
        .external_memory_features
        .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE);
    vk::ExternalMemoryProperties {
        external_memory_features: if importable {
            vk::ExternalMemoryFeatureFlags::EXPORTABLE
                | vk::ExternalMemoryFeatureFlags::IMPORTABLE
                | (host.external_memory_features & vk::ExternalMemoryFeatureFlags::DEDICATED_ONLY)
        } else {
            vk::ExternalMemoryFeatureFlags::empty()
        },
        export_from_imported_handle_types: if importable {
            ZIRCON_VMO
        } else {
            vk::ExternalMemoryHandleTypeFlags::empty()
        },
        compatible_handle_types: ZIRCON_VMO,
    }
}

unsafe extern "system" fn get_physical_device_external_buffer_properties(
    physical_device: vk::PhysicalDevice,
    p_external_buffer_info: *const vk::PhysicalDeviceExternalBufferInfo<'_>,
    p_external_buffer_properties: *mut vk::ExternalBufferProperties<'_>,
) {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(physical_device.as_raw()) };
    // SAFETY: a valid pointer to a valid structure
    // (VUID-vkGetPhysicalDeviceExternalBufferProperties-pExternalBufferInfo-parameter).
    let info = unsafe { &*p_external_buffer_info };
    // SAFETY: a valid, writable pointer (VUID-vkGetPhysicalDeviceExternalBufferProperties-
    // pExternalBufferProperties-parameter) that nothing else accesses during the call.
    let out = unsafe { &mut *p_external_buffer_properties };
    let get = this
        .instance
        .fp_v1_1()
        .get_physical_device_external_buffer_properties;
    if info.handle_type != ZIRCON_VMO {
        // SAFETY: the application's call, forwarded untouched to the real physical device.
        unsafe { get(this.physical_device, info, out) };
        return;
    }
    let host_info = vk::PhysicalDeviceExternalBufferInfo {
        handle_type: HOST_ALLOCATION,
        ..*info
    };
    let mut host = vk::ExternalBufferProperties::default();
    // SAFETY: a copy of the application's valid query (same chain) for HOST_ALLOCATION.
    unsafe { get(this.physical_device, &host_info, &mut host) };
    out.external_memory_properties = zircon_properties_from_host(host.external_memory_properties);
}

unsafe extern "system" fn get_physical_device_image_format_properties2(
    physical_device: vk::PhysicalDevice,
    p_image_format_info: *const vk::PhysicalDeviceImageFormatInfo2<'_>,
    p_image_format_properties: *mut vk::ImageFormatProperties2<'_>,
) -> vk::Result {
    // SAFETY: the table's dispatch handle addresses a live implementation.
    let this = unsafe { this(physical_device.as_raw()) };
    // SAFETY: a valid pointer to a valid structure
    // (VUID-vkGetPhysicalDeviceImageFormatProperties2-pImageFormatInfo-parameter).
    let info = unsafe { &*p_image_format_info };
    // SAFETY: a valid, writable pointer (VUID-vkGetPhysicalDeviceImageFormatProperties2-
    // pImageFormatProperties-parameter) that nothing else accesses during the call.
    let out = unsafe { &mut *p_image_format_properties };
    let get = this
        .instance
        .fp_v1_1()
        .get_physical_device_image_format_properties2;
    let mut external = None;
    let mut format_list = None;
    let mut stencil_usage = None;
    let mut unknown = false;
    let visit = |node: chain::Node<'_>| {
        if let Some(s) = node.get::<vk::PhysicalDeviceExternalImageFormatInfo<'_>>() {
            external = Some(s.handle_type);
        } else if let Some(s) = node.get::<vk::ImageFormatListCreateInfo<'_>>() {
            format_list = Some(s);
        } else if let Some(s) = node.get::<vk::ImageStencilUsageCreateInfo<'_>>() {
            stencil_usage =
                Some(vk::ImageStencilUsageCreateInfo::default().stencil_usage(s.stencil_usage));
        } else {
            unknown = true;
        }
    };
    // SAFETY: the chain of a valid VkPhysicalDeviceImageFormatInfo2 is valid
    // (VUID-VkPhysicalDeviceImageFormatInfo2-pNext-pNext) and, borrowed with `info`, stays live
    // and unwritten.
    unsafe { chain::walk(info.p_next, visit) };
    if external != Some(ZIRCON_VMO) {
        // SAFETY: the application's call, forwarded untouched to the real physical device.
        return unsafe { get(this.physical_device, info, out) };
    }
    if unknown {
        return vk::Result::ERROR_UNKNOWN;
    }
    let formats: &[vk::Format] = match &format_list {
        // SAFETY: a valid VkImageFormatListCreateInfo addresses `view_format_count` formats.
        Some(list) => unsafe { raw_slice(list.p_view_formats, list.view_format_count) },
        None => &[],
    };
    let mut host_format_list = vk::ImageFormatListCreateInfo::default().view_formats(formats);
    let mut host_external =
        vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(HOST_ALLOCATION);
    let mut host_info = vk::PhysicalDeviceImageFormatInfo2::default()
        .format(info.format)
        .ty(info.ty)
        .tiling(info.tiling)
        .usage(info.usage)
        .flags(info.flags)
        .push_next(&mut host_external);
    if format_list.is_some() {
        host_info = host_info.push_next(&mut host_format_list);
    }
    if let Some(stencil_usage) = stencil_usage.as_mut() {
        host_info = host_info.push_next(stencil_usage);
    }
    // SAFETY: the rewritten query (chain built with push_next from live locals); the output is
    // the application's valid chain, which the driver fills for HOST_ALLOCATION.
    let result = unsafe { get(this.physical_device, &host_info, out) };
    if result != vk::Result::SUCCESS {
        return result;
    }
    let mut result = vk::Result::SUCCESS;
    let rewrite = |external: &mut vk::ExternalImageFormatProperties<'_>| {
        let host = external.external_memory_properties;
        if !host
            .external_memory_features
            .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE)
        {
            result = vk::Result::ERROR_FORMAT_NOT_SUPPORTED;
        }
        external.external_memory_properties = zircon_properties_from_host(host);
    };
    // SAFETY: the application's output chain is valid (VUID-VkImageFormatProperties2-pNext-pNext)
    // and writable, and the driver is done with it; `out` holds the only reference to it.
    unsafe { chain::for_each_mut(out.p_next, rewrite) };
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn importable_host_memory_is_exportable_and_importable_vmo_memory() {
        let host = vk::ExternalMemoryProperties {
            external_memory_features: vk::ExternalMemoryFeatureFlags::IMPORTABLE,
            export_from_imported_handle_types: vk::ExternalMemoryHandleTypeFlags::empty(),
            compatible_handle_types: HOST_ALLOCATION,
        };
        let z = zircon_properties_from_host(host);
        assert_eq!(
            z.external_memory_features,
            vk::ExternalMemoryFeatureFlags::EXPORTABLE | vk::ExternalMemoryFeatureFlags::IMPORTABLE
        );
        assert_eq!(z.compatible_handle_types, ZIRCON_VMO);
        assert_eq!(z.export_from_imported_handle_types, ZIRCON_VMO);
    }

    #[test]
    fn host_pointer_alignment_must_divide_the_page() {
        assert_eq!(host_pointer_alignment(4096, 4096).unwrap(), 4096);
        assert_eq!(host_pointer_alignment(64, 4096).unwrap(), 64);
        assert_eq!(host_pointer_alignment(0, 4096).unwrap(), 1);
        for bad in [8192, 65536, 3000] {
            let err = host_pointer_alignment(bad, 4096).unwrap_err();
            assert!(
                matches!(
                    err,
                    DeviceError::HostPointerAlignmentUnsupported {
                        min_alignment,
                        page_size: 4096
                    } if min_alignment == bad
                ),
                "{err:?}"
            );
            assert!(err.to_string().contains("01749"), "{err}");
        }
    }

    #[test]
    fn unsupported_host_memory_is_unsupported_vmo_memory() {
        let z = zircon_properties_from_host(vk::ExternalMemoryProperties::default());
        assert!(z.external_memory_features.is_empty());
        assert!(z.export_from_imported_handle_types.is_empty());
        assert_eq!(z.compatible_handle_types, ZIRCON_VMO);
    }
}
