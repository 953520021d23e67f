//! What the platform provides beneath the library: on Fuchsia, the system itself; on any other
//! target, the host platform of this repository (`host/`), which supplies the same interfaces.
//!
//! The library reaches the platform only through Fuchsia's own interfaces (the `zx_*` C ABI,
//! the Vulkan entry points, `/svc`). This module holds what an application or a test needs to
//! *start* on a platform ([`vulkan_entry`]), plus, off Fuchsia, the host kernel's counters
//! ([`host`]).

#[cfg(target_os = "linux")]
pub mod host;
#[cfg(target_os = "linux")]
mod host_sysmem_driver;

mod vulkan;

pub use vulkan::{vulkan_entry, VulkanEntryError};
