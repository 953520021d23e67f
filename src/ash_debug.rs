//! `Debug` for the ash values vmo-interop prints, without ash's `debug` feature.
//!
//! The Fuchsia tree vendors ash with `default-features = false, features = ["linked"]`, so there
//! ash's flags, enums and structs have no `Debug` impl. The library, the program and the tests
//! print them through [`dbg`] instead, which reads the same everywhere and as ash's `debug`
//! feature would: flags as `HOST_VISIBLE | HOST_COHERENT` (bits without a name in binary, empty
//! flags as nothing), enums by name (values without one as the number), structs field by field.
//!
//! The names are ash 0.38's (`const_debugs.rs`) for the types listed below, which are the ones
//! this crate prints; `tests/ash_debug.rs` checks them against ash's own `Debug` on the host.

use std::fmt;

use ash::vk;

/// A value that [`dbg`] can print.
pub trait AshDebug {
    /// Writes the value as ash's `debug` feature would.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// Wraps an ash value so that `{:?}` and `{}` print it (see the [module docs](self)).
pub fn dbg<T: AshDebug>(value: T) -> Dbg<T> {
    Dbg(value)
}

/// An ash value that implements `Debug` and `Display`: [`dbg`] makes one.
#[derive(Clone, Copy)]
pub struct Dbg<T>(pub T);

impl<T: AshDebug> fmt::Debug for Dbg<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: AshDebug> fmt::Display for Dbg<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: AshDebug> AshDebug for &T {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: AshDebug> AshDebug for Option<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(value) => f.debug_tuple("Some").field(&Dbg(value)).finish(),
            None => f.write_str("None"),
        }
    }
}

impl<T: AshDebug> AshDebug for [T] {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(Dbg)).finish()
    }
}

impl<T: AshDebug> AshDebug for Vec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt(f)
    }
}

/// A pair of an ash value and one of this crate's (a reason beside a format, say).
impl<A: AshDebug, B: fmt::Debug> AshDebug for (A, B) {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("")
            .field(&Dbg(&self.0))
            .field(&self.1)
            .finish()
    }
}

/// `impl Debug` for a struct of this crate, printing the fields marked `: vk` through [`dbg`]:
/// `impl_debug!(Resource { handle, requirements: vk, dedicated });`, with lifetimes as
/// `impl_debug!(<'a> Request<'a> { ... })`.
macro_rules! impl_debug {
    ($(<$($lt:lifetime),*>)? $ty:ident $(<$($tlt:lifetime),*>)? {
        $($field:ident $(: $vk:ident)?),* $(,)?
    }) => {
        impl$(<$($lt),*>)? ::std::fmt::Debug for $ty$(<$($tlt),*>)? {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &$crate::ash_debug::field!(self.$field $(, $vk)?)))*
                    .finish()
            }
        }
    };
}
pub(crate) use impl_debug;

/// One field of [`impl_debug`]: as it is, or through [`dbg`] when marked `vk`.
macro_rules! field {
    ($value:expr) => {
        &$value
    };
    ($value:expr, vk) => {
        $crate::ash_debug::dbg(&$value)
    };
}
pub(crate) use field;

/// `impl Debug` for an error enum as its name and message (`ImportError("...")`): the message
/// names every value that matters, ash's included, and needs no ash `Debug`.
macro_rules! debug_as_display {
    ($($ty:ident),* $(,)?) => {$(
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&format_args!("{self}")).finish()
            }
        }
    )*};
}
pub(crate) use debug_as_display;

/// `A | B`, then the bits without a name in binary, as ash's `debug_flags`.
fn write_flags(f: &mut fmt::Formatter<'_>, value: u64, known: &[(u64, &str)]) -> fmt::Result {
    let mut rest = value;
    let mut first = true;
    for &(bit, name) in known {
        if bit != 0 && rest & bit == bit {
            if !first {
                f.write_str(" | ")?;
            }
            f.write_str(name)?;
            first = false;
            rest &= !bit;
        }
    }
    if rest != 0 {
        if !first {
            f.write_str(" | ")?;
        }
        write!(f, "{rest:b}")?;
    }
    Ok(())
}

macro_rules! flags {
    ($($ty:ident { $($bit:ident),* $(,)? })*) => {$(
        impl AshDebug for vk::$ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_flags(
                    f,
                    u64::from(self.as_raw()),
                    &[$((u64::from(vk::$ty::$bit.as_raw()), stringify!($bit))),*],
                )
            }
        }
    )*};
}

macro_rules! enums {
    ($($ty:ident { $($value:ident),* $(,)? })*) => {$(
        impl AshDebug for vk::$ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let name = match *self {
                    $(vk::$ty::$value => stringify!($value),)*
                    _ => return write!(f, "{}", self.as_raw()),
                };
                f.write_str(name)
            }
        }
    )*};
}

macro_rules! structs {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {$(
        impl AshDebug for vk::$ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &Dbg(&self.$field)))*
                    .finish()
            }
        }
    )*};
}

/// Plain numbers inside the structs below print as themselves.
macro_rules! numbers {
    ($($ty:ty),*) => {$(
        impl AshDebug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self, f)
            }
        }
    )*};
}

numbers!(u32, u64);

structs! {
    Extent2D { width, height }
    Extent3D { width, height, depth }
    MemoryRequirements { size, alignment, memory_type_bits }
    ImageFormatProperties {
        max_extent, max_mip_levels, max_array_layers, sample_counts, max_resource_size,
    }
    ExternalMemoryProperties {
        external_memory_features, export_from_imported_handle_types, compatible_handle_types,
    }
}

flags! {
    MemoryPropertyFlags {
        DEVICE_LOCAL, HOST_VISIBLE, HOST_COHERENT, HOST_CACHED, LAZILY_ALLOCATED,
        DEVICE_COHERENT_AMD, DEVICE_UNCACHED_AMD, RDMA_CAPABLE_NV, PROTECTED,
    }
    MemoryHeapFlags {
        DEVICE_LOCAL, MULTI_INSTANCE,
    }
    ExternalMemoryHandleTypeFlags {
        OPAQUE_FD, OPAQUE_WIN32, OPAQUE_WIN32_KMT, D3D11_TEXTURE, D3D11_TEXTURE_KMT, D3D12_HEAP,
        D3D12_RESOURCE, DMA_BUF_EXT, ANDROID_HARDWARE_BUFFER_ANDROID, HOST_ALLOCATION_EXT,
        HOST_MAPPED_FOREIGN_MEMORY_EXT, ZIRCON_VMO_FUCHSIA, RDMA_ADDRESS_NV, SCREEN_BUFFER_QNX,
    }
    ExternalMemoryFeatureFlags {
        DEDICATED_ONLY, EXPORTABLE, IMPORTABLE,
    }
    BufferCreateFlags {
        SPARSE_BINDING, SPARSE_RESIDENCY, SPARSE_ALIASED, DESCRIPTOR_BUFFER_CAPTURE_REPLAY_EXT,
        VIDEO_PROFILE_INDEPENDENT_KHR, PROTECTED, DEVICE_ADDRESS_CAPTURE_REPLAY,
    }
    BufferUsageFlags {
        TRANSFER_SRC, TRANSFER_DST, UNIFORM_TEXEL_BUFFER, STORAGE_TEXEL_BUFFER, UNIFORM_BUFFER,
        STORAGE_BUFFER, INDEX_BUFFER, VERTEX_BUFFER, INDIRECT_BUFFER, VIDEO_DECODE_SRC_KHR,
        VIDEO_DECODE_DST_KHR, TRANSFORM_FEEDBACK_BUFFER_EXT, TRANSFORM_FEEDBACK_COUNTER_BUFFER_EXT,
        CONDITIONAL_RENDERING_EXT, EXECUTION_GRAPH_SCRATCH_AMDX,
        ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR, ACCELERATION_STRUCTURE_STORAGE_KHR,
        SHADER_BINDING_TABLE_KHR, VIDEO_ENCODE_DST_KHR, VIDEO_ENCODE_SRC_KHR,
        SAMPLER_DESCRIPTOR_BUFFER_EXT, RESOURCE_DESCRIPTOR_BUFFER_EXT,
        PUSH_DESCRIPTORS_DESCRIPTOR_BUFFER_EXT, MICROMAP_BUILD_INPUT_READ_ONLY_EXT,
        MICROMAP_STORAGE_EXT, SHADER_DEVICE_ADDRESS,
    }
    ImageCreateFlags {
        SPARSE_BINDING, SPARSE_RESIDENCY, SPARSE_ALIASED, MUTABLE_FORMAT, CUBE_COMPATIBLE,
        CORNER_SAMPLED_NV, SAMPLE_LOCATIONS_COMPATIBLE_DEPTH_EXT, SUBSAMPLED_EXT,
        DESCRIPTOR_BUFFER_CAPTURE_REPLAY_EXT, MULTISAMPLED_RENDER_TO_SINGLE_SAMPLED_EXT,
        TYPE_2D_VIEW_COMPATIBLE_EXT, FRAGMENT_DENSITY_MAP_OFFSET_QCOM,
        VIDEO_PROFILE_INDEPENDENT_KHR, ALIAS, SPLIT_INSTANCE_BIND_REGIONS, TYPE_2D_ARRAY_COMPATIBLE,
        BLOCK_TEXEL_VIEW_COMPATIBLE, EXTENDED_USAGE, PROTECTED, DISJOINT,
    }
    ImageUsageFlags {
        TRANSFER_SRC, TRANSFER_DST, SAMPLED, STORAGE, COLOR_ATTACHMENT, DEPTH_STENCIL_ATTACHMENT,
        TRANSIENT_ATTACHMENT, INPUT_ATTACHMENT, VIDEO_DECODE_DST_KHR, VIDEO_DECODE_SRC_KHR,
        VIDEO_DECODE_DPB_KHR, FRAGMENT_DENSITY_MAP_EXT, FRAGMENT_SHADING_RATE_ATTACHMENT_KHR,
        HOST_TRANSFER_EXT, VIDEO_ENCODE_DST_KHR, VIDEO_ENCODE_SRC_KHR, VIDEO_ENCODE_DPB_KHR,
        ATTACHMENT_FEEDBACK_LOOP_EXT, INVOCATION_MASK_HUAWEI, SAMPLE_WEIGHT_QCOM,
        SAMPLE_BLOCK_MATCH_QCOM,
    }
    SampleCountFlags {
        TYPE_1, TYPE_2, TYPE_4, TYPE_8, TYPE_16, TYPE_32, TYPE_64,
    }
    DebugUtilsMessageSeverityFlagsEXT {
        VERBOSE, INFO, WARNING, ERROR,
    }
    DebugUtilsMessageTypeFlagsEXT {
        GENERAL, VALIDATION, PERFORMANCE, DEVICE_ADDRESS_BINDING,
    }
}

enums! {
    ImageType {
        TYPE_1D, TYPE_2D, TYPE_3D,
    }
    ImageTiling {
        OPTIMAL, LINEAR, DRM_FORMAT_MODIFIER_EXT,
    }
    ImageLayout {
        UNDEFINED, GENERAL, COLOR_ATTACHMENT_OPTIMAL, DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
        DEPTH_STENCIL_READ_ONLY_OPTIMAL, SHADER_READ_ONLY_OPTIMAL, TRANSFER_SRC_OPTIMAL,
        TRANSFER_DST_OPTIMAL, PREINITIALIZED, PRESENT_SRC_KHR, VIDEO_DECODE_DST_KHR,
        VIDEO_DECODE_SRC_KHR, VIDEO_DECODE_DPB_KHR, SHARED_PRESENT_KHR,
        FRAGMENT_DENSITY_MAP_OPTIMAL_EXT, RENDERING_LOCAL_READ_KHR, VIDEO_ENCODE_DST_KHR,
        VIDEO_ENCODE_SRC_KHR, VIDEO_ENCODE_DPB_KHR, DEPTH_ATTACHMENT_OPTIMAL,
        DEPTH_READ_ONLY_OPTIMAL, STENCIL_ATTACHMENT_OPTIMAL, STENCIL_READ_ONLY_OPTIMAL,
        READ_ONLY_OPTIMAL, ATTACHMENT_OPTIMAL,
    }
    SharingMode {
        EXCLUSIVE, CONCURRENT,
    }
    PhysicalDeviceType {
        OTHER, INTEGRATED_GPU, DISCRETE_GPU, VIRTUAL_GPU, CPU,
    }
    Format {
        UNDEFINED, R4G4_UNORM_PACK8, R4G4B4A4_UNORM_PACK16, B4G4R4A4_UNORM_PACK16,
        R5G6B5_UNORM_PACK16, B5G6R5_UNORM_PACK16, R5G5B5A1_UNORM_PACK16, B5G5R5A1_UNORM_PACK16,
        A1R5G5B5_UNORM_PACK16, R8_UNORM, R8_SNORM, R8_USCALED, R8_SSCALED, R8_UINT, R8_SINT,
        R8_SRGB, R8G8_UNORM, R8G8_SNORM, R8G8_USCALED, R8G8_SSCALED, R8G8_UINT, R8G8_SINT,
        R8G8_SRGB, R8G8B8_UNORM, R8G8B8_SNORM, R8G8B8_USCALED, R8G8B8_SSCALED, R8G8B8_UINT,
        R8G8B8_SINT, R8G8B8_SRGB, B8G8R8_UNORM, B8G8R8_SNORM, B8G8R8_USCALED, B8G8R8_SSCALED,
        B8G8R8_UINT, B8G8R8_SINT, B8G8R8_SRGB, R8G8B8A8_UNORM, R8G8B8A8_SNORM, R8G8B8A8_USCALED,
        R8G8B8A8_SSCALED, R8G8B8A8_UINT, R8G8B8A8_SINT, R8G8B8A8_SRGB, B8G8R8A8_UNORM,
        B8G8R8A8_SNORM, B8G8R8A8_USCALED, B8G8R8A8_SSCALED, B8G8R8A8_UINT, B8G8R8A8_SINT,
        B8G8R8A8_SRGB, A8B8G8R8_UNORM_PACK32, A8B8G8R8_SNORM_PACK32, A8B8G8R8_USCALED_PACK32,
        A8B8G8R8_SSCALED_PACK32, A8B8G8R8_UINT_PACK32, A8B8G8R8_SINT_PACK32, A8B8G8R8_SRGB_PACK32,
        A2R10G10B10_UNORM_PACK32, A2R10G10B10_SNORM_PACK32, A2R10G10B10_USCALED_PACK32,
        A2R10G10B10_SSCALED_PACK32, A2R10G10B10_UINT_PACK32, A2R10G10B10_SINT_PACK32,
        A2B10G10R10_UNORM_PACK32, A2B10G10R10_SNORM_PACK32, A2B10G10R10_USCALED_PACK32,
        A2B10G10R10_SSCALED_PACK32, A2B10G10R10_UINT_PACK32, A2B10G10R10_SINT_PACK32, R16_UNORM,
        R16_SNORM, R16_USCALED, R16_SSCALED, R16_UINT, R16_SINT, R16_SFLOAT, R16G16_UNORM,
        R16G16_SNORM, R16G16_USCALED, R16G16_SSCALED, R16G16_UINT, R16G16_SINT, R16G16_SFLOAT,
        R16G16B16_UNORM, R16G16B16_SNORM, R16G16B16_USCALED, R16G16B16_SSCALED, R16G16B16_UINT,
        R16G16B16_SINT, R16G16B16_SFLOAT, R16G16B16A16_UNORM, R16G16B16A16_SNORM,
        R16G16B16A16_USCALED, R16G16B16A16_SSCALED, R16G16B16A16_UINT, R16G16B16A16_SINT,
        R16G16B16A16_SFLOAT, R32_UINT, R32_SINT, R32_SFLOAT, R32G32_UINT, R32G32_SINT,
        R32G32_SFLOAT, R32G32B32_UINT, R32G32B32_SINT, R32G32B32_SFLOAT, R32G32B32A32_UINT,
        R32G32B32A32_SINT, R32G32B32A32_SFLOAT, R64_UINT, R64_SINT, R64_SFLOAT, R64G64_UINT,
        R64G64_SINT, R64G64_SFLOAT, R64G64B64_UINT, R64G64B64_SINT, R64G64B64_SFLOAT,
        R64G64B64A64_UINT, R64G64B64A64_SINT, R64G64B64A64_SFLOAT, B10G11R11_UFLOAT_PACK32,
        E5B9G9R9_UFLOAT_PACK32, D16_UNORM, X8_D24_UNORM_PACK32, D32_SFLOAT, S8_UINT,
        D16_UNORM_S8_UINT, D24_UNORM_S8_UINT, D32_SFLOAT_S8_UINT, BC1_RGB_UNORM_BLOCK,
        BC1_RGB_SRGB_BLOCK, BC1_RGBA_UNORM_BLOCK, BC1_RGBA_SRGB_BLOCK, BC2_UNORM_BLOCK,
        BC2_SRGB_BLOCK, BC3_UNORM_BLOCK, BC3_SRGB_BLOCK, BC4_UNORM_BLOCK, BC4_SNORM_BLOCK,
        BC5_UNORM_BLOCK, BC5_SNORM_BLOCK, BC6H_UFLOAT_BLOCK, BC6H_SFLOAT_BLOCK, BC7_UNORM_BLOCK,
        BC7_SRGB_BLOCK, ETC2_R8G8B8_UNORM_BLOCK, ETC2_R8G8B8_SRGB_BLOCK, ETC2_R8G8B8A1_UNORM_BLOCK,
        ETC2_R8G8B8A1_SRGB_BLOCK, ETC2_R8G8B8A8_UNORM_BLOCK, ETC2_R8G8B8A8_SRGB_BLOCK,
        EAC_R11_UNORM_BLOCK, EAC_R11_SNORM_BLOCK, EAC_R11G11_UNORM_BLOCK, EAC_R11G11_SNORM_BLOCK,
        ASTC_4X4_UNORM_BLOCK, ASTC_4X4_SRGB_BLOCK, ASTC_5X4_UNORM_BLOCK, ASTC_5X4_SRGB_BLOCK,
        ASTC_5X5_UNORM_BLOCK, ASTC_5X5_SRGB_BLOCK, ASTC_6X5_UNORM_BLOCK, ASTC_6X5_SRGB_BLOCK,
        ASTC_6X6_UNORM_BLOCK, ASTC_6X6_SRGB_BLOCK, ASTC_8X5_UNORM_BLOCK, ASTC_8X5_SRGB_BLOCK,
        ASTC_8X6_UNORM_BLOCK, ASTC_8X6_SRGB_BLOCK, ASTC_8X8_UNORM_BLOCK, ASTC_8X8_SRGB_BLOCK,
        ASTC_10X5_UNORM_BLOCK, ASTC_10X5_SRGB_BLOCK, ASTC_10X6_UNORM_BLOCK, ASTC_10X6_SRGB_BLOCK,
        ASTC_10X8_UNORM_BLOCK, ASTC_10X8_SRGB_BLOCK, ASTC_10X10_UNORM_BLOCK, ASTC_10X10_SRGB_BLOCK,
        ASTC_12X10_UNORM_BLOCK, ASTC_12X10_SRGB_BLOCK, ASTC_12X12_UNORM_BLOCK,
        ASTC_12X12_SRGB_BLOCK, PVRTC1_2BPP_UNORM_BLOCK_IMG, PVRTC1_4BPP_UNORM_BLOCK_IMG,
        PVRTC2_2BPP_UNORM_BLOCK_IMG, PVRTC2_4BPP_UNORM_BLOCK_IMG, PVRTC1_2BPP_SRGB_BLOCK_IMG,
        PVRTC1_4BPP_SRGB_BLOCK_IMG, PVRTC2_2BPP_SRGB_BLOCK_IMG, PVRTC2_4BPP_SRGB_BLOCK_IMG,
        R16G16_S10_5_NV, A1B5G5R5_UNORM_PACK16_KHR, A8_UNORM_KHR, G8B8G8R8_422_UNORM,
        B8G8R8G8_422_UNORM, G8_B8_R8_3PLANE_420_UNORM, G8_B8R8_2PLANE_420_UNORM,
        G8_B8_R8_3PLANE_422_UNORM, G8_B8R8_2PLANE_422_UNORM, G8_B8_R8_3PLANE_444_UNORM,
        R10X6_UNORM_PACK16, R10X6G10X6_UNORM_2PACK16, R10X6G10X6B10X6A10X6_UNORM_4PACK16,
        R12X4_UNORM_PACK16, R12X4G12X4_UNORM_2PACK16, R12X4G12X4B12X4A12X4_UNORM_4PACK16,
        G16B16G16R16_422_UNORM, B16G16R16G16_422_UNORM, G16_B16_R16_3PLANE_420_UNORM,
        G16_B16R16_2PLANE_420_UNORM, G16_B16_R16_3PLANE_422_UNORM, G16_B16R16_2PLANE_422_UNORM,
        G16_B16_R16_3PLANE_444_UNORM, G8_B8R8_2PLANE_444_UNORM, G16_B16R16_2PLANE_444_UNORM,
        A4R4G4B4_UNORM_PACK16, A4B4G4R4_UNORM_PACK16, ASTC_4X4_SFLOAT_BLOCK, ASTC_5X4_SFLOAT_BLOCK,
        ASTC_5X5_SFLOAT_BLOCK, ASTC_6X5_SFLOAT_BLOCK, ASTC_6X6_SFLOAT_BLOCK, ASTC_8X5_SFLOAT_BLOCK,
        ASTC_8X6_SFLOAT_BLOCK, ASTC_8X8_SFLOAT_BLOCK, ASTC_10X5_SFLOAT_BLOCK,
        ASTC_10X6_SFLOAT_BLOCK, ASTC_10X8_SFLOAT_BLOCK, ASTC_10X10_SFLOAT_BLOCK,
        ASTC_12X10_SFLOAT_BLOCK, ASTC_12X12_SFLOAT_BLOCK,
    }
}
