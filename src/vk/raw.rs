//! The raw layer: one table of function pointers through which the library reaches
//! `VK_FUCHSIA_external_memory`, and 1:1 `unsafe fn`s over it.
//!
//! The table holds the extension's two entry points (`vkGetDeviceProcAddr`) and the
//! device/instance commands whose `pNext` chains may carry Zircon structures (allocate, free,
//! create and destroy buffers and images, the external capability queries), as the application's
//! `ash::Device` / `ash::Instance` load them. Every pointer is the one the application itself
//! would call: the driver's on Fuchsia, the host Vulkan layer's (`host/vulkan`) elsewhere, so
//! ash's own calls with Zircon structures chained behave exactly as these do.

use ash::prelude::VkResult;
use ash::vk;

/// The function pointers, one per command, with the Vulkan signatures.
#[derive(Clone, Copy)]
pub struct ExternalMemoryFn {
    /// `vkGetMemoryZirconHandleFUCHSIA`.
    pub get_memory_zircon_handle: vk::PFN_vkGetMemoryZirconHandleFUCHSIA,
    /// `vkGetMemoryZirconHandlePropertiesFUCHSIA`.
    pub get_memory_zircon_handle_properties: vk::PFN_vkGetMemoryZirconHandlePropertiesFUCHSIA,
    /// `vkAllocateMemory`.
    pub allocate_memory: vk::PFN_vkAllocateMemory,
    /// `vkFreeMemory`.
    pub free_memory: vk::PFN_vkFreeMemory,
    /// `vkCreateBuffer`.
    pub create_buffer: vk::PFN_vkCreateBuffer,
    /// `vkDestroyBuffer`.
    pub destroy_buffer: vk::PFN_vkDestroyBuffer,
    /// `vkCreateImage`.
    pub create_image: vk::PFN_vkCreateImage,
    /// `vkDestroyImage`.
    pub destroy_image: vk::PFN_vkDestroyImage,
    /// `vkGetPhysicalDeviceExternalBufferProperties`.
    pub get_physical_device_external_buffer_properties:
        vk::PFN_vkGetPhysicalDeviceExternalBufferProperties,
    /// `vkGetPhysicalDeviceImageFormatProperties2`.
    pub get_physical_device_image_format_properties2:
        vk::PFN_vkGetPhysicalDeviceImageFormatProperties2,
    /// `vkGetPhysicalDeviceFormatProperties`.
    pub get_physical_device_format_properties: vk::PFN_vkGetPhysicalDeviceFormatProperties,
    /// `vkGetPhysicalDeviceFormatProperties2` (its chain may ask for the DRM format modifiers
    /// of `VK_EXT_image_drm_format_modifier`).
    pub get_physical_device_format_properties2: vk::PFN_vkGetPhysicalDeviceFormatProperties2,
}

impl std::fmt::Debug for ExternalMemoryFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalMemoryFn").finish_non_exhaustive()
    }
}

/// The table plus the dispatch handles its entry points are called with.
///
/// Neither `Clone` nor `Copy`: the dispatch handles are valid only as long as the device is, so
/// a table is only ever borrowed from the [`Interop`](super::Interop) that holds it
/// ([`Interop::table`](super::Interop::table)).
#[derive(Debug)]
pub struct ExternalMemoryTable {
    fp: ExternalMemoryFn,
    device: vk::Device,
    physical_device: vk::PhysicalDevice,
}

impl ExternalMemoryTable {
    /// A table over `fp`, called with `device` and `physical_device` as dispatch handles.
    ///
    /// # Safety
    /// - every pointer in `fp` must implement its command for the given dispatch handles;
    /// - the objects those handles address must outlive every call made through the table.
    pub unsafe fn new(
        fp: ExternalMemoryFn,
        device: vk::Device,
        physical_device: vk::PhysicalDevice,
    ) -> Self {
        Self {
            fp,
            device,
            physical_device,
        }
    }

    /// The function pointers.
    pub fn fp(&self) -> &ExternalMemoryFn {
        &self.fp
    }

    /// `vkGetMemoryZirconHandleFUCHSIA`: a new Zircon handle to `info.memory`'s payload.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `info` must satisfy the command's valid usage; the caller owns the returned handle.
    pub unsafe fn get_memory_zircon_handle(
        &self,
        info: &vk::MemoryGetZirconHandleInfoFUCHSIA<'_>,
    ) -> VkResult<u32> {
        let mut handle = 0u32;
        // SAFETY: the table's pointer implements the command for `self.device` (`new`'s
        // contract); `info` is valid (caller) and `handle` is a valid out pointer.
        let result = unsafe { (self.fp.get_memory_zircon_handle)(self.device, info, &mut handle) };
        result.result_with_success(handle)
    }

    /// `vkGetMemoryZirconHandlePropertiesFUCHSIA`: the memory types `handle` can be imported as.
    /// The handle is borrowed, never consumed.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `handle_type` must be `ZIRCON_VMO` (VUID-04773); `handle` may be any value.
    pub unsafe fn get_memory_zircon_handle_properties(
        &self,
        handle_type: vk::ExternalMemoryHandleTypeFlags,
        handle: u32,
    ) -> VkResult<u32> {
        let mut properties = vk::MemoryZirconHandlePropertiesFUCHSIA::default();
        // SAFETY: `new`'s contract; `properties` is a valid, correctly typed out structure.
        let result = unsafe {
            (self.fp.get_memory_zircon_handle_properties)(
                self.device,
                handle_type,
                handle,
                &mut properties,
            )
        };
        result.result_with_success(properties.memory_type_bits)
    }

    /// `vkAllocateMemory`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `info` and its chain must satisfy the command's valid usage. On success the caller
    ///   owns the memory and must free it with [`Self::free_memory`].
    pub unsafe fn allocate_memory(
        &self,
        info: &vk::MemoryAllocateInfo<'_>,
    ) -> VkResult<vk::DeviceMemory> {
        let mut memory = vk::DeviceMemory::null();
        // SAFETY: `new`'s contract; `info` is valid (caller); `memory` is a valid out pointer.
        let result =
            unsafe { (self.fp.allocate_memory)(self.device, info, std::ptr::null(), &mut memory) };
        result.result_with_success(memory)
    }

    /// `vkFreeMemory`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `memory` must have come from [`Self::allocate_memory`] of this table (or be null), and
    ///   no pending GPU work may use it.
    pub unsafe fn free_memory(&self, memory: vk::DeviceMemory) {
        // SAFETY: `new`'s contract and the caller's.
        unsafe { (self.fp.free_memory)(self.device, memory, std::ptr::null()) }
    }

    /// `vkCreateBuffer`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `info` and its chain must satisfy the command's valid usage.
    pub unsafe fn create_buffer(&self, info: &vk::BufferCreateInfo<'_>) -> VkResult<vk::Buffer> {
        let mut buffer = vk::Buffer::null();
        // SAFETY: `new`'s contract; `info` is valid (caller); `buffer` is a valid out pointer.
        let result =
            unsafe { (self.fp.create_buffer)(self.device, info, std::ptr::null(), &mut buffer) };
        result.result_with_success(buffer)
    }

    /// `vkDestroyBuffer`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `buffer` must come from [`Self::create_buffer`] of this table and be unused by the GPU.
    pub unsafe fn destroy_buffer(&self, buffer: vk::Buffer) {
        // SAFETY: `new`'s contract and the caller's.
        unsafe { (self.fp.destroy_buffer)(self.device, buffer, std::ptr::null()) }
    }

    /// `vkCreateImage`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `info` and its chain must satisfy the command's valid usage.
    pub unsafe fn create_image(&self, info: &vk::ImageCreateInfo<'_>) -> VkResult<vk::Image> {
        let mut image = vk::Image::null();
        // SAFETY: `new`'s contract; `info` is valid (caller); `image` is a valid out pointer.
        let result =
            unsafe { (self.fp.create_image)(self.device, info, std::ptr::null(), &mut image) };
        result.result_with_success(image)
    }

    /// `vkDestroyImage`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `image` must come from [`Self::create_image`] of this table and be unused by the GPU.
    pub unsafe fn destroy_image(&self, image: vk::Image) {
        // SAFETY: `new`'s contract and the caller's.
        unsafe { (self.fp.destroy_image)(self.device, image, std::ptr::null()) }
    }

    /// `vkGetPhysicalDeviceExternalBufferProperties`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `info` and `properties` (and their chains) must satisfy the command's valid usage.
    pub unsafe fn get_physical_device_external_buffer_properties(
        &self,
        info: &vk::PhysicalDeviceExternalBufferInfo<'_>,
        properties: &mut vk::ExternalBufferProperties<'_>,
    ) {
        // SAFETY: `new`'s contract and the caller's.
        unsafe {
            (self.fp.get_physical_device_external_buffer_properties)(
                self.physical_device,
                info,
                properties,
            )
        }
    }

    /// `vkGetPhysicalDeviceImageFormatProperties2`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `info` and `properties` (and their chains) must satisfy the command's valid usage.
    pub unsafe fn get_physical_device_image_format_properties2(
        &self,
        info: &vk::PhysicalDeviceImageFormatInfo2<'_>,
        properties: &mut vk::ImageFormatProperties2<'_>,
    ) -> VkResult<()> {
        // SAFETY: `new`'s contract and the caller's.
        unsafe {
            (self.fp.get_physical_device_image_format_properties2)(
                self.physical_device,
                info,
                properties,
            )
        }
        .result()
    }

    /// `vkGetPhysicalDeviceFormatProperties`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive.
    pub unsafe fn get_physical_device_format_properties(
        &self,
        format: vk::Format,
    ) -> vk::FormatProperties {
        let mut properties = vk::FormatProperties::default();
        // SAFETY: `new`'s contract and the caller's; `properties` is a writable structure.
        unsafe {
            (self.fp.get_physical_device_format_properties)(
                self.physical_device,
                format,
                &mut properties,
            )
        };
        properties
    }

    /// `vkGetPhysicalDeviceFormatProperties2`.
    ///
    /// # Safety
    /// - the [`Interop`](super::Interop) this table came from (if it came from one) is alive;
    /// - `properties` (and its chain) must satisfy the command's valid usage.
    pub unsafe fn get_physical_device_format_properties2(
        &self,
        format: vk::Format,
        properties: &mut vk::FormatProperties2<'_>,
    ) {
        // SAFETY: `new`'s contract and the caller's.
        unsafe {
            (self.fp.get_physical_device_format_properties2)(
                self.physical_device,
                format,
                properties,
            )
        }
    }
}
