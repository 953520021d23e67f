//! # vmo-interop
//!
//! Zero-copy sharing of memory between Vulkan and Zircon: `VkDeviceMemory` ⇄ `zx::Vmo`
//! (`VK_FUCHSIA_external_memory`), buffer collections from sysmem2, and the same operations for
//! Metal (`VK_EXT_external_memory_metal`).
//!
//! ```no_run
//! use ash::vk;
//! use vmo_interop::vk::{AllocationInfo, Interop};
//! use vmo_interop::zx;
//!
//! # fn share(instance: &ash::Instance, physical_device: vk::PhysicalDevice, device: &ash::Device)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! // `instance` comes from `vmo_interop::platform::vulkan_entry()`; `device` enabled
//! // `vmo_interop::vk::required_device_extensions()`.
//! // SAFETY: `device` belongs to `physical_device` of `instance`; both outlive `interop`.
//! let interop = unsafe { Interop::new(instance, physical_device, device) }?;
//!
//! // Export: memory Vulkan allocated becomes a VMO with exactly the rights asked for.
//! let memory = interop.allocate_exportable_memory(&AllocationInfo::new().allocation_size(1 << 16))?;
//! let vmo = interop.get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)?;
//!
//! // Import: a VMO becomes memory after validation; a failure hands the VMO back.
//! let imported = interop
//!     .import_memory(vmo, &AllocationInfo::new())
//!     .map_err(|error| {
//!         eprintln!("{error}"); // what was wrong, the VUID, what to do
//!         error.into_vmo()
//!     });
//! # drop(imported); Ok(()) }
//! ```
//!
//! # Contract
//!
//! | operation | Vulkan command | ownership |
//! |---|---|---|
//! | export `VkDeviceMemory` → `zx::Vmo` | `vkGetMemoryZirconHandleFUCHSIA` | the caller owns a **new** handle per export, with exactly the rights it asked for |
//! | properties of a `zx::Vmo` | `vkGetMemoryZirconHandlePropertiesFUCHSIA` | the VMO is **borrowed**, never consumed |
//! | import `zx::Vmo` → `VkDeviceMemory` | `vkAllocateMemory` + `VkImportMemoryZirconHandleInfoFUCHSIA` | the VMO moves into Vulkan **only on success**; every failure hands it back inside the error |
//! | sysmem2 buffer collection → `VkDeviceMemory` | `fuchsia.sysmem2.Allocator` + import | each participant owns its own VMO handles, with usage-derived rights |
//!
//! Every import is validated before Vulkan sees it: the handle is a live VMO, it carries the rights
//! Vulkan needs, it is large enough, and the memory type is inside both the VMO's
//! `memoryTypeBits` and the resource's `VkMemoryRequirements`. Each failure names the VUID it
//! protects.
//!
//! # Modules
//!
//! | module | holds |
//! |---|---|
//! | [`zx`] | the safe Zircon API over the `zx_*` C ABI: handles, VMOs, channels, events, ports, waits |
//! | [`vk`] | `VK_FUCHSIA_external_memory`: [`vk::Interop`], [`vk::Memory`], import, export, capabilities; `VK_FUCHSIA_buffer_collection`: [`vk::buffer_collection`] |
//! | [`external_memory`] | the core [`vk`] and [`metal`] share: handle types, memory-type choice, validation errors with VUIDs |
//! | [`sysmem`] | the `fuchsia.sysmem2` client (blocking and async), its types, images, the Vulkan bridge; on a host, the in-process service |
//! | [`metal`] | `VK_EXT_external_memory_metal`: the same operations for `MTLBuffer`, `MTLTexture`, `MTLHeap` |
//! | [`platform`] | where the interfaces come from: [`platform::vulkan_entry`], and on a host the kernel's counters |
//! | [`fdio`] | connecting to a service in `/svc` |
//!
//! `fidl` (the wire format sysmem speaks) and `ash_debug` (`Debug` for ash values without ash's
//! `debug` feature) are public only for this crate's tests and program; they are not its API.
//!
//! The library is Fuchsia code: the kernel through the Zircon C ABI, the driver's extensions
//! through `vkGetDeviceProcAddr`, sysmem2 through `/svc/fuchsia.sysmem2.Allocator`. On Fuchsia
//! those are the vDSO, the driver and sysmem; on a Linux host the host platform crates supply
//! them (the README explains).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    clippy::multiple_unsafe_ops_per_block
)]

// Public for the tests and the program, not the API: `Debug` for ash values.
#[doc(hidden)]
pub mod ash_debug;
pub mod external_memory;
pub mod fdio;
// Public for the wire-format tests (tests/fidl_*.rs), not the API.
#[doc(hidden)]
pub mod fidl;
pub mod metal;
pub mod platform;
pub mod sysmem;
pub mod vk;
pub mod zx;
