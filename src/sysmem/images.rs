//! The image side of `fuchsia.sysmem2`: `ImageFormatConstraints` and the `fuchsia.images2` /
//! `fuchsia.math` types it references, with their wire forms.
//!
//! Field ordinals and enum values are those of the FIDL libraries:
//! `misttech/fuchsia:sdk/fidl/fuchsia.sysmem2/constraints.fidl` (`ImageFormatConstraints`,
//! `PixelFormatAndModifier`), `misttech/fuchsia:sdk/fidl/fuchsia.images2/image_format.fidl`
//! (`PixelFormat`, `ColorSpace`) and `artem/fuchsia-mirror:sdk/fidl/fuchsia.images2/
//! format_modifier.fidl` (`PixelFormatModifier`). `tests/fidl_images.rs` holds a golden
//! message for each.
//!
//! What an unset field means when sent to sysmem is in each field's doc; in sysmem's reply
//! (`SingleBufferSettings.image_format_constraints`) every field that applies is set.
//! [`image_format`](super::image_format) computes row pitches, plane offsets and image sizes
//! from a reply.

use super::types::flexible_enum;
use crate::fidl::{self, fidl_table, Decode, Decoder, Depth, Encode, Encoder, Layout};

flexible_enum! {
    /// `fuchsia.images2/PixelFormat`: how pixels are encoded, channels named in memory order.
    pub struct PixelFormat: u32 {
        /// Never valid in constraints (use `DO_NOT_CARE`).
        INVALID = 0,
        /// 32 bpp, one plane, bytes R, G, B, A (`VK_FORMAT_R8G8B8A8_UNORM`).
        R8G8B8A8 = 1,
        /// Deprecated: `R8G8B8A8` with `is_alpha_present` false.
        R8G8B8X8 = 119,
        /// 32 bpp, one plane, bytes B, G, R, A (`VK_FORMAT_B8G8R8A8_UNORM`).
        B8G8R8A8 = 101,
        /// Deprecated: `B8G8R8A8` with `is_alpha_present` false.
        B8G8R8X8 = 120,
        /// YUV 4:2:0, three planes Y, U, V (`VK_FORMAT_G8_B8_R8_3PLANE_420_UNORM`).
        I420 = 102,
        /// YUV 4:2:0, interleaved lines (no Vulkan format).
        M420 = 103,
        /// YUV 4:2:0, two planes Y and interleaved UV (`VK_FORMAT_G8_B8R8_2PLANE_420_UNORM`).
        NV12 = 104,
        /// YUV 4:2:2, one plane (`VK_FORMAT_G8B8G8R8_422_UNORM`).
        YUY2 = 105,
        /// Reserved.
        MJPEG = 106,
        /// YUV 4:2:0, three planes Y, V, U.
        YV12 = 107,
        /// 24 bpp, one plane, bytes B, G, R (`VK_FORMAT_B8G8R8_UNORM`).
        B8G8R8 = 108,
        /// 16 bpp, one plane, 5 bits R, 6 G, 5 B (`VK_FORMAT_R5G6B5_UNORM_PACK16`).
        R5G6B5 = 109,
        /// 8 bpp, 3 bits R, 3 G, 2 B.
        R3G3B2 = 110,
        /// 8 bpp, 2 bits each of R, G, B, X.
        R2G2B2X2 = 111,
        /// 8 bpp luminance (`VK_FORMAT_R8_UNORM`).
        L8 = 112,
        /// 8 bpp red (`VK_FORMAT_R8_UNORM`).
        R8 = 113,
        /// 16 bpp, bytes R, G (`VK_FORMAT_R8G8_UNORM`).
        R8G8 = 114,
        /// 32 bpp, 2 bits A, 10 each R, G, B (`VK_FORMAT_A2R10G10B10_UNORM_PACK32`).
        A2R10G10B10 = 115,
        /// 32 bpp, 2 bits A, 10 each B, G, R (`VK_FORMAT_A2B10G10R10_UNORM_PACK32`).
        A2B10G10R10 = 116,
        /// NV12 with 16-bit samples, 10 significant bits.
        P010 = 117,
        /// 24 bpp, one plane, bytes R, G, B (`VK_FORMAT_R8G8B8_UNORM`).
        R8G8B8 = 118,
        /// The participant accepts any pixel format (and must then leave the modifier unset).
        DO_NOT_CARE = 0xFFFF_FFFE,
    }
}

flexible_enum! {
    /// `fuchsia.images2/PixelFormatModifier`: tiling, compression and the like applied to a
    /// `PixelFormat`. The upper 8 bits name the vendor.
    pub struct PixelFormatModifier: u64 {
        /// The participant accepts any modifier.
        DO_NOT_CARE = 0x00FF_FFFF_FFFF_FFFE,
        /// Never valid in constraints.
        INVALID = 0x00FF_FFFF_FFFF_FFFF,
        /// Rows of pixels one after another, `bytes_per_row` apart.
        LINEAR = 0,
        /// Intel X tiling.
        INTEL_I915_X_TILED = 0x0100_0000_0000_0001,
        /// Intel Y tiling.
        INTEL_I915_Y_TILED = 0x0100_0000_0000_0002,
        /// Intel Yf tiling.
        INTEL_I915_YF_TILED = 0x0100_0000_0000_0003,
        /// Intel Y tiling with a color control surface.
        INTEL_I915_Y_TILED_CCS = 0x0100_0000_0100_0002,
        /// Intel Yf tiling with a color control surface.
        INTEL_I915_YF_TILED_CCS = 0x0100_0000_0100_0003,
        /// ARM AFBC, 16x16 superblocks.
        ARM_AFBC_16X16 = 0x0800_0000_0000_0001,
        /// ARM AFBC, 32x8 superblocks.
        ARM_AFBC_32X8 = 0x0800_0000_0000_0002,
        /// ARM linear with transaction elimination.
        ARM_LINEAR_TE = 0x0800_0000_0000_1000,
        /// ARM AFBC 16x16 with transaction elimination.
        ARM_AFBC_16X16_TE = 0x0800_0000_0000_1001,
        /// ARM AFBC 32x8 with transaction elimination.
        ARM_AFBC_32X8_TE = 0x0800_0000_0000_1002,
        /// ARM AFBC 16x16, YUV, tiled headers.
        ARM_AFBC_16X16_YUV_TILED_HEADER = 0x0800_0000_0000_2011,
        /// ARM AFBC 16x16 split-block sparse YUV.
        ARM_AFBC_16X16_SPLIT_BLOCK_SPARSE_YUV = 0x0800_0000_0000_0071,
        /// ... with transaction elimination.
        ARM_AFBC_16X16_SPLIT_BLOCK_SPARSE_YUV_TE = 0x0800_0000_0000_1071,
        /// ... with tiled headers.
        ARM_AFBC_16X16_SPLIT_BLOCK_SPARSE_YUV_TILED_HEADER = 0x0800_0000_0000_2071,
        /// ... with transaction elimination and tiled headers.
        ARM_AFBC_16X16_SPLIT_BLOCK_SPARSE_YUV_TE_TILED_HEADER = 0x0800_0000_0000_3071,
        /// goldfish (the emulator's) optimal layout.
        GOOGLE_GOLDFISH_OPTIMAL = 0x6700_0000_0000_0001,
    }
}

flexible_enum! {
    /// `fuchsia.images2/ColorSpace`: how pixel values map to colors.
    pub struct ColorSpace: u32 {
        /// Never valid.
        INVALID = 0,
        /// sRGB, full range.
        SRGB = 1,
        /// BT.601 NTSC (525 lines) YCbCr, limited range.
        REC601_NTSC = 2,
        /// BT.601 NTSC YCbCr, full range.
        REC601_NTSC_FULL_RANGE = 3,
        /// BT.601 PAL (625 lines) YCbCr, limited range.
        REC601_PAL = 4,
        /// BT.601 PAL YCbCr, full range.
        REC601_PAL_FULL_RANGE = 5,
        /// BT.709 YCbCr, limited range.
        REC709 = 6,
        /// BT.2020 YCbCr, 10 or 12 bits, limited range.
        REC2020 = 7,
        /// BT.2100 YCbCr (PQ), 10 or 12 bits, limited range.
        REC2100 = 8,
        /// Not a color, or an application-specific space.
        PASSTHROUGH = 9,
        /// The participant accepts any color space (as the only entry of its list).
        DO_NOT_CARE = 0xFFFF_FFFE,
    }
}

/// `fuchsia.math/SizeU`: a width and a height (a FIDL struct: 8 bytes, no padding).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SizeU {
    /// Width, in pixels unless the field says otherwise.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl SizeU {
    /// A size of `width` x `height`.
    pub const fn new(width: u32, height: u32) -> SizeU {
        SizeU { width, height }
    }
}

impl Layout for SizeU {
    const INLINE_SIZE: usize = 8;
}

impl Encode for SizeU {
    fn encode(
        self,
        encoder: &mut Encoder,
        offset: usize,
        depth: Depth,
    ) -> Result<(), fidl::EncodeError> {
        self.width.encode(encoder, offset, depth)?;
        self.height.encode(encoder, offset + 4, depth)
    }
}

impl Decode for SizeU {
    fn decode(
        decoder: &mut Decoder,
        offset: usize,
        depth: Depth,
    ) -> Result<Self, fidl::DecodeError> {
        Ok(SizeU {
            width: u32::decode(decoder, offset, depth)?,
            height: u32::decode(decoder, offset + 4, depth)?,
        })
    }
}

/// `fuchsia.sysmem2/PixelFormatAndModifier`: a FIDL struct of 16 bytes, the `u32` format, 4
/// bytes of padding, then the `u64` modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PixelFormatAndModifier {
    /// The pixel format (`DO_NOT_CARE` allowed, `INVALID` not).
    pub pixel_format: PixelFormat,
    /// The modifier (`DO_NOT_CARE` allowed).
    pub pixel_format_modifier: PixelFormatModifier,
}

impl PixelFormatAndModifier {
    /// `pixel_format` with `pixel_format_modifier`.
    pub const fn new(
        pixel_format: PixelFormat,
        pixel_format_modifier: PixelFormatModifier,
    ) -> PixelFormatAndModifier {
        PixelFormatAndModifier {
            pixel_format,
            pixel_format_modifier,
        }
    }

    /// `pixel_format` with the `LINEAR` modifier.
    pub const fn linear(pixel_format: PixelFormat) -> PixelFormatAndModifier {
        PixelFormatAndModifier::new(pixel_format, PixelFormatModifier::LINEAR)
    }
}

impl std::fmt::Display for PixelFormatAndModifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?}/{:?}",
            self.pixel_format, self.pixel_format_modifier
        )
    }
}

impl Layout for PixelFormatAndModifier {
    const INLINE_SIZE: usize = 16;
}

impl Encode for PixelFormatAndModifier {
    fn encode(
        self,
        encoder: &mut Encoder,
        offset: usize,
        depth: Depth,
    ) -> Result<(), fidl::EncodeError> {
        // The padding at 4..8 is already zero.
        self.pixel_format.encode(encoder, offset, depth)?;
        self.pixel_format_modifier
            .encode(encoder, offset + 8, depth)
    }
}

impl Decode for PixelFormatAndModifier {
    fn decode(
        decoder: &mut Decoder,
        offset: usize,
        depth: Depth,
    ) -> Result<Self, fidl::DecodeError> {
        let pixel_format = PixelFormat::decode(decoder, offset, depth)?;
        decoder.check_padding(offset + 4, 4)?;
        let pixel_format_modifier = PixelFormatModifier::decode(decoder, offset + 8, depth)?;
        Ok(PixelFormatAndModifier {
            pixel_format,
            pixel_format_modifier,
        })
    }
}

/// Most `color_spaces` entries (`MAX_COUNT_IMAGE_FORMAT_CONSTRAINTS_COLOR_SPACES`).
pub const MAX_COLOR_SPACES: usize = 32;
/// Most `pixel_format_and_modifiers` entries (`MAX_COUNT_PIXEL_FORMAT_AND_MODIFIERS`).
pub const MAX_PIXEL_FORMAT_AND_MODIFIERS: usize = 64;
/// Most `required_max_size_list` entries
/// (`MAX_COUNT_IMAGE_FORMAT_CONSTRAINTS_REQUIRED_MAX_SIZE_LIST`).
pub const MAX_REQUIRED_MAX_SIZE_LIST: usize = 64;
/// Most `BufferCollectionConstraints.image_format_constraints` entries
/// (`MAX_COUNT_BUFFER_COLLECTION_CONSTRAINTS_IMAGE_FORMAT_CONSTRAINTS`).
pub const MAX_IMAGE_FORMAT_CONSTRAINTS: usize = 64;

fidl_table! {
    /// `fuchsia.sysmem2/ImageFormatConstraints`: the image layouts one participant accepts for
    /// some pixel formats, or (in sysmem's reply) the one layout chosen.
    ///
    /// Fields are declared in the `.fidl` file's order, which is not ordinal order (15 comes
    /// after 2, 18 after 12); the wire form is in ordinal order.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct ImageFormatConstraints {
        /// The pixel format these constraints apply to (with `pixel_format_modifier`, one more
        /// entry of `pixel_format_and_modifiers`). In the reply: the format chosen.
        1 => pixel_format: PixelFormat,
        /// Its modifier. Unset: `DO_NOT_CARE` when the format is `DO_NOT_CARE` or the
        /// participant's usage is `NONE_USAGE`, otherwise `LINEAR`. Set without `pixel_format`
        /// is an error.
        2 => pixel_format_modifier: PixelFormatModifier,
        /// More (format, modifier) pairs with the same constraints. Unset in the reply.
        15 => pixel_format_and_modifiers: Vec<PixelFormatAndModifier> [max 64],
        /// The color spaces accepted; required and non-empty (`[DO_NOT_CARE]` accepts any). In
        /// the reply: the one chosen.
        3 => color_spaces: Vec<ColorSpace> [max 32],
        /// Smallest image size in pixels the participant handles; unset = 0 x 0. The reply's
        /// is never 0 in either dimension.
        4 => min_size: SizeU,
        /// Largest image size; unset = 0xFFFF_FFFF x 0xFFFF_FFFF.
        5 => max_size: SizeU,
        /// Smallest row pitch in bytes (plane 0); unset = 0. The reply's is the row pitch of an
        /// image of `min_size.width`.
        6 => min_bytes_per_row: u32,
        /// Largest row pitch; unset = 0xFFFF_FFFF.
        7 => max_bytes_per_row: u32,
        /// Most pixels (width times height); unset = 0xFFFF_FFFF.
        8 => max_width_times_height: u64,
        /// Width and height must be multiples of these powers of 2; unset = 1 x 1.
        9 => size_alignment: SizeU,
        /// Alignment of a display rectangle; unset = 1 x 1.
        10 => display_rect_alignment: SizeU,
        /// A size every participant must accept; unset = 0xFFFF_FFFF x 0xFFFF_FFFF (none).
        11 => required_min_size: SizeU,
        /// Deprecated (`required_max_size_list`): the buffers must hold an image this large;
        /// unset = 0 x 0.
        12 => required_max_size: SizeU,
        /// The buffers must hold an image as large as each entry.
        18 => required_max_size_list: Vec<SizeU> [max 64],
        /// `bytes_per_row` must be a multiple of this; unset = 1.
        13 => bytes_per_row_divisor: u32,
        /// `vmo_usable_start` must be a multiple of this power of 2; unset = 1.
        14 => start_offset_divisor: u32,
        /// `bytes_per_row` must be a whole number of pixels; unset = false.
        16 => require_bytes_per_row_at_pixel_boundary: bool,
        /// Whether an A channel means alpha (true) or is ignored (false); unset = said out of
        /// band. Participants that set it must agree.
        17 => is_alpha_present: bool,
        /// The participant accesses pixels in blocks of this size (powers of 2, linear
        /// single-plane formats only); the VMO is padded so the last block fits. Unset = 1 x 1.
        19 => pad_for_block_size: SizeU,
        /// Bytes the VMO must have beyond the image; unset = 0.
        20 => pad_beyond_image_size_bytes: u64,
    }
}

impl ImageFormatConstraints {
    /// Constraints for one (format, modifier) and its color spaces, every other field unset.
    pub fn new(format: PixelFormatAndModifier, color_spaces: &[ColorSpace]) -> Self {
        ImageFormatConstraints {
            pixel_format: Some(format.pixel_format),
            pixel_format_modifier: Some(format.pixel_format_modifier),
            color_spaces: Some(color_spaces.to_vec()),
            ..Default::default()
        }
    }

    /// The (format, modifier) of a reply (both fields are set there); `None` when either is
    /// missing.
    pub fn chosen_format(&self) -> Option<PixelFormatAndModifier> {
        Some(PixelFormatAndModifier::new(
            self.pixel_format?,
            self.pixel_format_modifier?,
        ))
    }
}
