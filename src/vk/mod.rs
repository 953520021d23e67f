//! Vulkan ⟷ Zircon memory interop (`VK_FUCHSIA_external_memory`).

pub mod handle_type;
pub mod memory_type;
pub mod validate;

pub use handle_type::ExternalHandleType;
pub use memory_type::MemoryTypeRequest;
pub use validate::ValidationError;
