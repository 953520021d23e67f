//! External memory handle types, as plain values the validation core reasons about.
//!
//! The core ([`super::validate`], [`super::memory_type`]) never sees a Zircon or Metal object:
//! it sees an [`ExternalHandleType`], sizes and bit masks. This keeps it testable on any host and
//! shared between `VK_FUCHSIA_external_memory` and `VK_EXT_external_memory_metal`.

use ash::vk;

/// One external memory handle type that this crate imports or exports.
///
/// Each variant corresponds to one `VkExternalMemoryHandleTypeFlagBits` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExternalHandleType {
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA` (`0x800`): a Zircon VMO handle.
    ZirconVmo,
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_BIT_EXT` (`0x10000`): an `id<MTLBuffer>`.
    MtlBuffer,
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_BIT_EXT` (`0x20000`): an `id<MTLTexture>`.
    MtlTexture,
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_BIT_EXT` (`0x40000`): an `id<MTLHeap>`.
    MtlHeap,
}

impl ExternalHandleType {
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_BIT_EXT`; ash 0.38 has no constant for it.
    pub const MTLBUFFER_BIT: vk::ExternalMemoryHandleTypeFlags =
        vk::ExternalMemoryHandleTypeFlags::from_raw(0x1_0000);
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_BIT_EXT`; ash 0.38 has no constant for it.
    pub const MTLTEXTURE_BIT: vk::ExternalMemoryHandleTypeFlags =
        vk::ExternalMemoryHandleTypeFlags::from_raw(0x2_0000);
    /// `VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_BIT_EXT`; ash 0.38 has no constant for it.
    pub const MTLHEAP_BIT: vk::ExternalMemoryHandleTypeFlags =
        vk::ExternalMemoryHandleTypeFlags::from_raw(0x4_0000);

    /// The single `VkExternalMemoryHandleTypeFlagBits` bit of this type.
    pub const fn to_vk(self) -> vk::ExternalMemoryHandleTypeFlags {
        match self {
            Self::ZirconVmo => vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA,
            Self::MtlBuffer => Self::MTLBUFFER_BIT,
            Self::MtlTexture => Self::MTLTEXTURE_BIT,
            Self::MtlHeap => Self::MTLHEAP_BIT,
        }
    }

    /// The handle type whose bit is exactly `flags`, if it is one of ours.
    pub fn from_vk(flags: vk::ExternalMemoryHandleTypeFlags) -> Option<Self> {
        [
            Self::ZirconVmo,
            Self::MtlBuffer,
            Self::MtlTexture,
            Self::MtlHeap,
        ]
        .into_iter()
        .find(|t| t.to_vk() == flags)
    }

    /// The Vulkan spelling of the bit, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ZirconVmo => "VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA",
            Self::MtlBuffer => "VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_BIT_EXT",
            Self::MtlTexture => "VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_BIT_EXT",
            Self::MtlHeap => "VK_EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_BIT_EXT",
        }
    }
}

impl std::fmt::Display for ExternalHandleType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_match_the_registry() {
        assert_eq!(ExternalHandleType::ZirconVmo.to_vk().as_raw(), 0x800);
        assert_eq!(ExternalHandleType::MtlBuffer.to_vk().as_raw(), 0x1_0000);
        assert_eq!(ExternalHandleType::MtlTexture.to_vk().as_raw(), 0x2_0000);
        assert_eq!(ExternalHandleType::MtlHeap.to_vk().as_raw(), 0x4_0000);
    }

    #[test]
    fn from_vk_round_trips_and_rejects_others() {
        for t in [
            ExternalHandleType::ZirconVmo,
            ExternalHandleType::MtlBuffer,
            ExternalHandleType::MtlTexture,
            ExternalHandleType::MtlHeap,
        ] {
            assert_eq!(ExternalHandleType::from_vk(t.to_vk()), Some(t));
        }
        assert_eq!(
            ExternalHandleType::from_vk(vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT),
            None
        );
        assert_eq!(
            ExternalHandleType::from_vk(
                vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA
                    | vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD
            ),
            None
        );
    }
}
