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
use super::image_entry::{
    combinable, combined, ensure, is_do_not_care, lcm, sanitize, Entry, Stage,
};
use crate::sysmem::image_format::{self as format, round_up_u32};
use crate::sysmem::images::{
    ColorSpace, ImageFormatConstraints, PixelFormat, PixelFormatAndModifier, PixelFormatModifier,
    SizeU,
};

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
        let Some(bytes) = format::image_size(entry.format.pixel_format, height, row.unwrap_or(0))
        else {
            return Err(Rejection::empty(format!(
                "min_bytes_per_row: a {width}x{height} image's size overflows"
            )));
        };
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
