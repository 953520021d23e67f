//! The parts of the validation core that the Metal path shares with the Zircon path.
//!
//! TEMPORARY stand-in: the shared core lives in `crate::vk` (branch `vk`); until it has landed,
//! this module carries local copies with the same shape, and is replaced by re-exports on merge.

use std::borrow::Cow;
use std::fmt;

use ash::vk;

/// One external memory handle type (stand-in for `crate::vk::ExternalHandleType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExternalHandleType {
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA`.
    ZirconVmo,
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_BIT_EXT`.
    MtlBuffer,
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_BIT_EXT`.
    MtlTexture,
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_BIT_EXT`.
    MtlHeap,
}

/// A request that breaks a valid-usage rule, caught before Vulkan sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// What was being validated, e.g. `"VkImportMemoryMetalHandleInfoEXT::handleType"`.
    pub context: Cow<'static, str>,
    /// What is wrong and what to do about it.
    pub problem: Cow<'static, str>,
    /// The valid-usage IDs the request violates (empty where the rule is this crate's own).
    pub vuids: &'static [&'static str],
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.problem)?;
        if !self.vuids.is_empty() {
            write!(f, " ({})", self.vuids.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// The resource a dedicated allocation is for (`VkMemoryDedicatedAllocateInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dedicated {
    /// `VkMemoryDedicatedAllocateInfo::image`.
    Image(vk::Image),
    /// `VkMemoryDedicatedAllocateInfo::buffer`.
    Buffer(vk::Buffer),
}

/// How the caller asks for a memory type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryTypeRequest {
    /// Exactly this `memoryTypeIndex`; validated, never replaced.
    Index(u32),
    /// The first allowed type with `required | preferred`, else the first with `required`.
    Properties {
        /// Flags the type must have.
        required: vk::MemoryPropertyFlags,
        /// Flags the type should have when an allowed type offers them.
        preferred: vk::MemoryPropertyFlags,
    },
}

impl Default for MemoryTypeRequest {
    fn default() -> Self {
        Self::Properties {
            required: vk::MemoryPropertyFlags::empty(),
            preferred: vk::MemoryPropertyFlags::DEVICE_LOCAL,
        }
    }
}

/// The mask with one bit per memory type the device reports.
pub fn all_memory_type_bits(properties: &vk::PhysicalDeviceMemoryProperties) -> u32 {
    match properties.memory_type_count {
        0 => 0,
        n if n >= 32 => u32::MAX,
        n => (1u32 << n) - 1,
    }
}

/// Whether bit `index` is set in `bits`.
pub const fn contains_type(bits: u32, index: u32) -> bool {
    index < 32 && bits & (1 << index) != 0
}

/// Preferred-then-required scan over the allowed types.
pub fn find_memory_type_index(
    properties: &vk::PhysicalDeviceMemoryProperties,
    allowed_bits: u32,
    required: vk::MemoryPropertyFlags,
    preferred: vk::MemoryPropertyFlags,
) -> Option<u32> {
    let allowed = allowed_bits & all_memory_type_bits(properties);
    let scan = |wanted: vk::MemoryPropertyFlags| {
        (0..properties.memory_type_count).find(|&i| {
            contains_type(allowed, i)
                && properties
                    .memory_types
                    .get(i as usize)
                    .is_some_and(|t| t.property_flags.contains(wanted))
        })
    };
    scan(required | preferred).or_else(|| scan(required))
}
