//! Image collections from the host sysmem service, one test per aggregation rule of sysmem
//! (misttech/fuchsia:src/sysmem/server/logical_buffer_collection.cc and the image-format
//! library). Expected row pitches and sizes are written from each format's definition
//! (bytes per pixel, sample alignment, 2x2 chroma subsampling), not computed by the library.
//! The failing constraint sets are in tests/sysmem_images_failures.rs.

mod images_support;

use images_support::*;
use vmo_interop::sysmem::image_format::{ImageLayout, Plane};
use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::types::*;

/// What one format gives for a `width` x `height` image: (size alignment, row pitch, planes
/// (offset, pitch), bytes), from the format's definition.
fn expected(format: PixelFormat, width: u32, height: u32) -> (SizeU, u32, Vec<(u64, u32)>, u64) {
    let even = |v: u32| v.next_multiple_of(2);
    match format {
        PixelFormat::R8G8B8A8 | PixelFormat::B8G8R8A8 => {
            let row = 4 * width;
            (
                SizeU::new(1, 1),
                row,
                vec![(0, row)],
                u64::from(row * height),
            )
        }
        PixelFormat::R5G6B5 => {
            let row = 2 * width;
            (
                SizeU::new(1, 1),
                row,
                vec![(0, row)],
                u64::from(row * height),
            )
        }
        PixelFormat::NV12 => {
            let (w, h) = (even(width), even(height));
            let luma = u64::from(w * h);
            (SizeU::new(2, 2), w, vec![(0, w), (luma, w)], luma * 3 / 2)
        }
        PixelFormat::I420 => {
            let (w, h) = (even(width), even(height));
            let luma = u64::from(w * h);
            let chroma = u64::from((w / 2) * (h / 2));
            let planes = vec![(0, w), (luma, w / 2), (luma + chroma, w / 2)];
            (SizeU::new(2, 2), w, planes, luma + 2 * chroma)
        }
        other => panic!("no expectation for {other:?}"),
    }
}

const FORMATS: [PixelFormat; 5] = [
    PixelFormat::R8G8B8A8,
    PixelFormat::B8G8R8A8,
    PixelFormat::R5G6B5,
    PixelFormat::NV12,
    PixelFormat::I420,
];

/// Every format at odd widths (and an odd height): the reply's sizes, row pitch and buffer
/// size, and the layout a client computes from the reply, plane by plane.
#[test]
fn odd_widths_for_every_format() {
    with_service(|service| {
        for format in FORMATS {
            for (width, height) in [(250, 101), (1023, 77)] {
                let space = space_for(format);
                let infos = allocate(
                    service,
                    vec![participant(vec![image(format, &[space], width, height)])],
                )
                .unwrap_or_else(|e| panic!("{format:?} {width}x{height}: {e}"));
                let reply = chosen(&infos[0]);
                let (alignment, row, planes, bytes) = expected(format, width, height);
                let what = format!("{format:?} {width}x{height}");
                assert_eq!(
                    reply.chosen_format(),
                    Some(PixelFormatAndModifier::linear(format)),
                    "{what}"
                );
                assert_eq!(reply.color_spaces, Some(vec![space]), "{what}");
                assert_eq!(reply.size_alignment, Some(alignment), "{what}");
                let min = SizeU::new(
                    width.next_multiple_of(alignment.width),
                    height.next_multiple_of(alignment.height),
                );
                assert_eq!(reply.min_size, Some(min), "{what}");
                assert_eq!(reply.min_bytes_per_row, Some(row), "{what}");
                assert_eq!(reply.pixel_format_and_modifiers, None, "{what}");
                let settings = memory(&infos[0]);
                assert_eq!(settings.size_bytes, Some(bytes), "{what}");
                assert!(settings.raw_vmo_size.unwrap() >= bytes, "{what}");

                let layout = ImageLayout::new(&reply, min.width, min.height).unwrap();
                assert_eq!(layout.bytes_per_row, row, "{what}");
                assert_eq!(layout.size_bytes, bytes, "{what}");
                let got: Vec<(u64, u32)> = layout
                    .planes
                    .iter()
                    .map(|p: &Plane| (p.offset, p.row_bytes))
                    .collect();
                assert_eq!(got, planes, "{what}");
            }
        }
    });
}

/// Two participants with different preferences end up with the one format both list; when
/// they share several, the lowest `PixelFormat` value wins (sysmem's tie-breaker without
/// per-board costs), whatever order each lists them in. Both see the same settings.
#[test]
fn two_participants_with_different_preferences_agree() {
    with_service(|service| {
        let srgb = [ColorSpace::SRGB];
        let a = participant(vec![
            image(PixelFormat::B8G8R8A8, &srgb, 64, 64),
            image(PixelFormat::R8G8B8A8, &srgb, 64, 64),
        ]);
        let b = participant(vec![
            image(PixelFormat::R5G6B5, &srgb, 64, 64),
            image(PixelFormat::R8G8B8A8, &srgb, 64, 64),
        ]);
        let infos = allocate(service, vec![a, b]).unwrap();
        assert_eq!(chosen(&infos[0]).pixel_format, Some(PixelFormat::R8G8B8A8));
        assert_eq!(chosen(&infos[0]), chosen(&infos[1]));
        assert_eq!(memory(&infos[0]), memory(&infos[1]));

        let yuv = [ColorSpace::REC709];
        let a = participant(vec![
            image(PixelFormat::B8G8R8A8, &srgb, 64, 64),
            image(PixelFormat::NV12, &yuv, 64, 64),
        ]);
        let b = participant(vec![
            image(PixelFormat::I420, &yuv, 64, 64),
            image(PixelFormat::NV12, &yuv, 64, 64),
        ]);
        let infos = allocate(service, vec![a, b]).unwrap();
        assert_eq!(chosen(&infos[1]).pixel_format, Some(PixelFormat::NV12));

        // Both accept both: R8G8B8A8 (1) before B8G8R8A8 (101), in either listing order.
        let both = |first, second| {
            participant(vec![
                image(first, &srgb, 64, 64),
                image(second, &srgb, 64, 64),
            ])
        };
        let infos = allocate(
            service,
            vec![
                both(PixelFormat::B8G8R8A8, PixelFormat::R8G8B8A8),
                both(PixelFormat::B8G8R8A8, PixelFormat::R8G8B8A8),
            ],
        )
        .unwrap();
        assert_eq!(chosen(&infos[0]).pixel_format, Some(PixelFormat::R8G8B8A8));
    });
}

/// `pixel_format_and_modifiers` entries count as separate entries with the same constraints.
#[test]
fn pixel_format_and_modifiers_are_flattened() {
    with_service(|service| {
        let yuv = [ColorSpace::REC709];
        let a = ImageFormatConstraints {
            pixel_format_and_modifiers: Some(vec![PixelFormatAndModifier::linear(
                PixelFormat::I420,
            )]),
            ..image(PixelFormat::YUY2, &yuv, 32, 32)
        };
        let b = image(PixelFormat::I420, &yuv, 32, 32);
        let infos = allocate(service, vec![participant(vec![a]), participant(vec![b])]).unwrap();
        assert_eq!(chosen(&infos[0]).pixel_format, Some(PixelFormat::I420));
    });
}

/// An unset modifier is LINEAR for a participant with usage; DO_NOT_CARE from a NONE_USAGE
/// participant (it combines with any), and a DO_NOT_CARE format from one participant takes the
/// other's.
#[test]
fn modifier_defaults_and_do_not_care() {
    with_service(|service| {
        let srgb = [ColorSpace::SRGB];
        let unset_modifier = ImageFormatConstraints {
            pixel_format: Some(PixelFormat::R8G8B8A8),
            color_spaces: Some(srgb.to_vec()),
            ..Default::default()
        };
        let infos = allocate(service, vec![participant(vec![unset_modifier.clone()])]).unwrap();
        assert_eq!(
            chosen(&infos[0]).pixel_format_modifier,
            Some(PixelFormatModifier::LINEAR)
        );

        let observer = BufferCollectionConstraints {
            usage: Some(BufferUsage {
                none: Some(usage::NONE_USAGE),
                ..Default::default()
            }),
            image_format_constraints: Some(vec![ImageFormatConstraints {
                color_spaces: Some(vec![ColorSpace::DO_NOT_CARE]),
                ..unset_modifier
            }]),
            ..Default::default()
        };
        let infos = allocate(
            service,
            vec![
                observer,
                participant(vec![image(PixelFormat::R8G8B8A8, &srgb, 8, 8)]),
            ],
        )
        .unwrap();
        assert_eq!(
            chosen(&infos[0]).chosen_format(),
            Some(PixelFormatAndModifier::linear(PixelFormat::R8G8B8A8))
        );
        assert_eq!(chosen(&infos[0]).color_spaces, Some(srgb.to_vec()));

        let any = ImageFormatConstraints::new(
            PixelFormatAndModifier::new(PixelFormat::DO_NOT_CARE, PixelFormatModifier::DO_NOT_CARE),
            &[ColorSpace::DO_NOT_CARE],
        );
        let nv12 = image(PixelFormat::NV12, &[ColorSpace::REC601_PAL], 16, 16);
        let infos = allocate(
            service,
            vec![participant(vec![any]), participant(vec![nv12])],
        )
        .unwrap();
        assert_eq!(chosen(&infos[0]).pixel_format, Some(PixelFormat::NV12));
        assert_eq!(
            chosen(&infos[0]).color_spaces,
            Some(vec![ColorSpace::REC601_PAL])
        );
    });
}

/// Color spaces intersect per format; of those left, sysmem's ranking picks one (REC709 before
/// the REC601 variants, PAL before NTSC).
#[test]
fn color_spaces_intersect_and_the_best_is_chosen() {
    with_service(|service| {
        let nv12 =
            |spaces: &[ColorSpace]| participant(vec![image(PixelFormat::NV12, spaces, 16, 16)]);
        let cases = [
            (
                vec![ColorSpace::REC601_NTSC, ColorSpace::REC709],
                vec![ColorSpace::REC709, ColorSpace::REC601_PAL],
                ColorSpace::REC709,
            ),
            (
                vec![ColorSpace::REC601_NTSC, ColorSpace::REC601_PAL],
                vec![ColorSpace::REC601_PAL, ColorSpace::REC601_NTSC],
                ColorSpace::REC601_PAL,
            ),
            (
                vec![ColorSpace::REC601_NTSC_FULL_RANGE, ColorSpace::REC601_NTSC],
                vec![ColorSpace::REC601_NTSC, ColorSpace::REC601_NTSC_FULL_RANGE],
                ColorSpace::REC601_NTSC_FULL_RANGE,
            ),
        ];
        for (a, b, best) in cases {
            let infos = allocate(service, vec![nv12(&a), nv12(&b)]).unwrap();
            assert_eq!(
                chosen(&infos[0]).color_spaces,
                Some(vec![best]),
                "{a:?} and {b:?}"
            );
        }
    });
}

/// Sizes: min_size takes the max, max_size the min, per dimension; the buffers hold the
/// largest image any participant requires (`required_max_size_list`).
#[test]
fn sizes_combine_and_required_max_sizes_size_the_buffers() {
    with_service(|service| {
        let srgb = [ColorSpace::SRGB];
        let a = ImageFormatConstraints {
            max_size: Some(SizeU::new(2000, 2000)),
            ..image(PixelFormat::R8G8B8A8, &srgb, 100, 150)
        };
        let b = ImageFormatConstraints {
            max_size: Some(SizeU::new(1920, 4000)),
            required_max_size_list: Some(vec![SizeU::new(640, 480), SizeU::new(300, 900)]),
            ..image(PixelFormat::R8G8B8A8, &srgb, 250, 100)
        };
        let infos = allocate(service, vec![participant(vec![a]), participant(vec![b])]).unwrap();
        let reply = chosen(&infos[0]);
        assert_eq!(reply.min_size, Some(SizeU::new(250, 150)));
        assert_eq!(reply.max_size, Some(SizeU::new(1920, 2000)));
        assert_eq!(
            reply.required_max_size_list,
            Some(vec![SizeU::new(640, 480), SizeU::new(300, 900)])
        );
        // 640 x 480 at 2560 bytes a row is larger than 300 x 900 at 1200.
        assert_eq!(memory(&infos[0]).size_bytes, Some(640 * 4 * 480));

        // A buffer size asked for directly wins when larger.
        let big = BufferCollectionConstraints {
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(1 << 20),
                ..Default::default()
            }),
            ..participant(vec![image(PixelFormat::R8G8B8A8, &srgb, 16, 16)])
        };
        let infos = allocate(service, vec![big]).unwrap();
        assert_eq!(memory(&infos[0]).size_bytes, Some(1 << 20));
    });
}

/// Row pitch: `bytes_per_row_divisor` combines by least common multiple with the other
/// participants' and the format's sample alignment; `require_bytes_per_row_at_pixel_boundary`
/// folds in the pixel size; `min_bytes_per_row` takes the max.
#[test]
fn row_pitch_divisors_combine() {
    with_service(|service| {
        let srgb = [ColorSpace::SRGB];
        let with = |divisor: u32, extra: ImageFormatConstraints| ImageFormatConstraints {
            bytes_per_row_divisor: Some(divisor),
            ..extra
        };
        let a = with(64, image(PixelFormat::R8G8B8A8, &srgb, 250, 10));
        let b = with(48, image(PixelFormat::R8G8B8A8, &srgb, 250, 10));
        let infos = allocate(service, vec![participant(vec![a]), participant(vec![b])]).unwrap();
        let reply = chosen(&infos[0]);
        assert_eq!(reply.bytes_per_row_divisor, Some(192));
        assert_eq!(reply.min_bytes_per_row, Some(1152)); // 1000 rounded up to 192
        assert_eq!(memory(&infos[0]).size_bytes, Some(1152 * 10));

        let pixel = ImageFormatConstraints {
            require_bytes_per_row_at_pixel_boundary: Some(true),
            ..with(6, image(PixelFormat::R5G6B5, &srgb, 101, 1))
        };
        let infos = allocate(service, vec![participant(vec![pixel])]).unwrap();
        // lcm(6, sample alignment 2, pixel size 2) = 6; 202 rounds up to 204.
        assert_eq!(chosen(&infos[0]).bytes_per_row_divisor, Some(6));
        assert_eq!(chosen(&infos[0]).min_bytes_per_row, Some(204));

        let wide = ImageFormatConstraints {
            min_bytes_per_row: Some(1100),
            ..image(PixelFormat::R8G8B8A8, &srgb, 250, 1)
        };
        let infos = allocate(
            service,
            vec![
                participant(vec![wide]),
                participant(vec![image(PixelFormat::R8G8B8A8, &srgb, 250, 1)]),
            ],
        )
        .unwrap();
        assert_eq!(chosen(&infos[0]).min_bytes_per_row, Some(1100));
        let layout = ImageLayout::new(&chosen(&infos[0]), 250, 1).unwrap();
        assert_eq!(layout.bytes_per_row, 1100);
    });
}

/// Size alignment takes the max and rounds min_size up (and max_size down); the format's own
/// 2 x 2 for YUV 4:2:0 is folded in. `start_offset_divisor` takes the max with the sample
/// alignment.
#[test]
fn alignments_combine() {
    with_service(|service| {
        let a = ImageFormatConstraints {
            size_alignment: Some(SizeU::new(16, 4)),
            max_size: Some(SizeU::new(1000, 1000)),
            start_offset_divisor: Some(8),
            ..image(PixelFormat::NV12, &[ColorSpace::REC709], 250, 101)
        };
        let b = ImageFormatConstraints {
            size_alignment: Some(SizeU::new(1, 8)),
            ..image(PixelFormat::NV12, &[ColorSpace::REC709], 1, 1)
        };
        let infos = allocate(service, vec![participant(vec![a]), participant(vec![b])]).unwrap();
        let reply = chosen(&infos[0]);
        assert_eq!(reply.size_alignment, Some(SizeU::new(16, 8)));
        assert_eq!(reply.min_size, Some(SizeU::new(256, 104)));
        assert_eq!(reply.max_size, Some(SizeU::new(992, 1000)));
        assert_eq!(reply.start_offset_divisor, Some(8));
        assert_eq!(memory(&infos[0]).size_bytes, Some(256 * 104 * 3 / 2));

        let rgb = allocate(
            service,
            vec![participant(vec![image(
                PixelFormat::R8G8B8A8,
                &[ColorSpace::SRGB],
                3,
                3,
            )])],
        )
        .unwrap();
        assert_eq!(chosen(&rgb[0]).start_offset_divisor, Some(4));
        assert_eq!(chosen(&rgb[0]).bytes_per_row_divisor, Some(4));
    });
}

/// `is_alpha_present`: participants that set it agree, and it is unset in the reply for a
/// format without an A or X channel.
#[test]
fn is_alpha_present_is_kept_only_for_formats_with_alpha() {
    with_service(|service| {
        let with_alpha = |format, alpha| ImageFormatConstraints {
            is_alpha_present: Some(alpha),
            ..image(format, &[ColorSpace::SRGB], 8, 8)
        };
        let infos = allocate(
            service,
            vec![
                participant(vec![with_alpha(PixelFormat::B8G8R8A8, true)]),
                participant(vec![image(
                    PixelFormat::B8G8R8A8,
                    &[ColorSpace::SRGB],
                    8,
                    8,
                )]),
            ],
        )
        .unwrap();
        assert_eq!(chosen(&infos[0]).is_alpha_present, Some(true));
        let infos = allocate(
            service,
            vec![participant(vec![with_alpha(PixelFormat::R5G6B5, false)])],
        )
        .unwrap();
        assert_eq!(chosen(&infos[0]).is_alpha_present, None);
    });
}

/// Padding: `pad_for_block_size` makes the VMO larger than `size_bytes` so the last block
/// fits, and, when participants aggregate, makes rows whole blocks (sysmem folds a block's
/// width into `bytes_per_row_divisor` while accumulating participants, so a lone participant's
/// divisor is unchanged); `pad_beyond_image_size_bytes` adds bytes after the image.
/// `size_bytes` stays the image's.
#[test]
fn padding_grows_the_vmo_not_the_image() {
    with_service(|service| {
        let srgb = [ColorSpace::SRGB];
        let bounded = |c: ImageFormatConstraints| ImageFormatConstraints {
            max_size: Some(SizeU::new(512, 512)),
            ..c
        };
        let blocks = bounded(ImageFormatConstraints {
            pad_for_block_size: Some(SizeU::new(4, 4)),
            ..image(PixelFormat::R8G8B8A8, &srgb, 250, 250)
        });
        let infos = allocate(service, vec![participant(vec![blocks.clone()])]).unwrap();
        let reply = chosen(&infos[0]);
        assert_eq!(reply.bytes_per_row_divisor, Some(4));
        assert_eq!(reply.min_bytes_per_row, Some(1000));
        let settings = memory(&infos[0]);
        assert_eq!(settings.size_bytes, Some(1000 * 250));
        // The last 4x4 block covers rows 248..252 and pixels 248..252: its last byte.
        assert!(settings.raw_vmo_size.unwrap() >= 251 * 1000 + 252 * 4);

        let plain = bounded(image(PixelFormat::R8G8B8A8, &srgb, 250, 250));
        let infos = allocate(
            service,
            vec![participant(vec![blocks]), participant(vec![plain])],
        )
        .unwrap();
        let reply = chosen(&infos[0]);
        assert_eq!(reply.bytes_per_row_divisor, Some(16)); // a block row: 4 pixels of 4 bytes
        assert_eq!(reply.min_bytes_per_row, Some(1008));
        let settings = memory(&infos[0]);
        assert_eq!(settings.size_bytes, Some(1008 * 250));
        assert!(settings.raw_vmo_size.unwrap() >= 252 * 1008);

        let beyond = ImageFormatConstraints {
            pad_beyond_image_size_bytes: Some(4096),
            ..image(PixelFormat::R8G8B8A8, &srgb, 256, 4)
        };
        let infos = allocate(service, vec![participant(vec![beyond])]).unwrap();
        let settings = memory(&infos[0]);
        assert_eq!(settings.size_bytes, Some(4096));
        assert_eq!(settings.raw_vmo_size, Some(8192));
    });
}

/// A collection without image constraints stays a collection of raw buffers.
#[test]
fn raw_buffers_have_no_image_constraints() {
    with_service(|service| {
        let raw = BufferCollectionConstraints {
            image_format_constraints: None,
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(5000),
                ..Default::default()
            }),
            ..participant(vec![])
        };
        let infos = allocate(
            service,
            vec![
                raw.clone(),
                BufferCollectionConstraints {
                    image_format_constraints: Some(vec![]),
                    ..raw
                },
            ],
        )
        .unwrap();
        let settings = infos[0].settings.as_ref().unwrap();
        assert_eq!(settings.image_format_constraints, None);
        assert_eq!(memory(&infos[0]).size_bytes, Some(5000));
    });
}

/// YUV planes written by one participant at the offsets its layout gives are read back by
/// another at the offsets of its own layout (each from its own copy of the reply).
#[test]
fn yuv_planes_are_where_sysmem_says() {
    with_service(|service| {
        for format in [PixelFormat::NV12, PixelFormat::I420] {
            let c = || participant(vec![image(format, &[ColorSpace::REC709], 250, 101)]);
            let mut infos = allocate(service, vec![c(), c()]).unwrap();
            let layouts: Vec<ImageLayout> = infos
                .iter()
                .map(|info| ImageLayout::new(&chosen(info), 250, 102).unwrap())
                .collect();
            let vmos: Vec<_> = infos
                .iter_mut()
                .map(|info| info.take_vmo(0).expect("a VMO for buffer 0"))
                .collect();
            for (index, plane) in layouts[0].planes.iter().enumerate() {
                let row = vec![index as u8 + 1; plane.row_bytes as usize];
                vmos[0].write(&row, plane.offset).unwrap();
            }
            for (index, plane) in layouts[1].planes.iter().enumerate() {
                let mut row = vec![0; plane.row_bytes as usize];
                vmos[1].read(&mut row, plane.offset).unwrap();
                assert!(
                    row.iter().all(|&b| b == index as u8 + 1),
                    "{format:?} plane {index}"
                );
            }
        }
    });
}
