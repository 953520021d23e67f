//! The Vulkan bridge: sysmem2 constraints derived from Vulkan memory requirements, and import of
//! an allocated collection's buffers through `VK_FUCHSIA_external_memory` ([`crate::vk`]).
//!
//! This is Escher's path (sysmem2.md §6): the participant describes one buffer or image, sysmem
//! allocates VMOs that fit it, and each VMO is imported with
//! [`Interop::import_memory`], which checks the VMO's `memoryTypeBits`
//! (`vkGetMemoryZirconHandlePropertiesFUCHSIA`) against the resource's requirements and the
//! memory properties asked for.
//!
//! # Rights
//!
//! Vulkan drivers on Fuchsia map imported VMOs and need MAP, READ and WRITE
//! ([`crate::vk::IMPORT_RIGHTS`]); sysmem grants WRITE only for write usages, and its list of
//! Vulkan write usages is the image bits `TRANSFER_DST` and `STORAGE` (once `VULKAN_USAGE_*`,
//! used for buffers too). So [`buffer_usage`] adds those bits for buffer usages the device
//! writes (`TRANSFER_DST`, `STORAGE_BUFFER`, `STORAGE_TEXEL_BUFFER`). A participant whose
//! usage is read-only receives VMOs without WRITE, and importing them fails with
//! [`ImportErrorKind::MissingRights`](crate::vk::ImportErrorKind::MissingRights): read them through the VMO, or declare the write usage.

use ash::vk;

use super::types::{
    usage, BufferCollectionConstraints, BufferCollectionInfo, BufferMemoryConstraints,
    BufferMemorySettings, BufferUsage,
};
use crate::vk::{AllocationInfo, ImportError, Interop, Memory};

/// The `BufferUsage.vulkan` bits for a buffer with these `VkBufferUsageFlags`.
///
/// `VULKAN_BUFFER_USAGE_*` are Vulkan's own bits shifted left by 16. Usages the device writes
/// also set `VULKAN_IMAGE_USAGE_TRANSFER_DST` / `VULKAN_IMAGE_USAGE_STORAGE`, the bits sysmem
/// counts as Vulkan writes, so that the participant's VMOs carry WRITE (see the module docs).
pub fn buffer_usage(flags: vk::BufferUsageFlags) -> u32 {
    const KNOWN: u32 = 0x1FF; // TRANSFER_SRC ..= INDIRECT_BUFFER
    let mut bits = (flags.as_raw() & KNOWN) << 16;
    if flags.contains(vk::BufferUsageFlags::TRANSFER_DST) {
        bits |= usage::VULKAN_IMAGE_USAGE_TRANSFER_DST;
    }
    if flags.intersects(
        vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::STORAGE_TEXEL_BUFFER,
    ) {
        bits |= usage::VULKAN_IMAGE_USAGE_STORAGE;
    }
    bits
}

/// The `BufferUsage.vulkan` bits for an image with these `VkImageUsageFlags`
/// (`VULKAN_IMAGE_USAGE_*` are Vulkan's own bits, `TRANSFER_SRC` ..= `INPUT_ATTACHMENT`).
pub fn image_usage(flags: vk::ImageUsageFlags) -> u32 {
    flags.as_raw() & 0xFF
}

/// What one Vulkan participant needs of every buffer of a collection.
#[derive(Clone, Copy)]
pub struct VulkanConstraints {
    /// The requirements of the buffer or image each collection buffer will back
    /// (`vkGet{Buffer,Image}MemoryRequirements`).
    pub requirements: vk::MemoryRequirements,
    /// `BufferUsage.vulkan` bits ([`buffer_usage`] / [`image_usage`]).
    pub vulkan_usage: u32,
    /// Memory properties the participant needs. `HOST_VISIBLE` allows the CPU and RAM
    /// coherency domains; without it (device-local only) INACCESSIBLE is allowed too.
    pub memory_properties: vk::MemoryPropertyFlags,
    /// Buffers the participant holds at once (`min_buffer_count_for_camping`).
    pub min_buffer_count_for_camping: u32,
}

crate::ash_debug::impl_debug!(VulkanConstraints {
    requirements: vk,
    vulkan_usage,
    memory_properties: vk,
    min_buffer_count_for_camping,
});

impl VulkanConstraints {
    /// Constraints for buffers backing a `VkBuffer` with these requirements and usage;
    /// device-local memory, one buffer camped.
    pub fn for_buffer(requirements: vk::MemoryRequirements, usage: vk::BufferUsageFlags) -> Self {
        Self {
            requirements,
            vulkan_usage: buffer_usage(usage),
            memory_properties: vk::MemoryPropertyFlags::DEVICE_LOCAL,
            min_buffer_count_for_camping: 1,
        }
    }

    /// Constraints for buffers backing a `VkImage` with these requirements and usage (the
    /// image's memory, not its format: the collection is one of raw buffers). For a
    /// collection of images whose layout every participant agrees on, see
    /// [`super::vulkan_image`].
    pub fn for_image(requirements: vk::MemoryRequirements, usage: vk::ImageUsageFlags) -> Self {
        Self {
            requirements,
            vulkan_usage: image_usage(usage),
            memory_properties: vk::MemoryPropertyFlags::DEVICE_LOCAL,
            min_buffer_count_for_camping: 1,
        }
    }

    /// Sets the memory properties the participant needs.
    pub fn memory_properties(mut self, flags: vk::MemoryPropertyFlags) -> Self {
        self.memory_properties = flags;
        self
    }

    /// Sets how many buffers the participant holds at once.
    pub fn min_buffer_count_for_camping(mut self, count: u32) -> Self {
        self.min_buffer_count_for_camping = count;
        self
    }

    /// The sysmem2 constraints: buffers of at least `requirements.size` rounded up to
    /// `requirements.alignment` (VMOs are page-rounded beyond that), the coherency domains
    /// the memory properties allow, and the usage.
    pub fn to_constraints(&self) -> BufferCollectionConstraints {
        let alignment = self.requirements.alignment.max(1);
        let size = self.requirements.size.max(1);
        let min_size = size.div_ceil(alignment).saturating_mul(alignment);
        let host_visible = self
            .memory_properties
            .contains(vk::MemoryPropertyFlags::HOST_VISIBLE);
        BufferCollectionConstraints {
            usage: Some(BufferUsage {
                vulkan: Some(self.vulkan_usage),
                ..Default::default()
            }),
            min_buffer_count_for_camping: Some(self.min_buffer_count_for_camping),
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(min_size),
                cpu_domain_supported: Some(true),
                ram_domain_supported: Some(true),
                inaccessible_domain_supported: Some(!host_visible),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

/// A collection's buffers imported into Vulkan, in buffer-index order.
#[derive(Debug)]
pub struct ImportedCollection {
    /// Identifies the collection; with an index it names one buffer in every participant.
    pub buffer_collection_id: Option<u64>,
    /// The memory settings sysmem chose.
    pub settings: Option<BufferMemorySettings>,
    /// One imported memory per buffer; each owns its VMO handle.
    pub memories: Vec<Memory>,
}

/// Importing a collection's buffers failed. Memory imported before the failure is freed; the
/// VMOs not yet imported are closed, and the one that failed is handed back inside
/// [`ImportBuffersError::Import`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportBuffersError {
    /// The info has no `buffers` (not a reply to `WaitForAllBuffersAllocated`).
    #[error("the buffer collection info has no buffers")]
    NoBuffers,
    /// A buffer has no VMO: the participant set no usage (or `NONE_USAGE`), so sysmem gave it no
    /// handles.
    #[error("buffer {index} has no VMO: this participant declared no usage, so sysmem gave it no handles; set a Vulkan usage in its constraints")]
    NoVmo {
        /// The buffer's index.
        index: usize,
    },
    /// Importing buffer `index` failed; the error holds its VMO.
    #[error("importing buffer {index} failed: {error}")]
    Import {
        /// The buffer's index.
        index: usize,
        /// The import failure, with the VMO handed back.
        #[source]
        error: ImportError,
    },
}

/// Imports every buffer of `info` with [`Interop::import_memory`] and `allocation` (memory type
/// request and resource; the size defaults to the whole VMO). Consumes `info`.
///
/// # Errors
/// [`ImportBuffersError`]; nothing leaks on any path.
pub fn import_buffers(
    interop: &Interop,
    info: BufferCollectionInfo,
    allocation: &AllocationInfo<'_>,
) -> Result<ImportedCollection, ImportBuffersError> {
    let buffers = info.buffers.ok_or(ImportBuffersError::NoBuffers)?;
    let mut memories = Vec::with_capacity(buffers.len());
    for (index, buffer) in buffers.into_iter().enumerate() {
        let vmo = buffer.vmo.ok_or(ImportBuffersError::NoVmo { index })?;
        let memory = interop
            .import_memory(vmo, allocation)
            .map_err(|error| ImportBuffersError::Import { index, error })?;
        memories.push(memory);
    }
    Ok(ImportedCollection {
        buffer_collection_id: info.buffer_collection_id,
        settings: info.settings.and_then(|s| s.buffer_settings),
        memories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirements(size: u64, alignment: u64) -> vk::MemoryRequirements {
        vk::MemoryRequirements {
            size,
            alignment,
            memory_type_bits: 0b1111,
        }
    }

    #[test]
    fn buffer_usage_maps_bits_and_marks_device_writes() {
        assert_eq!(
            buffer_usage(vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::VERTEX_BUFFER),
            usage::VULKAN_BUFFER_USAGE_TRANSFER_SRC | usage::VULKAN_BUFFER_USAGE_VERTEX_BUFFER
        );
        assert_eq!(
            buffer_usage(vk::BufferUsageFlags::TRANSFER_DST),
            usage::VULKAN_BUFFER_USAGE_TRANSFER_DST | usage::VULKAN_IMAGE_USAGE_TRANSFER_DST
        );
        assert_eq!(
            buffer_usage(vk::BufferUsageFlags::STORAGE_BUFFER),
            usage::VULKAN_BUFFER_USAGE_STORAGE_BUFFER | usage::VULKAN_IMAGE_USAGE_STORAGE
        );
        assert_eq!(
            buffer_usage(vk::BufferUsageFlags::INDIRECT_BUFFER),
            usage::VULKAN_BUFFER_USAGE_INDIRECT_BUFFER
        );
        // Bits without a sysmem usage are dropped.
        assert_eq!(buffer_usage(vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS), 0);
    }

    #[test]
    fn image_usage_is_vulkans_bits() {
        assert_eq!(
            image_usage(vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::COLOR_ATTACHMENT),
            usage::VULKAN_IMAGE_USAGE_SAMPLED | usage::VULKAN_IMAGE_USAGE_COLOR_ATTACHMENT
        );
        assert_eq!(
            image_usage(vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT),
            usage::VULKAN_IMAGE_USAGE_STENCIL_ATTACHMENT
        );
    }

    #[test]
    fn sizes_round_to_the_alignment() {
        let c = VulkanConstraints::for_buffer(
            requirements(1000, 256),
            vk::BufferUsageFlags::TRANSFER_DST,
        )
        .to_constraints();
        let memory = c.buffer_memory_constraints.unwrap();
        assert_eq!(memory.min_size_bytes, Some(1024));
        let c = VulkanConstraints::for_buffer(
            requirements(4096, 4096),
            vk::BufferUsageFlags::TRANSFER_DST,
        )
        .to_constraints();
        assert_eq!(
            c.buffer_memory_constraints.unwrap().min_size_bytes,
            Some(4096)
        );
        let c =
            VulkanConstraints::for_buffer(requirements(0, 0), vk::BufferUsageFlags::TRANSFER_DST)
                .to_constraints();
        assert_eq!(c.buffer_memory_constraints.unwrap().min_size_bytes, Some(1));
    }

    #[test]
    fn memory_properties_pick_the_domains() {
        let device_local =
            VulkanConstraints::for_image(requirements(4096, 4096), vk::ImageUsageFlags::SAMPLED)
                .to_constraints()
                .buffer_memory_constraints
                .unwrap();
        assert_eq!(
            (
                device_local.cpu_domain_supported,
                device_local.ram_domain_supported,
                device_local.inaccessible_domain_supported
            ),
            (Some(true), Some(true), Some(true))
        );
        let host_visible = VulkanConstraints::for_buffer(
            requirements(4096, 4),
            vk::BufferUsageFlags::TRANSFER_DST,
        )
        .memory_properties(
            vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::DEVICE_LOCAL,
        )
        .min_buffer_count_for_camping(3)
        .to_constraints();
        assert_eq!(host_visible.min_buffer_count_for_camping, Some(3));
        let memory = host_visible.buffer_memory_constraints.unwrap();
        assert_eq!(
            (
                memory.cpu_domain_supported,
                memory.ram_domain_supported,
                memory.inaccessible_domain_supported
            ),
            (Some(true), Some(true), Some(false))
        );
    }

    #[test]
    #[cfg(not(target_os = "fuchsia"))]
    fn derived_constraints_pass_the_service_rules() {
        use crate::sysmem::host::aggregate;
        let c = VulkanConstraints::for_buffer(
            requirements(1 << 20, 64),
            vk::BufferUsageFlags::TRANSFER_DST,
        )
        .to_constraints();
        assert_eq!(aggregate::validate(&c), Ok(()));
        let settings = aggregate::aggregate(&[&c]).unwrap();
        assert_eq!((settings.buffer_count, settings.size_bytes), (1, 1 << 20));
        // The device writes: its VMOs carry WRITE, as import needs.
        let all = crate::zx::Rights::from_bits_retain(u32::MAX);
        let rights = aggregate::participant_rights(Some(&c), all).unwrap();
        assert!(rights.contains(crate::vk::IMPORT_RIGHTS));
        let reader =
            VulkanConstraints::for_buffer(requirements(64, 4), vk::BufferUsageFlags::VERTEX_BUFFER)
                .to_constraints();
        let rights = aggregate::participant_rights(Some(&reader), all).unwrap();
        assert!(!rights.contains(crate::zx::Rights::WRITE));
    }
}
