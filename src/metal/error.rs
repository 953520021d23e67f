//! Per-operation errors of the Metal path, and the `vk::Result` mappers that build them.

use ash::vk;

use super::raw::MissingCommand;
use super::validate::MetalValidationError;

/// Loading the extension's commands failed.
pub type LoadError = MissingCommand;

/// `vkGetMemoryMetalHandlePropertiesEXT` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PropertiesError {
    /// The request broke a valid-usage rule; Vulkan was not called.
    #[error("invalid Metal handle properties query: {0}")]
    Validation(#[from] MetalValidationError),
    /// `VK_ERROR_INVALID_EXTERNAL_HANDLE`: the driver does not accept the object as that type.
    #[error(
        "VK_ERROR_INVALID_EXTERNAL_HANDLE: the driver rejected the Metal object; check that it is \
         of the stated type and was created on this device's MTLDevice"
    )]
    InvalidExternalHandle,
    /// `VK_ERROR_OUT_OF_HOST_MEMORY`.
    #[error("VK_ERROR_OUT_OF_HOST_MEMORY during vkGetMemoryMetalHandlePropertiesEXT")]
    OutOfHostMemory,
    /// A code the command does not list (kept as returned).
    #[error("vkGetMemoryMetalHandlePropertiesEXT returned unexpected {0}")]
    Unexpected(vk::Result),
}

/// Maps the codes `vkGetMemoryMetalHandlePropertiesEXT` lists: `INVALID_EXTERNAL_HANDLE`,
/// `OUT_OF_HOST_MEMORY`; `UNKNOWN`, `VALIDATION_FAILED` and anything else go to
/// [`PropertiesError::Unexpected`].
pub(crate) fn map_properties_err(result: vk::Result) -> PropertiesError {
    match result {
        vk::Result::ERROR_INVALID_EXTERNAL_HANDLE => PropertiesError::InvalidExternalHandle,
        vk::Result::ERROR_OUT_OF_HOST_MEMORY => PropertiesError::OutOfHostMemory,
        other => PropertiesError::Unexpected(other),
    }
}

/// `vkGetMemoryMetalHandleEXT` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The request broke a valid-usage rule (10413, 10414, 10415); Vulkan was not called.
    #[error("invalid Metal export: {0}")]
    Validation(#[from] MetalValidationError),
    /// `VK_ERROR_TOO_MANY_OBJECTS`.
    #[error("VK_ERROR_TOO_MANY_OBJECTS during vkGetMemoryMetalHandleEXT")]
    TooManyObjects,
    /// `VK_ERROR_OUT_OF_HOST_MEMORY`.
    #[error("VK_ERROR_OUT_OF_HOST_MEMORY during vkGetMemoryMetalHandleEXT")]
    OutOfHostMemory,
    /// The command returned `VK_SUCCESS` but wrote a NULL object (a driver bug).
    #[error("vkGetMemoryMetalHandleEXT returned VK_SUCCESS with a NULL handle (driver bug)")]
    NullHandle,
    /// A code the command does not list (kept as returned).
    #[error("vkGetMemoryMetalHandleEXT returned unexpected {0}")]
    Unexpected(vk::Result),
}

/// Maps the codes `vkGetMemoryMetalHandleEXT` lists: `TOO_MANY_OBJECTS`, `OUT_OF_HOST_MEMORY`;
/// `UNKNOWN`, `VALIDATION_FAILED` and anything else go to [`ExportError::Unexpected`].
pub(crate) fn map_export_err(result: vk::Result) -> ExportError {
    match result {
        vk::Result::ERROR_TOO_MANY_OBJECTS => ExportError::TooManyObjects,
        vk::Result::ERROR_OUT_OF_HOST_MEMORY => ExportError::OutOfHostMemory,
        other => ExportError::Unexpected(other),
    }
}

/// `vkAllocateMemory` for exportable or imported Metal memory failed.
///
/// A failed import leaves the Metal object with the caller: import only ever borrowed it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AllocateError {
    /// The request broke a valid-usage rule; Vulkan was not called.
    #[error("invalid Metal memory allocation: {0}")]
    Validation(#[from] MetalValidationError),
    /// The properties query that an import starts with failed.
    #[error(transparent)]
    Properties(#[from] PropertiesError),
    /// `VK_ERROR_OUT_OF_HOST_MEMORY`.
    #[error("VK_ERROR_OUT_OF_HOST_MEMORY during vkAllocateMemory")]
    OutOfHostMemory,
    /// `VK_ERROR_OUT_OF_DEVICE_MEMORY`.
    #[error("VK_ERROR_OUT_OF_DEVICE_MEMORY during vkAllocateMemory")]
    OutOfDeviceMemory,
    /// `VK_ERROR_TOO_MANY_OBJECTS`: `maxMemoryAllocationCount` reached.
    #[error(
        "VK_ERROR_TOO_MANY_OBJECTS during vkAllocateMemory (maxMemoryAllocationCount reached)"
    )]
    TooManyObjects,
    /// `VK_ERROR_INVALID_EXTERNAL_HANDLE`: the driver rejected the imported object.
    #[error("VK_ERROR_INVALID_EXTERNAL_HANDLE: the driver rejected the imported Metal object")]
    InvalidExternalHandle,
    /// A code `vkAllocateMemory` does not list for this use (kept as returned).
    #[error("vkAllocateMemory returned unexpected {0}")]
    Unexpected(vk::Result),
}

/// Maps the `vkAllocateMemory` codes: `OUT_OF_HOST_MEMORY`, `OUT_OF_DEVICE_MEMORY`,
/// `TOO_MANY_OBJECTS`, `INVALID_EXTERNAL_HANDLE`; `INVALID_OPAQUE_CAPTURE_ADDRESS` cannot occur
/// (no capture address is chained) and goes, with anything else, to
/// [`AllocateError::Unexpected`].
pub(crate) fn map_allocate_err(result: vk::Result) -> AllocateError {
    match result {
        vk::Result::ERROR_OUT_OF_HOST_MEMORY => AllocateError::OutOfHostMemory,
        vk::Result::ERROR_OUT_OF_DEVICE_MEMORY => AllocateError::OutOfDeviceMemory,
        vk::Result::ERROR_TOO_MANY_OBJECTS => AllocateError::TooManyObjects,
        vk::Result::ERROR_INVALID_EXTERNAL_HANDLE => AllocateError::InvalidExternalHandle,
        other => AllocateError::Unexpected(other),
    }
}
