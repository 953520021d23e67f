//! Raw `VK_EXT_external_memory_metal` definitions that ash 0.38 lacks.
//!
//! ash 0.38.0 (Vulkan 1.3.281) predates the extension (registry number 603, spec version 1), so
//! this module defines, exactly as the registry (`vk.xml`, `vulkan_metal.h`) does:
//!
//! - the extension name and spec version;
//! - the three `VkStructureType` values and the three `VkExternalMemoryHandleTypeFlagBits`;
//! - the three structures, `#[repr(C)]` in the registry's field order, with ash's lifetime and
//!   `PhantomData` conventions, [`vk::TaggedStructure`], and
//!   [`vk::ExtendsMemoryAllocateInfo`] on the import structure so that
//!   [`vk::MemoryAllocateInfo::push_next`] chains it;
//! - the two command signatures and a [`DeviceFn`] table loaded through `vkGetDeviceProcAddr`.
//!
//! Everything here is platform-independent (a Metal handle is an opaque `void*` at this layer),
//! so the layout tests in `tests/metal_raw.rs` run on every host. Nothing in this module retains or
//! releases an Objective-C object: ownership is the business of the safe layer.

use core::ffi::{c_void, CStr};
use core::fmt;
use core::marker::PhantomData;

use ash::vk;

/// `VK_EXT_EXTERNAL_MEMORY_METAL_EXTENSION_NAME`.
pub const EXT_EXTERNAL_MEMORY_METAL_NAME: &CStr = c"VK_EXT_external_memory_metal";

/// `VK_EXT_EXTERNAL_MEMORY_METAL_SPEC_VERSION`.
pub const EXT_EXTERNAL_MEMORY_METAL_SPEC_VERSION: u32 = 1;

/// `VK_STRUCTURE_TYPE_IMPORT_MEMORY_METAL_HANDLE_INFO_EXT` (1000602000).
pub const STRUCTURE_TYPE_IMPORT_MEMORY_METAL_HANDLE_INFO_EXT: vk::StructureType =
    vk::StructureType::from_raw(1_000_602_000);

/// `VK_STRUCTURE_TYPE_MEMORY_METAL_HANDLE_PROPERTIES_EXT` (1000602001).
pub const STRUCTURE_TYPE_MEMORY_METAL_HANDLE_PROPERTIES_EXT: vk::StructureType =
    vk::StructureType::from_raw(1_000_602_001);

/// `VK_STRUCTURE_TYPE_MEMORY_GET_METAL_HANDLE_INFO_EXT` (1000602002).
pub const STRUCTURE_TYPE_MEMORY_GET_METAL_HANDLE_INFO_EXT: vk::StructureType =
    vk::StructureType::from_raw(1_000_602_002);

/// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_BIT_EXT` (bit 16): an `id<MTLBuffer>`.
pub const EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::from_raw(0x0001_0000);

/// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_BIT_EXT` (bit 17): an `id<MTLTexture>`.
pub const EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_EXT: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::from_raw(0x0002_0000);

/// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_BIT_EXT` (bit 18): an `id<MTLHeap>`.
pub const EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_EXT: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::from_raw(0x0004_0000);

/// `VkImportMemoryMetalHandleInfoEXT`: extends `VkMemoryAllocateInfo` to import a Metal object.
///
/// Fields in registry order: `sType`, `pNext` (const), `handleType` (optional FlagBits),
/// `handle` (`void*`, optional). Importing **shares** ownership: the implementation retains the
/// object, the application keeps its own reference.
///
/// <https://registry.khronos.org/vulkan/specs/latest/man/html/VkImportMemoryMetalHandleInfoEXT.html>
#[repr(C)]
#[derive(Copy, Clone)]
#[must_use]
pub struct ImportMemoryMetalHandleInfoEXT<'a> {
    /// Always [`STRUCTURE_TYPE_IMPORT_MEMORY_METAL_HANDLE_INFO_EXT`].
    pub s_type: vk::StructureType,
    /// `NULL` or the next structure in the chain.
    pub p_next: *const c_void,
    /// A single MTL handle-type bit, or empty (then the structure imports nothing).
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// The `id<MTLBuffer>`, `id<MTLTexture>` or `id<MTLHeap>` to import, or `NULL`.
    pub handle: *mut c_void,
    /// Ties the structure to the borrows of its chain, as ash does.
    pub _marker: PhantomData<&'a ()>,
}

// SAFETY: a plain-data description, as ash's own structures (which make the same impls). The
// pointers are only dereferenced by the Vulkan implementation during a call the caller makes.
unsafe impl Send for ImportMemoryMetalHandleInfoEXT<'_> {}
// SAFETY: as for Send; a shared reference allows no mutation through the raw pointers.
unsafe impl Sync for ImportMemoryMetalHandleInfoEXT<'_> {}

impl Default for ImportMemoryMetalHandleInfoEXT<'_> {
    #[inline]
    fn default() -> Self {
        Self {
            s_type: STRUCTURE_TYPE_IMPORT_MEMORY_METAL_HANDLE_INFO_EXT,
            p_next: core::ptr::null(),
            handle_type: vk::ExternalMemoryHandleTypeFlags::empty(),
            handle: core::ptr::null_mut(),
            _marker: PhantomData,
        }
    }
}

// SAFETY: `#[repr(C)]`, starts with `s_type` then `p_next` (the BaseInStructure prefix), and
// `Default` sets `s_type` to this constant.
unsafe impl vk::TaggedStructure for ImportMemoryMetalHandleInfoEXT<'_> {
    const STRUCTURE_TYPE: vk::StructureType = STRUCTURE_TYPE_IMPORT_MEMORY_METAL_HANDLE_INFO_EXT;
}

// SAFETY: the registry lists VkMemoryAllocateInfo in this structure's `structextends`; the
// structure has the BaseInStructure prefix that `push_next` relies on.
unsafe impl vk::ExtendsMemoryAllocateInfo for ImportMemoryMetalHandleInfoEXT<'_> {}

impl<'a> ImportMemoryMetalHandleInfoEXT<'a> {
    /// Sets `handleType`.
    #[inline]
    pub fn handle_type(mut self, handle_type: vk::ExternalMemoryHandleTypeFlags) -> Self {
        self.handle_type = handle_type;
        self
    }

    /// Sets `handle`.
    #[inline]
    pub fn handle(mut self, handle: *mut c_void) -> Self {
        self.handle = handle;
        self
    }
}

/// `VkMemoryMetalHandlePropertiesEXT`: returned by `vkGetMemoryMetalHandlePropertiesEXT`.
///
/// Fields in registry order: `sType`, `pNext` (non-const), `memoryTypeBits`.
///
/// <https://registry.khronos.org/vulkan/specs/latest/man/html/VkMemoryMetalHandlePropertiesEXT.html>
#[repr(C)]
#[derive(Copy, Clone)]
#[must_use]
pub struct MemoryMetalHandlePropertiesEXT<'a> {
    /// Always [`STRUCTURE_TYPE_MEMORY_METAL_HANDLE_PROPERTIES_EXT`].
    pub s_type: vk::StructureType,
    /// `NULL` (no structure extends this one).
    pub p_next: *mut c_void,
    /// One bit per memory type the handle can be imported as.
    pub memory_type_bits: u32,
    /// Ties the structure to the borrows of its chain, as ash does.
    pub _marker: PhantomData<&'a ()>,
}

// SAFETY: plain data, as ash's own structures.
unsafe impl Send for MemoryMetalHandlePropertiesEXT<'_> {}
// SAFETY: plain data, as ash's own structures.
unsafe impl Sync for MemoryMetalHandlePropertiesEXT<'_> {}

impl Default for MemoryMetalHandlePropertiesEXT<'_> {
    #[inline]
    fn default() -> Self {
        Self {
            s_type: STRUCTURE_TYPE_MEMORY_METAL_HANDLE_PROPERTIES_EXT,
            p_next: core::ptr::null_mut(),
            memory_type_bits: 0,
            _marker: PhantomData,
        }
    }
}

// SAFETY: `#[repr(C)]` with the BaseOutStructure prefix; `Default` sets this `s_type`.
unsafe impl vk::TaggedStructure for MemoryMetalHandlePropertiesEXT<'_> {
    const STRUCTURE_TYPE: vk::StructureType = STRUCTURE_TYPE_MEMORY_METAL_HANDLE_PROPERTIES_EXT;
}

impl<'a> MemoryMetalHandlePropertiesEXT<'a> {
    /// Sets `memoryTypeBits`.
    #[inline]
    pub fn memory_type_bits(mut self, memory_type_bits: u32) -> Self {
        self.memory_type_bits = memory_type_bits;
        self
    }
}

/// `VkMemoryGetMetalHandleInfoEXT`: input of `vkGetMemoryMetalHandleEXT`.
///
/// Fields in registry order: `sType`, `pNext` (const), `memory`, `handleType`.
///
/// <https://registry.khronos.org/vulkan/specs/latest/man/html/VkMemoryGetMetalHandleInfoEXT.html>
#[repr(C)]
#[derive(Copy, Clone)]
#[must_use]
pub struct MemoryGetMetalHandleInfoEXT<'a> {
    /// Always [`STRUCTURE_TYPE_MEMORY_GET_METAL_HANDLE_INFO_EXT`].
    pub s_type: vk::StructureType,
    /// `NULL` (no structure extends this one).
    pub p_next: *const c_void,
    /// The memory to export from.
    pub memory: vk::DeviceMemory,
    /// The single MTL handle-type bit requested.
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// Ties the structure to the borrows of its chain, as ash does.
    pub _marker: PhantomData<&'a ()>,
}

// SAFETY: plain data, as ash's own structures.
unsafe impl Send for MemoryGetMetalHandleInfoEXT<'_> {}
// SAFETY: plain data, as ash's own structures.
unsafe impl Sync for MemoryGetMetalHandleInfoEXT<'_> {}

impl Default for MemoryGetMetalHandleInfoEXT<'_> {
    #[inline]
    fn default() -> Self {
        Self {
            s_type: STRUCTURE_TYPE_MEMORY_GET_METAL_HANDLE_INFO_EXT,
            p_next: core::ptr::null(),
            memory: vk::DeviceMemory::null(),
            handle_type: vk::ExternalMemoryHandleTypeFlags::empty(),
            _marker: PhantomData,
        }
    }
}

// SAFETY: `#[repr(C)]` with the BaseInStructure prefix; `Default` sets this `s_type`.
unsafe impl vk::TaggedStructure for MemoryGetMetalHandleInfoEXT<'_> {
    const STRUCTURE_TYPE: vk::StructureType = STRUCTURE_TYPE_MEMORY_GET_METAL_HANDLE_INFO_EXT;
}

impl<'a> MemoryGetMetalHandleInfoEXT<'a> {
    /// Sets `memory`.
    #[inline]
    pub fn memory(mut self, memory: vk::DeviceMemory) -> Self {
        self.memory = memory;
        self
    }

    /// Sets `handleType`.
    #[inline]
    pub fn handle_type(mut self, handle_type: vk::ExternalMemoryHandleTypeFlags) -> Self {
        self.handle_type = handle_type;
        self
    }
}

/// `PFN_vkGetMemoryMetalHandleEXT`.
///
/// As in ash, the handle type is passed as `VkExternalMemoryHandleTypeFlags` (same ABI as the
/// C `FlagBits`). On success `*p_handle` is a **borrowed** pointer (no +1 retain) that stays valid
/// while the `VkDeviceMemory` lives.
#[allow(non_camel_case_types)]
pub type PFN_vkGetMemoryMetalHandleEXT = unsafe extern "system" fn(
    device: vk::Device,
    p_get_metal_handle_info: *const MemoryGetMetalHandleInfoEXT<'_>,
    p_handle: *mut *mut c_void,
) -> vk::Result;

/// `PFN_vkGetMemoryMetalHandlePropertiesEXT`.
///
/// `p_handle` is borrowed for the call; the implementation neither retains nor releases it.
#[allow(non_camel_case_types)]
pub type PFN_vkGetMemoryMetalHandlePropertiesEXT = unsafe extern "system" fn(
    device: vk::Device,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    p_handle: *const c_void,
    p_memory_metal_handle_properties: *mut MemoryMetalHandlePropertiesEXT<'_>,
) -> vk::Result;

/// A command that `vkGetDeviceProcAddr` did not return.
///
/// Unlike ash's tables, which install stubs that panic when called, [`DeviceFn::load`] refuses to
/// build a table with a missing command. The usual cause is a device created without
/// `VK_EXT_external_memory_metal` in `ppEnabledExtensionNames`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingCommand {
    /// The command name, for example `vkGetMemoryMetalHandleEXT`.
    pub name: &'static CStr,
}

impl fmt::Display for MissingCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "vkGetDeviceProcAddr returned NULL for {}: enable {} when creating the VkDevice",
            self.name.to_string_lossy(),
            EXT_EXTERNAL_MEMORY_METAL_NAME.to_string_lossy()
        )
    }
}

impl std::error::Error for MissingCommand {}

/// The device-level commands of `VK_EXT_external_memory_metal`.
#[derive(Clone, Copy)]
pub struct DeviceFn {
    /// `vkGetMemoryMetalHandleEXT`.
    pub get_memory_metal_handle_ext: PFN_vkGetMemoryMetalHandleEXT,
    /// `vkGetMemoryMetalHandlePropertiesEXT`.
    pub get_memory_metal_handle_properties_ext: PFN_vkGetMemoryMetalHandlePropertiesEXT,
}

impl fmt::Debug for DeviceFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceFn")
            .field(
                "get_memory_metal_handle_ext",
                &(self.get_memory_metal_handle_ext as *const c_void),
            )
            .field(
                "get_memory_metal_handle_properties_ext",
                &(self.get_memory_metal_handle_properties_ext as *const c_void),
            )
            .finish()
    }
}

/// `vkGetMemoryMetalHandleEXT`, as passed to `vkGetDeviceProcAddr`.
pub const GET_MEMORY_METAL_HANDLE_EXT_NAME: &CStr = c"vkGetMemoryMetalHandleEXT";
/// `vkGetMemoryMetalHandlePropertiesEXT`, as passed to `vkGetDeviceProcAddr`.
pub const GET_MEMORY_METAL_HANDLE_PROPERTIES_EXT_NAME: &CStr =
    c"vkGetMemoryMetalHandlePropertiesEXT";

impl DeviceFn {
    /// Loads the table with `get_proc_addr`, which must behave as `vkGetDeviceProcAddr` for one
    /// device: return the command's address or null.
    ///
    /// # Errors
    /// [`MissingCommand`] naming the first command for which `get_proc_addr` returned null.
    ///
    /// # Safety
    /// - Every non-null pointer `get_proc_addr` returns for a name must be the address of a
    ///   function with that command's signature ([`PFN_vkGetMemoryMetalHandleEXT`],
    ///   [`PFN_vkGetMemoryMetalHandlePropertiesEXT`]).
    pub unsafe fn load_with(
        mut get_proc_addr: impl FnMut(&CStr) -> *const c_void,
    ) -> Result<Self, MissingCommand> {
        let get = get_proc_addr(GET_MEMORY_METAL_HANDLE_EXT_NAME);
        if get.is_null() {
            return Err(MissingCommand {
                name: GET_MEMORY_METAL_HANDLE_EXT_NAME,
            });
        }
        let props = get_proc_addr(GET_MEMORY_METAL_HANDLE_PROPERTIES_EXT_NAME);
        if props.is_null() {
            return Err(MissingCommand {
                name: GET_MEMORY_METAL_HANDLE_PROPERTIES_EXT_NAME,
            });
        }
        Ok(Self {
            // SAFETY: non-null, and the caller guarantees the address has this signature.
            get_memory_metal_handle_ext: unsafe {
                core::mem::transmute::<*const c_void, PFN_vkGetMemoryMetalHandleEXT>(get)
            },
            // SAFETY: non-null, and the caller guarantees the address has this signature.
            get_memory_metal_handle_properties_ext: unsafe {
                core::mem::transmute::<*const c_void, PFN_vkGetMemoryMetalHandlePropertiesEXT>(
                    props,
                )
            },
        })
    }

    /// Loads the table for `device` through `vkGetDeviceProcAddr`.
    ///
    /// # Errors
    /// [`MissingCommand`] when the device does not expose a command (the extension was not
    /// enabled, or the driver does not implement it).
    ///
    /// # Safety
    /// - `device` must be a valid `VkDevice` created from `instance`.
    pub unsafe fn load(
        instance: &ash::Instance,
        device: vk::Device,
    ) -> Result<Self, MissingCommand> {
        let get_device_proc_addr = |name: &CStr| {
            // SAFETY: `device` is a valid device of `instance` (caller) and `name` is
            // NUL-terminated.
            match unsafe { instance.get_device_proc_addr(device, name.as_ptr()) } {
                Some(f) => f as *const c_void,
                None => core::ptr::null(),
            }
        };
        // SAFETY: vkGetDeviceProcAddr returns null or the address of the named command, whose
        // signature is the registry's, which our PFN types reproduce.
        unsafe { Self::load_with(get_device_proc_addr) }
    }

    /// `vkGetMemoryMetalHandleEXT`, 1:1.
    ///
    /// # Safety
    /// - `device` must be the device the table was loaded for, `info` a valid
    ///   `VkMemoryGetMetalHandleInfoEXT` whose `memory` belongs to `device`, and `p_handle` valid
    ///   for a write.
    /// - The returned object is borrowed from the memory: it must not be released.
    #[inline]
    pub unsafe fn get_memory_metal_handle(
        &self,
        device: vk::Device,
        info: &MemoryGetMetalHandleInfoEXT<'_>,
        p_handle: *mut *mut c_void,
    ) -> vk::Result {
        // SAFETY: forwarded from the caller's contract.
        unsafe { (self.get_memory_metal_handle_ext)(device, info, p_handle) }
    }

    /// `vkGetMemoryMetalHandlePropertiesEXT`, 1:1.
    ///
    /// # Safety
    /// - `device` must be the device the table was loaded for, `handle` a valid Metal object of
    ///   `handle_type` for the duration of the call, and `properties` a valid, writable
    ///   `VkMemoryMetalHandlePropertiesEXT`.
    #[inline]
    pub unsafe fn get_memory_metal_handle_properties(
        &self,
        device: vk::Device,
        handle_type: vk::ExternalMemoryHandleTypeFlags,
        handle: *const c_void,
        properties: &mut MemoryMetalHandlePropertiesEXT<'_>,
    ) -> vk::Result {
        // SAFETY: forwarded from the caller's contract.
        unsafe {
            (self.get_memory_metal_handle_properties_ext)(device, handle_type, handle, properties)
        }
    }
}
