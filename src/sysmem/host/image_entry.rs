//! One image format constraints entry, a single (format, modifier), with every default applied,
//! and its checks: sysmem's `CheckSanitizeImageFormatConstraints`
//! (`misttech/fuchsia:src/sysmem/server/logical_buffer_collection.cc`), run on each
//! participant's entries and again on the aggregate. Every failure names the field.

use super::aggregate::Rejection;
use crate::sysmem::image_format::{self as format, round_up_u32};
use crate::sysmem::images::{
    ColorSpace, ImageFormatConstraints, PixelFormat, PixelFormatAndModifier, PixelFormatModifier,
    SizeU,
};

/// The page size the host's VMOs are rounded to (`start_offset_divisor` may not exceed it).
const PAGE_SIZE: u32 = 4096;
pub(super) const MAX: SizeU = SizeU::new(u32::MAX, u32::MAX);

/// One (format, modifier) entry with every default applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) format: PixelFormatAndModifier,
    pub(super) color_spaces: Vec<ColorSpace>,
    pub(super) min_size: SizeU,
    pub(super) max_size: SizeU,
    pub(super) min_bytes_per_row: u32,
    pub(super) max_bytes_per_row: u32,
    pub(super) max_width_times_height: u64,
    pub(super) size_alignment: SizeU,
    pub(super) display_rect_alignment: SizeU,
    pub(super) required_min_size: SizeU,
    pub(super) required_max_size: SizeU,
    pub(super) required_max_size_list: Vec<SizeU>,
    pub(super) bytes_per_row_divisor: u32,
    pub(super) start_offset_divisor: u32,
    pub(super) require_bytes_per_row_at_pixel_boundary: bool,
    pub(super) is_alpha_present: Option<bool>,
    pub(super) pad_for_block_size: SizeU,
    pub(super) pad_beyond_image_size_bytes: u64,
}

pub(super) fn is_do_not_care(format: PixelFormatAndModifier) -> bool {
    format.pixel_format == PixelFormat::DO_NOT_CARE
        || format.pixel_format_modifier == PixelFormatModifier::DO_NOT_CARE
}

/// Whether two formats can stand for one (each field equal, or `DO_NOT_CARE` on a side).
pub(super) fn combinable(a: PixelFormatAndModifier, b: PixelFormatAndModifier) -> bool {
    (a.pixel_format == b.pixel_format
        || a.pixel_format == PixelFormat::DO_NOT_CARE
        || b.pixel_format == PixelFormat::DO_NOT_CARE)
        && (a.pixel_format_modifier == b.pixel_format_modifier
            || a.pixel_format_modifier == PixelFormatModifier::DO_NOT_CARE
            || b.pixel_format_modifier == PixelFormatModifier::DO_NOT_CARE)
}

/// The format two combinable formats stand for: the specific field of each.
pub(super) fn combined(
    a: PixelFormatAndModifier,
    b: PixelFormatAndModifier,
) -> PixelFormatAndModifier {
    PixelFormatAndModifier {
        pixel_format: if a.pixel_format == PixelFormat::DO_NOT_CARE {
            b.pixel_format
        } else {
            a.pixel_format
        },
        pixel_format_modifier: if a.pixel_format_modifier == PixelFormatModifier::DO_NOT_CARE {
            b.pixel_format_modifier
        } else {
            a.pixel_format_modifier
        },
    }
}

fn is_power_of_2(value: u32) -> bool {
    value.is_power_of_two()
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `CombineBytesPerRowDivisor`: the least common multiple, which must fit a `u32`.
pub(super) fn lcm(a: u32, b: u32) -> Option<u32> {
    let (a, b) = (u64::from(a), u64::from(b));
    u32::try_from(a / gcd(a, b) * b).ok()
}

/// A check on one entry: `Err` names the field.
pub(super) fn ensure(ok: bool, field: &str, what: &str) -> Result<(), Rejection> {
    if ok {
        Ok(())
    } else {
        Err(Rejection::empty(format!("{field}: {what}")))
    }
}

/// Where a rule was checked: one participant's entry, or the aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Participant,
    Aggregated,
}

/// Step 2: defaults and checks (`CheckSanitizeImageFormatConstraints`). `at` names the entry in
/// messages.
pub(super) fn sanitize(mut e: Entry, stage: Stage, at: &str) -> Result<Entry, Rejection> {
    let field = |name: &str| format!("{at}.{name}");
    ensure(
        e.format.pixel_format != PixelFormat::INVALID,
        &field("pixel_format"),
        "INVALID is not allowed (DO_NOT_CARE accepts any format)",
    )?;
    ensure(
        e.format.pixel_format_modifier != PixelFormatModifier::INVALID,
        &field("pixel_format_modifier"),
        "INVALID is not allowed (DO_NOT_CARE accepts any modifier)",
    )?;
    ensure(
        is_power_of_2(e.size_alignment.width),
        &field("size_alignment.width"),
        "must be a non-zero power of 2",
    )?;
    ensure(
        is_power_of_2(e.size_alignment.height),
        &field("size_alignment.height"),
        "must be a non-zero power of 2",
    )?;
    e.min_size.width = e.min_size.width.max(e.size_alignment.width);
    e.min_size.height = e.min_size.height.max(e.size_alignment.height);
    for size in &e.required_max_size_list {
        ensure(
            size.width != 0 && size.height != 0,
            &field("required_max_size_list"),
            "entries must not be 0 in either dimension",
        )?;
    }
    ensure(
        e.bytes_per_row_divisor != 0,
        &field("bytes_per_row_divisor"),
        "0 is not allowed (leave it unset for 1)",
    )?;
    let do_not_care = is_do_not_care(e.format);
    if !do_not_care {
        let pixel_format = e.format.pixel_format;
        let (Some(stride), Some(sample), Some(divisor)) = (
            format::stride_bytes_per_width_pixel(pixel_format),
            format::sample_alignment(pixel_format),
            format::size_min_divisor(pixel_format),
        ) else {
            return Err(Rejection::empty(format!(
                "{}: unsupported pixel format {}",
                field("pixel_format"),
                e.format
            )));
        };
        e.size_alignment.width = e.size_alignment.width.max(divisor.width);
        e.size_alignment.height = e.size_alignment.height.max(divisor.height);
        let overflow = || {
            Rejection::empty(format!(
                "{}: the least common multiple overflows",
                field("bytes_per_row_divisor")
            ))
        };
        e.bytes_per_row_divisor = lcm(e.bytes_per_row_divisor, sample).ok_or_else(overflow)?;
        if e.require_bytes_per_row_at_pixel_boundary {
            e.bytes_per_row_divisor = lcm(e.bytes_per_row_divisor, stride).ok_or_else(overflow)?;
        }
        e.start_offset_divisor = e.start_offset_divisor.max(sample);
        e.min_bytes_per_row = e.min_bytes_per_row.max(e.bytes_per_row_divisor);
        if let Some(row) = format::minimum_row_bytes(&e.to_constraints(), e.min_size.width) {
            e.min_bytes_per_row = e.min_bytes_per_row.max(row);
        }
    }
    let rounded = |field_name: &str, value: u32, multiple: u32| {
        round_up_u32(value, multiple).ok_or_else(|| {
            Rejection::empty(format!("{}: overflows when rounded up", field(field_name)))
        })
    };
    e.min_size.width = rounded("min_size.width", e.min_size.width, e.size_alignment.width)?;
    e.min_size.height = rounded(
        "min_size.height",
        e.min_size.height,
        e.size_alignment.height,
    )?;
    e.min_bytes_per_row = rounded(
        "min_bytes_per_row",
        e.min_bytes_per_row,
        e.bytes_per_row_divisor,
    )?;
    let round_down = |value: u32, multiple: u32| {
        if value == u32::MAX {
            value
        } else {
            value - value % multiple
        }
    };
    e.max_size.width = round_down(e.max_size.width, e.size_alignment.width);
    e.max_size.height = round_down(e.max_size.height, e.size_alignment.height);
    e.max_bytes_per_row = round_down(e.max_bytes_per_row, e.bytes_per_row_divisor);

    ensure(
        !e.color_spaces.is_empty(),
        &field("color_spaces"),
        "must list at least one color space ([DO_NOT_CARE] accepts any)",
    )?;
    ensure(
        e.min_size.width <= e.max_size.width,
        &field("min_size.width"),
        &format!("{} > max_size.width {}", e.min_size.width, e.max_size.width),
    )?;
    ensure(
        e.min_size.height <= e.max_size.height,
        &field("min_size.height"),
        &format!(
            "{} > max_size.height {}",
            e.min_size.height, e.max_size.height
        ),
    )?;
    ensure(
        e.min_bytes_per_row <= e.max_bytes_per_row,
        &field("min_bytes_per_row"),
        &format!(
            "{} > max_bytes_per_row {}",
            e.min_bytes_per_row, e.max_bytes_per_row
        ),
    )?;
    let area = e.min_size.width.checked_mul(e.min_size.height);
    ensure(
        area.is_some_and(|area| u64::from(area) <= e.max_width_times_height),
        &field("max_width_times_height"),
        &format!(
            "{} is less than min_size {}x{}",
            e.max_width_times_height, e.min_size.width, e.min_size.height
        ),
    )?;
    ensure(
        is_power_of_2(e.display_rect_alignment.width)
            && is_power_of_2(e.display_rect_alignment.height),
        &field("display_rect_alignment"),
        "must be non-zero powers of 2",
    )?;
    ensure(
        is_power_of_2(e.start_offset_divisor) && e.start_offset_divisor <= PAGE_SIZE,
        &field("start_offset_divisor"),
        "must be a power of 2 no larger than the page size",
    )?;
    let color_do_not_care = e.color_spaces.contains(&ColorSpace::DO_NOT_CARE);
    ensure(
        !color_do_not_care || e.color_spaces.len() == 1,
        &field("color_spaces"),
        "DO_NOT_CARE must be the only entry",
    )?;
    if !do_not_care && !color_do_not_care {
        for &space in &e.color_spaces {
            ensure(
                format::is_supported_color_space(space, e.format.pixel_format),
                &field("color_spaces"),
                &format!(
                    "{space:?} cannot describe {:?} pixels",
                    e.format.pixel_format
                ),
            )?;
        }
    }
    for (dimension, min, required_min, max, required_max, list_max) in [
        (
            "width",
            e.min_size.width,
            e.required_min_size.width,
            e.max_size.width,
            e.required_max_size.width,
            e.required_max_size_list.iter().map(|s| s.width).max(),
        ),
        (
            "height",
            e.min_size.height,
            e.required_min_size.height,
            e.max_size.height,
            e.required_max_size.height,
            e.required_max_size_list.iter().map(|s| s.height).max(),
        ),
    ] {
        let name = format!("required_min_size.{dimension}");
        ensure(required_min != 0, &field(&name), "must not be 0")?;
        ensure(
            required_min >= min,
            &field(&name),
            &format!("{required_min} < min_size.{dimension} {min}"),
        )?;
        ensure(
            required_max <= max,
            &field(&format!("required_max_size.{dimension}")),
            &format!("{required_max} > max_size.{dimension} {max}"),
        )?;
        ensure(
            list_max.is_none_or(|list_max| list_max <= max),
            &field(&format!("required_max_size_list[n].{dimension}")),
            &format!("> max_size.{dimension} {max}"),
        )?;
    }
    let pad = e.pad_for_block_size;
    ensure(
        is_power_of_2(pad.width) && is_power_of_2(pad.height),
        &field("pad_for_block_size"),
        "must be non-zero powers of 2",
    )?;
    if pad.width > 1 || pad.height > 1 {
        ensure(
            !do_not_care,
            &field("pad_for_block_size"),
            "not supported with a DO_NOT_CARE format or modifier",
        )?;
        ensure(
            e.format.pixel_format_modifier == PixelFormatModifier::LINEAR
                && format::is_single_plane(e.format.pixel_format),
            &field("pad_for_block_size"),
            "only supported for linear single-plane formats",
        )?;
        if pad.height > 1 {
            ensure(
                e.max_size.width != u32::MAX,
                &field("pad_for_block_size.height"),
                "needs max_size.width set too (2 to 4 times the expected width)",
            )?;
            ensure(
                stage == Stage::Participant || e.max_size.width < 0x8000_0000,
                &field("pad_for_block_size.height"),
                "the aggregated max_size.width is too large (>= 0x80000000)",
            )?;
        }
    }
    Ok(e)
}

impl Entry {
    /// The entry from one `ImageFormatConstraints` and one of its formats, defaults applied.
    pub(super) fn from_constraints(
        c: &ImageFormatConstraints,
        format: PixelFormatAndModifier,
    ) -> Entry {
        Entry {
            format,
            color_spaces: c.color_spaces.clone().unwrap_or_default(),
            min_size: c.min_size.unwrap_or_default(),
            max_size: c.max_size.unwrap_or(MAX),
            min_bytes_per_row: c.min_bytes_per_row.unwrap_or(0),
            max_bytes_per_row: c.max_bytes_per_row.unwrap_or(u32::MAX),
            max_width_times_height: c.max_width_times_height.unwrap_or(u64::from(u32::MAX)),
            size_alignment: c.size_alignment.unwrap_or(SizeU::new(1, 1)),
            display_rect_alignment: c.display_rect_alignment.unwrap_or(SizeU::new(1, 1)),
            required_min_size: c.required_min_size.unwrap_or(MAX),
            required_max_size: c.required_max_size.unwrap_or_default(),
            required_max_size_list: c.required_max_size_list.clone().unwrap_or_default(),
            bytes_per_row_divisor: c.bytes_per_row_divisor.unwrap_or(1),
            start_offset_divisor: c.start_offset_divisor.unwrap_or(1),
            require_bytes_per_row_at_pixel_boundary: c
                .require_bytes_per_row_at_pixel_boundary
                .unwrap_or(false),
            is_alpha_present: c.is_alpha_present,
            pad_for_block_size: c.pad_for_block_size.unwrap_or(SizeU::new(1, 1)),
            pad_beyond_image_size_bytes: c.pad_beyond_image_size_bytes.unwrap_or(0),
        }
    }

    /// The entry as the table sysmem sends back.
    pub(super) fn to_constraints(&self) -> ImageFormatConstraints {
        ImageFormatConstraints {
            pixel_format: Some(self.format.pixel_format),
            pixel_format_modifier: Some(self.format.pixel_format_modifier),
            pixel_format_and_modifiers: None,
            color_spaces: Some(self.color_spaces.clone()),
            min_size: Some(self.min_size),
            max_size: Some(self.max_size),
            min_bytes_per_row: Some(self.min_bytes_per_row),
            max_bytes_per_row: Some(self.max_bytes_per_row),
            max_width_times_height: Some(self.max_width_times_height),
            size_alignment: Some(self.size_alignment),
            display_rect_alignment: Some(self.display_rect_alignment),
            required_min_size: Some(self.required_min_size),
            required_max_size: Some(self.required_max_size),
            required_max_size_list: Some(self.required_max_size_list.clone()),
            bytes_per_row_divisor: Some(self.bytes_per_row_divisor),
            start_offset_divisor: Some(self.start_offset_divisor),
            require_bytes_per_row_at_pixel_boundary: Some(
                self.require_bytes_per_row_at_pixel_boundary,
            ),
            is_alpha_present: self.is_alpha_present,
            pad_for_block_size: Some(self.pad_for_block_size),
            pad_beyond_image_size_bytes: Some(self.pad_beyond_image_size_bytes),
        }
    }
}
