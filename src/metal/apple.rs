//! The typed, Apple-only half of the Metal API: objc2 objects in, retained objc2 objects out.
//!
//! Compiled only for `target_vendor = "apple"`. It fills the plain-value requests of
//! [`super::validate`] from the objects themselves and adds ownership on top of
//! [`super::memory`]:
//!
//! | operation | takes | returns | reference counting |
//! |---|---|---|---|
//! | properties | `&ProtocolObject<dyn MTL…>` | `memoryTypeBits` | none (borrowed for the call) |
//! | import | `&ProtocolObject<dyn MTL…>` | [`Memory`] | the implementation retains (shared ownership); [`Memory`] also keeps one reference until after `vkFreeMemory` (or until [`Memory::into_raw`], which releases it) |
//! | export | `&Memory` | `Retained<ProtocolObject<dyn MTL…>>` | +1: the spec's pointer is borrowed from the memory, this crate retains it |

use core::ffi::c_void;
use core::ptr::NonNull;

use ash::vk;
use objc2::rc::Retained;
use objc2::runtime::ProtocolObject;
use objc2::Message;
use objc2_metal::{MTLBuffer, MTLHeap, MTLTexture, MTLTextureType};

use super::error::{AllocateError, ExportError, PropertiesError};
use super::handle_type::MetalHandleType;
use super::memory::{Device, Memory};
use super::validate::{ImageShape, ImportRequest, Resource, ResourceHandle};
use crate::external_memory::MemoryTypeRequest;

/// A retained Metal object of one of the three importable kinds.
#[derive(Debug, Clone)]
pub enum MetalObject {
    /// An `id<MTLBuffer>`.
    Buffer(Retained<ProtocolObject<dyn MTLBuffer>>),
    /// An `id<MTLTexture>`.
    Texture(Retained<ProtocolObject<dyn MTLTexture>>),
    /// An `id<MTLHeap>`.
    Heap(Retained<ProtocolObject<dyn MTLHeap>>),
}

impl MetalObject {
    /// The handle type of the object.
    pub fn handle_type(&self) -> MetalHandleType {
        match self {
            Self::Buffer(_) => MetalHandleType::MtlBuffer,
            Self::Texture(_) => MetalHandleType::MtlTexture,
            Self::Heap(_) => MetalHandleType::MtlHeap,
        }
    }

    fn as_non_null(&self) -> NonNull<c_void> {
        match self {
            Self::Buffer(o) => NonNull::from(&**o).cast(),
            Self::Texture(o) => NonNull::from(&**o).cast(),
            Self::Heap(o) => NonNull::from(&**o).cast(),
        }
    }
}

/// The shape of a texture as Vulkan counts it: cube textures have 6 layers per cube.
pub fn texture_shape(texture: &ProtocolObject<dyn MTLTexture>) -> ImageShape {
    let faces = match texture.textureType() {
        MTLTextureType::TypeCube | MTLTextureType::TypeCubeArray => 6,
        _ => 1,
    };
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    ImageShape {
        width: clamp(texture.width()),
        height: clamp(texture.height()),
        array_layers: clamp(texture.arrayLength().saturating_mul(faces)),
        mip_levels: clamp(texture.mipmapLevelCount()),
    }
}

/// How to import an `MTLBuffer` or `MTLHeap`.
#[derive(Clone, Copy, Default)]
pub struct ImportInfo {
    /// How to choose the memory type among those the object and the resource allow.
    pub memory_type: MemoryTypeRequest,
    /// The buffer or image the memory will be bound to, if known (its memory types are then
    /// honoured and a dedicated allocation is chained when `dedicated`).
    pub resource: Option<Resource>,
    /// The `externalMemoryFeatures` the capability query reported for this resource, if asked
    /// (`VUID-VkImportMemoryMetalHandleInfoEXT-handleType-10408`).
    pub features: Option<vk::ExternalMemoryFeatureFlags>,
}

crate::ash_debug::impl_debug!(ImportInfo {
    memory_type,
    resource,
    features: vk,
});

impl Device {
    /// The memory types an `MTLBuffer` can be imported as.
    ///
    /// Wraps `vkGetMemoryMetalHandlePropertiesEXT(MTLBUFFER)`; the buffer is borrowed.
    ///
    /// # Errors
    /// See [`Device::get_memory_metal_handle_properties`].
    pub fn buffer_memory_type_bits(
        &self,
        buffer: &ProtocolObject<dyn MTLBuffer>,
    ) -> Result<u32, PropertiesError> {
        // SAFETY: the reference is a live MTLBuffer for the duration of the call.
        unsafe {
            self.get_memory_metal_handle_properties(
                MetalHandleType::MtlBuffer,
                NonNull::from(buffer).cast(),
            )
        }
    }

    /// The memory types an `MTLTexture` can be imported as.
    ///
    /// Wraps `vkGetMemoryMetalHandlePropertiesEXT(MTLTEXTURE)`; the texture is borrowed.
    ///
    /// # Errors
    /// See [`Device::get_memory_metal_handle_properties`].
    pub fn texture_memory_type_bits(
        &self,
        texture: &ProtocolObject<dyn MTLTexture>,
    ) -> Result<u32, PropertiesError> {
        // SAFETY: the reference is a live MTLTexture for the duration of the call.
        unsafe {
            self.get_memory_metal_handle_properties(
                MetalHandleType::MtlTexture,
                NonNull::from(texture).cast(),
            )
        }
    }

    /// The memory types an `MTLHeap` can be imported as.
    ///
    /// Wraps `vkGetMemoryMetalHandlePropertiesEXT(MTLHEAP)`; the heap is borrowed.
    ///
    /// # Errors
    /// See [`Device::get_memory_metal_handle_properties`].
    pub fn heap_memory_type_bits(
        &self,
        heap: &ProtocolObject<dyn MTLHeap>,
    ) -> Result<u32, PropertiesError> {
        // SAFETY: the reference is a live MTLHeap for the duration of the call.
        unsafe {
            self.get_memory_metal_handle_properties(
                MetalHandleType::MtlHeap,
                NonNull::from(heap).cast(),
            )
        }
    }

    /// Imports an `MTLBuffer`; `allocationSize` is the buffer's `length` (the resource's
    /// requirements size for a dedicated import, which must fit in the buffer).
    ///
    /// Wraps `vkGetMemoryMetalHandlePropertiesEXT`, then `vkAllocateMemory` with
    /// `VkImportMemoryMetalHandleInfoEXT(MTLBUFFER)`. Ownership is **shared**: the caller keeps
    /// its reference, the implementation and the returned [`Memory`] take their own.
    ///
    /// # Errors
    /// [`AllocateError`]: the properties query's errors, the VUIDs of
    /// [`validate_import`](super::validate::validate_import), or the `vkAllocateMemory` codes.
    ///
    /// # Safety
    /// - `info.resource`, if any, must be a buffer or image of this device with those
    ///   requirements.
    pub unsafe fn import_buffer(
        &self,
        buffer: &ProtocolObject<dyn MTLBuffer>,
        info: &ImportInfo,
    ) -> Result<Memory, AllocateError> {
        let size = buffer.length() as vk::DeviceSize;
        // SAFETY: forwarded; the object is a live MTLBuffer.
        unsafe { self.import_sized(MetalObject::Buffer(buffer.retain()), size, info) }
    }

    /// Imports an `MTLHeap`; `allocationSize` is the heap's `size` (the resource's requirements
    /// size for a dedicated import, which must fit in the heap).
    ///
    /// Wraps `vkGetMemoryMetalHandlePropertiesEXT`, then `vkAllocateMemory` with
    /// `VkImportMemoryMetalHandleInfoEXT(MTLHEAP)`. Ownership is shared, as for
    /// [`import_buffer`](Self::import_buffer).
    ///
    /// # Errors
    /// As [`import_buffer`](Self::import_buffer).
    ///
    /// # Safety
    /// As [`import_buffer`](Self::import_buffer).
    pub unsafe fn import_heap(
        &self,
        heap: &ProtocolObject<dyn MTLHeap>,
        info: &ImportInfo,
    ) -> Result<Memory, AllocateError> {
        let size = heap.size() as vk::DeviceSize;
        // SAFETY: forwarded; the object is a live MTLHeap.
        unsafe { self.import_sized(MetalObject::Heap(heap.retain()), size, info) }
    }

    /// # Safety
    /// As [`import_buffer`](Self::import_buffer).
    unsafe fn import_sized(
        &self,
        object: MetalObject,
        size: vk::DeviceSize,
        info: &ImportInfo,
    ) -> Result<Memory, AllocateError> {
        let handle = object.as_non_null();
        // SAFETY: `object` is a live object of its handle type, retained for the call.
        let bits =
            unsafe { self.get_memory_metal_handle_properties(object.handle_type(), handle)? };
        // A dedicated allocation must equal the resource's requirements (02964 / 02965); any
        // other import takes the whole object.
        let allocation_size = match info.resource {
            Some(r) if r.dedicated => r.requirements.size,
            _ => size,
        };
        let request = ImportRequest {
            handle_type: object.handle_type().to_vk(),
            handle_is_null: false,
            handle_memory_type_bits: bits,
            handle_size: size,
            allocation_size,
            memory_type: info.memory_type,
            resource: info.resource,
            shapes: None,
            features: info.features,
        };
        // SAFETY: the request describes `object`; the resource is valid (caller).
        let mut memory = unsafe { self.import_memory(handle, &request)? };
        memory.keep_alive = Some(object);
        Ok(memory)
    }

    /// Imports an `MTLTexture` as the dedicated memory of `image`.
    ///
    /// Wraps `vkGetMemoryMetalHandlePropertiesEXT`, then `vkAllocateMemory` with
    /// `VkImportMemoryMetalHandleInfoEXT(MTLTEXTURE)`, `VkMemoryDedicatedAllocateInfo{image}` and
    /// `allocationSize = 0` (the size comes from the texture). `image_shape` is how `image` was
    /// created; it must match the texture (`VUID-VkMemoryAllocateInfo-pNext-10396`). Ownership is
    /// shared, as for [`import_buffer`](Self::import_buffer).
    ///
    /// # Errors
    /// As [`import_buffer`](Self::import_buffer), including 10395, 10396 and 10397.
    ///
    /// # Safety
    /// - `image` must be an image of this device created with `image_shape`'s extent, layers and
    ///   mip levels and `VkExternalMemoryImageCreateInfo(MTLTEXTURE)`, and `requirements` must be
    ///   its `vkGetImageMemoryRequirements`.
    pub unsafe fn import_texture(
        &self,
        texture: &ProtocolObject<dyn MTLTexture>,
        image: vk::Image,
        image_shape: ImageShape,
        requirements: vk::MemoryRequirements,
        memory_type: MemoryTypeRequest,
    ) -> Result<Memory, AllocateError> {
        let object = MetalObject::Texture(texture.retain());
        let handle = object.as_non_null();
        // SAFETY: `object` is a live MTLTexture, retained for the call.
        let bits = unsafe {
            self.get_memory_metal_handle_properties(MetalHandleType::MtlTexture, handle)?
        };
        let request = ImportRequest {
            handle_type: MetalHandleType::MtlTexture.to_vk(),
            handle_is_null: false,
            handle_memory_type_bits: bits,
            handle_size: 0,
            allocation_size: 0,
            memory_type,
            resource: Some(Resource {
                handle: ResourceHandle::Image(image),
                requirements,
                dedicated: true,
            }),
            shapes: Some((image_shape, texture_shape(texture))),
            features: None,
        };
        // SAFETY: the request describes `texture`; `image` is valid (caller).
        let mut memory = unsafe { self.import_memory(handle, &request)? };
        memory.keep_alive = Some(object);
        Ok(memory)
    }
}

impl Memory {
    /// The Metal object this memory was imported from, if any (a new reference).
    ///
    /// Take it before [`Memory::into_raw`] to keep the object alive until after your own
    /// `vkFreeMemory`: `into_raw` releases the reference this memory held.
    pub fn imported_object(&self) -> Option<MetalObject> {
        self.keep_alive.clone()
    }

    /// Exports the memory as an `MTLBuffer`, **retained** (+1), so it may outlive `self`.
    ///
    /// Wraps `vkGetMemoryMetalHandleEXT(MTLBUFFER)`.
    ///
    /// # Errors
    /// [`ExportError::Validation`] with `VUID-VkMemoryGetMetalHandleInfoEXT-memory-10413` or
    /// `-handleType-10414`; the listed codes.
    pub fn export_buffer(&self) -> Result<Retained<ProtocolObject<dyn MTLBuffer>>, ExportError> {
        let ptr = self.get_memory_metal_handle(MetalHandleType::MtlBuffer)?;
        // SAFETY: on success the driver returns a live MTLBuffer borrowed from the memory, which
        // `self` keeps alive during the retain.
        unsafe { Retained::retain(ptr.as_ptr().cast::<ProtocolObject<dyn MTLBuffer>>()) }
            .ok_or(ExportError::NullHandle)
    }

    /// Exports the memory as an `MTLTexture`, **retained** (+1), so it may outlive `self`.
    ///
    /// Wraps `vkGetMemoryMetalHandleEXT(MTLTEXTURE)`.
    ///
    /// # Errors
    /// As [`export_buffer`](Self::export_buffer).
    pub fn export_texture(&self) -> Result<Retained<ProtocolObject<dyn MTLTexture>>, ExportError> {
        let ptr = self.get_memory_metal_handle(MetalHandleType::MtlTexture)?;
        // SAFETY: on success the driver returns a live MTLTexture borrowed from the memory.
        unsafe { Retained::retain(ptr.as_ptr().cast::<ProtocolObject<dyn MTLTexture>>()) }
            .ok_or(ExportError::NullHandle)
    }

    /// Exports the memory as an `MTLHeap`, **retained** (+1), so it may outlive `self`.
    ///
    /// Wraps `vkGetMemoryMetalHandleEXT(MTLHEAP)`.
    ///
    /// # Errors
    /// As [`export_buffer`](Self::export_buffer).
    pub fn export_heap(&self) -> Result<Retained<ProtocolObject<dyn MTLHeap>>, ExportError> {
        let ptr = self.get_memory_metal_handle(MetalHandleType::MtlHeap)?;
        // SAFETY: on success the driver returns a live MTLHeap borrowed from the memory.
        unsafe { Retained::retain(ptr.as_ptr().cast::<ProtocolObject<dyn MTLHeap>>()) }
            .ok_or(ExportError::NullHandle)
    }
}
