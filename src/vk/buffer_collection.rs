//! `VK_FUCHSIA_buffer_collection`: a sysmem buffer collection as a Vulkan participant sees it,
//! the path Fuchsia's own Vulkan clients take from sysmem to Vulkan (a Flatland client, Scenic's
//! renderer).
//!
//! [`BufferCollection`] owns a `VkBufferCollectionFUCHSIA` and is named after the commands:
//!
//! | method | command |
//! |---|---|
//! | [`BufferCollection::create`] | `vkCreateBufferCollectionFUCHSIA` (the token moves to Vulkan) |
//! | [`BufferCollection::set_image_constraints`] | `vkSetBufferCollectionImageConstraintsFUCHSIA` |
//! | [`BufferCollection::set_buffer_constraints`] | `vkSetBufferCollectionBufferConstraintsFUCHSIA` |
//! | [`BufferCollection::properties`] | `vkGetBufferCollectionPropertiesFUCHSIA` (waits for the allocation) |
//! | [`BufferCollection::create_image`] / [`create_buffer`](BufferCollection::create_buffer) | `vkCreateImage` / `vkCreateBuffer` with `VkBufferCollection{Image,Buffer}CreateInfoFUCHSIA` |
//! | [`BufferCollection::import_memory`] | `vkAllocateMemory` with `VkImportMemoryBufferCollectionFUCHSIA`, dedicated |
//! | [`BufferCollection::import_image`] / [`import_buffer`](BufferCollection::import_buffer) | the three above and the bind, for buffer `index` |
//! | drop | `vkDestroyBufferCollectionFUCHSIA` (images, buffers and memory made from it live on) |
//!
//! Each call checks the rules it can before Vulkan sees it (constraints set once, 1 to 64
//! formats, a buffer index below `bufferCount`, a memory type in both masks) and names the
//! VUID. On Fuchsia the driver implements the extension; on the Linux host the host Vulkan
//! layer does, over this library's sysmem client (`platform::vulkan_entry`).

use ash::vk::{self, Handle};

pub use super::buffer_collection_types::*;

use super::{Buffer, Image, Interop};
use crate::sysmem::images::{ColorSpace, PixelFormat};
use crate::sysmem::vulkan_image::pixel_format;
use crate::sysmem::BufferCollectionToken;
use crate::zx::{self, AsHandleRef, HandleBased};

/// What the collection was constrained for.
enum Constrained {
    Images(ImageConstraints),
    Buffers(BufferConstraints),
}

/// A `VkBufferCollectionFUCHSIA`: this device's participation in a sysmem buffer collection.
/// Destroyed on drop (`vkDestroyBufferCollectionFUCHSIA`).
pub struct BufferCollection {
    handle: vk::BufferCollectionFUCHSIA,
    fns: ash::fuchsia::buffer_collection::DeviceFn,
    constrained: Option<Constrained>,
    properties: Option<BufferCollectionProperties>,
    /// Keeps the device alive for `Drop`; last.
    interop: Interop,
}

impl std::fmt::Debug for BufferCollection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferCollection")
            .field("handle", &format_args!("{:#x}", self.handle.as_raw()))
            .field("properties", &self.properties)
            .finish_non_exhaustive()
    }
}

/// Memory imported from one buffer of a collection (`VkImportMemoryBufferCollectionFUCHSIA`),
/// dedicated to its resource. Freed on drop; the GPU must no longer use it then.
pub struct CollectionMemory {
    handle: vk::DeviceMemory,
    allocation_size: u64,
    memory_type_index: u32,
    index: u32,
    interop: Interop,
}

impl std::fmt::Debug for CollectionMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectionMemory")
            .field("allocation_size", &self.allocation_size)
            .field("memory_type_index", &self.memory_type_index)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl CollectionMemory {
    /// The `VkDeviceMemory`, for binding and mapping.
    pub fn as_raw(&self) -> vk::DeviceMemory {
        self.handle
    }

    /// `allocationSize` (the resource's memory requirements, VUID-VkMemoryAllocateInfo-
    /// allocationSize-06382).
    pub fn allocation_size(&self) -> u64 {
        self.allocation_size
    }

    /// `memoryTypeIndex`.
    pub fn memory_type_index(&self) -> u32 {
        self.memory_type_index
    }

    /// The buffer of the collection it imports.
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl Drop for CollectionMemory {
    fn drop(&mut self) {
        // SAFETY: allocated on this device by `import_memory`, freed once; the type's contract
        // says the GPU no longer uses it.
        unsafe { self.interop.device().free_memory(self.handle, None) };
    }
}

/// An image bound to its own buffer of the collection.
#[derive(Debug)]
pub struct CollectionImage {
    /// The image (first: destroyed before its memory is freed).
    pub image: Image,
    /// Its memory.
    pub memory: CollectionMemory,
}

/// A buffer bound to its own buffer of the collection.
#[derive(Debug)]
pub struct CollectionBuffer {
    /// The buffer (first: destroyed before its memory is freed).
    pub buffer: Buffer,
    /// Its memory.
    pub memory: CollectionMemory,
}

/// The `VkFormat` of a sysmem pixel format, for an application that left the format
/// `UNDEFINED`.
fn format_of(pixel: PixelFormat) -> Option<vk::Format> {
    [
        vk::Format::R8G8B8A8_UNORM,
        vk::Format::B8G8R8A8_UNORM,
        vk::Format::R5G6B5_UNORM_PACK16,
        vk::Format::R8_UNORM,
        vk::Format::R8G8_UNORM,
        vk::Format::G8_B8R8_2PLANE_420_UNORM,
        vk::Format::G8_B8_R8_3PLANE_420_UNORM,
    ]
    .into_iter()
    .find(|&f| pixel_format(f).is_some_and(|(p, _)| p == pixel))
}

impl BufferCollection {
    /// Makes this device a participant of the collection `token` belongs to. `instance` is
    /// the one the interop's device was created from (the commands are loaded through its
    /// `vkGetDeviceProcAddr`).
    ///
    /// Wraps `vkCreateBufferCollectionFUCHSIA`. The token must already be known to sysmem
    /// (made by `duplicate_sync`, or `duplicate` and `sync`).
    ///
    /// # Errors
    /// - [`CreateBufferCollectionError::ExtensionNotEnabled`];
    /// - [`CreateBufferCollectionError::InvalidToken`], with the token, when the driver refused
    ///   it and did not take it (its handle is still live with the same koid afterwards);
    /// - [`CreateBufferCollectionError::Vulkan`] otherwise (the token is gone: the driver
    ///   took it, or it was closed).
    pub fn create(
        instance: &ash::Instance,
        interop: &Interop,
        token: BufferCollectionToken,
    ) -> Result<BufferCollection, CreateBufferCollectionError> {
        let device = interop.device();
        let load = |name: &std::ffi::CStr| {
            // SAFETY: the interop's device is live and belongs to `instance` (the interop's
            // contract); a NUL-terminated name.
            let f = unsafe { instance.get_device_proc_addr(device.handle(), name.as_ptr()) };
            f.map_or(std::ptr::null(), |f| f as *const std::ffi::c_void)
        };
        if load(c"vkCreateBufferCollectionFUCHSIA").is_null() {
            return Err(CreateBufferCollectionError::ExtensionNotEnabled { token });
        }
        let fns = ash::fuchsia::buffer_collection::DeviceFn::load(load);
        let koid = token.as_channel().get_koid().ok();
        let raw = token.into_channel().into_handle().into_raw();
        let info = vk::BufferCollectionCreateInfoFUCHSIA::default().collection_token(raw);
        let mut handle = vk::BufferCollectionFUCHSIA::null();
        // SAFETY: a valid create info; the token handle is given to Vulkan; `handle` is a
        // valid out pointer.
        let result = unsafe {
            (fns.create_buffer_collection_fuchsia)(
                device.handle(),
                &info,
                std::ptr::null(),
                &mut handle,
            )
        };
        if result == vk::Result::SUCCESS {
            return Ok(BufferCollection {
                handle,
                fns,
                constrained: None,
                properties: None,
                interop: interop.clone(),
            });
        }
        // Did the driver leave the token alone? Only then is the value still ours: a handle
        // it closed cannot name the same object again.
        let now = {
            // SAFETY: only borrowed for the query; never closed through this value.
            let borrowed = unsafe { zx::Unowned::<zx::Channel>::from_raw_handle(raw) };
            borrowed.get_koid().ok()
        };
        let still_ours = koid.is_some() && now == koid;
        if !still_ours {
            return Err(CreateBufferCollectionError::Vulkan(result));
        }
        // SAFETY: the driver did not take the handle (same live object), so it is ours again.
        let channel = zx::Channel::from_handle(unsafe { zx::Handle::from_raw(raw) });
        let token = BufferCollectionToken::from_channel(channel);
        if result == vk::Result::ERROR_INVALID_EXTERNAL_HANDLE {
            return Err(CreateBufferCollectionError::InvalidToken { token });
        }
        drop(token);
        Err(CreateBufferCollectionError::Vulkan(result))
    }

    /// The `VkBufferCollectionFUCHSIA`.
    pub fn as_raw(&self) -> vk::BufferCollectionFUCHSIA {
        self.handle
    }

    /// Sets this participant's image constraints (once); sysmem then allocates when every
    /// participant has set its own.
    ///
    /// Wraps `vkSetBufferCollectionImageConstraintsFUCHSIA`.
    ///
    /// # Errors
    /// [`SetConstraintsError`]; after a failure the collection can still be constrained.
    pub fn set_image_constraints(
        &mut self,
        constraints: &ImageConstraints,
    ) -> Result<(), SetConstraintsError> {
        if self.constrained.is_some() {
            return Err(SetConstraintsError::AlreadySet);
        }
        let count = constraints.formats.len();
        if count == 0 || count > 64 {
            return Err(SetConstraintsError::FormatCount(count));
        }
        if let Some(index) = constraints
            .formats
            .iter()
            .position(|f| f.required_format_features.is_empty() || f.color_spaces.is_empty())
        {
            return Err(SetConstraintsError::EmptyConstraint { index });
        }
        let spaces: Vec<Vec<vk::SysmemColorSpaceFUCHSIA<'_>>> = constraints
            .formats
            .iter()
            .map(|f| {
                f.color_spaces
                    .iter()
                    .map(|s| vk::SysmemColorSpaceFUCHSIA::default().color_space(s.into_raw()))
                    .collect()
            })
            .collect();
        let formats: Vec<vk::ImageFormatConstraintsInfoFUCHSIA<'_>> = constraints
            .formats
            .iter()
            .zip(&spaces)
            .map(|(f, spaces)| {
                vk::ImageFormatConstraintsInfoFUCHSIA::default()
                    .image_create_info(f.image.create_info())
                    .required_format_features(f.required_format_features)
                    .sysmem_pixel_format(
                        f.sysmem_pixel_format.map_or(0, |p| u64::from(p.into_raw())),
                    )
                    .color_spaces(spaces)
            })
            .collect();
        let info = vk::ImageConstraintsInfoFUCHSIA::default()
            .format_constraints(&formats)
            .buffer_collection_constraints(constraints.counts.info())
            .flags(vk::ImageConstraintsInfoFlagsFUCHSIA::from_raw(
                constraints.flags,
            ));
        // SAFETY: a valid structure whose arrays live across the call; our collection.
        let result = unsafe {
            (self.fns.set_buffer_collection_image_constraints_fuchsia)(
                self.interop.device().handle(),
                self.handle,
                &info,
            )
        };
        match result {
            vk::Result::SUCCESS => {
                self.constrained = Some(Constrained::Images(constraints.clone()));
                Ok(())
            }
            vk::Result::ERROR_FORMAT_NOT_SUPPORTED => Err(SetConstraintsError::FormatNotSupported),
            result => Err(SetConstraintsError::Vulkan {
                command: "vkSetBufferCollectionImageConstraintsFUCHSIA",
                result,
            }),
        }
    }

    /// Sets this participant's buffer constraints (once).
    ///
    /// Wraps `vkSetBufferCollectionBufferConstraintsFUCHSIA`.
    ///
    /// # Errors
    /// [`SetConstraintsError`].
    pub fn set_buffer_constraints(
        &mut self,
        constraints: &BufferConstraints,
    ) -> Result<(), SetConstraintsError> {
        if self.constrained.is_some() {
            return Err(SetConstraintsError::AlreadySet);
        }
        let info = vk::BufferConstraintsInfoFUCHSIA::default()
            .create_info(constraints.create_info())
            .required_format_features(constraints.required_format_features)
            .buffer_collection_constraints(constraints.counts.info());
        // SAFETY: a valid structure; our collection.
        let result = unsafe {
            (self.fns.set_buffer_collection_buffer_constraints_fuchsia)(
                self.interop.device().handle(),
                self.handle,
                &info,
            )
        };
        match result {
            vk::Result::SUCCESS => {
                self.constrained = Some(Constrained::Buffers(*constraints));
                Ok(())
            }
            result => Err(SetConstraintsError::Vulkan {
                command: "vkSetBufferCollectionBufferConstraintsFUCHSIA",
                result,
            }),
        }
    }

    /// What sysmem chose, waiting for the allocation on first call (every participant must
    /// have set its constraints); later calls return the same.
    ///
    /// Wraps `vkGetBufferCollectionPropertiesFUCHSIA`.
    ///
    /// # Errors
    /// [`PropertiesError`].
    pub fn properties(&mut self) -> Result<BufferCollectionProperties, PropertiesError> {
        if let Some(properties) = self.properties {
            return Ok(properties);
        }
        if self.constrained.is_none() {
            return Err(PropertiesError::ConstraintsNotSet);
        }
        let mut out = vk::BufferCollectionPropertiesFUCHSIA::default();
        // SAFETY: our collection; a valid, writable output structure without a chain.
        let result = unsafe {
            (self.fns.get_buffer_collection_properties_fuchsia)(
                self.interop.device().handle(),
                self.handle,
                &mut out,
            )
        };
        match result {
            vk::Result::SUCCESS => {}
            vk::Result::ERROR_INITIALIZATION_FAILED => {
                return Err(PropertiesError::AllocationFailed)
            }
            result => return Err(PropertiesError::Vulkan(result)),
        }
        let properties = BufferCollectionProperties {
            memory_type_bits: out.memory_type_bits,
            buffer_count: out.buffer_count,
            create_info_index: out.create_info_index,
            sysmem_pixel_format: PixelFormat::from_raw(
                u32::try_from(out.sysmem_pixel_format).unwrap_or(0),
            ),
            format_features: out.format_features,
            color_space: ColorSpace::from_raw(out.sysmem_color_space_index.color_space),
            sampler_ycbcr_conversion_components: out.sampler_ycbcr_conversion_components,
            suggested_ycbcr_model: out.suggested_ycbcr_model,
            suggested_ycbcr_range: out.suggested_ycbcr_range,
            suggested_x_chroma_offset: out.suggested_x_chroma_offset,
            suggested_y_chroma_offset: out.suggested_y_chroma_offset,
        };
        self.properties = Some(properties);
        Ok(properties)
    }

    /// The properties and a checked index.
    fn buffer(&mut self, index: u32) -> Result<BufferCollectionProperties, CollectionImportError> {
        let properties = self
            .properties()
            .map_err(CollectionImportError::NotAllocated)?;
        if index >= properties.buffer_count {
            return Err(CollectionImportError::IndexOutOfRange {
                index,
                buffer_count: properties.buffer_count,
            });
        }
        Ok(properties)
    }

    /// The image sysmem chose (entry `createInfoIndex` of the image constraints), for buffer
    /// `index`: `vkCreateImage` with `VkBufferCollectionImageCreateInfoFUCHSIA`.
    ///
    /// # Errors
    /// [`CollectionImportError`].
    pub fn create_image(&mut self, index: u32) -> Result<Image, CollectionImportError> {
        let properties = self.buffer(index)?;
        let Some(Constrained::Images(constraints)) = &self.constrained else {
            return Err(CollectionImportError::WrongKind {
                constrained: "buffers",
            });
        };
        let chosen = constraints
            .formats
            .get(properties.create_info_index as usize)
            .ok_or(CollectionImportError::NotAllocated(
                PropertiesError::AllocationFailed,
            ))?;
        let mut description = chosen.image;
        if description.format == vk::Format::UNDEFINED {
            description.format = format_of(properties.sysmem_pixel_format).unwrap_or_default();
        }
        let mut from = vk::BufferCollectionImageCreateInfoFUCHSIA::default()
            .collection(self.handle)
            .index(index);
        let info = description.create_info().push_next(&mut from);
        // SAFETY: a complete create info (no arrays) whose chain is built with push_next.
        unsafe { self.interop.create_image(&info) }.map_err(CollectionImportError::Create)
    }

    /// Buffer `index` as a `VkBuffer` of the buffer constraints: `vkCreateBuffer` with
    /// `VkBufferCollectionBufferCreateInfoFUCHSIA`.
    ///
    /// # Errors
    /// [`CollectionImportError`].
    pub fn create_buffer(&mut self, index: u32) -> Result<Buffer, CollectionImportError> {
        self.buffer(index)?;
        let Some(Constrained::Buffers(constraints)) = &self.constrained else {
            return Err(CollectionImportError::WrongKind {
                constrained: "images",
            });
        };
        let mut from = vk::BufferCollectionBufferCreateInfoFUCHSIA::default()
            .collection(self.handle)
            .index(index);
        let info = constraints.create_info().push_next(&mut from);
        // SAFETY: a complete create info whose chain is built with push_next.
        unsafe { self.interop.create_buffer(&info) }.map_err(CollectionImportError::Create)
    }

    /// Imports buffer `index` as memory dedicated to `resource` (made by
    /// [`create_image`](Self::create_image) or [`create_buffer`](Self::create_buffer) with
    /// the same index): the requirements' size, and the lowest memory type in both the
    /// collection's and the resource's bits with `required` flags (device-local preferred).
    ///
    /// Wraps `vkAllocateMemory` with `VkImportMemoryBufferCollectionFUCHSIA` and
    /// `VkMemoryDedicatedAllocateInfo`.
    ///
    /// # Errors
    /// [`CollectionImportError`].
    pub fn import_memory(
        &mut self,
        index: u32,
        resource: super::Dedicated,
        requirements: vk::MemoryRequirements,
        required: vk::MemoryPropertyFlags,
    ) -> Result<CollectionMemory, CollectionImportError> {
        let properties = self.buffer(index)?;
        let bits = properties.memory_type_bits & requirements.memory_type_bits;
        let type_index = crate::external_memory::find_memory_type_index(
            self.interop.memory_properties(),
            bits,
            required,
            vk::MemoryPropertyFlags::DEVICE_LOCAL,
        )
        .ok_or(CollectionImportError::NoMemoryType {
            collection: properties.memory_type_bits,
            resource: requirements.memory_type_bits,
        })?;
        let mut import = vk::ImportMemoryBufferCollectionFUCHSIA::default()
            .collection(self.handle)
            .index(index);
        let mut dedicated = match resource {
            super::Dedicated::Image(image) => {
                vk::MemoryDedicatedAllocateInfo::default().image(image)
            }
            super::Dedicated::Buffer(buffer) => {
                vk::MemoryDedicatedAllocateInfo::default().buffer(buffer)
            }
        };
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(requirements.size)
            .memory_type_index(type_index)
            .push_next(&mut import)
            .push_next(&mut dedicated);
        // SAFETY: a valid allocate info whose chain is built with push_next.
        let handle =
            unsafe { self.interop.device().allocate_memory(&info, None) }.map_err(|result| {
                CollectionImportError::Vulkan {
                    command: "vkAllocateMemory",
                    result,
                }
            })?;
        Ok(CollectionMemory {
            handle,
            allocation_size: requirements.size,
            memory_type_index: type_index,
            index,
            interop: self.interop.clone(),
        })
    }

    /// Buffer `index` as the chosen image, bound to its own memory at offset 0.
    ///
    /// # Errors
    /// [`CollectionImportError`]; nothing made on the way survives a failure.
    pub fn import_image(
        &mut self,
        index: u32,
        required: vk::MemoryPropertyFlags,
    ) -> Result<CollectionImage, CollectionImportError> {
        let image = self.create_image(index)?;
        let memory = self.import_memory(
            index,
            super::Dedicated::Image(image.as_raw()),
            image.requirements().memory,
            required,
        )?;
        // SAFETY: both live on this device; dedicated memory binds its image at 0; the type
        // is in the image's requirements.
        unsafe {
            self.interop
                .device()
                .bind_image_memory(image.as_raw(), memory.as_raw(), 0)
        }
        .map_err(|result| CollectionImportError::Vulkan {
            command: "vkBindImageMemory",
            result,
        })?;
        Ok(CollectionImage { image, memory })
    }

    /// Buffer `index` as a `VkBuffer`, bound to its own memory at offset 0.
    ///
    /// # Errors
    /// [`CollectionImportError`]; nothing made on the way survives a failure.
    pub fn import_buffer(
        &mut self,
        index: u32,
        required: vk::MemoryPropertyFlags,
    ) -> Result<CollectionBuffer, CollectionImportError> {
        let buffer = self.create_buffer(index)?;
        let memory = self.import_memory(
            index,
            super::Dedicated::Buffer(buffer.as_raw()),
            buffer.requirements().memory,
            required,
        )?;
        // SAFETY: both live on this device; dedicated memory binds its buffer at 0.
        unsafe {
            self.interop
                .device()
                .bind_buffer_memory(buffer.as_raw(), memory.as_raw(), 0)
        }
        .map_err(|result| CollectionImportError::Vulkan {
            command: "vkBindBufferMemory",
            result,
        })?;
        Ok(CollectionBuffer { buffer, memory })
    }
}

impl Drop for BufferCollection {
    fn drop(&mut self) {
        // SAFETY: our collection, destroyed once; resources made from it may outlive it
        // (VUID-vkDestroyBufferCollectionFUCHSIA-collection-06407).
        unsafe {
            (self.fns.destroy_buffer_collection_fuchsia)(
                self.interop.device().handle(),
                self.handle,
                std::ptr::null(),
            )
        };
    }
}
