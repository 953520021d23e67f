//! Facts about pixel formats, and the layout of an image in a buffer: what sysmem's
//! image-format library computes (`misttech/fuchsia:zircon/system/ulib/image-format/
//! image_format.cc`), for the `LINEAR` modifier.
//!
//! Sysmem and every participant locate pixels the same way, so a producer and a consumer that
//! both call [`ImageLayout::new`] on the collection's `ImageFormatConstraints` agree on every
//! row and plane:
//!
//! | format | planes | plane 0 row pitch | plane 1 | plane 2 | size |
//! |---|---|---|---|---|---|
//! | one-plane RGB | 1 | `bytes_per_row` | | | `height * bytes_per_row` |
//! | NV12, P010 | 2 | `bytes_per_row` | offset `height * bytes_per_row`, pitch `bytes_per_row` | | `height * bytes_per_row * 3 / 2` |
//! | I420, YV12 | 3 | `bytes_per_row` | offset `height * bytes_per_row`, pitch `bytes_per_row / 2` | offset plane 1 + `height / 2 * bytes_per_row / 2` | `height * bytes_per_row * 3 / 2` |
//!
//! Tiled and compressed modifiers (Intel, ARM AFBC, goldfish) have layouts the host cannot
//! describe; [`is_supported`] is false for them.

use super::images::{
    ColorSpace, ImageFormatConstraints, PixelFormat, PixelFormatAndModifier, PixelFormatModifier,
    SizeU,
};

/// Whether the layout of `format` is known here: the `LINEAR` modifier with a format of
/// sysmem's linear set (every named format but `INVALID`, `DO_NOT_CARE` and `MJPEG`).
pub fn is_supported(format: PixelFormatAndModifier) -> bool {
    format.pixel_format_modifier == PixelFormatModifier::LINEAR
        && stride_bytes_per_width_pixel(format.pixel_format).is_some()
}

/// Bytes per pixel of plane 0's rows ("stride bytes per width pixel"); `None` for a format
/// without a linear layout.
pub fn stride_bytes_per_width_pixel(format: PixelFormat) -> Option<u32> {
    Some(match format {
        PixelFormat::R8G8B8A8
        | PixelFormat::R8G8B8X8
        | PixelFormat::B8G8R8A8
        | PixelFormat::B8G8R8X8
        | PixelFormat::A2R10G10B10
        | PixelFormat::A2B10G10R10 => 4,
        PixelFormat::B8G8R8 | PixelFormat::R8G8B8 => 3,
        PixelFormat::P010 | PixelFormat::YUY2 | PixelFormat::R5G6B5 | PixelFormat::R8G8 => 2,
        PixelFormat::I420
        | PixelFormat::M420
        | PixelFormat::NV12
        | PixelFormat::YV12
        | PixelFormat::R3G3B2
        | PixelFormat::R2G2B2X2
        | PixelFormat::L8
        | PixelFormat::R8 => 1,
        _ => return None,
    })
}

/// The alignment of one sample in bytes (`ImageFormatSampleAlignment`): `bytes_per_row` and
/// `vmo_usable_start` are multiples of it.
pub fn sample_alignment(format: PixelFormat) -> Option<u32> {
    Some(match format {
        PixelFormat::R8G8B8A8
        | PixelFormat::R8G8B8X8
        | PixelFormat::B8G8R8A8
        | PixelFormat::B8G8R8X8
        | PixelFormat::P010
        | PixelFormat::A2R10G10B10
        | PixelFormat::A2B10G10R10 => 4,
        PixelFormat::I420
        | PixelFormat::M420
        | PixelFormat::NV12
        | PixelFormat::YUY2
        | PixelFormat::YV12
        | PixelFormat::R5G6B5
        | PixelFormat::R8G8 => 2,
        PixelFormat::B8G8R8
        | PixelFormat::R8G8B8
        | PixelFormat::R3G3B2
        | PixelFormat::R2G2B2X2
        | PixelFormat::L8
        | PixelFormat::R8 => 1,
        _ => return None,
    })
}

/// The smallest width and height divisors of a format (`ImageFormatSurface{Width,Height}MinDivisor`):
/// 2 x 2 for the subsampled YUV formats, 1 x 1 otherwise.
pub fn size_min_divisor(format: PixelFormat) -> Option<SizeU> {
    stride_bytes_per_width_pixel(format)?;
    Some(match format {
        PixelFormat::I420
        | PixelFormat::M420
        | PixelFormat::NV12
        | PixelFormat::P010
        | PixelFormat::YUY2
        | PixelFormat::YV12 => SizeU::new(2, 2),
        _ => SizeU::new(1, 1),
    })
}

/// How many planes a linear image of `format` has (1 for interleaved formats such as M420).
pub fn plane_count(format: PixelFormat) -> Option<u32> {
    stride_bytes_per_width_pixel(format)?;
    Some(match format {
        PixelFormat::NV12 | PixelFormat::P010 => 2,
        PixelFormat::I420 | PixelFormat::YV12 => 3,
        _ => 1,
    })
}

/// Whether a linear image of `format` counts as one plane of whole pixels, as sysmem's
/// `linear_is_single_plane` classifies them (what `pad_for_block_size` needs): not I420, M420,
/// NV12, YUY2 or YV12 (P010 does count, as it does there).
pub fn is_single_plane(format: PixelFormat) -> bool {
    !matches!(
        format,
        PixelFormat::I420
            | PixelFormat::M420
            | PixelFormat::NV12
            | PixelFormat::YUY2
            | PixelFormat::YV12
            | PixelFormat::MJPEG
            | PixelFormat::INVALID
            | PixelFormat::DO_NOT_CARE
    ) && stride_bytes_per_width_pixel(format).is_some()
}

/// Whether the format has an A or X channel (`is_alpha_present` is unset in the reply for the
/// others).
pub fn has_alpha_or_x(format: PixelFormat) -> bool {
    matches!(
        format,
        PixelFormat::R8G8B8A8
            | PixelFormat::R8G8B8X8
            | PixelFormat::B8G8R8A8
            | PixelFormat::B8G8R8X8
            | PixelFormat::R2G2B2X2
            | PixelFormat::A2R10G10B10
            | PixelFormat::A2B10G10R10
    )
}

/// RGB or YUV, and bits per primary sample.
#[derive(Clone, Copy)]
struct Sampling {
    rgb: bool,
    yuv: bool,
    bits: &'static [u32],
}

fn color_space_sampling(space: ColorSpace) -> Option<Sampling> {
    const YUV_8_10: Sampling = Sampling {
        rgb: false,
        yuv: true,
        bits: &[8, 10],
    };
    Some(match space {
        ColorSpace::SRGB => Sampling {
            rgb: true,
            yuv: false,
            bits: &[8, 10, 12, 16],
        },
        ColorSpace::REC601_NTSC
        | ColorSpace::REC601_NTSC_FULL_RANGE
        | ColorSpace::REC601_PAL
        | ColorSpace::REC601_PAL_FULL_RANGE
        | ColorSpace::REC709 => YUV_8_10,
        ColorSpace::REC2020 | ColorSpace::REC2100 => Sampling {
            rgb: false,
            yuv: true,
            bits: &[10, 12],
        },
        _ => return None,
    })
}

fn pixel_format_sampling(format: PixelFormat) -> Option<Sampling> {
    let (rgb, yuv, bits): (bool, bool, &'static [u32]) = match format {
        PixelFormat::I420
        | PixelFormat::M420
        | PixelFormat::NV12
        | PixelFormat::YUY2
        | PixelFormat::YV12 => (false, true, &[8]),
        PixelFormat::P010 => (false, true, &[10]),
        PixelFormat::L8 | PixelFormat::R8 => (true, true, &[8]),
        PixelFormat::MJPEG => (true, false, &[8]),
        // The 10-bit RGB formats are listed with 8 bits in sysmem's table.
        _ if stride_bytes_per_width_pixel(format).is_some() => (true, false, &[8]),
        _ => return None,
    };
    Some(Sampling { rgb, yuv, bits })
}

/// Whether `space` can describe pixels of `format` (`ImageFormatIsSupportedColorSpaceForPixelFormat`):
/// RGB with RGB and YUV with YUV, with a bit depth in common. `PASSTHROUGH` goes with
/// everything; `DO_NOT_CARE` and `INVALID` with nothing.
pub fn is_supported_color_space(space: ColorSpace, format: PixelFormat) -> bool {
    if space == ColorSpace::PASSTHROUGH {
        return true;
    }
    let (Some(space), Some(format)) = (color_space_sampling(space), pixel_format_sampling(format))
    else {
        return false;
    };
    ((space.rgb && format.rgb) || (space.yuv && format.yuv))
        && space.bits.iter().any(|bits| format.bits.contains(bits))
}

/// `value` rounded up to a multiple of `multiple` (non-zero); `None` on overflow.
pub(crate) fn round_up_u32(value: u32, multiple: u32) -> Option<u32> {
    value.checked_next_multiple_of(multiple)
}

/// The smallest row pitch of an image `width` pixels wide under `constraints`
/// (`ImageFormatMinimumRowBytes`): the width rounded up to `size_alignment.width`, times the
/// bytes per pixel, at least `min_bytes_per_row`, rounded up to `bytes_per_row_divisor`.
/// `None` when the width is outside `min_size`..=`max_size`, the pitch exceeds
/// `max_bytes_per_row`, or the format is not supported.
pub fn minimum_row_bytes(constraints: &ImageFormatConstraints, width: u32) -> Option<u32> {
    let format = constraints.chosen_format()?;
    if !is_supported(format) {
        return None;
    }
    if constraints.min_size.is_some_and(|min| width < min.width)
        || constraints.max_size.is_some_and(|max| width > max.width)
    {
        return None;
    }
    let alignment = constraints.size_alignment.map_or(1, |a| a.width).max(1);
    let width = round_up_u32(width, alignment)?;
    let stride = stride_bytes_per_width_pixel(format.pixel_format)?;
    let pixels = stride.checked_mul(width)?;
    let divisor = constraints.bytes_per_row_divisor.unwrap_or(1).max(1);
    let row = round_up_u32(
        pixels.max(constraints.min_bytes_per_row.unwrap_or(0)),
        divisor,
    )?;
    if constraints.max_bytes_per_row.is_some_and(|max| row > max) {
        return None;
    }
    Some(row)
}

/// The bytes of a linear image of `height` rows of `bytes_per_row` (`ImageFormatImageSize`):
/// 3/2 of the luma plane for the 4:2:0 formats.
/// `None` also when the size does not fit a `u64`.
pub fn image_size(format: PixelFormat, height: u32, bytes_per_row: u32) -> Option<u64> {
    let luma = u64::from(height) * u64::from(bytes_per_row);
    match format {
        PixelFormat::I420
        | PixelFormat::M420
        | PixelFormat::NV12
        | PixelFormat::YV12
        | PixelFormat::P010 => luma.checked_add(luma / 2),
        _ if stride_bytes_per_width_pixel(format).is_some() => Some(luma),
        _ => None,
    }
}

/// One plane of an image: where it starts in the image and its row pitch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plane {
    /// Offset of the plane's first byte from the image's first byte
    /// (`ImageFormatPlaneByteOffset`).
    pub offset: u64,
    /// Bytes from one row of the plane to the next (`ImageFormatPlaneRowBytes`).
    pub row_bytes: u32,
}

/// The planes of a linear image of `format`, `height` rows, plane 0 pitch `bytes_per_row`
/// (`None` for an unknown format, or offsets that do not fit a `u64`).
pub fn planes(format: PixelFormat, height: u32, bytes_per_row: u32) -> Option<Vec<Plane>> {
    let luma = u64::from(height) * u64::from(bytes_per_row);
    let first = Plane {
        offset: 0,
        row_bytes: bytes_per_row,
    };
    Some(match plane_count(format)? {
        1 => vec![first],
        2 => vec![
            first,
            Plane {
                offset: luma,
                row_bytes: bytes_per_row,
            },
        ],
        _ => {
            let chroma = u64::from(height / 2) * u64::from(bytes_per_row / 2);
            let half = bytes_per_row / 2;
            vec![
                first,
                Plane {
                    offset: luma,
                    row_bytes: half,
                },
                Plane {
                    offset: luma.checked_add(chroma)?,
                    row_bytes: half,
                },
            ]
        }
    })
}

/// Why an image size does not fit a collection's constraints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageLayoutError {
    /// The constraints have no `pixel_format` or `pixel_format_modifier` (not a reply from
    /// sysmem).
    #[error("the image format constraints name no pixel format and modifier: pass the SingleBufferSettings.image_format_constraints sysmem returned")]
    NoFormat,
    /// The format's layout is not known here.
    #[error("pixel format {0} has no linear layout known to this library")]
    UnsupportedFormat(PixelFormatAndModifier),
    /// The size is outside `min_size..=max_size`, or not a multiple of `size_alignment`.
    #[error("image size {width}x{height} is not allowed: the collection accepts {min:?} to {max:?} in multiples of {alignment:?}")]
    SizeNotAllowed {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
        /// `min_size`.
        min: SizeU,
        /// `max_size`.
        max: SizeU,
        /// `size_alignment`.
        alignment: SizeU,
    },
    /// The image's size or a plane offset does not fit a `u64`.
    #[error("a {width}x{height} image at {bytes_per_row} bytes per row does not fit a u64")]
    TooLarge {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
        /// The row pitch.
        bytes_per_row: u32,
    },
    /// No row pitch satisfies the constraints for this width.
    #[error("no row pitch fits a {width}-pixel row: max_bytes_per_row is {max_bytes_per_row:?}")]
    NoRowPitch {
        /// Width asked for.
        width: u32,
        /// `max_bytes_per_row`.
        max_bytes_per_row: Option<u32>,
    },
}

/// Where an image of a given size lies in a buffer of the collection
/// (`ImageConstraintsToFormat` followed by the plane queries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLayout {
    /// The pixel format and modifier.
    pub format: PixelFormatAndModifier,
    /// The color space (the reply's only entry).
    pub color_space: Option<ColorSpace>,
    /// The image's size in pixels.
    pub size: SizeU,
    /// Plane 0's row pitch in bytes: the smallest the constraints allow for this width.
    pub bytes_per_row: u32,
    /// The image's bytes from its first to its last plane; it fits a buffer when it is at
    /// most `BufferMemorySettings.size_bytes`.
    pub size_bytes: u64,
    /// Every plane, in order.
    pub planes: Vec<Plane>,
}

impl ImageLayout {
    /// The layout of a `width` x `height` image under `constraints` (a collection's
    /// `SingleBufferSettings.image_format_constraints`).
    ///
    /// # Errors
    /// [`ImageLayoutError`].
    pub fn new(
        constraints: &ImageFormatConstraints,
        width: u32,
        height: u32,
    ) -> Result<ImageLayout, ImageLayoutError> {
        let format = constraints
            .chosen_format()
            .ok_or(ImageLayoutError::NoFormat)?;
        if !is_supported(format) {
            return Err(ImageLayoutError::UnsupportedFormat(format));
        }
        let min = constraints.min_size.unwrap_or_default();
        let max = constraints
            .max_size
            .unwrap_or(SizeU::new(u32::MAX, u32::MAX));
        let alignment = constraints.size_alignment.unwrap_or(SizeU::new(1, 1));
        let aligned = |value: u32, multiple: u32| multiple != 0 && value % multiple == 0;
        if width < min.width
            || height < min.height
            || width > max.width
            || height > max.height
            || !aligned(width, alignment.width)
            || !aligned(height, alignment.height)
        {
            return Err(ImageLayoutError::SizeNotAllowed {
                width,
                height,
                min,
                max,
                alignment,
            });
        }
        let bytes_per_row =
            minimum_row_bytes(constraints, width).ok_or(ImageLayoutError::NoRowPitch {
                width,
                max_bytes_per_row: constraints.max_bytes_per_row,
            })?;
        // The format is supported, so `None` means an overflow.
        let too_large = ImageLayoutError::TooLarge {
            width,
            height,
            bytes_per_row,
        };
        let size_bytes = image_size(format.pixel_format, height, bytes_per_row)
            .ok_or_else(|| too_large.clone())?;
        let planes = planes(format.pixel_format, height, bytes_per_row).ok_or(too_large)?;
        Ok(ImageLayout {
            format,
            color_space: constraints
                .color_spaces
                .as_ref()
                .and_then(|c| c.first().copied()),
            size: SizeU::new(width, height),
            bytes_per_row,
            size_bytes,
            planes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(format: PixelFormat) -> ImageFormatConstraints {
        ImageFormatConstraints {
            min_size: Some(SizeU::new(16, 16)),
            max_size: Some(SizeU::new(1024, 1024)),
            size_alignment: Some(SizeU::new(2, 2)),
            bytes_per_row_divisor: Some(64),
            ..ImageFormatConstraints::new(PixelFormatAndModifier::linear(format), &[])
        }
    }

    #[test]
    fn layout_follows_the_constraints() {
        let layout = ImageLayout::new(&reply(PixelFormat::B8G8R8A8), 250, 16).unwrap();
        assert_eq!(layout.bytes_per_row, 1024); // 1000 rounded up to 64
        assert_eq!(layout.size_bytes, 16 * 1024);
        assert_eq!(
            layout.planes,
            [Plane {
                offset: 0,
                row_bytes: 1024
            }]
        );
    }

    #[test]
    fn layout_errors_say_what_is_wrong() {
        let c = reply(PixelFormat::R8G8B8A8);
        assert!(matches!(
            ImageLayout::new(&c, 251, 16),
            Err(ImageLayoutError::SizeNotAllowed { width: 251, .. })
        ));
        assert!(matches!(
            ImageLayout::new(&c, 8, 8),
            Err(ImageLayoutError::SizeNotAllowed { .. })
        ));
        assert!(matches!(
            ImageLayout::new(&c, 2048, 16),
            Err(ImageLayoutError::SizeNotAllowed { .. })
        ));
        let narrow = ImageFormatConstraints {
            max_bytes_per_row: Some(512),
            ..c.clone()
        };
        assert_eq!(
            ImageLayout::new(&narrow, 250, 16),
            Err(ImageLayoutError::NoRowPitch {
                width: 250,
                max_bytes_per_row: Some(512)
            })
        );
        assert_eq!(
            ImageLayout::new(&ImageFormatConstraints::default(), 16, 16),
            Err(ImageLayoutError::NoFormat)
        );
        let tiled = ImageFormatConstraints {
            pixel_format_modifier: Some(PixelFormatModifier::INTEL_I915_Y_TILED),
            ..c
        };
        assert!(matches!(
            ImageLayout::new(&tiled, 16, 16),
            Err(ImageLayoutError::UnsupportedFormat(_))
        ));
    }

    #[test]
    fn color_spaces_go_with_formats_as_in_sysmem() {
        assert!(is_supported_color_space(
            ColorSpace::SRGB,
            PixelFormat::R8G8B8A8
        ));
        assert!(is_supported_color_space(
            ColorSpace::SRGB,
            PixelFormat::R5G6B5
        ));
        assert!(is_supported_color_space(
            ColorSpace::REC709,
            PixelFormat::NV12
        ));
        assert!(is_supported_color_space(
            ColorSpace::REC601_PAL,
            PixelFormat::I420
        ));
        assert!(is_supported_color_space(
            ColorSpace::REC2020,
            PixelFormat::P010
        ));
        assert!(!is_supported_color_space(
            ColorSpace::REC2020,
            PixelFormat::NV12
        ));
        assert!(!is_supported_color_space(
            ColorSpace::SRGB,
            PixelFormat::NV12
        ));
        assert!(!is_supported_color_space(
            ColorSpace::REC709,
            PixelFormat::B8G8R8A8
        ));
        // L8 and R8 expand to either.
        assert!(is_supported_color_space(
            ColorSpace::REC709,
            PixelFormat::L8
        ));
        assert!(is_supported_color_space(ColorSpace::SRGB, PixelFormat::R8));
        assert!(is_supported_color_space(
            ColorSpace::PASSTHROUGH,
            PixelFormat::NV12
        ));
        assert!(!is_supported_color_space(
            ColorSpace::DO_NOT_CARE,
            PixelFormat::NV12
        ));
    }
}
