//! The host Vulkan layer: `VK_FUCHSIA_external_memory` for Linux and macOS hosts, implemented
//! over the driver's `VK_EXT_external_memory_host`, between the application and the loader.
//!
//! No host driver knows `ZIRCON_VMO`, so on the host this layer is the extension, as a driver is
//! on Fuchsia. An application reaches it through [`entry`], whose `vkGetInstanceProcAddr` is the
//! layer's (Rust applications: `vmo_interop::platform::vulkan_entry()`); everything the layer
//! does not intercept goes to the system loader untouched, and the loader puts the layers the
//! application enables (the Khronos validation layer) **below** this one, so validation checks
//! exactly what the layer sends the driver.
//!
//! | command | what the layer does |
//! |---|---|
//! | `vkEnumerateDeviceExtensionProperties` | adds `VK_FUCHSIA_external_memory` where the driver has `VK_EXT_external_memory_host`, Vulkan 1.1 and a `minImportedHostPointerAlignment` that divides the page size |
//! | `vkCreateDevice` | replaces `VK_FUCHSIA_external_memory` in the enabled list by `VK_EXT_external_memory_host` (whose dependency, external memory, is core 1.1) |
//! | `vkAllocateMemory` + `VkImportMemoryZirconHandleInfoFUCHSIA` | checks the handle is a live VMO large enough, maps it (`zx_vmar_map` READ \| WRITE, so rights are checked as the kernel would; READ only for a VMO without WRITE, whose memory is then read-only, see below), imports the mapping with `VkImportMemoryHostPointerInfoEXT{HOST_ALLOCATION}`; takes the handle only on success |
//! | `vkBind{Buffer,Image}Memory[2]`, `vkMapMemory` | for read-only memory only: refuses resources that could write it and host mappings (`bind` module) |
//! | `vkAllocateMemory` + `VkExportMemoryAllocateInfo{ZIRCON_VMO}` | creates a VMO of the size rounded up to `minImportedHostPointerAlignment` (VUID-01745), maps it and imports the mapping |
//! | either, + `VkMemoryDedicatedAllocateInfo` | strips it (host-pointer imports must not be dedicated, VUID-02806) and keeps the resource's description, so the dedicated-import rules (04751/04752) still hold |
//! | `vkFreeMemory` | frees the driver's memory, then unmaps and closes the VMO |
//! | `vkGetMemoryZirconHandleFUCHSIA` | duplicates the allocation's VMO with SAME_RIGHTS (0xD0EF), as drivers on Fuchsia do |
//! | `vkGetMemoryZirconHandlePropertiesFUCHSIA` | not a live VMO: `VK_ERROR_INVALID_EXTERNAL_HANDLE`; lacking MAP \| READ, or not mappable as an import maps it (RESIZABLE): 0 bits; else what `vkGetMemoryHostPointerPropertiesEXT` reports for a mapping of it (read-only without WRITE) |
//! | `vkCreateBuffer` / `vkCreateImage` with `VkExternalMemory*CreateInfo{ZIRCON_VMO}` | rewrites the type to `HOST_ALLOCATION` and remembers the resource's description |
//! | external buffer / image-format queries for `ZIRCON_VMO` | answered from `HOST_ALLOCATION`'s: importable there means EXPORTABLE \| IMPORTABLE here, **if** such a resource, created on the layer's probe device, allows a memory type a VMO mapping can have (otherwise nothing: only what can work is reported) |
//!
//! # What a caller that breaks the rules gets
//!
//! The spec's error code where it names one (`VK_ERROR_INVALID_EXTERNAL_HANDLE` for a handle
//! that is not a live, large-enough VMO with the rights an import needs, or an import of the
//! wrong handle type); where the spec leaves the outcome undefined (a valid-usage rule, such as
//! 04775/04776 on export or 04751/04752 on a dedicated import), a refusal:
//! `VK_ERROR_VALIDATION_FAILED_EXT` for the export rules and `VK_ERROR_INVALID_EXTERNAL_HANDLE`
//! for an import, and `VK_ERROR_UNKNOWN` for a chained structure the layer cannot forward (it
//! rebuilds the chain it hands the driver from typed copies). Chains without Zircon structures
//! pass through untouched. A call on a device the layer does not know (destroyed, or never
//! created through it) is refused (`VK_ERROR_DEVICE_LOST`; the `vkFree*`/`vkDestroy*` commands
//! do nothing), never forwarded to a dead dispatch table.
//!
//! # Ownership
//!
//! The layer's state for a device lives from `vkCreateDevice` to `vkDestroyDevice`; each
//! `VkDeviceMemory` it backs holds its mapping and VMO until `vkFreeMemory` (any path: the
//! application's own `vkFreeMemory` reaches the layer too), or until the device is destroyed.
//!
//! It reaches the kernel only through the `zx_*` C ABI (the private `zx` module). C applications
//! load it through the Vulkan loader as a real layer ([`loader`]).

#![deny(unsafe_op_in_unsafe_fn)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    clippy::multiple_unsafe_ops_per_block
)]

mod bind;
mod buffer_collection;
mod buffer_collection_constraints;
mod buffer_collection_resource;
mod caps;
mod chain;
mod device;
mod dispatch;
pub mod loader;
mod memory;
mod probe;
mod resource;
pub mod sysmem_driver;
mod zx;

pub use sysmem_driver::register_sysmem_driver;
pub use zx::shmem_huge_page_mode;

use std::sync::OnceLock;

use ash::vk;

/// The name of the extension the layer implements.
pub const EXTENSION_NAME: &std::ffi::CStr = ash::fuchsia::external_memory::NAME;

/// `VK_FUCHSIA_buffer_collection`, which the layer offers where a sysmem backend is
/// registered ([`register_sysmem_driver`]; see [`sysmem_driver`]).
pub const BUFFER_COLLECTION_EXTENSION_NAME: &std::ffi::CStr = ash::fuchsia::buffer_collection::NAME;

static NEXT: OnceLock<ash::Entry> = OnceLock::new();

/// The system loader below the layer, once [`entry`] has loaded it.
pub(crate) fn next() -> Option<&'static ash::Entry> {
    NEXT.get()
}

/// An `ash::Entry` whose `vkGetInstanceProcAddr` is the layer's, over the system's Vulkan
/// loader (loaded once per process and kept for its lifetime).
///
/// # Errors
/// The loader could not be loaded (`ash::Entry::load`'s error).
pub fn entry() -> Result<ash::Entry, ash::LoadingError> {
    if NEXT.get().is_none() {
        // SAFETY: loading the system's Vulkan loader, a conforming library; it is kept in a
        // static, so it outlives every pointer taken from it.
        let loaded = unsafe { ash::Entry::load() }?;
        // A concurrent caller may have won the race: either loader is the same library.
        let _ = NEXT.set(loaded);
    }
    let static_fn = ash::StaticFn {
        get_instance_proc_addr: dispatch::get_instance_proc_addr,
    };
    // SAFETY: the layer's vkGetInstanceProcAddr implements the command for every name and
    // handle (forwarding what it does not intercept to the loader loaded above).
    Ok(unsafe { ash::Entry::from_static_fn(static_fn) })
}

/// `ZIRCON_VMO`.
pub(crate) const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;
/// `HOST_ALLOCATION`.
pub(crate) const HOST_ALLOCATION: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT;
