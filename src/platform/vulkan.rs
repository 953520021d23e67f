//! The Vulkan entry point of the platform.

/// Loading the Vulkan loader failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VulkanEntryError {
    /// The system's Vulkan loader (`libvulkan`) could not be loaded.
    #[error("the Vulkan loader could not be loaded (is a Vulkan driver installed?): {0}")]
    Loading(#[source] ash::LoadingError),
}

/// The `ash::Entry` through which an application reaches Vulkan with
/// `VK_FUCHSIA_external_memory`: create the instance from it.
///
/// - On Fuchsia: the system loader (`ash::Entry::load`); the driver implements the extension.
/// - Elsewhere: the host Vulkan layer (`host/vulkan`) over the system loader. Its
///   `vkGetInstanceProcAddr` is the layer's; the loader below it puts the layers the
///   application enables (the Khronos validation layer) below the host layer, so they check
///   what the layer sends the driver. The layer offers `VK_FUCHSIA_external_memory` on every
///   device whose driver has `VK_EXT_external_memory_host`.
///
/// The loader is loaded once per process and kept for its lifetime; every call returns an entry
/// over it.
///
/// # Errors
/// [`VulkanEntryError::Loading`] when no Vulkan loader can be loaded.
pub fn vulkan_entry() -> Result<ash::Entry, VulkanEntryError> {
    #[cfg(not(target_os = "fuchsia"))]
    {
        host_vulkan::entry().map_err(VulkanEntryError::Loading)
    }
    #[cfg(target_os = "fuchsia")]
    {
        // SAFETY: the system's Vulkan loader is a conforming library; the entry keeps it
        // loaded for as long as the entry (and every clone) lives.
        unsafe { ash::Entry::load() }.map_err(VulkanEntryError::Loading)
    }
}
