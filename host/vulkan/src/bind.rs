//! What the GPU may do with read-only memory (a VMO imported without WRITE, mapped read-only):
//! read it. The layer refuses, at bind time, every resource that could write it, and refuses to
//! map it for the host, so that a write is refused up front rather than faulting on the
//! read-only pages (or being silently dropped).
//!
//! May be bound to read-only memory:
//! - buffers whose usages are all among TRANSFER_SRC, UNIFORM_TEXEL_BUFFER, UNIFORM_BUFFER,
//!   INDEX_BUFFER, VERTEX_BUFFER and INDIRECT_BUFFER, with no create flags;
//! - LINEAR images whose usages are all among TRANSFER_SRC, SAMPLED and INPUT_ATTACHMENT, with
//!   no create flags (optimal tiling may write compression or layout metadata on a transition).
//!
//! Anything else (a write usage, a resource the layer did not see created for `ZIRCON_VMO`
//! memory) is refused with `VK_ERROR_VALIDATION_FAILED_EXT`, and `vkMapMemory` of read-only
//! memory with `VK_ERROR_MEMORY_MAP_FAILED` (a host write through the pointer would fault):
//! read it through the VMO.

use ash::vk;

use crate::chain::raw_slice;
use crate::device::Device;
use crate::dispatch as registry;
use crate::resource::{Resource, ResourceDescription};

const READ_BUFFER_USAGES: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw()
        | vk::BufferUsageFlags::UNIFORM_TEXEL_BUFFER.as_raw()
        | vk::BufferUsageFlags::UNIFORM_BUFFER.as_raw()
        | vk::BufferUsageFlags::INDEX_BUFFER.as_raw()
        | vk::BufferUsageFlags::VERTEX_BUFFER.as_raw()
        | vk::BufferUsageFlags::INDIRECT_BUFFER.as_raw(),
);
const READ_IMAGE_USAGES: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::TRANSFER_SRC.as_raw()
        | vk::ImageUsageFlags::SAMPLED.as_raw()
        | vk::ImageUsageFlags::INPUT_ATTACHMENT.as_raw(),
);

/// Whether `description` can only read the memory it is bound to.
pub(crate) fn reads_only(description: &ResourceDescription) -> bool {
    match description {
        ResourceDescription::Buffer { flags, usage, .. } => {
            flags.is_empty() && READ_BUFFER_USAGES.contains(*usage)
        }
        ResourceDescription::Image {
            flags,
            usage,
            tiling,
            ..
        } => {
            flags.is_empty()
                && *tiling == vk::ImageTiling::LINEAR
                && READ_IMAGE_USAGES.contains(*usage)
        }
    }
}

/// Whether binding `resource` to `memory` is allowed: always, unless the memory is read-only
/// and the resource could write it.
fn allowed(this: &Device, resource: Resource, memory: vk::DeviceMemory) -> bool {
    let Some(state) = this.lock() else {
        return true;
    };
    if !state.memories.get(&memory).is_some_and(|r| r.read_only) {
        return true;
    }
    state.resources.get(&resource).is_some_and(reads_only)
}

/// A bind command (`vkBind{Buffer,Image}Memory`, `vkBind{Buffer,Image}Memory2`): refused with
/// `VK_ERROR_VALIDATION_FAILED_EXT` unless every one of its `bindings` is allowed (checked
/// before anything is bound: all or none), else `forward`ed to the driver.
fn bind(
    device: vk::Device,
    bindings: impl IntoIterator<Item = (Resource, vk::DeviceMemory)>,
    forward: impl FnOnce(&ash::Device) -> vk::Result,
) -> vk::Result {
    let Some(this) = registry::device(device) else {
        return vk::Result::ERROR_DEVICE_LOST;
    };
    if !(bindings.into_iter()).all(|(resource, memory)| allowed(&this, resource, memory)) {
        return vk::Result::ERROR_VALIDATION_FAILED_EXT;
    }
    forward(this.fns())
}

pub(crate) unsafe extern "system" fn bind_buffer_memory(
    device: vk::Device,
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
    offset: vk::DeviceSize,
) -> vk::Result {
    bind(device, [(Resource::Buffer(buffer), memory)], |fns| {
        // SAFETY: the application's valid call, forwarded.
        unsafe { (fns.fp_v1_0().bind_buffer_memory)(device, buffer, memory, offset) }
    })
}

pub(crate) unsafe extern "system" fn bind_image_memory(
    device: vk::Device,
    image: vk::Image,
    memory: vk::DeviceMemory,
    offset: vk::DeviceSize,
) -> vk::Result {
    bind(device, [(Resource::Image(image), memory)], |fns| {
        // SAFETY: the application's valid call, forwarded.
        unsafe { (fns.fp_v1_0().bind_image_memory)(device, image, memory, offset) }
    })
}

pub(crate) unsafe extern "system" fn bind_buffer_memory2(
    device: vk::Device,
    count: u32,
    p_infos: *const vk::BindBufferMemoryInfo<'_>,
) -> vk::Result {
    // SAFETY: a valid array of `count` structures (VUID-vkBindBufferMemory2-pBindInfos-parameter).
    let infos = unsafe { raw_slice(p_infos, count) };
    let bindings = infos.iter().map(|i| (Resource::Buffer(i.buffer), i.memory));
    bind(device, bindings, |fns| {
        // SAFETY: the application's valid call, forwarded.
        unsafe { (fns.fp_v1_1().bind_buffer_memory2)(device, count, p_infos) }
    })
}

pub(crate) unsafe extern "system" fn bind_image_memory2(
    device: vk::Device,
    count: u32,
    p_infos: *const vk::BindImageMemoryInfo<'_>,
) -> vk::Result {
    // SAFETY: a valid array of `count` structures (VUID-vkBindImageMemory2-pBindInfos-parameter).
    let infos = unsafe { raw_slice(p_infos, count) };
    let bindings = infos.iter().map(|i| (Resource::Image(i.image), i.memory));
    bind(device, bindings, |fns| {
        // SAFETY: the application's valid call, forwarded.
        unsafe { (fns.fp_v1_1().bind_image_memory2)(device, count, p_infos) }
    })
}

pub(crate) unsafe extern "system" fn map_memory(
    device: vk::Device,
    memory: vk::DeviceMemory,
    offset: vk::DeviceSize,
    size: vk::DeviceSize,
    flags: vk::MemoryMapFlags,
    pp_data: *mut *mut std::ffi::c_void,
) -> vk::Result {
    let Some(this) = registry::device(device) else {
        return vk::Result::ERROR_DEVICE_LOST;
    };
    let read_only = this
        .lock()
        .is_some_and(|s| s.memories.get(&memory).is_some_and(|r| r.read_only));
    if read_only {
        return vk::Result::ERROR_MEMORY_MAP_FAILED;
    }
    // SAFETY: the application's valid call, forwarded.
    unsafe { (this.fns().fp_v1_0().map_memory)(device, memory, offset, size, flags, pp_data) }
}
