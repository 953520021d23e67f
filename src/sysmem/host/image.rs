//! Image format constraints, aggregated as sysmem does
//! (`misttech/fuchsia:src/sysmem/server/logical_buffer_collection.cc`:
//! `FlattenPixelFormatAndModifiers`, `CheckSanitizeImageFormatConstraints`,
//! `AccumulateConstraintImageFormat(s)`, `AccumulateConstraintColorSpaces`,
//! `CheckSanitizeBufferCollectionConstraints` for the aggregate, and
//! `GenerateUnpopulatedBufferCollectionInfo` for sizes):
//!
//! 1. **Flatten** each participant's entries: `pixel_format` (+ `pixel_format_modifier`, whose
//!    default is `LINEAR`, or `DO_NOT_CARE` for a `DO_NOT_CARE` format or a `NONE_USAGE`
//!    participant) and each `pixel_format_and_modifiers` pair become one entry each. Two
//!    entries of one participant may not be equal or combinable.
//! 2. **Sanitize** each entry: defaults, power-of-2 alignments, the format's own divisors and
//!    sample alignment folded in, `min_bytes_per_row` raised to the row pitch of `min_size`,
//!    every min ≤ max, color spaces valid for the format, `required_*` within `min..max`,
//!    `pad_for_block_size` only for linear single-plane formats.
//! 3. **Accumulate** participants in turn: formats match exactly or through `DO_NOT_CARE`; a
//!    format missing from a participant is dropped; per format the color spaces intersect,
//!    mins take the max, maxes the min, alignments the max, `bytes_per_row_divisor` the lcm,
//!    `required_min_size` the min and `required_max_size` the max, `required_max_size_list`
//!    appends, `is_alpha_present` must agree, paddings take the max.
//! 4. **Check the aggregate** (step 2 again), drop formats still `DO_NOT_CARE`, keep the best
//!    color space (SRGB, then REC2100, REC2020, REC709, REC601 PAL full, PAL, NTSC full, NTSC),
//!    and pick the format with the lowest `PixelFormat` value, then the lowest modifier (the
//!    host has no per-board format costs).
//! 5. **Size** the buffers for the largest image the constraints allow a producer to need:
//!    `max(min_size, required_max_size)` rounded to `size_alignment`, at the smallest row pitch.
//!
//! Every failure names the field, as sysmem's log does. The host deviates in one place: an
//! entry whose (format, modifier) has no layout known here (tiled and compressed modifiers) is
//! dropped with a log line rather than failing the whole collection, since the host cannot size
//! such buffers; sysmem can.

use super::aggregate::Rejection;
use crate::sysmem::image_format::{self as format, round_up_u32};
use crate::sysmem::images::{
    ColorSpace, ImageFormatConstraints, PixelFormat, PixelFormatAndModifier, PixelFormatModifier,
    SizeU,
};

/// The page size the host's VMOs are rounded to (`start_offset_divisor` may not exceed it).
const PAGE_SIZE: u32 = 4096;
const MAX: SizeU = SizeU::new(u32::MAX, u32::MAX);

/// What image aggregation decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageSettings {
    /// The constraints returned to every participant.
    pub constraints: ImageFormatConstraints,
    /// The bytes of the largest image the buffers must hold: `BufferMemorySettings.size_bytes`.
    pub size_bytes: u64,
    /// The bytes the VMO needs: `size_bytes` plus any `pad_*` padding.
    pub padded_size_bytes: u64,
}

/// One (format, modifier) entry with every default applied.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    format: PixelFormatAndModifier,
    color_spaces: Vec<ColorSpace>,
    min_size: SizeU,
    max_size: SizeU,
    min_bytes_per_row: u32,
    max_bytes_per_row: u32,
    max_width_times_height: u64,
    size_alignment: SizeU,
    display_rect_alignment: SizeU,
    required_min_size: SizeU,
    required_max_size: SizeU,
    required_max_size_list: Vec<SizeU>,
    bytes_per_row_divisor: u32,
    start_offset_divisor: u32,
    require_bytes_per_row_at_pixel_boundary: bool,
    is_alpha_present: Option<bool>,
    pad_for_block_size: SizeU,
    pad_beyond_image_size_bytes: u64,
}

fn is_do_not_care(format: PixelFormatAndModifier) -> bool {
    format.pixel_format == PixelFormat::DO_NOT_CARE
        || format.pixel_format_modifier == PixelFormatModifier::DO_NOT_CARE
}

/// Whether two formats can stand for one (each field equal, or `DO_NOT_CARE` on a side).
fn combinable(a: PixelFormatAndModifier, b: PixelFormatAndModifier) -> bool {
    (a.pixel_format == b.pixel_format
        || a.pixel_format == PixelFormat::DO_NOT_CARE
        || b.pixel_format == PixelFormat::DO_NOT_CARE)
        && (a.pixel_format_modifier == b.pixel_format_modifier
            || a.pixel_format_modifier == PixelFormatModifier::DO_NOT_CARE
            || b.pixel_format_modifier == PixelFormatModifier::DO_NOT_CARE)
}

/// The format two combinable formats stand for: the specific field of each.
fn combined(a: PixelFormatAndModifier, b: PixelFormatAndModifier) -> PixelFormatAndModifier {
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
fn lcm(a: u32, b: u32) -> Option<u32> {
    let (a, b) = (u64::from(a), u64::from(b));
    u32::try_from(a / gcd(a, b) * b).ok()
}

/// A check on one entry: `Err` names the field.
fn ensure(ok: bool, field: &str, what: &str) -> Result<(), Rejection> {
    if ok {
        Ok(())
    } else {
        Err(Rejection::empty(format!("{field}: {what}")))
    }
}

/// Where a rule was checked: one participant's entry, or the aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Participant,
    Aggregated,
}

/// Step 2: defaults and checks (`CheckSanitizeImageFormatConstraints`). `at` names the entry in
/// messages.
fn sanitize(mut e: Entry, stage: Stage, at: &str) -> Result<Entry, Rejection> {
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
    fn from_constraints(c: &ImageFormatConstraints, format: PixelFormatAndModifier) -> Entry {
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
    fn to_constraints(&self) -> ImageFormatConstraints {
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

/// Step 1 and 2 for one participant (`participant` names it in messages): its entries,
/// flattened and sanitized. `none_usage`: the participant's usage is `NONE_USAGE`.
fn participant_entries(
    participant: usize,
    list: &[ImageFormatConstraints],
    none_usage: bool,
    log: &mut Vec<String>,
) -> Result<Vec<Entry>, Rejection> {
    let mut entries = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let at = format!("participant {participant}: image_format_constraints[{i}]");
        let mut formats = Vec::new();
        match (c.pixel_format, c.pixel_format_modifier) {
            (Some(pixel_format), modifier) => {
                let default = if pixel_format == PixelFormat::DO_NOT_CARE || none_usage {
                    PixelFormatModifier::DO_NOT_CARE
                } else {
                    PixelFormatModifier::LINEAR
                };
                formats.push(PixelFormatAndModifier::new(
                    pixel_format,
                    modifier.unwrap_or(default),
                ));
            }
            (None, Some(_)) => {
                return Err(Rejection::empty(format!(
                    "{at}.pixel_format_modifier: set without pixel_format"
                )))
            }
            (None, None) => {}
        }
        formats.extend(c.pixel_format_and_modifiers.iter().flatten().copied());
        ensure(
            !formats.is_empty(),
            &format!("{at}.pixel_format"),
            "no pixel format: set pixel_format or pixel_format_and_modifiers",
        )?;
        for format in formats {
            // The host's one deviation: a modifier it has no layout for is dropped, not an
            // error. A LINEAR format it does not know, or INVALID, fails as in sysmem.
            let modifier = format.pixel_format_modifier;
            if !is_do_not_care(format)
                && modifier != PixelFormatModifier::LINEAR
                && modifier != PixelFormatModifier::INVALID
            {
                log.push(format!(
                    "{at}: dropping {format}: the host has no layout for it (linear formats only)"
                ));
                continue;
            }
            entries.push(sanitize(
                Entry::from_constraints(c, format),
                Stage::Participant,
                &at,
            )?);
        }
    }
    for (i, a) in entries.iter().enumerate() {
        for b in &entries[i + 1..] {
            ensure(
                !combinable(a.format, b.format),
                &format!("participant {participant}: image_format_constraints"),
                &format!(
                    "{} and {} stand for the same format (duplicates, or DO_NOT_CARE covering another entry)",
                    a.format, b.format
                ),
            )?;
        }
    }
    Ok(entries)
}

/// Color spaces of two participants for one format (`AccumulateConstraintColorSpaces`):
/// `[DO_NOT_CARE]` takes the other's list, otherwise the intersection.
fn accumulate_color_spaces(acc: &[ColorSpace], c: &[ColorSpace]) -> Vec<ColorSpace> {
    let dnc = [ColorSpace::DO_NOT_CARE];
    match (acc == dnc, c == dnc) {
        (true, _) => c.to_vec(),
        (false, true) => acc.to_vec(),
        (false, false) => acc.iter().copied().filter(|s| c.contains(s)).collect(),
    }
}

/// Step 3 for one format (`AccumulateConstraintImageFormat`); `None` (with the reason logged)
/// drops the format.
fn accumulate(acc: &Entry, c: &Entry, log: &mut Vec<String>) -> Option<Entry> {
    let format = combined(acc.format, c.format);
    let mut drop = |why: &str| {
        log.push(format!("dropping {format}: {why}"));
        None
    };
    let color_spaces = accumulate_color_spaces(&acc.color_spaces, &c.color_spaces);
    if color_spaces.is_empty() {
        return drop("color_spaces: no color space in common");
    }
    let max = |a: SizeU, b: SizeU| SizeU::new(a.width.max(b.width), a.height.max(b.height));
    let min = |a: SizeU, b: SizeU| SizeU::new(a.width.min(b.width), a.height.min(b.height));
    let Some(mut bytes_per_row_divisor) = lcm(acc.bytes_per_row_divisor, c.bytes_per_row_divisor)
    else {
        return drop("bytes_per_row_divisor: the least common multiple overflows");
    };
    let is_alpha_present = match (acc.is_alpha_present, c.is_alpha_present) {
        (Some(a), Some(b)) if a != b => return drop("is_alpha_present: participants disagree"),
        (a, b) => a.or(b),
    };
    let pad_for_block_size = max(acc.pad_for_block_size, c.pad_for_block_size);
    if pad_for_block_size.width > 1 {
        // Each pixel of a block needs its own bytes: rows hold whole blocks.
        let stride = format::stride_bytes_per_width_pixel(format.pixel_format).unwrap_or(1);
        let block = stride.checked_mul(pad_for_block_size.width);
        match block.and_then(|block| lcm(bytes_per_row_divisor, block)) {
            Some(divisor) => bytes_per_row_divisor = divisor,
            None => return drop("pad_for_block_size.width: the row divisor overflows"),
        }
    }
    let mut required_max_size_list = acc.required_max_size_list.clone();
    required_max_size_list.extend_from_slice(&c.required_max_size_list);
    Some(Entry {
        format,
        color_spaces,
        min_size: max(acc.min_size, c.min_size),
        max_size: min(acc.max_size, c.max_size),
        min_bytes_per_row: acc.min_bytes_per_row.max(c.min_bytes_per_row),
        max_bytes_per_row: acc.max_bytes_per_row.min(c.max_bytes_per_row),
        max_width_times_height: acc.max_width_times_height.min(c.max_width_times_height),
        size_alignment: max(acc.size_alignment, c.size_alignment),
        display_rect_alignment: max(acc.display_rect_alignment, c.display_rect_alignment),
        required_min_size: min(acc.required_min_size, c.required_min_size),
        required_max_size: max(acc.required_max_size, c.required_max_size),
        required_max_size_list,
        bytes_per_row_divisor,
        start_offset_divisor: acc.start_offset_divisor.max(c.start_offset_divisor),
        require_bytes_per_row_at_pixel_boundary: acc.require_bytes_per_row_at_pixel_boundary
            || c.require_bytes_per_row_at_pixel_boundary,
        is_alpha_present,
        pad_for_block_size,
        pad_beyond_image_size_bytes: acc
            .pad_beyond_image_size_bytes
            .max(c.pad_beyond_image_size_bytes),
    })
}

/// sysmem's color space ranking: lower is preferred.
fn color_space_rank(space: ColorSpace) -> u32 {
    match space {
        ColorSpace::SRGB => 1,
        ColorSpace::REC2100 => 2,
        ColorSpace::REC2020 => 3,
        ColorSpace::REC709 => 4,
        ColorSpace::REC601_PAL_FULL_RANGE => 5,
        ColorSpace::REC601_PAL => 6,
        ColorSpace::REC601_NTSC_FULL_RANGE => 7,
        ColorSpace::REC601_NTSC => 8,
        ColorSpace::PASSTHROUGH => 9,
        _ => u32::MAX,
    }
}

/// One participant's image constraints: its list and whether its usage is `NONE_USAGE`.
pub(crate) struct Participant<'a> {
    /// `BufferCollectionConstraints.image_format_constraints` (may be empty).
    pub list: &'a [ImageFormatConstraints],
    /// Whether its usage is `NONE_USAGE` (the modifier then defaults to `DO_NOT_CARE`).
    pub none_usage: bool,
}

/// Aggregates the image constraints of every participant and sizes the buffers. `Ok(None)`:
/// nobody gave image constraints (raw buffers). `min_size_bytes` / `max_size_bytes` are the
/// aggregated buffer memory constraints. Lines worth logging go to `log`.
///
/// # Errors
/// [`Rejection`] (`CONSTRAINTS_INTERSECTION_EMPTY`) naming the field that failed.
pub(crate) fn aggregate(
    participants: &[Participant<'_>],
    min_size_bytes: u64,
    max_size_bytes: u64,
    log: &mut Vec<String>,
) -> Result<Option<ImageSettings>, Rejection> {
    let mut acc: Option<Vec<Entry>> = None;
    for (index, participant) in participants.iter().enumerate() {
        if participant.list.is_empty() {
            continue;
        }
        let entries = participant_entries(index, participant.list, participant.none_usage, log)?;
        acc = Some(match acc {
            None => entries,
            Some(acc) => {
                let mut next = Vec::new();
                for a in &acc {
                    for c in entries.iter().filter(|c| combinable(a.format, c.format)) {
                        if let Some(entry) = accumulate(a, c, log) {
                            next.push(entry);
                        }
                    }
                }
                next
            }
        });
        if acc.as_ref().is_some_and(Vec::is_empty) {
            return Err(Rejection::empty(format!(
                "image_format_constraints: no pixel format and modifier accepted by every participant is left after participant {index}"
            )));
        }
    }
    let Some(acc) = acc else {
        return Ok(None);
    };
    let mut chosen = Vec::new();
    for entry in acc {
        let at = format!("aggregated image_format_constraints ({})", entry.format);
        let mut entry = sanitize(entry, Stage::Aggregated, &at)?;
        if is_do_not_care(entry.format) {
            log.push(format!(
                "{at}: dropped: no participant named a specific pixel format and modifier"
            ));
            continue;
        }
        if entry.color_spaces == [ColorSpace::DO_NOT_CARE] {
            log.push(format!(
                "{at}: dropped: no participant named a specific color space"
            ));
            continue;
        }
        if let Some(best) = entry
            .color_spaces
            .iter()
            .copied()
            .min_by_key(|s| color_space_rank(*s))
        {
            entry.color_spaces = vec![best];
        }
        chosen.push(entry);
    }
    let Some(mut best) = chosen.into_iter().min_by_key(|e| {
        (
            e.format.pixel_format.into_raw(),
            e.format.pixel_format_modifier.into_raw(),
        )
    }) else {
        return Err(Rejection::empty(
            "image_format_constraints: no format with a specific pixel format, modifier and color space is left (at least one participant must name each)".into(),
        ));
    };
    if !format::has_alpha_or_x(best.format.pixel_format) {
        best.is_alpha_present = None;
    }
    finish_required_max_size_list(&mut best);
    let size_bytes = image_bytes(&best, min_size_bytes, max_size_bytes)?;
    let padded_size_bytes = padded_bytes(&best, size_bytes, max_size_bytes)?;
    Ok(Some(ImageSettings {
        constraints: best.to_constraints(),
        size_bytes,
        padded_size_bytes,
    }))
}

/// The aggregated `required_max_size` joins the list; entries covered by another go.
fn finish_required_max_size_list(entry: &mut Entry) {
    if entry.required_max_size != SizeU::default() {
        entry.required_max_size_list.push(entry.required_max_size);
    }
    let list = std::mem::take(&mut entry.required_max_size_list);
    for (i, size) in list.iter().enumerate() {
        let covered = list.iter().enumerate().any(|(j, other)| {
            j != i
                && other.width >= size.width
                && other.height >= size.height
                && (other != size || j < i)
        });
        if !covered {
            entry.required_max_size_list.push(*size);
        }
    }
}

/// Step 5: the buffer size (`GenerateUnpopulatedBufferCollectionInfo`): for each required
/// maximum (or none), the image of `max(min_size, required)` rounded to `size_alignment` at the
/// smallest row pitch, at least `min_size_bytes`, at most `max_size_bytes`.
fn image_bytes(entry: &Entry, min_size_bytes: u64, max_size_bytes: u64) -> Result<u64, Rejection> {
    let mut size_bytes = min_size_bytes;
    let none = [SizeU::default()];
    let list = if entry.required_max_size_list.is_empty() {
        &none[..]
    } else {
        &entry.required_max_size_list[..]
    };
    let stride = format::stride_bytes_per_width_pixel(entry.format.pixel_format).unwrap_or(1);
    for required in list {
        let width = round_up_u32(
            entry.min_size.width.max(required.width),
            entry.size_alignment.width,
        );
        ensure(
            width.is_some_and(|w| w <= entry.max_size.width),
            "size_alignment.width",
            "rounding the width up makes it exceed max_size.width",
        )?;
        let height = round_up_u32(
            entry.min_size.height.max(required.height),
            entry.size_alignment.height,
        );
        ensure(
            height.is_some_and(|h| h <= entry.max_size.height),
            "size_alignment.height",
            "rounding the height up makes it exceed max_size.height",
        )?;
        let (width, height) = (width.unwrap_or(0), height.unwrap_or(0));
        let row = stride.checked_mul(width).and_then(|pixels| {
            round_up_u32(
                pixels.max(entry.min_bytes_per_row),
                entry.bytes_per_row_divisor,
            )
        });
        ensure(
            row.is_some_and(|row| row <= entry.max_bytes_per_row),
            "bytes_per_row_divisor",
            "the row pitch of the largest image exceeds max_bytes_per_row",
        )?;
        let area = width.checked_mul(height);
        ensure(
            area.is_some_and(|a| u64::from(a) <= entry.max_width_times_height),
            "max_width_times_height",
            &format!("a {width}x{height} image has more pixels"),
        )?;
        let bytes = format::image_size(entry.format.pixel_format, height, row.unwrap_or(0))
            .unwrap_or(u64::MAX);
        if bytes > size_bytes {
            ensure(
                bytes <= max_size_bytes,
                "buffer_memory_constraints.max_size_bytes",
                &format!(
                    "{max_size_bytes} is smaller than the {width}x{height} image ({bytes} bytes)"
                ),
            )?;
            size_bytes = bytes;
        }
    }
    Ok(size_bytes)
}

/// The VMO size with `pad_for_block_size` and `pad_beyond_image_size_bytes`. Block padding is
/// an upper bound, as sysmem's `PaddedSizeFromBlockSize` is, though a looser and simpler one.
/// An image of `H` rows of pitch `bpr` (`H * bpr <= size_bytes`, one plane) is read in blocks
/// of `bw x bh`; the last block ends before `(H + bh - 1) * bpr + (bw - 1) * stride`, so
/// `(bh - 1)` rows of the largest pitch the buffer allows plus `bw - 1` pixels suffice.
fn padded_bytes(entry: &Entry, size_bytes: u64, max_size_bytes: u64) -> Result<u64, Rejection> {
    let mut padded = size_bytes;
    let pad = entry.pad_for_block_size;
    if pad.width > 1 || pad.height > 1 {
        let stride =
            u64::from(format::stride_bytes_per_width_pixel(entry.format.pixel_format).unwrap_or(1));
        let widest = (stride * u64::from(entry.max_size.width))
            .next_multiple_of(u64::from(entry.bytes_per_row_divisor));
        let row = widest
            .min(u64::from(entry.max_bytes_per_row))
            .min(size_bytes / u64::from(entry.min_size.height.max(1)));
        let rows = row.saturating_mul(u64::from(pad.height - 1));
        let pixels = stride * u64::from(pad.width - 1);
        padded = padded.saturating_add(rows).saturating_add(pixels);
    }
    padded = padded.max(size_bytes.saturating_add(entry.pad_beyond_image_size_bytes));
    ensure(
        padded <= max_size_bytes,
        "buffer_memory_constraints.max_size_bytes",
        &format!("{max_size_bytes} is smaller than the image with its padding ({padded} bytes)"),
    )?;
    Ok(padded)
}
