//! Golden bytes of the image tables: `ImageFormatConstraints` (every field, declared out of
//! ordinal order), the `SizeU` and `PixelFormatAndModifier` structs inside it,
//! `BufferCollectionConstraints.image_format_constraints` (8),
//! `SingleBufferSettings.image_format_constraints` (2) and `VmoBuffer.close_weak_asap` (3).
//! Written by hand from the wire-format rules and the ordinals in
//! misttech/fuchsia:sdk/fidl/fuchsia.sysmem2/{constraints,results}.fidl.

use vmo_interop::fidl::{decode_message, encode_message, DecodeError, TransactionHeader};
use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::messages::{self, ordinals};
use vmo_interop::sysmem::types::*;
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const PRESENT: [u8; 8] = [0xff; 8];

/// Builds bytes from little-endian pieces (as in tests/fidl_codec.rs).
struct Bytes(Vec<u8>);

impl Bytes {
    fn header(ordinal: u64) -> Bytes {
        let mut b = Bytes(Vec::new());
        b.u32(0).raw(&[0x02, 0x00, 0x80, 0x01]).u64(ordinal);
        b
    }
    fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    /// A `SizeU`: width, height.
    fn size(&mut self, width: u32, height: u32) -> &mut Self {
        self.u32(width).u32(height)
    }
    /// A vector / table header: count, present.
    fn vec(&mut self, count: u64) -> &mut Self {
        self.u64(count).raw(&PRESENT)
    }
    /// An out-of-line envelope.
    fn env(&mut self, num_bytes: u32, num_handles: u16) -> &mut Self {
        self.u32(num_bytes)
            .raw(&num_handles.to_le_bytes())
            .raw(&[0, 0])
    }
    /// An inline envelope holding a `u32`-sized value.
    fn inline(&mut self, value: [u8; 4], num_handles: u16) -> &mut Self {
        self.raw(&value)
            .raw(&num_handles.to_le_bytes())
            .raw(&[1, 0])
    }
    fn inline_u32(&mut self, value: u32) -> &mut Self {
        self.inline(value.to_le_bytes(), 0)
    }
    fn absent(&mut self) -> &mut Self {
        self.u64(0)
    }
    fn done(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

/// Any ordinal: these tests encode tables as message bodies.
const ORDINAL: u64 = 1;

fn encode<T: vmo_interop::fidl::Encode>(value: T) -> (Vec<u8>, Vec<zx::Handle>) {
    encode_message(TransactionHeader::flexible(0, ORDINAL), value).unwrap()
}

/// Every field of `ImageFormatConstraints` set, each to a value whose bytes are recognisable.
fn full_constraints() -> ImageFormatConstraints {
    ImageFormatConstraints {
        pixel_format: Some(PixelFormat::NV12),
        pixel_format_modifier: Some(PixelFormatModifier::INTEL_I915_X_TILED),
        pixel_format_and_modifiers: Some(vec![PixelFormatAndModifier::linear(PixelFormat::I420)]),
        color_spaces: Some(vec![ColorSpace::REC709, ColorSpace::REC601_PAL]),
        min_size: Some(SizeU::new(250, 100)),
        max_size: Some(SizeU::new(4096, 2160)),
        min_bytes_per_row: Some(1000),
        max_bytes_per_row: Some(16384),
        max_width_times_height: Some(1 << 24),
        size_alignment: Some(SizeU::new(2, 2)),
        display_rect_alignment: Some(SizeU::new(1, 1)),
        required_min_size: Some(SizeU::new(640, 480)),
        required_max_size: Some(SizeU::new(1920, 1080)),
        required_max_size_list: Some(vec![SizeU::new(1080, 1920)]),
        bytes_per_row_divisor: Some(64),
        start_offset_divisor: Some(4),
        require_bytes_per_row_at_pixel_boundary: Some(true),
        is_alpha_present: Some(false),
        pad_for_block_size: Some(SizeU::new(4, 4)),
        pad_beyond_image_size_bytes: Some(16),
    }
}

/// The golden of [`full_constraints`]: 20 envelopes in ordinal order, then the out-of-line
/// values in ordinal order too (2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 18, 19, 20), although the
/// FIDL declaration (and the Rust struct) puts 15 after 2 and 18 after 12.
fn full_constraints_golden() -> Vec<u8> {
    Bytes::header(ORDINAL)
        .vec(20)
        .inline_u32(104) // 1 pixel_format NV12
        .env(8, 0) // 2 pixel_format_modifier (u64)
        .env(24, 0) // 3 color_spaces: header + 2 x u32
        .env(8, 0) // 4 min_size
        .env(8, 0) // 5 max_size
        .inline_u32(1000) // 6 min_bytes_per_row
        .inline_u32(16384) // 7 max_bytes_per_row
        .env(8, 0) // 8 max_width_times_height (u64)
        .env(8, 0) // 9 size_alignment
        .env(8, 0) // 10 display_rect_alignment
        .env(8, 0) // 11 required_min_size
        .env(8, 0) // 12 required_max_size
        .inline_u32(64) // 13 bytes_per_row_divisor
        .inline_u32(4) // 14 start_offset_divisor
        .env(32, 0) // 15 pixel_format_and_modifiers: header + one 16-byte struct
        .inline([1, 0, 0, 0], 0) // 16 require_bytes_per_row_at_pixel_boundary
        .inline([0, 0, 0, 0], 0) // 17 is_alpha_present
        .env(24, 0) // 18 required_max_size_list: header + one SizeU
        .env(8, 0) // 19 pad_for_block_size
        .env(8, 0) // 20 pad_beyond_image_size_bytes
        .u64(0x0100_0000_0000_0001) // 2
        .vec(2)
        .u32(6)
        .u32(4) // 3: REC709, REC601_PAL
        .size(250, 100) // 4
        .size(4096, 2160) // 5
        .u64(1 << 24) // 8
        .size(2, 2) // 9
        .size(1, 1) // 10
        .size(640, 480) // 11
        .size(1920, 1080) // 12
        .vec(1)
        .u32(102)
        .u32(0)
        .u64(0) // 15: (I420, padding, LINEAR)
        .vec(1)
        .size(1080, 1920) // 18
        .size(4, 4) // 19
        .u64(16) // 20
        .done()
}

#[test]
fn golden_image_format_constraints_every_field() {
    let golden = full_constraints_golden();
    assert_eq!(
        golden.len(),
        16 + 16 + 20 * 8 + 8 + 24 + 8 * 7 + 32 + 24 + 8 + 8
    );
    let (bytes, handles) = encode(full_constraints());
    assert_eq!(bytes, golden);
    assert!(handles.is_empty());
    let decoded: ImageFormatConstraints = decode_message(&golden, vec![]).unwrap();
    assert_eq!(decoded, full_constraints());
}

/// `PixelFormatAndModifier` has 4 bytes of padding after the format; they must be zero.
#[test]
fn pixel_format_and_modifier_padding_must_be_zero() {
    let mut golden = full_constraints_golden();
    let constraints: ImageFormatConstraints = decode_message(&golden, vec![]).unwrap();
    assert_eq!(
        constraints.pixel_format_and_modifiers.unwrap()[0].pixel_format,
        PixelFormat::I420
    );
    // The struct is the 11th out-of-line object: find its format and poison the padding.
    let at = golden
        .windows(8)
        .position(|w| w == [102, 0, 0, 0, 0, 0, 0, 0])
        .unwrap();
    golden[at + 4] = 1;
    assert_eq!(
        decode_message::<ImageFormatConstraints>(&golden, vec![]).unwrap_err(),
        DecodeError::NonZeroPadding { offset: at + 4 }
    );
}

/// Enum values and unknown values survive as they are (flexible enums).
#[test]
fn enum_values_match_fuchsia_images2() {
    let values = [
        (PixelFormat::R8G8B8A8, 1),
        (PixelFormat::B8G8R8A8, 101),
        (PixelFormat::I420, 102),
        (PixelFormat::NV12, 104),
        (PixelFormat::R5G6B5, 109),
        (PixelFormat::R8G8B8, 118),
        (PixelFormat::B8G8R8X8, 120),
        (PixelFormat::DO_NOT_CARE, 0xFFFF_FFFE),
    ];
    for (format, raw) in values {
        assert_eq!(format.into_raw(), raw, "{format:?}");
    }
    assert_eq!(ColorSpace::SRGB.into_raw(), 1);
    assert_eq!(ColorSpace::REC601_NTSC.into_raw(), 2);
    assert_eq!(ColorSpace::REC601_PAL.into_raw(), 4);
    assert_eq!(ColorSpace::REC709.into_raw(), 6);
    assert_eq!(ColorSpace::PASSTHROUGH.into_raw(), 9);
    assert_eq!(ColorSpace::DO_NOT_CARE.into_raw(), 0xFFFF_FFFE);
    assert_eq!(PixelFormatModifier::LINEAR.into_raw(), 0);
    assert_eq!(
        PixelFormatModifier::DO_NOT_CARE.into_raw(),
        0x00FF_FFFF_FFFF_FFFE
    );
    assert_eq!(
        PixelFormatModifier::INVALID.into_raw(),
        0x00FF_FFFF_FFFF_FFFF
    );
    assert_eq!(
        PixelFormatModifier::ARM_AFBC_16X16.into_raw(),
        0x0800_0000_0000_0001
    );
    // An unknown format decodes and re-encodes unchanged.
    let unknown = ImageFormatConstraints {
        pixel_format: Some(PixelFormat::from_raw(4242)),
        ..Default::default()
    };
    let (bytes, _) = encode(unknown.clone());
    let decoded: ImageFormatConstraints = decode_message(&bytes, vec![]).unwrap();
    assert_eq!(decoded, unknown);
    assert_eq!(
        format!("{:?}", decoded.pixel_format.unwrap()),
        "PixelFormat(4242)"
    );
}

#[test]
fn golden_buffer_collection_constraints_image_format_constraints() {
    let golden = Bytes::header(ordinals::COLLECTION_SET_CONSTRAINTS)
        .vec(1)
        .env(160, 0) // constraints
        .vec(8)
        .absent()
        .inline_u32(1) // 2 min_buffer_count_for_camping
        .absent()
        .absent()
        .absent()
        .absent()
        .absent()
        .env(80, 0) // 8 image_format_constraints
        .vec(1)
        .vec(3) // the one ImageFormatConstraints: fields 1 and 3
        .inline_u32(1) // pixel_format R8G8B8A8
        .absent()
        .env(24, 0) // color_spaces
        .vec(1)
        .u32(1)
        .u32(0) // [SRGB] and the vector's padding
        .done();
    let request = messages::SetConstraintsRequest {
        constraints: Some(BufferCollectionConstraints {
            min_buffer_count_for_camping: Some(1),
            image_format_constraints: Some(vec![ImageFormatConstraints {
                pixel_format: Some(PixelFormat::R8G8B8A8),
                color_spaces: Some(vec![ColorSpace::SRGB]),
                ..Default::default()
            }]),
            ..Default::default()
        }),
    };
    let header = TransactionHeader::flexible(0, ordinals::COLLECTION_SET_CONSTRAINTS);
    let (bytes, _) = encode_message(header, request).unwrap();
    assert_eq!(bytes, golden);
    let decoded: messages::SetConstraintsRequest = decode_message(&golden, vec![]).unwrap();
    let list = decoded
        .constraints
        .unwrap()
        .image_format_constraints
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].pixel_format, Some(PixelFormat::R8G8B8A8));
    assert_eq!(list[0].color_spaces, Some(vec![ColorSpace::SRGB]));
}

#[test]
fn golden_single_buffer_settings_image_format_constraints() {
    let golden = Bytes::header(ORDINAL)
        .vec(2)
        .env(32, 0) // 1 buffer_settings
        .env(64, 0) // 2 image_format_constraints
        .vec(1)
        .env(8, 0)
        .u64(4096) // size_bytes
        .vec(6)
        .inline_u32(101) // pixel_format B8G8R8A8
        .absent()
        .absent()
        .absent()
        .absent()
        .inline_u32(1024) // min_bytes_per_row
        .done();
    let settings = SingleBufferSettings {
        buffer_settings: Some(BufferMemorySettings {
            size_bytes: Some(4096),
            ..Default::default()
        }),
        image_format_constraints: Some(ImageFormatConstraints {
            pixel_format: Some(PixelFormat::B8G8R8A8),
            min_bytes_per_row: Some(1024),
            ..Default::default()
        }),
    };
    let (bytes, _) = encode(settings.clone());
    assert_eq!(bytes, golden);
    assert_eq!(
        decode_message::<SingleBufferSettings>(&golden, vec![]).unwrap(),
        settings
    );
}

fn handle_info(handle: zx::Handle, object_type: zx::ObjectType) -> zx::HandleInfo {
    zx::HandleInfo {
        handle,
        object_type,
        rights: zx::Rights::SAME_RIGHTS,
    }
}

/// `close_weak_asap` is an inline handle envelope; it must carry an event pair. (The host
/// kernel has no event pairs yet, so a VMO handle stands in for the object; the codec trusts
/// the object type the channel reports, which is what the test sets.)
#[test]
fn golden_vmo_buffer_close_weak_asap() {
    let _guard = vmo_interop::platform::host::counters_lock();
    let before = vmo_interop::platform::host::counters().live_handles;
    let golden = Bytes::header(ORDINAL)
        .vec(3)
        .inline([0xff; 4], 1) // 1 vmo
        .env(8, 0) // 2 vmo_usable_start
        .inline([0xff; 4], 1) // 3 close_weak_asap
        .u64(0)
        .done();
    let vmo = zx::Vmo::create(4096).unwrap();
    let stand_in = zx::Vmo::create(4096).unwrap().into_handle();
    let buffer = VmoBuffer {
        vmo: Some(vmo),
        vmo_usable_start: Some(0),
        close_weak_asap: Some(EventPair::from(stand_in)),
    };
    let (bytes, handles) = encode(buffer);
    assert_eq!(bytes, golden);
    assert_eq!(handles.len(), 2);
    let mut handles = handles.into_iter();
    let (vmo, pair) = (handles.next().unwrap(), handles.next().unwrap());
    let (vmo_raw, pair_raw) = (vmo.raw_handle(), pair.raw_handle());
    let decoded: VmoBuffer = decode_message(
        &golden,
        vec![
            handle_info(vmo, zx::ObjectType::VMO),
            handle_info(pair, zx::ObjectType::EVENTPAIR),
        ],
    )
    .unwrap();
    assert_eq!(decoded.vmo.as_ref().map(|v| v.raw_handle()), Some(vmo_raw));
    assert_eq!(
        decoded.close_weak_asap.as_ref().map(|p| p.raw_handle()),
        Some(pair_raw)
    );
    drop(decoded);

    // Another object type in field 3 is refused, and both handles are closed.
    let vmo = zx::Vmo::create(4096).unwrap().into_handle();
    let not_a_pair = zx::Vmo::create(4096).unwrap().into_handle();
    let error = decode_message::<VmoBuffer>(
        &golden,
        vec![
            handle_info(vmo, zx::ObjectType::VMO),
            handle_info(not_a_pair, zx::ObjectType::VMO),
        ],
    )
    .unwrap_err();
    assert_eq!(
        error,
        DecodeError::WrongHandleType {
            expected: zx::ObjectType::EVENTPAIR,
            actual: zx::ObjectType::VMO,
        }
    );
    assert_eq!(vmo_interop::platform::host::counters().live_handles, before);
}
