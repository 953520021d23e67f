//! Image constraint sets that cannot be met: each fails the collection with
//! CONSTRAINTS_INTERSECTION_EMPTY for every participant, and the service's log names the
//! field (as sysmem's `LogError` lines in logical_buffer_collection.cc do). Nothing leaks.

mod images_support;

use images_support::*;
use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::types::*;

fn rgba(width: u32, height: u32) -> ImageFormatConstraints {
    image(PixelFormat::R8G8B8A8, &[ColorSpace::SRGB], width, height)
}

fn one(c: ImageFormatConstraints) -> Vec<BufferCollectionConstraints> {
    vec![participant(vec![c])]
}

#[test]
fn no_common_pixel_format() {
    with_service(|service| {
        let nv12 = image(PixelFormat::NV12, &[ColorSpace::REC709], 8, 8);
        assert_fails_naming(
            service,
            vec![participant(vec![rgba(8, 8)]), participant(vec![nv12])],
            "no pixel format and modifier accepted by every participant",
        );
    });
}

#[test]
fn no_common_color_space() {
    with_service(|service| {
        let a = image(PixelFormat::NV12, &[ColorSpace::REC709], 8, 8);
        let b = image(PixelFormat::NV12, &[ColorSpace::REC601_PAL], 8, 8);
        assert_fails_naming(
            service,
            vec![participant(vec![a]), participant(vec![b])],
            "image_format_constraints",
        );
        assert!(
            service
                .log()
                .iter()
                .any(|l| l.contains("color_spaces: no color space in common")),
            "{:#?}",
            service.log()
        );
    });
}

#[test]
fn color_space_that_cannot_describe_the_format() {
    with_service(|service| {
        let yuv_space_for_rgb = image(PixelFormat::R8G8B8A8, &[ColorSpace::REC709], 8, 8);
        assert_fails_naming(service, one(yuv_space_for_rgb), "color_spaces");
        let rgb_space_for_yuv = image(PixelFormat::I420, &[ColorSpace::SRGB], 8, 8);
        assert_fails_naming(service, one(rgb_space_for_yuv), "color_spaces");
        let ten_bit_space = image(PixelFormat::NV12, &[ColorSpace::REC2020], 8, 8);
        assert_fails_naming(service, one(ten_bit_space), "color_spaces");
    });
}

#[test]
fn color_spaces_missing_or_malformed() {
    with_service(|service| {
        let none = ImageFormatConstraints {
            color_spaces: None,
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(none), "color_spaces");
        let dnc_and_more = image(
            PixelFormat::R8G8B8A8,
            &[ColorSpace::DO_NOT_CARE, ColorSpace::SRGB],
            8,
            8,
        );
        assert_fails_naming(service, one(dnc_and_more), "color_spaces");
        let only_dnc = image(PixelFormat::R8G8B8A8, &[ColorSpace::DO_NOT_CARE], 8, 8);
        assert_fails_naming(
            service,
            one(only_dnc),
            "specific pixel format, modifier and color space",
        );
    });
}

#[test]
fn nobody_names_a_pixel_format() {
    with_service(|service| {
        let any = ImageFormatConstraints::new(
            PixelFormatAndModifier::new(PixelFormat::DO_NOT_CARE, PixelFormatModifier::DO_NOT_CARE),
            &[ColorSpace::SRGB],
        );
        assert_fails_naming(
            service,
            vec![participant(vec![any.clone()]), participant(vec![any])],
            "specific pixel format",
        );
    });
}

#[test]
fn malformed_formats() {
    with_service(|service| {
        let invalid = ImageFormatConstraints {
            pixel_format: Some(PixelFormat::INVALID),
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(invalid), "pixel_format");
        let invalid_modifier = ImageFormatConstraints {
            pixel_format_modifier: Some(PixelFormatModifier::INVALID),
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(invalid_modifier), "pixel_format_modifier");
        let modifier_alone = ImageFormatConstraints {
            pixel_format: None,
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            one(modifier_alone),
            "pixel_format_modifier: set without pixel_format",
        );
        let no_format = ImageFormatConstraints {
            pixel_format: None,
            pixel_format_modifier: None,
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(no_format), "pixel_format");
        let unknown = ImageFormatConstraints {
            pixel_format: Some(PixelFormat::from_raw(4242)),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            one(unknown),
            "pixel_format: unsupported pixel format",
        );
    });
}

/// Two entries of one participant that stand for the same format: duplicates, or a
/// DO_NOT_CARE covering a specific entry.
#[test]
fn one_participant_may_not_list_a_format_twice() {
    with_service(|service| {
        assert_fails_naming(
            service,
            vec![participant(vec![rgba(8, 8), rgba(16, 16)])],
            "stand for the same format",
        );
        let covering = ImageFormatConstraints::new(
            PixelFormatAndModifier::new(PixelFormat::R8G8B8A8, PixelFormatModifier::DO_NOT_CARE),
            &[ColorSpace::SRGB],
        );
        assert_fails_naming(
            service,
            vec![participant(vec![rgba(8, 8), covering])],
            "stand for the same format",
        );
    });
}

/// A modifier whose layout the host does not know is dropped (logged); with nothing else
/// listed, nothing is left. (Sysmem knows Intel and ARM layouts; the host knows LINEAR.)
#[test]
fn tiled_modifier_alone_is_unsupported_on_the_host() {
    with_service(|service| {
        let tiled = ImageFormatConstraints::new(
            PixelFormatAndModifier::new(
                PixelFormat::R8G8B8A8,
                PixelFormatModifier::INTEL_I915_X_TILED,
            ),
            &[ColorSpace::SRGB],
        );
        assert_fails_naming(
            service,
            vec![
                participant(vec![tiled.clone()]),
                participant(vec![rgba(8, 8)]),
            ],
            "no pixel format and modifier accepted by every participant",
        );
        assert!(service
            .log()
            .iter()
            .any(|l| l.contains("dropping") && l.contains("INTEL_I915_X_TILED")));
    });
}

#[test]
fn min_size_above_max_size() {
    with_service(|service| {
        let too_wide = ImageFormatConstraints {
            max_size: Some(SizeU::new(100, 100)),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![
                participant(vec![rgba(250, 8)]),
                participant(vec![too_wide.clone()]),
            ],
            "min_size.width",
        );
        assert_fails_naming(
            service,
            vec![participant(vec![rgba(8, 250)]), participant(vec![too_wide])],
            "min_size.height",
        );
    });
}

#[test]
fn row_pitch_limits() {
    with_service(|service| {
        let narrow = ImageFormatConstraints {
            max_bytes_per_row: Some(900),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![participant(vec![rgba(250, 8)]), participant(vec![narrow])],
            "min_bytes_per_row",
        );
        let zero = ImageFormatConstraints {
            bytes_per_row_divisor: Some(0),
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(zero), "bytes_per_row_divisor");
    });
}

#[test]
fn alignments_must_be_powers_of_2() {
    with_service(|service| {
        let size = ImageFormatConstraints {
            size_alignment: Some(SizeU::new(3, 1)),
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(size), "size_alignment.width");
        let height = ImageFormatConstraints {
            size_alignment: Some(SizeU::new(1, 0)),
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(height), "size_alignment.height");
        let display = ImageFormatConstraints {
            display_rect_alignment: Some(SizeU::new(6, 1)),
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(display), "display_rect_alignment");
        let start = ImageFormatConstraints {
            start_offset_divisor: Some(8192),
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(start), "start_offset_divisor");
    });
}

/// Rounding up to the aggregated size alignment can push past max_size.
#[test]
fn size_alignment_past_max_size() {
    with_service(|service| {
        let capped = ImageFormatConstraints {
            max_size: Some(SizeU::new(250, 250)),
            ..rgba(250, 8)
        };
        let aligned = ImageFormatConstraints {
            size_alignment: Some(SizeU::new(16, 1)),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![participant(vec![capped]), participant(vec![aligned])],
            "min_size.width",
        );
    });
}

#[test]
fn required_sizes_outside_min_and_max() {
    with_service(|service| {
        let capped = ImageFormatConstraints {
            max_size: Some(SizeU::new(1000, 1000)),
            ..rgba(8, 8)
        };
        let required_max = ImageFormatConstraints {
            required_max_size: Some(SizeU::new(1920, 1080)),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![
                participant(vec![capped.clone()]),
                participant(vec![required_max]),
            ],
            "required_max_size.width",
        );
        let listed = ImageFormatConstraints {
            required_max_size_list: Some(vec![SizeU::new(10, 1080)]),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![participant(vec![capped.clone()]), participant(vec![listed])],
            "required_max_size_list[n].height",
        );
        let zero_entry = ImageFormatConstraints {
            required_max_size_list: Some(vec![SizeU::new(0, 10)]),
            ..rgba(8, 8)
        };
        assert_fails_naming(service, one(zero_entry), "required_max_size_list");
        let required_min = ImageFormatConstraints {
            required_min_size: Some(SizeU::new(100, 100)),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![
                participant(vec![rgba(200, 8)]),
                participant(vec![required_min]),
            ],
            "required_min_size.width",
        );
    });
}

#[test]
fn max_width_times_height() {
    with_service(|service| {
        let few = ImageFormatConstraints {
            max_width_times_height: Some(1000),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![
                participant(vec![few.clone()]),
                participant(vec![rgba(100, 100)]),
            ],
            "max_width_times_height",
        );
        // Through the required size instead of min_size: found when sizing the buffers.
        let required = ImageFormatConstraints {
            required_max_size_list: Some(vec![SizeU::new(100, 100)]),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![participant(vec![few]), participant(vec![required])],
            "max_width_times_height",
        );
    });
}

#[test]
fn image_larger_than_max_size_bytes() {
    with_service(|service| {
        let small = BufferCollectionConstraints {
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                max_size_bytes: Some(4096),
                ..Default::default()
            }),
            ..participant(vec![rgba(64, 64)])
        };
        assert_fails_naming(service, vec![small.clone()], "max_size_bytes");
        // The padding counts against it too.
        let padded = BufferCollectionConstraints {
            image_format_constraints: Some(vec![ImageFormatConstraints {
                pad_beyond_image_size_bytes: Some(1),
                ..rgba(32, 32)
            }]),
            ..small
        };
        assert_fails_naming(service, vec![padded], "max_size_bytes");
    });
}

#[test]
fn alpha_disagreement() {
    with_service(|service| {
        let alpha = |present| ImageFormatConstraints {
            is_alpha_present: Some(present),
            ..rgba(8, 8)
        };
        assert_fails_naming(
            service,
            vec![
                participant(vec![alpha(true)]),
                participant(vec![alpha(false)]),
            ],
            "no pixel format and modifier accepted by every participant",
        );
        assert!(service
            .log()
            .iter()
            .any(|l| l.contains("is_alpha_present: participants disagree")));
    });
}

#[test]
fn pad_for_block_size_misuse() {
    with_service(|service| {
        let pad = |size: SizeU, c: ImageFormatConstraints| ImageFormatConstraints {
            pad_for_block_size: Some(size),
            ..c
        };
        let yuv = image(PixelFormat::NV12, &[ColorSpace::REC709], 8, 8);
        assert_fails_naming(
            service,
            one(pad(SizeU::new(4, 1), yuv)),
            "pad_for_block_size",
        );
        assert_fails_naming(
            service,
            one(pad(SizeU::new(3, 1), rgba(8, 8))),
            "pad_for_block_size",
        );
        // Taller blocks need a bounded width.
        assert_fails_naming(
            service,
            one(pad(SizeU::new(1, 4), rgba(8, 8))),
            "pad_for_block_size.height",
        );
        let dnc = ImageFormatConstraints::new(
            PixelFormatAndModifier::new(PixelFormat::DO_NOT_CARE, PixelFormatModifier::LINEAR),
            &[ColorSpace::SRGB],
        );
        assert_fails_naming(
            service,
            one(pad(SizeU::new(2, 1), dnc)),
            "pad_for_block_size",
        );
    });
}

/// A failure is reported to every participant (as `assert_fails_naming` checks for every
/// case), and a later collection on the same service works.
#[test]
fn failure_reaches_every_participant_and_the_service_goes_on() {
    with_service(|service| {
        let nv12 = image(PixelFormat::NV12, &[ColorSpace::REC709], 8, 8);
        let participants = vec![participant(vec![rgba(8, 8)]), participant(vec![nv12])];
        assert_fails_naming(service, participants, "image_format_constraints");
        assert!(allocate(service, one(rgba(8, 8))).is_ok());
    });
}

/// The buffer rules name their field in the log too.
#[test]
fn buffer_rule_failures_name_their_field() {
    with_service(|service| {
        let capped = BufferCollectionConstraints {
            max_buffer_count: Some(1),
            ..participant(vec![rgba(8, 8)])
        };
        assert_fails_naming(
            service,
            vec![capped, participant(vec![rgba(8, 8)])],
            "max_buffer_count",
        );
        let inverted = BufferCollectionConstraints {
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(8192),
                max_size_bytes: Some(4096),
                ..Default::default()
            }),
            ..participant(vec![])
        };
        assert_fails_naming(
            service,
            vec![inverted],
            "min_size_bytes 8192 > max_size_bytes 4096",
        );
    });
}

/// Absurd sizes within every field's range fail cleanly and leave the service serving.
#[test]
fn absurd_sizes_fail_without_taking_the_service_down() {
    with_service(|service| {
        let huge = ImageFormatConstraints {
            min_bytes_per_row: Some(u32::MAX),
            ..image(PixelFormat::R8, &[ColorSpace::SRGB], 1, u32::MAX)
        };
        let results = allocate_each(service, one(huge));
        // 2^64 - 2^33 bytes pass every image constraint; sysmem's size caps refuse them
        // (NO_MEMORY, as GenerateUnpopulatedBufferCollectionInfo does).
        assert!(
            matches!(
                results[0],
                Err(vmo_interop::sysmem::ClientError::Sysmem(Error::NO_MEMORY))
            ),
            "{results:?}"
        );
        assert!(service
            .log()
            .iter()
            .any(|l| l.contains("NO_MEMORY") && l.contains("exceed sysmem's caps")));
        assert!(allocate(service, one(rgba(8, 8))).is_ok());
    });
}
