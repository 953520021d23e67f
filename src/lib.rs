//! # vmo-interop
//!
//! Zero-copy sharing of memory between Vulkan and Zircon.
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
//! The crate is layered: [`zx`] is one safe Zircon API (real syscalls on Fuchsia, the emulated
//! host kernel elsewhere); [`vk`] builds on it and on `ash`, reaching `VK_FUCHSIA_external_memory`
//! through `vkGetDeviceProcAddr` (the driver on Fuchsia, the host Vulkan layer elsewhere: get
//! the `ash::Entry` from [`platform::vulkan_entry`]); [`fidl`] and [`sysmem`] speak
//! `fuchsia.sysmem2` over [`zx::Channel`]s; [`metal`] offers the same operations for
//! `VK_EXT_external_memory_metal`.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc,
    clippy::multiple_unsafe_ops_per_block
)]

pub mod ash_debug;
pub mod external_memory;
pub mod fdio;
pub mod fidl;
pub mod metal;
pub mod platform;
pub mod sysmem;
pub mod vk;
pub mod zx;
