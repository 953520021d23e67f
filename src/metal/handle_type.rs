//! The three Metal handle types, as plain values.
//!
//! [`MetalHandleType`] is the Metal subset of the shared
//! [`ExternalHandleType`]: a Metal API that takes a
//! `MetalHandleType` cannot be handed a Zircon VMO type, and the validation core can still reason
//! about it with the Zircon rules.

use core::fmt;

use ash::vk;

use super::raw;
use crate::external_memory::ExternalHandleType;

/// One `VK_EXT_external_memory_metal` handle type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetalHandleType {
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_BIT_EXT`: an `id<MTLBuffer>`.
    MtlBuffer,
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_BIT_EXT`: an `id<MTLTexture>`. Always a
    /// dedicated image allocation (implementations report `DEDICATED_ONLY`).
    MtlTexture,
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_BIT_EXT`: an `id<MTLHeap>` (placement heaps).
    MtlHeap,
}

impl MetalHandleType {
    /// Every Metal handle type, in bit order.
    pub const ALL: [Self; 3] = [Self::MtlBuffer, Self::MtlTexture, Self::MtlHeap];

    /// The mask of all three Metal bits (`0x70000`).
    pub const ALL_BITS: vk::ExternalMemoryHandleTypeFlags =
        vk::ExternalMemoryHandleTypeFlags::from_raw(
            raw::EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT.as_raw()
                | raw::EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_EXT.as_raw()
                | raw::EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_EXT.as_raw(),
        );

    /// The single `VkExternalMemoryHandleTypeFlagBits` bit of this type.
    pub const fn to_vk(self) -> vk::ExternalMemoryHandleTypeFlags {
        match self {
            Self::MtlBuffer => raw::EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT,
            Self::MtlTexture => raw::EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_EXT,
            Self::MtlHeap => raw::EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_EXT,
        }
    }

    /// The Metal type whose bit is exactly `bits`; `None` for zero, several bits or a non-Metal
    /// bit.
    pub fn from_vk(bits: vk::ExternalMemoryHandleTypeFlags) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.to_vk() == bits)
    }

    /// The Metal types set in `bits`, in bit order; other bits are ignored.
    pub fn iter_set(bits: vk::ExternalMemoryHandleTypeFlags) -> impl Iterator<Item = Self> {
        Self::ALL
            .into_iter()
            .filter(move |t| bits.contains(t.to_vk()))
    }

    /// The same type in the shared, handle-type-generic core.
    pub const fn to_external(self) -> ExternalHandleType {
        match self {
            Self::MtlBuffer => ExternalHandleType::MtlBuffer,
            Self::MtlTexture => ExternalHandleType::MtlTexture,
            Self::MtlHeap => ExternalHandleType::MtlHeap,
        }
    }

    /// The Vulkan spelling of the bit, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::MtlBuffer => "VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_BIT_EXT",
            Self::MtlTexture => "VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_BIT_EXT",
            Self::MtlHeap => "VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_BIT_EXT",
        }
    }

    /// The Metal protocol of the object this type names.
    pub const fn protocol_name(self) -> &'static str {
        match self {
            Self::MtlBuffer => "MTLBuffer",
            Self::MtlTexture => "MTLTexture",
            Self::MtlHeap => "MTLHeap",
        }
    }

    /// Whether memory of this type must be a dedicated image allocation (`VUID-VkMemoryAllocateInfo-pNext-10395`
    /// on import; `DEDICATED_ONLY`, hence `pNext-00639`, on export).
    pub const fn requires_dedicated_image(self) -> bool {
        matches!(self, Self::MtlTexture)
    }
}

impl From<MetalHandleType> for vk::ExternalMemoryHandleTypeFlags {
    fn from(t: MetalHandleType) -> Self {
        t.to_vk()
    }
}

impl From<MetalHandleType> for ExternalHandleType {
    fn from(t: MetalHandleType) -> Self {
        t.to_external()
    }
}

impl TryFrom<ExternalHandleType> for MetalHandleType {
    type Error = ExternalHandleType;

    /// Fails, giving the type back, for a non-Metal type.
    fn try_from(t: ExternalHandleType) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|m| m.to_external() == t)
            .ok_or(t)
    }
}

impl fmt::Display for MetalHandleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
