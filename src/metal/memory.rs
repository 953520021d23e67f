//! The handle-type-generic half of the Metal API: the command table bound to a device, and the
//! owner of exportable or imported memory.
//!
//! Metal objects appear here only as untyped `NonNull<c_void>`, so this compiles and is tested on
//! every host (with a substitute command table). The typed, retained objects are added by the
//! Apple layer (`apple.rs`).

use core::ffi::c_void;
use core::ptr::NonNull;
use std::sync::Arc;

use ash::vk;

use super::error::{
    map_allocate_err, map_export_err, map_properties_err, AllocateError, ExportError, LoadError,
    PropertiesError,
};
use super::handle_type::MetalHandleType;
use super::raw::{
    DeviceFn, ImportMemoryMetalHandleInfoEXT, MemoryGetMetalHandleInfoEXT,
    MemoryMetalHandlePropertiesEXT,
};
use super::validate::{
    validate_export, validate_export_allocation, validate_import, validate_properties_query,
    AllocationPlan, ExportAllocationRequest, ExportRequest, ImportRequest, ResourceHandle,
};

/// `VK_EXT_external_memory_metal` on one `VkDevice`: its command table and its physical device's
/// memory types.
///
/// Held as [`crate::vk::Interop`] holds its device: cheap to clone (an `Arc`), and every
/// [`Memory`] made from it holds a clone, so that `Drop` can free it. The application keeps the
/// `VkDevice` alive (the `unsafe` contract of [`Device::new`]).
///
/// (The name follows ash's per-extension `Device`; it is a `VkDevice`, not an `MTLDevice`.)
#[derive(Clone)]
pub struct Device {
    shared: Arc<Shared>,
}

struct Shared {
    device: ash::Device,
    fp: DeviceFn,
    memory_properties: vk::PhysicalDeviceMemoryProperties,
}

impl core::fmt::Debug for Device {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("metal::Device")
            .field("device", &self.shared.device.handle())
            .field("fp", &self.shared.fp)
            .field(
                "memory_type_count",
                &self.shared.memory_properties.memory_type_count,
            )
            .finish()
    }
}

impl Device {
    /// Loads the extension's commands for `device` (through `vkGetDeviceProcAddr`) and reads the
    /// memory types of `physical_device` (`vkGetPhysicalDeviceMemoryProperties`).
    ///
    /// # Errors
    /// [`LoadError`] when a command is missing: `device` was created without
    /// `VK_EXT_external_memory_metal`.
    ///
    /// # Safety
    /// - `device` must have been created from `physical_device` of `instance`;
    /// - **`device` outlives the returned value, every clone and every [`Memory`] made from
    ///   it**: destroy the device only after dropping them all (as for
    ///   [`crate::vk::Interop::new`]).
    pub unsafe fn new(
        instance: &ash::Instance,
        physical_device: vk::PhysicalDevice,
        device: &ash::Device,
    ) -> Result<Self, LoadError> {
        // SAFETY: `device` is a valid device of `instance` (caller).
        let fp = unsafe { DeviceFn::load(instance, device.handle())? };
        // SAFETY: `physical_device` is a valid physical device of `instance` (caller).
        let memory_properties =
            unsafe { instance.get_physical_device_memory_properties(physical_device) };
        // SAFETY: forwarded from the caller.
        Ok(unsafe { Self::from_raw_parts(device, fp, memory_properties) })
    }

    /// Binds an already-loaded command table (for layers, or tests that substitute the driver).
    ///
    /// # Safety
    /// - `fp` must implement the extension's commands for `device` as the specification says,
    ///   and `memory_properties` must be those of `device`'s physical device;
    /// - `device` outlives the returned value and everything made from it, as for
    ///   [`Device::new`].
    pub unsafe fn from_raw_parts(
        device: &ash::Device,
        fp: DeviceFn,
        memory_properties: vk::PhysicalDeviceMemoryProperties,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                device: device.clone(),
                fp,
                memory_properties,
            }),
        }
    }

    /// The ash device.
    pub fn device(&self) -> &ash::Device {
        &self.shared.device
    }

    /// The command table.
    pub fn fp(&self) -> &DeviceFn {
        &self.shared.fp
    }

    /// The physical device's memory types and heaps.
    pub fn memory_properties(&self) -> &vk::PhysicalDeviceMemoryProperties {
        &self.shared.memory_properties
    }

    /// Whether `other` is (a clone of) this device.
    pub fn same_device(&self, other: &Device) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The memory types `handle` can be imported as.
    ///
    /// Wraps `vkGetMemoryMetalHandlePropertiesEXT`. The object is borrowed for the call only:
    /// neither this crate nor (by the specification) the implementation retains or releases it.
    ///
    /// # Errors
    /// [`PropertiesError`]: `InvalidExternalHandle` when the driver rejects the object, the
    /// listed codes otherwise.
    ///
    /// # Safety
    /// - `handle` must point to a live Objective-C object of `handle_type`'s protocol.
    pub unsafe fn get_memory_metal_handle_properties(
        &self,
        handle_type: MetalHandleType,
        handle: NonNull<c_void>,
    ) -> Result<u32, PropertiesError> {
        validate_properties_query(handle_type.to_vk(), false)?;
        let mut properties = MemoryMetalHandlePropertiesEXT::default();
        // SAFETY: `fp` belongs to this device; `handle` is a live object of `handle_type`
        // (caller); `properties` is a valid, writable structure with an empty chain.
        let result = unsafe {
            self.fp().get_memory_metal_handle_properties(
                self.device().handle(),
                handle_type.to_vk(),
                handle.as_ptr(),
                &mut properties,
            )
        };
        match result {
            vk::Result::SUCCESS => Ok(properties.memory_type_bits),
            other => Err(map_properties_err(other)),
        }
    }

    /// Allocates memory that can be exported as the Metal objects in `request.handle_types`.
    ///
    /// Wraps `vkAllocateMemory` with `VkExportMemoryAllocateInfo` (and
    /// `VkMemoryDedicatedAllocateInfo` when the request is dedicated), after
    /// [`validate_export_allocation`].
    ///
    /// # Errors
    /// [`AllocateError::Validation`] (the VUIDs of [`validate_export_allocation`]), or the
    /// `vkAllocateMemory` codes.
    ///
    /// # Safety
    /// - The request's resource, if any, must be a buffer or image of this device created with
    ///   `VkExternalMemory{Buffer,Image}CreateInfo` listing the requested types, and its
    ///   requirements and capabilities must be the ones the driver reported for it.
    pub unsafe fn allocate_exportable_memory(
        &self,
        request: &ExportAllocationRequest<'_>,
    ) -> Result<Memory, AllocateError> {
        let plan = validate_export_allocation(self.memory_properties(), request)?;
        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(request.handle_types);
        // SAFETY: the resource belongs to this device (caller).
        unsafe { self.allocate_planned(plan, &mut export, Some(request.handle_types), None) }
    }

    /// Imports the Metal object at `handle` as new memory.
    ///
    /// Wraps `vkAllocateMemory` with `VkImportMemoryMetalHandleInfoEXT`, after
    /// [`validate_import`]. `request.handle_is_null` is ignored (the pointer is non-null) and
    /// `request.handle_type` is the one imported.
    ///
    /// # Errors
    /// [`AllocateError::Validation`] (the VUIDs of [`validate_import`]) or the `vkAllocateMemory`
    /// codes. The object is untouched on failure.
    ///
    /// # Safety
    /// - `handle` must point to a live object of the request's handle type, created on this
    ///   device's `MTLDevice`, and `request.handle_memory_type_bits` / `handle_size` / `shapes`
    ///   must describe it (as the Apple layer fills them).
    /// - The resource, if any, must be a buffer or image of this device.
    pub unsafe fn import_memory(
        &self,
        handle: NonNull<c_void>,
        request: &ImportRequest,
    ) -> Result<Memory, AllocateError> {
        let request = ImportRequest {
            handle_is_null: false,
            ..*request
        };
        let plan = validate_import(self.memory_properties(), &request)?;
        let mut import = ImportMemoryMetalHandleInfoEXT::default()
            .handle_type(plan.handle_type.to_vk())
            .handle(handle.as_ptr());
        // SAFETY: `handle` is a live object of the stated type and the resource belongs to this
        // device (caller). The implementation retains the object on success (import shares
        // ownership) and leaves it alone on failure.
        unsafe { self.allocate_planned(plan.allocation, &mut import, None, Some(plan.handle_type)) }
    }

    /// `vkAllocateMemory` of `plan`, chaining `next` (the export or import structure) and the
    /// dedicated structure the plan asks for.
    ///
    /// # Safety
    /// What `next` names and the plan's resource are valid for this device (the callers'
    /// contracts).
    unsafe fn allocate_planned<T: vk::ExtendsMemoryAllocateInfo>(
        &self,
        plan: AllocationPlan,
        next: &mut T,
        export_handle_types: Option<vk::ExternalMemoryHandleTypeFlags>,
        imported: Option<MetalHandleType>,
    ) -> Result<Memory, AllocateError> {
        let mut dedicated = dedicated_info(plan.dedicated);
        let mut info = vk::MemoryAllocateInfo::default()
            .allocation_size(plan.allocation_size)
            .memory_type_index(plan.memory_type_index)
            .push_next(next);
        if let Some(d) = dedicated.as_mut() {
            info = info.push_next(d);
        }
        // SAFETY: the chain is built with ash's lifetime-checked push_next from values that
        // outlive the call; what it names is valid for this device (this function's contract).
        let memory =
            unsafe { self.device().allocate_memory(&info, None) }.map_err(map_allocate_err)?;
        Ok(Memory {
            device: self.clone(),
            memory,
            plan,
            export_handle_types,
            imported,
            #[cfg(target_vendor = "apple")]
            keep_alive: None,
        })
    }
}

fn dedicated_info(
    dedicated: Option<ResourceHandle>,
) -> Option<vk::MemoryDedicatedAllocateInfo<'static>> {
    dedicated.map(|d| match d {
        ResourceHandle::Image(image) => vk::MemoryDedicatedAllocateInfo::default().image(image),
        ResourceHandle::Buffer(buffer) => vk::MemoryDedicatedAllocateInfo::default().buffer(buffer),
    })
}

/// A `VkDeviceMemory` allocated for Metal export or imported from a Metal object; freed
/// (`vkFreeMemory`) on drop.
///
/// Exported objects are **borrowed** from this memory by the specification:
/// - [`get_memory_metal_handle`](Self::get_memory_metal_handle) returns that borrowed pointer as
///   is (no retain); it dangles once this memory is freed unless its holder retained it first.
/// - The Apple layer's typed `export_buffer` / `export_texture` / `export_heap` retain it (+1)
///   and return an owner, which may outlive this memory.
///
/// On Apple, memory imported through the typed `import_*` methods also holds one reference of
/// its own to the imported object, released after `vkFreeMemory`, or by
/// [`into_raw`](Self::into_raw).
pub struct Memory {
    device: Device,
    memory: vk::DeviceMemory,
    plan: AllocationPlan,
    export_handle_types: Option<vk::ExternalMemoryHandleTypeFlags>,
    imported: Option<MetalHandleType>,
    /// The imported object, retained by this crate too, so that it outlives the `VkDeviceMemory`
    /// even on an implementation that forgot its own retain. Last field: released after
    /// `vkFreeMemory` (in `Drop`) and after every other field.
    #[cfg(target_vendor = "apple")]
    pub(super) keep_alive: Option<super::apple::MetalObject>,
}

impl core::fmt::Debug for Memory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("metal::Memory")
            .field("memory", &self.memory)
            .field("plan", &self.plan)
            .field(
                "export_handle_types",
                &crate::ash_debug::dbg(self.export_handle_types),
            )
            .field("imported", &self.imported)
            .finish()
    }
}

impl Memory {
    /// Adopts memory allocated elsewhere, so that it is freed on drop and can be exported.
    ///
    /// # Safety
    /// - `memory` must be a live allocation of `device`, owned by the caller (it is freed on
    ///   drop), allocated with `plan`'s size, type and dedicated resource, and with
    ///   `VkExportMemoryAllocateInfo::handleTypes == export_handle_types` (`None`: no such
    ///   structure).
    pub unsafe fn from_raw(
        device: Device,
        memory: vk::DeviceMemory,
        plan: AllocationPlan,
        export_handle_types: Option<vk::ExternalMemoryHandleTypeFlags>,
    ) -> Self {
        Self {
            device,
            memory,
            plan,
            export_handle_types,
            imported: None,
            #[cfg(target_vendor = "apple")]
            keep_alive: None,
        }
    }

    /// The `VkDeviceMemory`, still owned by `self`.
    pub fn as_raw(&self) -> vk::DeviceMemory {
        self.memory
    }

    /// Gives up ownership without freeing; the caller must `vkFreeMemory` it.
    ///
    /// Who releases what, for memory imported from a Metal object:
    /// - The implementation retained the object at import and releases it in `vkFreeMemory`
    ///   (the specification's shared ownership), whoever calls it.
    /// - This crate's own reference (Apple's typed imports keep one) is **released here**, neither
    ///   leaked nor handed over. A caller that wants the object kept alive until after its
    ///   `vkFreeMemory` whatever the implementation does takes a reference first with
    ///   `imported_object()` and drops it after freeing.
    #[must_use = "the memory must be freed with vkFreeMemory"]
    pub fn into_raw(mut self) -> vk::DeviceMemory {
        // Drop sees a null memory and frees nothing; the other fields (the device reference and,
        // on Apple, this crate's own reference to an imported object) are released as usual.
        core::mem::replace(&mut self.memory, vk::DeviceMemory::null())
    }

    /// `allocationSize`, `memoryTypeIndex` and the dedicated resource it was allocated with.
    pub fn allocation(&self) -> &AllocationPlan {
        &self.plan
    }

    /// `VkExportMemoryAllocateInfo::handleTypes` at allocation, if it was exportable.
    pub fn export_handle_types(&self) -> Option<vk::ExternalMemoryHandleTypeFlags> {
        self.export_handle_types
    }

    /// The handle type it was imported from, if it was imported.
    pub fn imported_handle_type(&self) -> Option<MetalHandleType> {
        self.imported
    }

    /// The device.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Exports the memory as a Metal object of `handle_type`, **borrowed** from `self`.
    ///
    /// Wraps `vkGetMemoryMetalHandleEXT` after [`validate_export`]. The pointer is returned as
    /// the implementation gave it, with no retain: it is valid while `self` lives, and dangles
    /// once `self` is freed unless the caller retained it first (the Apple layer's typed export
    /// methods do). Never release it without a matching retain.
    ///
    /// # Errors
    /// [`ExportError::Validation`] naming `VUID-VkMemoryGetMetalHandleInfoEXT-memory-10413`
    /// (not allocated for export) or `-handleType-10414` (type not requested at allocation);
    /// [`ExportError::NullHandle`] for a driver that answers success with NULL; the listed codes.
    pub fn get_memory_metal_handle(
        &self,
        handle_type: MetalHandleType,
    ) -> Result<NonNull<c_void>, ExportError> {
        self.get_memory_metal_handle_bits(handle_type.to_vk())
    }

    /// [`get_memory_metal_handle`](Self::get_memory_metal_handle) with the handle type as raw
    /// bits, so that a non-Metal or multi-bit type is reported as
    /// `VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10415`. The pointer is borrowed, as there.
    ///
    /// # Errors
    /// As [`get_memory_metal_handle`](Self::get_memory_metal_handle), plus 10415.
    pub fn get_memory_metal_handle_bits(
        &self,
        handle_type: vk::ExternalMemoryHandleTypeFlags,
    ) -> Result<NonNull<c_void>, ExportError> {
        let handle_type = validate_export(&ExportRequest {
            handle_type,
            export_handle_types: self.export_handle_types,
        })?;
        let info = MemoryGetMetalHandleInfoEXT::default()
            .memory(self.memory)
            .handle_type(handle_type.to_vk());
        let mut handle: *mut c_void = core::ptr::null_mut();
        // SAFETY: `fp` belongs to this device, `self.memory` is a live allocation of it that was
        // allocated for export of `handle_type` (validated above), `handle` is writable.
        let result = unsafe {
            self.device.fp().get_memory_metal_handle(
                self.device.device().handle(),
                &info,
                &mut handle,
            )
        };
        match result {
            vk::Result::SUCCESS => NonNull::new(handle).ok_or(ExportError::NullHandle),
            other => Err(map_export_err(other)),
        }
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        // Null after `into_raw`: the memory is the caller's now.
        if self.memory == vk::DeviceMemory::null() {
            return;
        }
        // SAFETY: `self.memory` is a live allocation of this device owned by `self`, freed once
        // here; the caller must have finished GPU work that uses it, as for any vkFreeMemory.
        // Pointers from `get_memory_metal_handle` were only borrowed from it and dangle from
        // here on; that is their documented contract (dereferencing them is the holder's unsafe
        // business), and the Apple layer's typed exports retained theirs. `keep_alive`, dropped
        // after this body, releases our reference to an imported object only after the free.
        unsafe { self.device.device().free_memory(self.memory, None) };
    }
}
