//! Vulkan ⟷ Zircon memory interop: `VK_FUCHSIA_external_memory` on real drivers.
//!
//! # The contract
//!
//! | operation | method | Vulkan command | ownership |
//! |---|---|---|---|
//! | set up | [`Interop::new`] | `vkGetDeviceProcAddr` (Fuchsia) / host implementation | borrows the application's instance and device |
//! | allocate exportable memory | [`Interop::allocate_exportable_memory`] | `vkAllocateMemory` + `VkExportMemoryAllocateInfo{ZIRCON_VMO}` | [`Memory`] frees on drop |
//! | export | [`Interop::get_memory_zircon_handle`] | `vkGetMemoryZirconHandleFUCHSIA` (+ `zx_handle_replace`) | the caller owns a **new** handle per call, with exactly the rights asked for |
//! | properties | [`Interop::get_memory_zircon_handle_properties`] | `vkGetMemoryZirconHandlePropertiesFUCHSIA` | the VMO is **borrowed** |
//! | import | [`Interop::import_memory`] | `vkAllocateMemory` + `VkImportMemoryZirconHandleInfoFUCHSIA` | the VMO moves into Vulkan **on success only**; every [`ImportError`] hands it back |
//! | resources | [`Interop::create_buffer`], [`Interop::create_image`] | `vkCreate{Buffer,Image}` + `VkExternalMemory*CreateInfo{ZIRCON_VMO}` | [`Buffer`] / [`Image`] destroy on drop |
//! | capabilities | [`Interop::get_external_buffer_properties`], [`Interop::get_external_image_format_properties`] | `vkGetPhysicalDeviceExternalBufferProperties`, `…ImageFormatProperties2` | — |
//!
//! # Layers
//!
//! - [`raw`]: one table of function pointers ([`raw::ExternalMemoryTable`]) and 1:1 unsafe
//!   calls over it. On Fuchsia it holds the driver's entry points; on the host it points at
//!   [`host_ext`](self#host-implementation), this crate's own implementation of the extension
//!   over `VK_EXT_external_memory_host`. Everything above it is the same code on both.
//! - The pure core: [`handle_type`], [`memory_type`] and [`validate`] take plain values (no
//!   Zircon types), so the Metal path shares them; `vk::Result` mappers live in [`error`].
//! - The safe API: [`Interop`], [`Memory`], [`Buffer`], [`Image`].
//!
//! # Host implementation
//!
//! On targets other than Fuchsia, `VK_FUCHSIA_external_memory` is implemented by this crate
//! over the driver's `VK_EXT_external_memory_host` (see the `host_ext` module source): a VMO is
//! mapped and the mapping imported as host memory; exportable memory is a fresh VMO imported the
//! same way; resources' `ZIRCON_VMO` handle types are rewritten to `HOST_ALLOCATION`.

pub mod caps;
pub mod device;
pub mod error;
pub mod export;
pub mod handle_type;
#[cfg(not(target_os = "fuchsia"))]
mod host_ext;
pub mod import;
pub mod memory;
pub mod memory_type;
pub mod raw;
pub mod resource;
pub mod validate;

pub use caps::{ExternalImageFormatProperties, ImageFormatQuery};
pub use device::{required_device_extensions, Interop};
pub use error::{
    AllocateError, DeviceError, ExportError, ImportError, PropertiesError, VulkanError,
};
pub use handle_type::ExternalHandleType;
pub use import::IMPORT_RIGHTS;
pub use memory::{AllocationInfo, Backing, Dedicated, Memory, Resource};
pub use memory_type::MemoryTypeRequest;
pub use resource::{Buffer, Image, ResourceRequirements};
pub use validate::ValidationError;
