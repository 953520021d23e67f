//! Import of a sysmem image collection's buffers as `VkImage`s laid out as sysmem chose (see
//! [`vulkan_image`](super::vulkan_image) for the whole path).
//!
//! [`import_image`] creates the image the application described, with the format sysmem
//! chose: with sysmem's layout given explicitly (`VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT`)
//! where the driver offers that, otherwise `LINEAR` ([`LayoutSource`]). It checks before
//! Vulkan sees the VMO that the driver's layout is sysmem's (each plane's offset and row pitch,
//! [`ImageLayout`]), that `vmo_usable_start` meets the image's alignment, and that the image
//! fits the VMO from there (VUID-vkBindImageMemory-size-01049); the VMO comes back inside the
//! error otherwise. It then imports the VMO (dedicated to the image, or not) and binds it at
//! `vmo_usable_start`. [`import_images`] imports every buffer of a collection, each dedicated
//! to its own image.

use ash::vk;

use super::image_format::{ImageLayout, ImageLayoutError};
use super::images::{PixelFormat, PixelFormatAndModifier};
use super::types::{BufferCollectionInfo, SingleBufferSettings, VmoBuffer};
use super::vulkan_image::{pixel_format, plane_aspects, VulkanImageInfo};
use super::vulkan_image_drm::{
    explicit_layout, plane_layouts, LayoutSource, DRM_FORMAT_MOD_LINEAR,
};
use crate::ash_debug::{dbg, debug_as_display, impl_debug};
use crate::vk::{
    AllocateError, AllocationInfo, Image, ImportError, Interop, Memory, Resource, VulkanError,
};
use crate::zx;

/// A collection buffer imported as a `VkImage` bound to its VMO's memory.
pub struct ImportedImage {
    /// The image (declared first: destroyed before its memory is freed).
    pub image: Image,
    /// The imported memory; it owns the VMO handle.
    pub memory: Memory,
    /// The `VkFormat` of the image.
    pub format: vk::Format,
    /// Where sysmem (and the driver) put the image's planes, from `vmo_usable_start`.
    pub layout: ImageLayout,
    /// The offset the memory is bound at (`vmo_usable_start`).
    pub offset: u64,
    /// How the image's layout was made sysmem's: given explicitly
    /// (`VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT`) or a checked `LINEAR` image, and why not
    /// the former. Its [`LayoutSource::tiling`] is the image's tiling.
    pub layout_source: LayoutSource,
}

/// Importing a buffer as an image failed. Every variant that holds a `vmo` hands it back
/// ([`ImportImageError::into_vmo`]); nothing else leaks.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ImportImageError {
    /// The collection's settings have no image format constraints (a raw-buffer collection).
    #[error("the collection has no image_format_constraints: allocate it with image constraints (VulkanImageInfo::probe)")]
    NoImageFormat,
    /// Sysmem chose a format none of the application's candidates map to.
    #[error(
        "sysmem chose {chosen}, which is not among this participant's formats {:?}",
        dbg(candidates)
    )]
    FormatNotOffered {
        /// What sysmem chose.
        chosen: PixelFormatAndModifier,
        /// The application's candidates.
        candidates: Vec<vk::Format>,
    },
    /// The extent does not fit the collection's constraints.
    #[error("the image does not fit the collection's constraints")]
    Layout(#[source] ImageLayoutError),
    /// Buffer `index` has no VMO (the participant has no usage).
    #[error("buffer {index} has no VMO: this participant declared no usage")]
    NoVmo {
        /// The buffer's index.
        index: usize,
    },
    /// The image, from `vmo_usable_start`, needs more bytes than the VMO has.
    #[error("the image needs {needed} bytes from offset {offset}, but the VMO has {vmo_size}: the VMO is not this collection's, or the image is larger than the one the constraints were made for (VUID-vkBindImageMemory-size-01049)")]
    ImageTooLarge {
        /// `vmo_usable_start`.
        offset: u64,
        /// The image's memory requirement.
        needed: u64,
        /// The VMO's size.
        vmo_size: u64,
        /// The VMO, handed back.
        vmo: zx::Vmo,
    },
    /// `vmo_usable_start` does not meet the image's alignment.
    #[error("vmo_usable_start {offset} is not a multiple of the image's alignment {alignment} (VUID-vkBindImageMemory-memoryOffset-01048)")]
    MisalignedStart {
        /// `vmo_usable_start`.
        offset: u64,
        /// `VkMemoryRequirements::alignment`.
        alignment: u64,
        /// The VMO, handed back.
        vmo: zx::Vmo,
    },
    /// A dedicated import binds at offset 0, but the image starts further into the VMO.
    #[error("vmo_usable_start is {offset}: a dedicated allocation is bound at offset 0 (VUID-vkBindImageMemory-memory-01509); import without dedication")]
    DedicatedWithOffset {
        /// `vmo_usable_start`.
        offset: u64,
        /// The VMO, handed back.
        vmo: zx::Vmo,
    },
    /// The driver lays the image out differently from sysmem (a linear image; or an explicit
    /// layout the driver did not keep).
    #[error("the driver lays out plane {plane} of a {} {} image at offset {vulkan_offset} with row pitch {vulkan_row_pitch}, sysmem at {sysmem_offset} with {sysmem_row_pitch}: give sysmem this driver's constraints (VulkanImageInfo::probe) when allocating", dbg(tiling), dbg(format))]
    LayoutMismatch {
        /// The image's format.
        format: vk::Format,
        /// The image's tiling (`LINEAR`, or `DRM_FORMAT_MODIFIER_EXT` with an explicit layout).
        tiling: vk::ImageTiling,
        /// The plane.
        plane: usize,
        /// `VkSubresourceLayout::offset`.
        vulkan_offset: u64,
        /// `VkSubresourceLayout::rowPitch`.
        vulkan_row_pitch: u64,
        /// Sysmem's plane offset.
        sysmem_offset: u64,
        /// Sysmem's row pitch.
        sysmem_row_pitch: u32,
        /// The VMO, handed back.
        vmo: zx::Vmo,
    },
    /// Sysmem's layout has a different number of planes than the driver's
    /// `DRM_FORMAT_MOD_LINEAR` images of the format have memory planes.
    #[error("sysmem's layout of a {} image has {sysmem_planes} planes, the driver's DRM_FORMAT_MOD_LINEAR images {modifier_planes} memory planes (VUID-VkImageDrmFormatModifierExplicitCreateInfoEXT-drmFormatModifierPlaneCount-02265): the collection's pixel format is not this VkFormat's", dbg(format))]
    PlaneCountMismatch {
        /// The image's format.
        format: vk::Format,
        /// The planes of sysmem's layout.
        sysmem_planes: usize,
        /// `drmFormatModifierPlaneCount`.
        modifier_planes: u32,
        /// The VMO, handed back.
        vmo: zx::Vmo,
    },
    /// The driver refused sysmem's explicit layout
    /// (`VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT`).
    #[error("the driver refused sysmem's layout of a {} image (plane offsets and row pitches {:?}) with VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT: give sysmem this driver's constraints (VulkanImageInfo::probe: its row-pitch alignment) when allocating", dbg(format), planes)]
    PlaneLayoutRefused {
        /// The image's format.
        format: vk::Format,
        /// (offset, row pitch) of each plane, as given.
        planes: Vec<(u64, u32)>,
        /// The VMO, handed back.
        vmo: zx::Vmo,
    },
    /// Asking the driver whether it offers the explicit layout failed.
    #[error("asking the driver for DRM_FORMAT_MOD_LINEAR images failed")]
    Query {
        /// The error.
        #[source]
        error: VulkanError,
        /// The VMO, handed back.
        vmo: zx::Vmo,
    },
    /// `vkCreateImage` failed.
    #[error("creating the image failed")]
    CreateImage {
        /// The error.
        #[source]
        error: AllocateError,
        /// The VMO, handed back.
        vmo: zx::Vmo,
    },
    /// The import failed; the error holds the VMO.
    #[error("importing buffer {index} failed")]
    Import {
        /// The buffer's index.
        index: usize,
        /// The import error, with the VMO.
        #[source]
        error: ImportError,
    },
    /// `vkBindImageMemory` failed (the memory, and its VMO, are freed).
    #[error("vkBindImageMemory failed: {0}")]
    Bind(vk::Result),
}

impl_debug!(ImportedImage {
    image,
    memory,
    format: vk,
    layout,
    offset,
    layout_source,
});
debug_as_display!(ImportImageError);

impl ImportImageError {
    /// The VMO handed back, for the variants that hold one.
    pub fn into_vmo(self) -> Option<zx::Vmo> {
        match self {
            Self::ImageTooLarge { vmo, .. }
            | Self::MisalignedStart { vmo, .. }
            | Self::DedicatedWithOffset { vmo, .. }
            | Self::LayoutMismatch { vmo, .. }
            | Self::PlaneCountMismatch { vmo, .. }
            | Self::PlaneLayoutRefused { vmo, .. }
            | Self::Query { vmo, .. }
            | Self::CreateImage { vmo, .. } => Some(vmo),
            Self::Import { error, .. } => Some(error.into_vmo()),
            _ => None,
        }
    }
}

/// Imports buffer `index` of a collection (`buffer`, with the collection's `settings`) as an
/// image of `info`, dedicated to it or not (see the module docs).
///
/// # Errors
/// [`ImportImageError`]; the VMO comes back in every error raised before the import.
pub fn import_image(
    interop: &Interop,
    info: &VulkanImageInfo,
    settings: &SingleBufferSettings,
    index: usize,
    buffer: VmoBuffer,
    dedicated: bool,
) -> Result<ImportedImage, ImportImageError> {
    let constraints = settings
        .image_format_constraints
        .as_ref()
        .ok_or(ImportImageError::NoImageFormat)?;
    let chosen = constraints
        .chosen_format()
        .ok_or(ImportImageError::NoImageFormat)?;
    let format = info
        .formats
        .iter()
        .copied()
        .find(|&f| pixel_format(f).is_some_and(|(p, _)| p == chosen.pixel_format))
        .ok_or_else(|| ImportImageError::FormatNotOffered {
            chosen,
            candidates: info.formats.clone(),
        })?;
    let layout = ImageLayout::new(constraints, info.extent.width, info.extent.height)
        .map_err(ImportImageError::Layout)?;
    let vmo = buffer.vmo.ok_or(ImportImageError::NoVmo { index })?;
    let offset = buffer.vmo_usable_start.unwrap_or(0);
    let (image, layout_source, vmo) = create_image(interop, info, format, &layout, vmo)?;
    let vmo = check_layout(
        interop,
        &image,
        format,
        chosen.pixel_format,
        &layout,
        &layout_source,
        vmo,
    )?;
    let requirements = image.requirements().memory;
    // A VMO whose size cannot be read is treated as empty: the import is refused.
    let vmo_size: u64 = vmo.get_size().unwrap_or_default();
    if offset
        .checked_add(requirements.size)
        .is_none_or(|end| end > vmo_size)
    {
        return Err(ImportImageError::ImageTooLarge {
            offset,
            needed: requirements.size,
            vmo_size,
            vmo,
        });
    }
    if offset % requirements.alignment.max(1) != 0 {
        let alignment = requirements.alignment;
        return Err(ImportImageError::MisalignedStart {
            offset,
            alignment,
            vmo,
        });
    }
    if dedicated && offset != 0 {
        return Err(ImportImageError::DedicatedWithOffset { offset, vmo });
    }
    let resource = if dedicated {
        Resource::DedicatedImage(&image)
    } else {
        Resource::Image(&image)
    };
    let allocation = AllocationInfo::new()
        .memory_properties(
            info.memory_properties,
            vk::MemoryPropertyFlags::DEVICE_LOCAL,
        )
        .resource(resource);
    let memory = interop
        .import_memory(vmo, &allocation)
        .map_err(|error| ImportImageError::Import { index, error })?;
    // SAFETY: both are live objects of this device; the memory type was chosen from the
    // image's requirements, `offset` meets its alignment and leaves its size within the
    // allocation (the whole VMO), and a dedicated allocation binds at 0 (checked above).
    unsafe {
        interop
            .device()
            .bind_image_memory(image.as_raw(), memory.as_raw(), offset)
    }
    .map_err(ImportImageError::Bind)?;
    Ok(ImportedImage {
        image,
        memory,
        format,
        layout,
        offset,
        layout_source,
    })
}

/// Creates the image: with sysmem's layout given explicitly where the driver offers that
/// (see [`super::vulkan_image_drm`]), otherwise `LINEAR`.
fn create_image(
    interop: &Interop,
    info: &VulkanImageInfo,
    format: vk::Format,
    layout: &ImageLayout,
    vmo: zx::Vmo,
) -> Result<(Image, LayoutSource, zx::Vmo), ImportImageError> {
    let create_info = info.create_info(format, info.extent.width);
    let explicit = match explicit_layout(interop, format, info.usage, info.extent) {
        Ok(Ok(explicit)) => explicit,
        Ok(Err(why)) => {
            // SAFETY: a complete 2D linear image description without a pNext chain.
            return match unsafe { interop.create_image(&create_info) } {
                Ok(image) => Ok((image, LayoutSource::CheckedLinear(why), vmo)),
                Err(error) => Err(ImportImageError::CreateImage { error, vmo }),
            };
        }
        Err(error) => return Err(ImportImageError::Query { error, vmo }),
    };
    let planes = match plane_layouts(layout, explicit) {
        Ok(planes) => planes,
        Err(sysmem_planes) => {
            return Err(ImportImageError::PlaneCountMismatch {
                format,
                sysmem_planes,
                modifier_planes: explicit.plane_count,
                vmo,
            })
        }
    };
    let mut explicit_info = vk::ImageDrmFormatModifierExplicitCreateInfoEXT::default()
        .drm_format_modifier(DRM_FORMAT_MOD_LINEAR)
        .plane_layouts(&planes);
    let create_info = create_info
        .tiling(vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT)
        .push_next(&mut explicit_info);
    // SAFETY: a complete 2D image description whose format, usage, tiling, modifier and extent
    // the driver reported as supported for VMO memory (`explicit_layout`, which also checked
    // that the application enabled the extension); the chain holds exactly the explicit
    // structure (VUID-VkImageCreateInfo-tiling-02261), with one layout per memory plane of
    // the modifier (02265) and size, arrayPitch and depthPitch 0 (02267..02269).
    match unsafe { interop.create_image(&create_info) } {
        Ok(image) => Ok((image, LayoutSource::DrmFormatModifierExplicit, vmo)),
        Err(AllocateError::Vulkan(e))
            if e.result() == vk::Result::ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT =>
        {
            let planes = layout
                .planes
                .iter()
                .map(|p| (p.offset, p.row_bytes))
                .collect();
            Err(ImportImageError::PlaneLayoutRefused {
                format,
                planes,
                vmo,
            })
        }
        Err(error) => Err(ImportImageError::CreateImage { error, vmo }),
    }
}

/// Checks that the driver's layout of `image` is `layout`, plane by plane (for an explicit
/// layout, that the driver kept what it was given).
fn check_layout(
    interop: &Interop,
    image: &Image,
    format: vk::Format,
    pixel_format: PixelFormat,
    layout: &ImageLayout,
    layout_source: &LayoutSource,
    vmo: zx::Vmo,
) -> Result<zx::Vmo, ImportImageError> {
    for (plane, sysmem) in layout.planes.iter().enumerate() {
        let Some(aspect) = layout_source.subresource_aspect(plane_aspects(pixel_format), plane)
        else {
            break;
        };
        // SAFETY: a live linear or DRM-modifier image of this device; the aspect is one of its
        // planes (MEMORY_PLANE_i for the latter, VUID-vkGetImageSubresourceLayout-tiling-02271;
        // `plane_layouts` checked that the modifier has as many memory planes).
        let vulkan = unsafe {
            interop.device().get_image_subresource_layout(
                image.as_raw(),
                vk::ImageSubresource::default().aspect_mask(aspect),
            )
        };
        if vulkan.offset != sysmem.offset || vulkan.row_pitch != u64::from(sysmem.row_bytes) {
            return Err(ImportImageError::LayoutMismatch {
                format,
                tiling: layout_source.tiling(),
                plane,
                vulkan_offset: vulkan.offset,
                vulkan_row_pitch: vulkan.row_pitch,
                sysmem_offset: sysmem.offset,
                sysmem_row_pitch: sysmem.row_bytes,
                vmo,
            });
        }
    }
    Ok(vmo)
}

/// Imports every buffer of `collection` as an image of `info`, each dedicated to its own
/// image. On failure the images imported so far are destroyed and their memory freed.
///
/// # Errors
/// [`ImportImageError`] for the first buffer that failed.
pub fn import_images(
    interop: &Interop,
    info: &VulkanImageInfo,
    collection: BufferCollectionInfo,
) -> Result<Vec<ImportedImage>, ImportImageError> {
    let settings = collection.settings.ok_or(ImportImageError::NoImageFormat)?;
    let buffers = collection.buffers.unwrap_or_default();
    let mut images = Vec::with_capacity(buffers.len());
    for (index, buffer) in buffers.into_iter().enumerate() {
        images.push(import_image(interop, info, &settings, index, buffer, true)?);
    }
    Ok(images)
}
