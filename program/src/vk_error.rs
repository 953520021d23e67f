//! `vk::Result` as an error the program can chain: ash implements `std::error::Error` for it
//! only with its `std` feature, which the Fuchsia tree's ash does not enable.

use ash::vk;

/// A failed Vulkan command's `VkResult`, as a `std::error::Error` (`.map_err(VkError)`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VkError(pub vk::Result);

impl std::fmt::Debug for VkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `vk::Result` has a `Debug` impl without ash's `debug` feature.
        f.debug_tuple("VkError").field(&self.0).finish()
    }
}

impl std::fmt::Display for VkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // ash's `Display` for `vk::Result`: the spec's description of the code, or its name.
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for VkError {}

impl From<vk::Result> for VkError {
    fn from(result: vk::Result) -> Self {
        Self(result)
    }
}
