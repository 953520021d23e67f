//! Per-operation errors of the Metal path, and the `vk::Result` mappers that build them.

use ash::vk;

use super::raw::MissingCommand;
use super::validate::MetalValidationError;
use crate::external_memory::{map_common, VulkanError};

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
    /// Another failure of the command (`OUT_OF_HOST_MEMORY`, or a code it does not list).
    #[error(transparent)]
    Vulkan(#[from] VulkanError),
}

const GET_PROPERTIES: &str = "vkGetMemoryMetalHandlePropertiesEXT";
const GET_HANDLE: &str = "vkGetMemoryMetalHandleEXT";
const ALLOCATE: &str = "vkAllocateMemory";

/// Maps the codes `vkGetMemoryMetalHandlePropertiesEXT` lists: `INVALID_EXTERNAL_HANDLE`,
/// `OUT_OF_HOST_MEMORY`; `UNKNOWN`, `VALIDATION_FAILED` and anything else keep their code in
/// [`PropertiesError::Vulkan`].
pub(crate) fn map_properties_err(result: vk::Result) -> PropertiesError {
    match result {
        vk::Result::ERROR_INVALID_EXTERNAL_HANDLE => PropertiesError::InvalidExternalHandle,
        other => PropertiesError::Vulkan(map_common(GET_PROPERTIES, other)),
    }
}

/// `vkGetMemoryMetalHandleEXT` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The request broke a valid-usage rule (10413, 10414, 10415); Vulkan was not called.
    #[error("invalid Metal export: {0}")]
    Validation(#[from] MetalValidationError),
    /// The command returned `VK_SUCCESS` but wrote a NULL object (a driver bug).
    #[error("vkGetMemoryMetalHandleEXT returned VK_SUCCESS with a NULL handle (driver bug)")]
    NullHandle,
    /// The command failed (`TOO_MANY_OBJECTS`, `OUT_OF_HOST_MEMORY`, or a code it does not
    /// list).
    #[error(transparent)]
    Vulkan(#[from] VulkanError),
}

/// Maps the codes `vkGetMemoryMetalHandleEXT` lists: `TOO_MANY_OBJECTS`, `OUT_OF_HOST_MEMORY`;
/// `UNKNOWN`, `VALIDATION_FAILED` and anything else keep their code
/// ([`VulkanError::Unexpected`]).
pub(crate) fn map_export_err(result: vk::Result) -> ExportError {
    ExportError::Vulkan(match result {
        vk::Result::ERROR_TOO_MANY_OBJECTS => VulkanError::TooManyObjects {
            command: GET_HANDLE,
        },
        other => map_common(GET_HANDLE, other),
    })
}

/// `vkAllocateMemory` for exportable or imported Metal memory failed: the same shape as
/// [`crate::vk::AllocateError`].
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
    /// `vkAllocateMemory` failed (`OUT_OF_HOST_MEMORY`, `OUT_OF_DEVICE_MEMORY`,
    /// `TOO_MANY_OBJECTS`: `maxMemoryAllocationCount` reached, `INVALID_EXTERNAL_HANDLE`: the
    /// driver rejected the imported object, or a code it does not list).
    #[error(transparent)]
    Vulkan(#[from] VulkanError),
}

/// Maps the `vkAllocateMemory` codes: `OUT_OF_HOST_MEMORY`, `OUT_OF_DEVICE_MEMORY`,
/// `TOO_MANY_OBJECTS`, `INVALID_EXTERNAL_HANDLE`; `INVALID_OPAQUE_CAPTURE_ADDRESS` cannot occur
/// (no capture address is chained) and keeps its code, with anything else
/// ([`VulkanError::Unexpected`]).
pub(crate) fn map_allocate_err(result: vk::Result) -> AllocateError {
    AllocateError::Vulkan(match result {
        vk::Result::ERROR_OUT_OF_DEVICE_MEMORY => {
            VulkanError::OutOfDeviceMemory { command: ALLOCATE }
        }
        vk::Result::ERROR_TOO_MANY_OBJECTS => VulkanError::TooManyObjects { command: ALLOCATE },
        vk::Result::ERROR_INVALID_EXTERNAL_HANDLE => {
            VulkanError::InvalidExternalHandle { command: ALLOCATE }
        }
        other => map_common(ALLOCATE, other),
    })
}
