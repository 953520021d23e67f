//! `VK_FUCHSIA_buffer_collection`: the five commands, over the registered sysmem backend
//! ([`crate::sysmem_driver`]).
//!
//! | command | what the layer does |
//! |---|---|
//! | `vkCreateBufferCollectionFUCHSIA` | the backend checks the token is one sysmem knows and binds it; a handle that is not a live token gives `VK_ERROR_INVALID_EXTERNAL_HANDLE` and stays the application's; on success the token is the layer's |
//! | `vkSetBufferCollectionImageConstraintsFUCHSIA` | checks the valid usage (VUIDs at each check), keeps the `LINEAR` 2D formats the driver supports with the required features in VMO memory (`VK_ERROR_FORMAT_NOT_SUPPORTED` if none), and sets sysmem constraints with the driver's row pitch and alignment (see `buffer_collection_constraints`) |
//! | `vkSetBufferCollectionBufferConstraintsFUCHSIA` | sysmem constraints from the buffer's size, usage and memory requirements |
//! | `vkGetBufferCollectionPropertiesFUCHSIA` | waits for the allocation (`VK_ERROR_INITIALIZATION_FAILED` when sysmem cannot meet every participant's constraints), checks that the driver's linear layout of the chosen create info is sysmem's (else the same error), and reports the memory types a VMO mapping of the buffers can have within the resource's requirements |
//! | `vkDestroyBufferCollectionFUCHSIA` | releases the collection (`Node.Release`) and closes the layer's VMO handles; images, buffers and memory made from it live on (VUID-vkDestroyBufferCollectionFUCHSIA-collection-06407) |
//!
//! Images, buffers and memory made from a collection are the `ZIRCON_VMO` path underneath
//! (`buffer_collection_resource`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ash::vk::{self, Handle};

use crate::buffer_collection_constraints::{self as constraints, Offered, Recorded};
use crate::device::Device;
use crate::dispatch as registry;
use crate::sysmem_driver::{self, Allocation, SysmemCollection, SysmemError};
use crate::zx::{self, Vmo};

/// What the layer keeps for one `VkBufferCollectionFUCHSIA`.
pub(crate) struct Collection {
    /// The participant's sysmem collection; released on destroy.
    sysmem: Option<Box<dyn SysmemCollection>>,
    /// What the set-constraints call recorded.
    pub(crate) recorded: Option<Recorded>,
    /// The allocation and the properties reported, once waited for.
    pub(crate) allocated: Option<Allocated>,
}

/// An allocated collection as the layer reports it.
pub(crate) struct Allocated {
    /// The layer's VMO handle of each buffer.
    pub(crate) vmos: Vec<Vmo>,
    pub(crate) properties: Properties,
    /// For image collections: the chosen format constraint.
    pub(crate) chosen: Option<Offered>,
}

/// `VkBufferCollectionPropertiesFUCHSIA`, as plain values.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Properties {
    pub(crate) memory_type_bits: u32,
    pub(crate) buffer_count: u32,
    pub(crate) create_info_index: u32,
    pub(crate) sysmem_pixel_format: u64,
    pub(crate) format_features: vk::FormatFeatureFlags,
    pub(crate) color_space: u32,
    pub(crate) ycbcr_model: vk::SamplerYcbcrModelConversion,
    pub(crate) ycbcr_range: vk::SamplerYcbcrRange,
    pub(crate) x_chroma_offset: vk::ChromaLocation,
    pub(crate) y_chroma_offset: vk::ChromaLocation,
}

/// The collections of one device, and which resources were created from them.
#[derive(Default)]
pub(crate) struct Collections {
    map: Mutex<HashMap<vk::BufferCollectionFUCHSIA, Arc<Mutex<Collection>>>>,
    /// Buffers and images (raw handles) created with `VkBufferCollection*CreateInfoFUCHSIA`:
    /// their collection and index (VUID-VkMemoryAllocateInfo-buffer-06380 / -image-06381).
    pub(crate) resources: Mutex<HashMap<u64, (vk::BufferCollectionFUCHSIA, u32)>>,
}

impl Collections {
    pub(crate) fn get(
        &self,
        handle: vk::BufferCollectionFUCHSIA,
    ) -> Option<Arc<Mutex<Collection>>> {
        lock(&self.map).get(&handle).cloned()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update is a single insert, remove or assignment: consistent across panics.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Collection {
    /// The participant's sysmem collection.
    pub(crate) fn sysmem(&self) -> Option<&dyn SysmemCollection> {
        self.sysmem.as_deref()
    }
}

impl Drop for Collection {
    fn drop(&mut self) {
        if let Some(sysmem) = self.sysmem.take() {
            sysmem.release();
        }
    }
}

/// Handle values for collections, unique in the process.
static NEXT_HANDLE: AtomicU64 = AtomicU64::new(0x00c0_11ec_0000_0001);

/// The device and its collections, if the extension is enabled on it.
fn enabled(device: vk::Device) -> Result<Arc<Device>, vk::Result> {
    let this = registry::device(device).ok_or(vk::Result::ERROR_DEVICE_LOST)?;
    if this.collections().is_none() {
        return Err(vk::Result::ERROR_EXTENSION_NOT_PRESENT);
    }
    Ok(this)
}

pub(crate) unsafe extern "system" fn create_buffer_collection(
    device: vk::Device,
    p_create_info: *const vk::BufferCollectionCreateInfoFUCHSIA<'_>,
    _p_allocator: *const vk::AllocationCallbacks<'_>,
    p_collection: *mut vk::BufferCollectionFUCHSIA,
) -> vk::Result {
    let this = match enabled(device) {
        Ok(this) => this,
        Err(e) => return e,
    };
    // SAFETY: a valid pointer to a valid structure
    // (VUID-vkCreateBufferCollectionFUCHSIA-pCreateInfo-parameter).
    let info = unsafe { &*p_create_info };
    // SAFETY: a valid, writable pointer (VUID-vkCreateBufferCollectionFUCHSIA-pCollection-
    // parameter) that nothing else accesses during the call.
    let out = unsafe { &mut *p_collection };
    if !info.p_next.is_null() {
        // VUID-VkBufferCollectionCreateInfoFUCHSIA-pNext-pNext.
        return vk::Result::ERROR_VALIDATION_FAILED_EXT;
    }
    let Some(driver) = sysmem_driver::driver() else {
        return vk::Result::ERROR_INITIALIZATION_FAILED;
    };
    // VUID-VkBufferCollectionCreateInfoFUCHSIA-collectionToken-06393: a token sysmem knows.
    let sysmem = match driver.bind_shared_collection(info.collection_token) {
        Ok(sysmem) => sysmem,
        Err(SysmemError::NotAToken) => return vk::Result::ERROR_INVALID_EXTERNAL_HANDLE,
        Err(_) => return vk::Result::ERROR_INITIALIZATION_FAILED,
    };
    let handle = vk::BufferCollectionFUCHSIA::from_raw(NEXT_HANDLE.fetch_add(1, Ordering::Relaxed));
    let collection = Collection {
        sysmem: Some(sysmem),
        recorded: None,
        allocated: None,
    };
    if let Some(collections) = this.collections() {
        lock(&collections.map).insert(handle, Arc::new(Mutex::new(collection)));
    }
    *out = handle;
    vk::Result::SUCCESS
}

pub(crate) unsafe extern "system" fn destroy_buffer_collection(
    device: vk::Device,
    collection: vk::BufferCollectionFUCHSIA,
    _p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    let Ok(this) = enabled(device) else { return };
    let removed = this
        .collections()
        .and_then(|c| lock(&c.map).remove(&collection));
    // Released (and its VMO handles closed) when the last user lets go, here normally.
    drop(removed);
}

/// The collection `handle` of `device`, or the VUID-…-collection-parameter refusal.
fn collection(
    this: &Device,
    handle: vk::BufferCollectionFUCHSIA,
) -> Result<Arc<Mutex<Collection>>, vk::Result> {
    this.collections()
        .and_then(|c| c.get(handle))
        .ok_or(vk::Result::ERROR_VALIDATION_FAILED_EXT)
}

fn map_sysmem(e: SysmemError) -> vk::Result {
    match e {
        SysmemError::NoMemory => vk::Result::ERROR_OUT_OF_DEVICE_MEMORY,
        _ => vk::Result::ERROR_INITIALIZATION_FAILED,
    }
}

/// `vkSetBufferCollection{Image,Buffer}ConstraintsFUCHSIA`: the collection `handle`
/// (VUID-…-collection-parameter), refused if its constraints are already set (the command's
/// VUID, -collection-06394 / -collection-06403), then `constraints` (the sysmem constraints and
/// what to record of them, from the command's info) set on sysmem and recorded.
fn set_constraints(
    device: vk::Device,
    handle: vk::BufferCollectionFUCHSIA,
    constraints: impl FnOnce(&Device) -> Result<(sysmem_driver::Constraints, Recorded), vk::Result>,
) -> vk::Result {
    let result = (|| {
        let this = enabled(device)?;
        let collection = collection(&this, handle)?;
        let mut collection = lock(&collection);
        if collection.recorded.is_some() {
            return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT);
        }
        let (sysmem_constraints, recorded) = constraints(&this)?;
        let sysmem = collection
            .sysmem
            .as_mut()
            .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
        sysmem
            .set_constraints(sysmem_constraints)
            .map_err(map_sysmem)?;
        collection.recorded = Some(recorded);
        Ok(())
    })();
    result.err().unwrap_or(vk::Result::SUCCESS)
}

pub(crate) unsafe extern "system" fn set_buffer_collection_image_constraints(
    device: vk::Device,
    collection_handle: vk::BufferCollectionFUCHSIA,
    p_image_constraints_info: *const vk::ImageConstraintsInfoFUCHSIA<'_>,
) -> vk::Result {
    // VUID-vkSetBufferCollectionImageConstraintsFUCHSIA-collection-06394: once.
    set_constraints(device, collection_handle, |this| {
        // SAFETY: a valid pointer to a valid structure (VUID-vkSetBufferCollectionImage
        // ConstraintsFUCHSIA-pImageConstraintsInfo-parameter).
        let info = unsafe { &*p_image_constraints_info };
        let instance = registry::instance_of(this.physical_device())
            .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
        // SAFETY: as above, with its arrays.
        let offered =
            unsafe { constraints::image_constraints(&instance, this.physical_device(), info) }?;
        let sysmem_constraints = constraints::image_sysmem_constraints(this, &offered, info)?;
        Ok((sysmem_constraints, Recorded::Images(offered)))
    })
}

pub(crate) unsafe extern "system" fn set_buffer_collection_buffer_constraints(
    device: vk::Device,
    collection_handle: vk::BufferCollectionFUCHSIA,
    p_buffer_constraints_info: *const vk::BufferConstraintsInfoFUCHSIA<'_>,
) -> vk::Result {
    // VUID-vkSetBufferCollectionBufferConstraintsFUCHSIA-collection-06403: once.
    set_constraints(device, collection_handle, |this| {
        // SAFETY: a valid pointer to a valid structure (VUID-vkSetBufferCollectionBuffer
        // ConstraintsFUCHSIA-pBufferConstraintsInfo-parameter).
        let info = unsafe { &*p_buffer_constraints_info };
        constraints::buffer_constraints(this, info)
    })
}

pub(crate) unsafe extern "system" fn get_buffer_collection_properties(
    device: vk::Device,
    collection_handle: vk::BufferCollectionFUCHSIA,
    p_properties: *mut vk::BufferCollectionPropertiesFUCHSIA<'_>,
) -> vk::Result {
    let result = (|| {
        let this = enabled(device)?;
        let collection = collection(&this, collection_handle)?;
        let mut collection = lock(&collection);
        allocated(&this, &mut collection).map(|a| a.properties)
    })();
    match result {
        Ok(p) => {
            // SAFETY: a valid, writable pointer (VUID-vkGetBufferCollectionPropertiesFUCHSIA-
            // pProperties-parameter) that nothing else accesses during the call.
            let out = unsafe { &mut *p_properties };
            out.memory_type_bits = p.memory_type_bits;
            out.buffer_count = p.buffer_count;
            out.create_info_index = p.create_info_index;
            out.sysmem_pixel_format = p.sysmem_pixel_format;
            out.format_features = p.format_features;
            out.sysmem_color_space_index.color_space = p.color_space;
            out.sampler_ycbcr_conversion_components = vk::ComponentMapping::default();
            out.suggested_ycbcr_model = p.ycbcr_model;
            out.suggested_ycbcr_range = p.ycbcr_range;
            out.suggested_x_chroma_offset = p.x_chroma_offset;
            out.suggested_y_chroma_offset = p.y_chroma_offset;
            vk::Result::SUCCESS
        }
        Err(e) => e,
    }
}

/// The collection's allocation, waited for on first use.
pub(crate) fn allocated<'a>(
    this: &Device,
    collection: &'a mut Collection,
) -> Result<&'a Allocated, vk::Result> {
    if collection.allocated.is_none() {
        let Some(recorded) = collection.recorded.clone() else {
            // VUID-vkGetBufferCollectionPropertiesFUCHSIA-None-06405.
            return Err(vk::Result::ERROR_VALIDATION_FAILED_EXT);
        };
        let sysmem = collection
            .sysmem
            .as_mut()
            .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
        let allocation = sysmem
            .wait_for_all_buffers_allocated()
            .map_err(map_sysmem)?;
        let allocated = properties(this, &**sysmem, &recorded, allocation)?;
        collection.allocated = Some(allocated);
    }
    collection
        .allocated
        .as_ref()
        .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)
}

/// What the layer reports for an allocation (and the VMOs it keeps).
fn properties(
    this: &Device,
    sysmem: &dyn SysmemCollection,
    recorded: &Recorded,
    allocation: Allocation,
) -> Result<Allocated, vk::Result> {
    // Own every handle first, so that each one is closed on every path below.
    let mut vmos = Vec::with_capacity(allocation.buffers.len());
    let mut missing = false;
    let mut starts_at_zero = true;
    for buffer in allocation.buffers {
        starts_at_zero &= buffer.vmo_usable_start == 0;
        match buffer.vmo {
            // SAFETY: the backend hands over owned handles.
            Some(raw) => vmos.push(unsafe { Vmo::from_raw(raw) }),
            None => missing = true,
        }
    }
    if missing || vmos.is_empty() || !starts_at_zero {
        // A participant with usage always gets VMOs; the ZIRCON_VMO import binds at 0.
        return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
    }
    let (facts_vmo, facts) = zx::UnownedVmo::check(vmos[0].unowned().raw())
        .map_err(|_| vk::Result::ERROR_INITIALIZATION_FAILED)?;
    let writable = facts.rights & zx::ZX_RIGHT_WRITE != 0;
    let vmo_bits = this.vmo_memory_type_bits(facts_vmo, facts.size, writable)?;
    let mut properties = Properties {
        buffer_count: vmos.len() as u32,
        ..Properties::default()
    };
    let chosen = match recorded {
        Recorded::Buffer {
            size,
            usage,
            flags,
            required_features,
        } => {
            let mut external =
                vk::ExternalMemoryBufferCreateInfo::default().handle_types(crate::HOST_ALLOCATION);
            let probe = vk::BufferCreateInfo::default()
                .flags(*flags)
                .size(*size)
                .usage(*usage)
                .sharing_mode(vk::SharingMode::EXCLUSIVE)
                .push_next(&mut external);
            // SAFETY: a complete create info, accepted at set-constraints time; destroyed below.
            let buffer = unsafe { this.fns().create_buffer(&probe, None) }?;
            // SAFETY: a live buffer of this device.
            let requirements = unsafe { this.fns().get_buffer_memory_requirements(buffer) };
            // SAFETY: made above, unused since.
            unsafe { this.fns().destroy_buffer(buffer, None) };
            if requirements.size > facts.size {
                return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
            }
            properties.memory_type_bits = vmo_bits & requirements.memory_type_bits;
            properties.format_features = *required_features;
            properties.ycbcr_model = vk::SamplerYcbcrModelConversion::RGB_IDENTITY;
            properties.ycbcr_range = vk::SamplerYcbcrRange::ITU_FULL;
            None
        }
        Recorded::Images(offered) => {
            let image = allocation
                .image
                .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
            let chosen = offered
                .iter()
                .find(|o| {
                    o.pixel_format == image.pixel_format
                        && o.color_spaces.contains(&image.color_space)
                })
                .cloned()
                .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
            let requirements = check_layout(this, sysmem, &chosen)?;
            if requirements.size > facts.size {
                return Err(vk::Result::ERROR_INITIALIZATION_FAILED);
            }
            let instance = registry::instance_of(this.physical_device())
                .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
            // SAFETY: the physical device belongs to the live instance.
            let features = unsafe {
                instance.fns.get_physical_device_format_properties(
                    this.physical_device(),
                    chosen.image.format,
                )
            };
            properties.memory_type_bits = vmo_bits & requirements.memory_type_bits;
            properties.create_info_index = chosen.index;
            properties.sysmem_pixel_format = u64::from(image.pixel_format);
            properties.format_features = features.linear_tiling_features;
            properties.color_space = image.color_space;
            suggest_ycbcr(&mut properties, image.pixel_format, image.color_space);
            Some(chosen)
        }
    };
    Ok(Allocated {
        vmos,
        properties,
        chosen,
    })
}

/// Checks that the driver's linear layout of the chosen create info is sysmem's, plane by
/// plane; its memory requirements.
pub(crate) fn check_layout(
    this: &Device,
    sysmem: &dyn SysmemCollection,
    chosen: &Offered,
) -> Result<vk::MemoryRequirements, vk::Result> {
    let extent = chosen.image.extent;
    let planes = sysmem
        .planes(extent.width, extent.height)
        .ok_or(vk::Result::ERROR_INITIALIZATION_FAILED)?;
    let mut external =
        vk::ExternalMemoryImageCreateInfo::default().handle_types(crate::HOST_ALLOCATION);
    let info = chosen.image.create_info(extent.width, &mut external);
    // SAFETY: a complete linear 2D create info the format query accepted; destroyed below.
    let image = unsafe { this.fns().create_image(&info, None) }?;
    let matches = layout_matches(this, image, chosen.pixel_format, &planes);
    // SAFETY: a live image of this device.
    let requirements = unsafe { this.fns().get_image_memory_requirements(image) };
    // SAFETY: made above, unused since.
    unsafe { this.fns().destroy_image(image, None) };
    if matches {
        Ok(requirements)
    } else {
        Err(vk::Result::ERROR_INITIALIZATION_FAILED)
    }
}

/// Whether the driver lays `image` out as `planes`.
pub(crate) fn layout_matches(
    this: &Device,
    image: vk::Image,
    pixel_format: u32,
    planes: &[sysmem_driver::Plane],
) -> bool {
    let aspects = constraints::plane_aspects(pixel_format);
    aspects.len() == planes.len()
        && aspects.iter().zip(planes).all(|(aspect, plane)| {
            // SAFETY: a live linear image of this device; the aspect is one of its planes.
            let layout = unsafe {
                this.fns().get_image_subresource_layout(
                    image,
                    vk::ImageSubresource::default().aspect_mask(*aspect),
                )
            };
            layout.offset == plane.offset && layout.row_pitch == u64::from(plane.row_bytes)
        })
}

/// The suggested Y′CbCr conversion of a sysmem format and color space: the model and range
/// the color space names; chroma cosited-even horizontally and midpoint vertically for 4:2:0
/// (the MPEG-2 siting video decoders produce). RGB formats: identity, full range.
fn suggest_ycbcr(p: &mut Properties, pixel_format: u32, color_space: u32) {
    if !constraints::is_yuv(pixel_format) {
        p.ycbcr_model = vk::SamplerYcbcrModelConversion::RGB_IDENTITY;
        p.ycbcr_range = vk::SamplerYcbcrRange::ITU_FULL;
        return;
    }
    p.ycbcr_model = match color_space {
        6 => vk::SamplerYcbcrModelConversion::YCBCR_709,
        7 | 8 => vk::SamplerYcbcrModelConversion::YCBCR_2020,
        _ => vk::SamplerYcbcrModelConversion::YCBCR_601,
    };
    p.ycbcr_range = match color_space {
        3 | 5 => vk::SamplerYcbcrRange::ITU_FULL,
        _ => vk::SamplerYcbcrRange::ITU_NARROW,
    };
    p.x_chroma_offset = vk::ChromaLocation::COSITED_EVEN;
    p.y_chroma_offset = vk::ChromaLocation::MIDPOINT;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggested(pixel_format: u32, color_space: u32) -> Properties {
        let mut p = Properties::default();
        suggest_ycbcr(&mut p, pixel_format, color_space);
        p
    }

    #[test]
    fn ycbcr_suggestions_follow_the_color_space() {
        // NV12 in BT.709 (limited range), BT.601 PAL full range, BT.2020.
        let p = suggested(104, 6);
        assert_eq!(p.ycbcr_model, vk::SamplerYcbcrModelConversion::YCBCR_709);
        assert_eq!(p.ycbcr_range, vk::SamplerYcbcrRange::ITU_NARROW);
        assert_eq!(p.x_chroma_offset, vk::ChromaLocation::COSITED_EVEN);
        assert_eq!(p.y_chroma_offset, vk::ChromaLocation::MIDPOINT);
        let p = suggested(102, 5);
        assert_eq!(p.ycbcr_model, vk::SamplerYcbcrModelConversion::YCBCR_601);
        assert_eq!(p.ycbcr_range, vk::SamplerYcbcrRange::ITU_FULL);
        assert_eq!(
            suggested(104, 7).ycbcr_model,
            vk::SamplerYcbcrModelConversion::YCBCR_2020
        );
        // RGB: identity, full range.
        let p = suggested(1, 1);
        assert_eq!(p.ycbcr_model, vk::SamplerYcbcrModelConversion::RGB_IDENTITY);
        assert_eq!(p.ycbcr_range, vk::SamplerYcbcrRange::ITU_FULL);
    }
}
