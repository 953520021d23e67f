//! Images, buffers and memory from a `VkBufferCollectionFUCHSIA`: toward the driver, the
//! layer's `ZIRCON_VMO` path.
//!
//! - `vkCreateImage` / `vkCreateBuffer` with `VkBufferCollection{Image,Buffer}CreateInfoFUCHSIA`:
//!   the structure is replaced by `VkExternalMemory*CreateInfo{ZIRCON_VMO}` (then rewritten to
//!   `HOST_ALLOCATION` as for any VMO resource); an image must be `LINEAR`, of the format sysmem
//!   chose, and laid out by the driver as sysmem laid it out (each plane's offset and row
//!   pitch), or it is refused (`VK_ERROR_VALIDATION_FAILED_EXT`) before anything is bound.
//! - `vkAllocateMemory` with `VkImportMemoryBufferCollectionFUCHSIA`: the checks of its VUIDs
//!   (06380 .. 06386, 06406), then a duplicate of buffer `index`'s VMO is imported exactly as
//!   `VkImportMemoryZirconHandleInfoFUCHSIA` imports it (the duplicate is closed if that fails).
//!
//! Chained structures other than those listed at each hook get `VK_ERROR_UNKNOWN` (the layer
//! rebuilds the chain from typed copies, as for the Zircon structures).

use ash::vk::{self, Handle};

use crate::buffer_collection::{allocated, layout_matches, lock, Collection, Collections};
use crate::chain::{self, raw_slice};
use crate::device::Device;
use crate::dispatch as registry;
use crate::zx::{self, Vmo};
use crate::{memory, resource, ZIRCON_VMO};

/// The allocated collection `handle` and buffer `index`, or `refusal`.
fn buffer_of<'a>(
    this: &Device,
    collection: &'a mut Collection,
    index: u32,
    refusal: vk::Result,
) -> Result<&'a crate::buffer_collection::Allocated, vk::Result> {
    let allocated = allocated(this, collection).map_err(|_| refusal)?;
    if index >= allocated.properties.buffer_count {
        return Err(refusal);
    }
    Ok(allocated)
}

/// The device's collections, for a chain with a collection structure: the extension must be
/// enabled, and the rest of the chain (`unknown`: a structure the layer does not know) empty of
/// anything the layer cannot forward.
fn collections(this: &Device, unknown: bool) -> Result<&Collections, vk::Result> {
    let collections = this
        .collections()
        .ok_or(vk::Result::ERROR_EXTENSION_NOT_PRESENT)?;
    if unknown {
        return Err(vk::Result::ERROR_UNKNOWN);
    }
    Ok(collections)
}

/// `vkCreateBuffer` / `vkCreateImage` with `VkBufferCollection{Buffer,Image}CreateInfoFUCHSIA`
/// naming buffer `index` of collection `handle`: the checks both structures have
/// (VUID-VkBufferCollection{Buffer,Image}CreateInfoFUCHSIA-collection-parameter, -index-06388 /
/// -index-06391), then `check` of what the resource needs of the allocated collection, then
/// `create` (with the collection unlocked). The resource is recorded as made from that buffer
/// (for VUID-VkMemoryAllocateInfo-buffer-06380 / -image-06381) and written to `p_out`.
///
/// # Safety
/// `p_out` is a valid, writable pointer (VUID-vkCreateBuffer-pBuffer-parameter /
/// VUID-vkCreateImage-pImage-parameter).
unsafe fn create_from_collection<C, R: Handle + Copy>(
    this: &Device,
    (handle, index): (vk::BufferCollectionFUCHSIA, u32),
    unknown: bool,
    check: impl FnOnce(&Collection) -> Result<C, vk::Result>,
    create: impl FnOnce(C) -> Result<R, vk::Result>,
    p_out: *mut R,
) -> vk::Result {
    let result = (|| {
        let collections = collections(this, unknown)?;
        let refusal = vk::Result::ERROR_VALIDATION_FAILED_EXT;
        let collection = collections.get(handle).ok_or(refusal)?;
        let mut collection = lock(&collection);
        buffer_of(this, &mut collection, index, refusal)?;
        let checked = check(&collection)?;
        drop(collection);
        let resource = create(checked)?;
        lock(&collections.resources).insert(resource.as_raw(), (handle, index));
        Ok(resource)
    })();
    match result {
        Ok(resource) => {
            // SAFETY: the caller's contract.
            unsafe { *p_out = resource };
            vk::Result::SUCCESS
        }
        Err(e) => e,
    }
}

/// `vkCreateImage` when the chain has `VkBufferCollectionImageCreateInfoFUCHSIA`; `None`
/// otherwise (the caller goes on as usual).
///
/// # Safety
/// As `vkCreateImage`.
pub(crate) unsafe fn create_image(
    device: vk::Device,
    p_create_info: *const vk::ImageCreateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_image: *mut vk::Image,
) -> Option<vk::Result> {
    // SAFETY: a valid pointer to a valid structure (VUID-vkCreateImage-pCreateInfo-parameter).
    let info = unsafe { &*p_create_info };
    let mut from = None;
    let mut external = vk::ExternalMemoryImageCreateInfo::default();
    let mut format_list = None;
    let mut unknown = false;
    let visit = |node: chain::Node<'_>| {
        if let Some(s) = node.get::<vk::BufferCollectionImageCreateInfoFUCHSIA<'_>>() {
            from = Some((s.collection, s.index));
        } else if let Some(s) = node.get::<vk::ExternalMemoryImageCreateInfo<'_>>() {
            external.handle_types = s.handle_types;
        } else if let Some(s) = node.get::<vk::ImageFormatListCreateInfo<'_>>() {
            format_list = Some(s);
        } else {
            unknown = true;
        }
    };
    // SAFETY: the chain of a valid VkImageCreateInfo is valid and, borrowed with `info`,
    // stays live and unwritten.
    unsafe { chain::walk(info.p_next, visit) };
    let from = from?;
    let this = registry::device(device)?;
    let refusal = vk::Result::ERROR_VALIDATION_FAILED_EXT;
    // VUID-VkBufferCollectionImageCreateInfoFUCHSIA-index-06391: also LINEAR, of the format
    // sysmem chose, of a size sysmem can lay out.
    let check = |collection: &Collection| {
        let chosen = (collection.allocated.as_ref())
            .and_then(|allocated| allocated.chosen.as_ref())
            .ok_or(refusal)?;
        let same_pixels = crate::buffer_collection_constraints::pixel_format(info.format)
            == Some(chosen.pixel_format);
        if info.tiling != vk::ImageTiling::LINEAR || !same_pixels {
            return Err(refusal);
        }
        let planes = collection
            .sysmem()
            .and_then(|s| s.planes(info.extent.width, info.extent.height))
            .ok_or(refusal)?;
        Ok((chosen.pixel_format, planes))
    };
    let create = |(chosen_pixel_format, planes): (_, Vec<_>)| {
        external.handle_types |= ZIRCON_VMO;
        let formats: &[vk::Format] = match &format_list {
            // SAFETY: a valid VkImageFormatListCreateInfo addresses its formats.
            Some(list) => unsafe { raw_slice(list.p_view_formats, list.view_format_count) },
            None => &[],
        };
        let mut list = vk::ImageFormatListCreateInfo::default().view_formats(formats);
        let mut rewritten = vk::ImageCreateInfo {
            p_next: std::ptr::null(),
            ..*info
        }
        .push_next(&mut external);
        if format_list.is_some() {
            rewritten = rewritten.push_next(&mut list);
        }
        let mut image = vk::Image::null();
        // SAFETY: the application's create info with the collection structure replaced
        // by typed copies built with push_next; the layer's own vkCreateImage.
        let result = unsafe { resource::create_image(device, &rewritten, p_allocator, &mut image) };
        result.result()?;
        if !layout_matches(&this, image, chosen_pixel_format, &planes) {
            // SAFETY: made above, never handed out.
            unsafe { resource::destroy_image(device, image, p_allocator) };
            return Err(refusal);
        }
        Ok(image)
    };
    // SAFETY: a valid, writable pointer (VUID-vkCreateImage-pImage-parameter).
    Some(unsafe { create_from_collection(&this, from, unknown, check, create, p_image) })
}

/// `vkCreateBuffer` when the chain has `VkBufferCollectionBufferCreateInfoFUCHSIA`; `None`
/// otherwise.
///
/// # Safety
/// As `vkCreateBuffer`.
pub(crate) unsafe fn create_buffer(
    device: vk::Device,
    p_create_info: *const vk::BufferCreateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_buffer: *mut vk::Buffer,
) -> Option<vk::Result> {
    // SAFETY: a valid pointer to a valid structure (VUID-vkCreateBuffer-pCreateInfo-parameter).
    let info = unsafe { &*p_create_info };
    let mut from = None;
    let mut external = vk::ExternalMemoryBufferCreateInfo::default();
    let mut unknown = false;
    let visit = |node: chain::Node<'_>| {
        if let Some(s) = node.get::<vk::BufferCollectionBufferCreateInfoFUCHSIA<'_>>() {
            from = Some((s.collection, s.index));
        } else if let Some(s) = node.get::<vk::ExternalMemoryBufferCreateInfo<'_>>() {
            external.handle_types = s.handle_types;
        } else {
            unknown = true;
        }
    };
    // SAFETY: the chain of a valid VkBufferCreateInfo is valid and stays live and unwritten.
    unsafe { chain::walk(info.p_next, visit) };
    let from = from?;
    let this = registry::device(device)?;
    let create = |()| {
        external.handle_types |= ZIRCON_VMO;
        let rewritten = vk::BufferCreateInfo {
            p_next: std::ptr::null(),
            ..*info
        }
        .push_next(&mut external);
        let mut buffer = vk::Buffer::null();
        // SAFETY: the application's create info with the collection structure replaced;
        // the layer's own vkCreateBuffer.
        let result =
            unsafe { resource::create_buffer(device, &rewritten, p_allocator, &mut buffer) };
        result.result()?;
        Ok(buffer)
    };
    // VUID-VkBufferCollectionBufferCreateInfoFUCHSIA-index-06388: nothing more than the index.
    let check = |_: &Collection| Ok(());
    // SAFETY: a valid, writable pointer (VUID-vkCreateBuffer-pBuffer-parameter).
    Some(unsafe { create_from_collection(&this, from, unknown, check, create, p_buffer) })
}

/// Forgets a destroyed buffer or image (its raw handle).
pub(crate) fn forget(this: &Device, raw: u64) {
    if let Some(collections) = this.collections() {
        lock(&collections.resources).remove(&raw);
    }
}

/// `vkAllocateMemory` when the chain has `VkImportMemoryBufferCollectionFUCHSIA`; `None`
/// otherwise.
///
/// # Safety
/// As `vkAllocateMemory`.
pub(crate) unsafe fn allocate_memory(
    device: vk::Device,
    p_allocate_info: *const vk::MemoryAllocateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_memory: *mut vk::DeviceMemory,
) -> Option<vk::Result> {
    // SAFETY: a valid pointer to a valid structure (VUID-vkAllocateMemory-pAllocateInfo-
    // parameter).
    let info = unsafe { &*p_allocate_info };
    let mut from = None;
    let mut dedicated = None;
    let mut flags = None;
    let mut priority = None;
    let mut unknown = false;
    let visit = |node: chain::Node<'_>| {
        if let Some(s) = node.get::<vk::ImportMemoryBufferCollectionFUCHSIA<'_>>() {
            from = Some((s.collection, s.index));
        } else if let Some(s) = node.get::<vk::MemoryDedicatedAllocateInfo<'_>>() {
            dedicated = Some((s.image, s.buffer));
        } else if let Some(s) = node.get::<vk::MemoryAllocateFlagsInfo<'_>>() {
            flags = Some((s.flags, s.device_mask));
        } else if let Some(s) = node.get::<vk::MemoryPriorityAllocateInfoEXT<'_>>() {
            priority = Some(s.priority);
        } else {
            unknown = true;
        }
    };
    // SAFETY: the chain of a valid VkMemoryAllocateInfo is valid and stays live and unwritten.
    unsafe { chain::walk(info.p_next, visit) };
    let (handle, index) = from?;
    let this = registry::device(device)?;
    let invalid = vk::Result::ERROR_INVALID_EXTERNAL_HANDLE;
    Some(
        (|| {
            let collections = collections(&this, unknown)?;
            // VUID-VkMemoryAllocateInfo-pNext-06383: dedicated to exactly one resource.
            let (image, buffer) = dedicated.ok_or(invalid)?;
            let raw = match (image.is_null(), buffer.is_null()) {
                (false, true) => image.as_raw(),
                (true, false) => buffer.as_raw(),
                _ => return Err(invalid),
            };
            // VUID-VkMemoryAllocateInfo-image-06384 / -buffer-06385 (made with the collection
            // structure) and -image-06381 / -buffer-06380 (this collection, this index).
            if lock(&collections.resources).get(&raw) != Some(&(handle, index)) {
                return Err(invalid);
            }
            // VUID-VkImportMemoryBufferCollectionFUCHSIA-collection-parameter.
            let collection = collections.get(handle).ok_or(invalid)?;
            let mut collection = lock(&collection);
            // VUID-VkImportMemoryBufferCollectionFUCHSIA-index-06406.
            let allocated = buffer_of(&this, &mut collection, index, invalid)?;
            // VUID-VkMemoryAllocateInfo-memoryTypeIndex-06386.
            let bits = allocated.properties.memory_type_bits;
            if info.memory_type_index >= 32 || bits & (1 << info.memory_type_index) == 0 {
                return Err(invalid);
            }
            // VUID-VkMemoryAllocateInfo-allocationSize-06382.
            let requirements = if image.is_null() {
                // SAFETY: a live buffer of this device (it is in the resource map).
                unsafe { this.fns().get_buffer_memory_requirements(buffer) }
            } else {
                // SAFETY: a live image of this device.
                unsafe { this.fns().get_image_memory_requirements(image) }
            };
            if info.allocation_size != requirements.size {
                return Err(invalid);
            }
            let vmo = allocated.vmos[index as usize]
                .unowned()
                .duplicate(zx::ZX_RIGHT_SAME_RIGHTS)
                .map_err(|_| vk::Result::ERROR_OUT_OF_HOST_MEMORY)?;
            drop(collection);
            let raw_vmo = vmo.into_raw();
            let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
                .handle_type(ZIRCON_VMO)
                .handle(raw_vmo);
            let mut dedicated_info = vk::MemoryDedicatedAllocateInfo::default()
                .image(image)
                .buffer(buffer);
            let mut flags_info = flags.map(|(f, mask)| {
                vk::MemoryAllocateFlagsInfo::default()
                    .flags(f)
                    .device_mask(mask)
            });
            let mut priority_info =
                priority.map(|p| vk::MemoryPriorityAllocateInfoEXT::default().priority(p));
            let mut rewritten = vk::MemoryAllocateInfo::default()
                .allocation_size(info.allocation_size)
                .memory_type_index(info.memory_type_index)
                .push_next(&mut import)
                .push_next(&mut dedicated_info);
            if let Some(f) = flags_info.as_mut() {
                rewritten = rewritten.push_next(f);
            }
            if let Some(p) = priority_info.as_mut() {
                rewritten = rewritten.push_next(p);
            }
            // SAFETY: a chain of typed copies built with push_next; the handle is a fresh
            // duplicate the import takes on success only; the layer's own vkAllocateMemory.
            let result =
                unsafe { memory::allocate_memory(device, &rewritten, p_allocator, p_memory) };
            if result != vk::Result::SUCCESS {
                // SAFETY: the import failed, so the duplicate is still ours (taken on success
                // only) and nothing else closes it.
                drop(unsafe { Vmo::from_raw(raw_vmo) });
            }
            result.result()
        })()
        .err()
        .unwrap_or(vk::Result::SUCCESS),
    )
}
