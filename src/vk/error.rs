//! Per-operation errors, and the `vk::Result` mappers (one per command family).

use ash::vk;

use crate::external_memory::{map_common, ValidationError, VulkanError};
use crate::zx;

/// `vkAllocateMemory`: `VK_ERROR_OUT_OF_HOST_MEMORY`, `VK_ERROR_OUT_OF_DEVICE_MEMORY`,
/// `VK_ERROR_INVALID_EXTERNAL_HANDLE`, `VK_ERROR_VALIDATION_FAILED_EXT`.
/// (`VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS` cannot occur: this crate never chains a capture
/// address, so it stays [`VulkanError::Unexpected`].)
pub(crate) fn map_allocate_memory_err(result: vk::Result) -> VulkanError {
    const COMMAND: &str = "vkAllocateMemory";
    match result {
        vk::Result::ERROR_OUT_OF_DEVICE_MEMORY => {
            VulkanError::OutOfDeviceMemory { command: COMMAND }
        }
        vk::Result::ERROR_INVALID_EXTERNAL_HANDLE => {
            VulkanError::InvalidExternalHandle { command: COMMAND }
        }
        result => map_common(COMMAND, result),
    }
}

/// `vkGetMemoryZirconHandleFUCHSIA`: `VK_ERROR_TOO_MANY_OBJECTS`, `VK_ERROR_OUT_OF_HOST_MEMORY`,
/// `VK_ERROR_VALIDATION_FAILED_EXT` (`VK_ERROR_UNKNOWN` stays [`VulkanError::Unexpected`]).
pub(crate) fn map_get_memory_zircon_handle_err(result: vk::Result) -> VulkanError {
    const COMMAND: &str = "vkGetMemoryZirconHandleFUCHSIA";
    match result {
        vk::Result::ERROR_TOO_MANY_OBJECTS => VulkanError::TooManyObjects { command: COMMAND },
        result => map_common(COMMAND, result),
    }
}

/// `vkGetMemoryZirconHandlePropertiesFUCHSIA`: `VK_ERROR_INVALID_EXTERNAL_HANDLE`,
/// `VK_ERROR_VALIDATION_FAILED_EXT` (`VK_ERROR_UNKNOWN` stays [`VulkanError::Unexpected`]).
pub(crate) fn map_get_memory_zircon_handle_properties_err(result: vk::Result) -> VulkanError {
    const COMMAND: &str = "vkGetMemoryZirconHandlePropertiesFUCHSIA";
    match result {
        vk::Result::ERROR_INVALID_EXTERNAL_HANDLE => {
            VulkanError::InvalidExternalHandle { command: COMMAND }
        }
        result => map_common(COMMAND, result),
    }
}

/// `vkCreateBuffer` / `vkCreateImage`: `VK_ERROR_OUT_OF_HOST_MEMORY`,
/// `VK_ERROR_OUT_OF_DEVICE_MEMORY`, `VK_ERROR_VALIDATION_FAILED_EXT`.
pub(crate) fn map_create_err(command: &'static str, result: vk::Result) -> VulkanError {
    match result {
        vk::Result::ERROR_OUT_OF_DEVICE_MEMORY => VulkanError::OutOfDeviceMemory { command },
        result => map_common(command, result),
    }
}

/// `vkGetPhysicalDeviceImageFormatProperties2`: `VK_ERROR_FORMAT_NOT_SUPPORTED`,
/// `VK_ERROR_OUT_OF_HOST_MEMORY`, `VK_ERROR_OUT_OF_DEVICE_MEMORY`.
pub(crate) fn map_image_format_err(result: vk::Result) -> VulkanError {
    const COMMAND: &str = "vkGetPhysicalDeviceImageFormatProperties2";
    match result {
        vk::Result::ERROR_FORMAT_NOT_SUPPORTED => {
            VulkanError::FormatNotSupported { command: COMMAND }
        }
        vk::Result::ERROR_OUT_OF_DEVICE_MEMORY => {
            VulkanError::OutOfDeviceMemory { command: COMMAND }
        }
        result => map_common(COMMAND, result),
    }
}

/// Setting up an [`super::Interop`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The physical device does not offer a device extension the interop needs.
    #[error(
        "the physical device does not offer {extension}: on Fuchsia the driver provides it; on \
         any other platform the host Vulkan layer does, so create the instance from the \
         ash::Entry that vmo_interop::platform::vulkan_entry() returns (not ash::Entry::load())"
    )]
    ExtensionNotSupported {
        /// The extension's name.
        extension: &'static str,
    },
    /// The device was created without a device extension the interop needs.
    #[error(
        "the VkDevice was created without {extension}: add vk::required_device_extensions() to \
         VkDeviceCreateInfo::ppEnabledExtensionNames (and, off Fuchsia, create the instance \
         from vmo_interop::platform::vulkan_entry())"
    )]
    ExtensionNotEnabled {
        /// The extension's name.
        extension: &'static str,
    },
    /// The application stated that it enabled an optional extension
    /// ([`super::Interop::with_enabled_extensions`]) that the physical device does not offer,
    /// or whose command the device does not have.
    #[error(
        "enabled_extension_names lists {extension}, but {}: list only the extensions in \
         VkDeviceCreateInfo::ppEnabledExtensionNames",
        if *offered {
            "the VkDevice does not have its commands (vkGetDeviceProcAddr returned null)"
        } else {
            "the physical device does not offer it"
        }
    )]
    StatedExtensionUnavailable {
        /// The extension's name.
        extension: &'static str,
        /// Whether the physical device offers it.
        offered: bool,
    },
    /// The physical device's API version is below Vulkan 1.1 (external memory and dedicated
    /// allocations are core 1.1).
    #[error("the physical device reports Vulkan {major}.{minor}; vmo-interop needs Vulkan 1.1")]
    ApiVersionTooLow {
        /// Major version.
        major: u32,
        /// Minor version.
        minor: u32,
    },
    /// A Vulkan query failed.
    #[error(transparent)]
    Vulkan(#[from] VulkanError),
    /// A Zircon call failed while probing the memory types a VMO can use.
    #[error("probing the memory types of a VMO failed: {0}")]
    Zircon(#[from] zx::Status),
}

/// Allocating exportable memory, or creating a buffer or image, failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AllocateError {
    /// The request broke a valid-usage rule; nothing was allocated.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The Vulkan command failed.
    #[error(transparent)]
    Vulkan(#[from] VulkanError),
    /// The memory was allocated, but reading its payload's koid (one export, to remember what
    /// it was allocated for) failed; the memory was freed again.
    #[error("exportable memory was allocated but exporting it once to read its koid failed: {0}")]
    Export(#[source] Box<ExportError>),
}

/// Exporting memory as a VMO failed; no handle was leaked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The memory was not allocated with `VkExportMemoryAllocateInfo{ZIRCON_VMO}`.
    #[error(
        "the memory was not allocated for export as a Zircon VMO; allocate it with \
         Interop::allocate_exportable_memory \
         (VUID-VkMemoryGetZirconHandleInfoFUCHSIA-handleType-04776)"
    )]
    NotExportable,
    /// The caller asked for rights the driver's handle does not carry.
    #[error(
        "the driver's VMO handle carries {available:?}; {requested:?} asks for {missing:?} beyond \
         them: request a subset of the driver's rights"
    )]
    RightsNotAvailable {
        /// The rights asked for.
        requested: zx::Rights,
        /// The rights of the driver's handle.
        available: zx::Rights,
        /// `requested - available`.
        missing: zx::Rights,
    },
    /// `vkGetMemoryZirconHandleFUCHSIA` failed.
    #[error(transparent)]
    Vulkan(#[from] VulkanError),
    /// The memory belongs to another interop's device.
    #[error(
        "the memory was allocated on another device; export it through the Interop that made it"
    )]
    OtherDevice,
    /// A Zircon call on the exported handle failed.
    #[error("narrowing the exported handle's rights failed: {0}")]
    Zircon(#[source] zx::Status),
}

impl From<zx::Status> for ExportError {
    fn from(status: zx::Status) -> Self {
        Self::Zircon(status)
    }
}

/// Querying the memory types of a VMO failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PropertiesError {
    /// The handle is not a live VMO handle (`VK_ERROR_INVALID_EXTERNAL_HANDLE`).
    #[error(
        "VK_ERROR_INVALID_EXTERNAL_HANDLE: the handle is not a live VMO handle \
         (VUID-vkGetMemoryZirconHandlePropertiesFUCHSIA-zirconHandle-04774)"
    )]
    InvalidExternalHandle,
    /// Another failure of `vkGetMemoryZirconHandlePropertiesFUCHSIA`.
    #[error(transparent)]
    Vulkan(VulkanError),
}

/// Importing a VMO failed: why ([`ImportError::kind`]), and the caller's VMO, handed back
/// untouched ([`ImportError::into_vmo`]).
///
/// Displays as its kind; [`std::error::Error::source`] is the kind's source (the validation
/// rule, the Vulkan or Zircon failure).
#[derive(Debug)]
pub struct ImportError {
    kind: ImportErrorKind,
    vmo: zx::Vmo,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportErrorKind {
    /// The handle is not a live handle.
    #[error(
        "the handle is not a live handle ({status}); import a VMO handle the process owns \
         (VUID-VkImportMemoryZirconHandleInfoFUCHSIA-handle-04772)"
    )]
    InvalidHandle {
        /// What `zx_object_get_info` said.
        #[source]
        status: zx::Status,
    },
    /// The handle refers to an object that is not a VMO.
    #[error(
        "the handle refers to a {object_type:?}, not a VMO; only VMOs can be imported \
         (VUID-VkImportMemoryZirconHandleInfoFUCHSIA-handle-04772)"
    )]
    NotAVmo {
        /// The object's type.
        object_type: zx::ObjectType,
    },
    /// The handle lacks rights Vulkan drivers on Fuchsia need to map an imported VMO, or
    /// DUPLICATE, which the import needs to hand the driver a duplicate.
    #[error(
        "the VMO handle lacks {missing:?} (it has {rights:?}); Fuchsia's Vulkan drivers map \
         imported VMOs and need MAP | READ | WRITE, and vmo-interop imports a duplicate, which \
         needs DUPLICATE: import a handle duplicated with those rights"
    )]
    MissingRights {
        /// The handle's rights.
        rights: zx::Rights,
        /// Which of MAP, READ, WRITE and DUPLICATE it lacks.
        missing: zx::Rights,
    },
    /// A size, memory-type or dedicated-allocation rule was broken.
    #[error("{0}")]
    Validation(#[source] ValidationError),
    /// `vkGetMemoryZirconHandlePropertiesFUCHSIA` rejected the handle.
    #[error("{0}")]
    Properties(#[source] PropertiesError),
    /// A Zircon query or duplication of the VMO failed.
    #[error("querying or duplicating the VMO failed: {0}")]
    Zircon(#[source] zx::Status),
    /// `vkAllocateMemory` failed.
    #[error("{0}")]
    Vulkan(#[source] VulkanError),
}

impl ImportError {
    /// The failure `kind`, with the caller's `vmo` to hand back.
    pub(crate) fn new(kind: ImportErrorKind, vmo: zx::Vmo) -> Self {
        Self { kind, vmo }
    }

    /// Why the import failed.
    pub fn kind(&self) -> &ImportErrorKind {
        &self.kind
    }

    /// The caller's VMO, handed back untouched.
    pub fn vmo(&self) -> &zx::Vmo {
        &self.vmo
    }

    /// Takes the caller's VMO back.
    pub fn into_vmo(self) -> zx::Vmo {
        self.vmo
    }

    /// The failure and the caller's VMO.
    pub fn into_parts(self) -> (ImportErrorKind, zx::Vmo) {
        (self.kind, self.vmo)
    }

    /// The VUID the failure protects, where one applies.
    pub fn vuid(&self) -> Option<&'static str> {
        self.kind.vuid()
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

impl From<ValidationError> for ImportErrorKind {
    fn from(error: ValidationError) -> Self {
        Self::Validation(error)
    }
}

impl ImportErrorKind {
    /// The VUID the failure protects, where one applies.
    pub fn vuid(&self) -> Option<&'static str> {
        match self {
            Self::InvalidHandle { .. } | Self::NotAVmo { .. } => {
                Some("VUID-VkImportMemoryZirconHandleInfoFUCHSIA-handle-04772")
            }
            Self::Validation(error) => error.vuid(),
            Self::Properties(PropertiesError::InvalidExternalHandle) => {
                Some("VUID-vkGetMemoryZirconHandlePropertiesFUCHSIA-zirconHandle-04774")
            }
            _ => None,
        }
    }
}
