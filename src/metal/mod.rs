//! `VK_EXT_external_memory_metal`: `VkDeviceMemory` ⇄ `MTLBuffer`, `MTLTexture`, `MTLHeap`.
//!
//! The same operations as the Zircon path, with Metal's ownership rules:
//!
//! | operation | Vulkan command | ownership |
//! |---|---|---|
//! | properties of an object | `vkGetMemoryMetalHandlePropertiesEXT` | the object is **borrowed** for the call |
//! | import object → memory | `vkAllocateMemory` + [`raw::ImportMemoryMetalHandleInfoEXT`] | **shared**: the implementation retains the object, the caller keeps its reference; a failed import leaves it untouched |
//! | export memory → object | `vkGetMemoryMetalHandleEXT` | the spec's pointer is **borrowed** from the memory: [`Memory::get_memory_metal_handle`] returns it as is (no retain); the Apple layer's `export_*` retain it and return an owner (`Retained<…>`) |
//! | capabilities | `vkGetPhysicalDeviceExternalBufferProperties`, `…ImageFormatProperties2` | — |
//!
//! Every request is validated before Vulkan sees it, by the same rules as Zircon imports where
//! they apply (memory type within the handle's and the resource's `memoryTypeBits`, dedicated
//! sizes) plus Metal's own: handle types (10410, 10415, 10417), export only of requested types
//! (10413, 10414), `MTLTexture` only as a dedicated image import with `allocationSize` 0 and the
//! image's shape (10395, 10396, 10397).
//!
//! # Layers
//!
//! | module | holds | builds on |
//! |---|---|---|
//! | [`raw`] | the structures, constants and command types ash 0.38 lacks; [`raw::DeviceFn`] | every target |
//! | `handle_type`, [`validate`], [`caps`], `error` | the Metal handle types ([`MetalHandleType`]), the pure validation core (its requests, plans and [`MetalValidationError`]), capability queries, errors ([`AllocateError`] and co.) | every target |
//! | `memory` | [`Device`] (the command table on a `VkDevice`) and [`Memory`] (the owner), with Metal objects as untyped pointers | every target |
//! | `apple` | objc2 objects in, retained objc2 objects out | `target_vendor = "apple"` only |
//!
//! # What has run where
//!
//! **Nothing in this module has run on Apple hardware**: none was available while it was written.
//!
//! - Run on a Linux host (`cargo test --test metal_*`): the structure layouts and registry
//!   values; every validation rule; the command-table loading; the capability queries on lavapipe
//!   (which does not know the Metal types and reports them unsupported); the plumbing of
//!   [`Device`] and [`Memory`] (properties, allocation, export, error mapping, freeing) against
//!   a substitute command table on a real lavapipe device.
//! - Compiled only (`cargo check` / `clippy --target aarch64-apple-darwin`): the `apple` layer
//!   (`import_buffer`, `import_texture`, `import_heap`, `export_*`, `*_memory_type_bits`).
//!   Its retain/release behaviour follows the specification and MoltenVK's source, not an
//!   observation.

pub mod caps;
mod error;
mod handle_type;
mod memory;
pub mod raw;
mod request;
pub mod validate;
mod validation_error;

#[cfg(target_vendor = "apple")]
mod apple;

pub use crate::external_memory::VulkanError;
#[cfg(target_vendor = "apple")]
pub use apple::{texture_shape, ImportInfo, MetalObject};
pub use caps::MetalMemoryCapabilities;
pub use error::{AllocateError, ExportError, LoadError, PropertiesError};
pub use handle_type::MetalHandleType;
pub use memory::{Device, Memory};
pub use validate::{
    AllocationPlan, ExportAllocationRequest, ExportRequest, ImageShape, ImportPlan, ImportRequest,
    MetalValidationError, Resource, ResourceHandle,
};
