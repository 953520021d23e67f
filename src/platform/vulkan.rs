//! The Vulkan entry point of the platform.

/// No Vulkan entry point could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VulkanEntryError {
    /// The system's Vulkan loader (`libvulkan`) could not be loaded (its error, as text).
    #[error(
        "the Vulkan loader could not be loaded ({0}): install one with a driver (Debian: \
         apt-get install libvulkan1 mesa-vulkan-drivers)"
    )]
    Loading(String),
    /// This target has no platform for the library (neither Fuchsia nor the Linux host).
    #[error(
        "no Zircon platform on this target: VK_FUCHSIA_external_memory exists on Fuchsia and on \
         the Linux host platform; on macOS, load the loader with ash's `loaded` feature (MoltenVK \
         offers VK_EXT_external_memory_metal itself)"
    )]
    Unsupported,
}

/// The `ash::Entry` through which an application reaches Vulkan with
/// `VK_FUCHSIA_external_memory`: create the instance from it.
///
/// - On Fuchsia: the loader the component links (`ash::Entry::linked`, as the tree's Rust
///   Vulkan clients do); the driver implements the extension.
/// - Elsewhere: the host Vulkan layer (`host/vulkan`) over the system loader. Its
///   `vkGetInstanceProcAddr` is the layer's; the loader below it puts the layers the
///   application enables (the Khronos validation layer) below the host layer, so they check
///   what the layer sends the driver. The layer offers `VK_FUCHSIA_external_memory` on every
///   device whose driver has `VK_EXT_external_memory_host`, and `VK_FUCHSIA_buffer_collection`
///   beside it: this function registers the library's sysmem client as the layer's connection
///   to sysmem (it reaches `/svc/fuchsia.sysmem2.Allocator`, so the host sysmem service must
///   serve the host's `/svc`).
///
/// The loader is loaded once per process and kept for its lifetime; every call returns an entry
/// over it.
///
/// # Errors
/// [`VulkanEntryError::Loading`] when no Vulkan loader can be loaded;
/// [`VulkanEntryError::Unsupported`] on a target with no platform.
pub fn vulkan_entry() -> Result<ash::Entry, VulkanEntryError> {
    #[cfg(target_os = "linux")]
    {
        // VK_FUCHSIA_buffer_collection: the layer's sysmem client is this library's.
        super::host_sysmem_driver::register();
        host_vulkan::entry().map_err(|e| VulkanEntryError::Loading(e.to_string()))
    }
    #[cfg(target_os = "fuchsia")]
    {
        Ok(ash::Entry::linked())
    }
    #[cfg(not(any(target_os = "linux", target_os = "fuchsia")))]
    {
        Err(VulkanEntryError::Unsupported)
    }
}
