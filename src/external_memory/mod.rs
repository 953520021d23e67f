//! The external-memory core shared by `VK_FUCHSIA_external_memory` ([`crate::vk`]) and
//! `VK_EXT_external_memory_metal` ([`crate::metal`]): handle types, memory-type choice and
//! validation with VUIDs.
//!
//! Everything here is pure: it takes plain values (a handle type, sizes, bit masks,
//! `VkPhysicalDeviceMemoryProperties`, descriptions of resources) and never a Zircon or Metal
//! object, so both extensions build on it without reaching into each other, and its rules are
//! tested on any host.
//!
//! | file | holds |
//! |---|---|
//! | `handle_type.rs` | [`ExternalHandleType`]: the `VkExternalMemoryHandleTypeFlagBits` we import and export |
//! | `memory_type.rs` | [`MemoryTypeRequest`] and the preferred-then-required scan |
//! | `resource.rs` | [`ResourceKind`], [`ResourceDescription`] (what "identical" compares) |
//! | `validate.rs` | the checks (crate-private), each naming its VUID |
//! | `error.rs` | [`ValidationError`], what a check found wrong |
//! | `vulkan_error.rs` | [`VulkanError`], a failed Vulkan command and its code |

mod error;
mod handle_type;
mod memory_type;
mod resource;
mod validate;
mod vulkan_error;

pub use error::{DedicatedMismatch, RequestDisplay, ValidationError};
pub use handle_type::ExternalHandleType;
pub use memory_type::MemoryTypeRequest;
pub(crate) use memory_type::{all_memory_type_bits, find_memory_type_index};
pub(crate) use resource::ExportedDedication;
pub use resource::{BufferDescription, ImageDescription, ResourceDescription, ResourceKind};
pub use validate::Direction;
pub(crate) use validate::{
    select_memory_type, validate_allocation_size, validate_dedicated_import,
    validate_dedicated_size, validate_suballocation, MemoryTypeMasks,
};
pub(crate) use vulkan_error::map_common;
pub use vulkan_error::VulkanError;
