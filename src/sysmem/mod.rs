//! `fuchsia.sysmem2` buffer collections.

mod client;
mod error;
pub mod messages;
pub mod types;
pub mod vulkan;

#[cfg(not(target_os = "fuchsia"))]
pub mod host;

pub use client::{Allocator, BufferCollection, BufferCollectionToken, ALLOCATOR_SERVICE_PATH};
pub use error::ClientError;
#[cfg(not(target_os = "fuchsia"))]
pub use host::{HostSysmem, HostSysmemStats};
