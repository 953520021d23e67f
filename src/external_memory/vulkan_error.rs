//! [`VulkanError`]: a Vulkan command failed, with the command's name and the code kept. Both
//! extensions map their commands' codes into it, each with the mappers beside its errors.

use ash::vk;

/// A Vulkan command failed. The variants are the codes the command families document; anything
/// else lands in [`VulkanError::Unexpected`] with its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VulkanError {
    /// `VK_ERROR_OUT_OF_HOST_MEMORY`.
    #[error("{command}: VK_ERROR_OUT_OF_HOST_MEMORY")]
    OutOfHostMemory {
        /// The command that failed.
        command: &'static str,
    },
    /// `VK_ERROR_OUT_OF_DEVICE_MEMORY`.
    #[error("{command}: VK_ERROR_OUT_OF_DEVICE_MEMORY")]
    OutOfDeviceMemory {
        /// The command that failed.
        command: &'static str,
    },
    /// `VK_ERROR_TOO_MANY_OBJECTS`.
    #[error("{command}: VK_ERROR_TOO_MANY_OBJECTS; free some memory objects first")]
    TooManyObjects {
        /// The command that failed.
        command: &'static str,
    },
    /// `VK_ERROR_INVALID_EXTERNAL_HANDLE`: the driver rejected the external handle.
    #[error(
        "{command}: VK_ERROR_INVALID_EXTERNAL_HANDLE; the handle is not one the driver can import"
    )]
    InvalidExternalHandle {
        /// The command that failed.
        command: &'static str,
    },
    /// `VK_ERROR_FORMAT_NOT_SUPPORTED`.
    #[error("{command}: VK_ERROR_FORMAT_NOT_SUPPORTED for this combination")]
    FormatNotSupported {
        /// The command that failed.
        command: &'static str,
    },
    /// `VK_ERROR_VALIDATION_FAILED_EXT`: the implementation detected invalid usage.
    #[error("{command}: VK_ERROR_VALIDATION_FAILED_EXT; the call broke a valid-usage rule")]
    ValidationFailed {
        /// The command that failed.
        command: &'static str,
    },
    /// A code the command is not documented to return here.
    #[error("{command}: unexpected {result:?}")]
    Unexpected {
        /// The command that failed.
        command: &'static str,
        /// The raw code.
        result: vk::Result,
    },
}

impl VulkanError {
    /// The raw code.
    pub fn result(&self) -> vk::Result {
        match *self {
            Self::OutOfHostMemory { .. } => vk::Result::ERROR_OUT_OF_HOST_MEMORY,
            Self::OutOfDeviceMemory { .. } => vk::Result::ERROR_OUT_OF_DEVICE_MEMORY,
            Self::TooManyObjects { .. } => vk::Result::ERROR_TOO_MANY_OBJECTS,
            Self::InvalidExternalHandle { .. } => vk::Result::ERROR_INVALID_EXTERNAL_HANDLE,
            Self::FormatNotSupported { .. } => vk::Result::ERROR_FORMAT_NOT_SUPPORTED,
            Self::ValidationFailed { .. } => vk::Result::ERROR_VALIDATION_FAILED_EXT,
            Self::Unexpected { result, .. } => result,
        }
    }
}

/// Maps the codes common to every command: `VK_ERROR_OUT_OF_HOST_MEMORY`,
/// `VK_ERROR_VALIDATION_FAILED_EXT`; everything else is [`VulkanError::Unexpected`].
pub(crate) fn map_common(command: &'static str, result: vk::Result) -> VulkanError {
    match result {
        vk::Result::ERROR_OUT_OF_HOST_MEMORY => VulkanError::OutOfHostMemory { command },
        vk::Result::ERROR_VALIDATION_FAILED_EXT => VulkanError::ValidationFailed { command },
        result => VulkanError::Unexpected { command, result },
    }
}
