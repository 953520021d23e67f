//! Vulkan ⟷ Zircon memory interop: `VK_FUCHSIA_external_memory` on real drivers.
//!
//! # The contract
//!
//! | operation | method | Vulkan command | ownership |
//! |---|---|---|---|
//! | set up | [`Interop::new`] / [`Interop::with_owned_device`] (and [`Interop::with_enabled_extensions`], told which of [`optional_device_extensions`] the device has) | `vkGetDeviceProcAddr` | borrows the application's instance and device (an `unsafe` outlives contract) / takes the device and destroys it after the last object made from it |
//! | allocate exportable memory | [`Interop::allocate_exportable_memory`] | `vkAllocateMemory` + `VkExportMemoryAllocateInfo{ZIRCON_VMO}` | [`Memory`] frees on drop |
//! | export | [`Interop::get_memory_zircon_handle`] | `vkGetMemoryZirconHandleFUCHSIA` (+ `zx_handle_replace`) | the caller owns a **new** handle per call, with exactly the rights asked for |
//! | properties | [`Interop::get_memory_zircon_handle_properties`] | `vkGetMemoryZirconHandlePropertiesFUCHSIA` | the VMO is **borrowed** |
//! | import | [`Interop::import_memory`] (also [`Interop::import_exportable_memory`], [`Interop::import_memory_read_only`]) | `vkAllocateMemory` + `VkImportMemoryZirconHandleInfoFUCHSIA` | the VMO moves into Vulkan **on success only**; every [`ImportError`] hands it back |
//! | resources (optional helpers) | [`Interop::create_buffer`], [`Interop::create_image`] | `vkCreate{Buffer,Image}` + `VkExternalMemory*CreateInfo{ZIRCON_VMO}` | [`Buffer`] / [`Image`] destroy on drop |
//! | capabilities | [`Interop::get_physical_device_external_buffer_properties`], [`Interop::get_physical_device_image_format_properties2`] | `vkGetPhysicalDeviceExternalBufferProperties`, `…ImageFormatProperties2` | — |
//!
//! # Example
//!
//! ```no_run
//! use ash::vk;
//! use vmo_interop::vk::{AllocationInfo, Interop, Resource};
//! use vmo_interop::zx;
//!
//! # fn example(instance: &ash::Instance, physical_device: vk::PhysicalDevice, device: &ash::Device)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! // The instance came from `vmo_interop::platform::vulkan_entry()`, and the device was created
//! // with `vmo_interop::vk::required_device_extensions()` enabled.
//! // SAFETY: `device` comes from `physical_device` of `instance`, and both outlive `interop`.
//! let interop = unsafe { Interop::new(instance, physical_device, device) }?;
//!
//! // A buffer for external memory, and memory dedicated to it that can be exported.
//! let info = vk::BufferCreateInfo::default()
//!     .size(1 << 20)
//!     .usage(vk::BufferUsageFlags::TRANSFER_DST);
//! // SAFETY: a valid create info.
//! let buffer = unsafe { interop.create_buffer(&info) }?;
//! let memory = interop
//!     .allocate_exportable_memory(&AllocationInfo::new().resource(Resource::DedicatedBuffer(&buffer)))?;
//!
//! // A read-only handle for a consumer: exactly READ | MAP | TRANSFER, nothing more.
//! let read_only = interop.get_memory_zircon_handle(
//!     &memory,
//!     zx::Rights::READ | zx::Rights::MAP | zx::Rights::TRANSFER,
//! )?;
//!
//! // Importing a VMO: on failure the error hands it back.
//! let vmo = zx::Vmo::create(1 << 20)?;
//! let imported = match interop.import_memory(vmo, &AllocationInfo::new()) {
//!     Ok(memory) => memory,
//!     Err(error) => {
//!         eprintln!("{error}"); // names the VUID it protects
//!         let _vmo: zx::Vmo = error.into_vmo();
//!         return Ok(());
//!     }
//! };
//! # drop((read_only, imported)); Ok(()) }
//! ```
//!
//! # Layers
//!
//! - [`raw`]: one table of function pointers ([`raw::ExternalMemoryTable`]) and 1:1 unsafe
//!   calls over it, loaded with `vkGetDeviceProcAddr` on every platform.
//! - The pure core, shared with [`crate::metal`], is [`crate::external_memory`] (handle types,
//!   memory-type choice, validation); `vk::Result` mappers live beside the errors (`error.rs`).
//! - The safe API: [`Interop`], [`Memory`], [`Buffer`], [`Image`].
//!
//! # Where the extension comes from
//!
//! This module is Fuchsia code: it calls `VK_FUCHSIA_external_memory` through the entry points
//! the device hands out and nothing else. On Fuchsia the driver implements the extension. On
//! any other platform the host Vulkan layer (`host/vulkan`) does, over the driver's
//! `VK_EXT_external_memory_host`; an application gets it by creating its instance from
//! [`crate::platform::vulkan_entry`], after which raw ash calls (`vkGetDeviceProcAddr(
//! "vkGetMemoryZirconHandleFUCHSIA")`, `vkAllocateMemory` with
//! `VkImportMemoryZirconHandleInfoFUCHSIA` chained) work as they do on Fuchsia. A device that
//! did not come through the layer makes [`Interop::new`] fail with an error that names that
//! call.

mod allocation;
pub mod buffer_collection;
mod buffer_collection_types;
mod caps;
mod device;
mod error;
mod export;
mod import;
mod memory;
pub mod raw;
mod resource;

// Needs the host platform (a Vulkan device through the host layer, the kernel's counters).
#[cfg(all(test, not(target_os = "fuchsia")))]
mod host_tests;

pub use crate::external_memory::{
    ExternalHandleType, MemoryTypeRequest, ValidationError, VulkanError,
};
pub use caps::{ExternalImageFormatProperties, ImageFormatQuery};
pub use device::{optional_device_extensions, required_device_extensions, Interop};
pub use error::{
    AllocateError, DeviceError, ExportError, ImportError, ImportErrorKind, PropertiesError,
};
pub use import::IMPORT_RIGHTS;
pub use memory::{AllocationInfo, Backing, Dedicated, Memory, Resource};
pub use resource::{Buffer, Image, ResourceRequirements};
