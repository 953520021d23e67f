//! Strict decoding: every malformed input is refused with its error.

use super::goldens::*;
use super::*;

// ---------------------------------------------------------------------------------------------
// Strict decoding
// ---------------------------------------------------------------------------------------------

fn decode_info(bytes: &[u8]) -> Result<messages::SetDebugClientInfoRequest, DecodeError> {
    decode_message(bytes, vec![])
}

#[test]
fn truncated_message_is_rejected() {
    let golden = set_debug_client_info_golden();
    for len in 0..golden.len() {
        assert!(
            decode_info(&golden[..len]).is_err(),
            "accepted {len} of {} bytes",
            golden.len()
        );
    }
    assert!(matches!(
        decode_info(&golden[..72]),
        Err(DecodeError::Truncated { .. } | DecodeError::EnvelopeSizeMismatch { .. })
    ));
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut bytes = set_debug_client_info_golden();
    bytes.extend_from_slice(&[0; 8]);
    assert_eq!(
        decode_info(&bytes),
        Err(DecodeError::ExtraBytes { unused: 8 })
    );
}

#[test]
fn non_zero_padding_is_rejected() {
    let mut bytes = set_debug_client_info_golden();
    bytes[16 + 16 + 16 + 16 + 3] = 1; // a padding byte after "x"
    assert_eq!(
        decode_info(&bytes),
        Err(DecodeError::NonZeroPadding { offset: 67 })
    );

    // Padding of an inline envelope value (a bool takes 1 of its 4 bytes).
    let mut bytes = set_constraints_golden();
    let bool_envelope = bytes.len() - 16;
    bytes[bool_envelope + 2] = 1;
    assert!(matches!(
        decode_message::<messages::SetConstraintsRequest>(&bytes, vec![]),
        Err(DecodeError::NonZeroPadding { .. })
    ));
}

#[test]
fn bad_presence_is_rejected() {
    let mut bytes = set_debug_client_info_golden();
    bytes[56..64].copy_from_slice(&1u64.to_le_bytes()); // string presence
    assert_eq!(
        decode_info(&bytes),
        Err(DecodeError::InvalidPresence {
            offset: 56,
            value: 1
        })
    );
    bytes[56..64].copy_from_slice(&0u64.to_le_bytes());
    assert_eq!(
        decode_info(&bytes),
        Err(DecodeError::RequiredAbsent { offset: 48 })
    );
    let mut bytes = set_debug_client_info_golden();
    bytes[24..32].copy_from_slice(&0u64.to_le_bytes()); // table presence
    assert_eq!(
        decode_info(&bytes),
        Err(DecodeError::RequiredAbsent { offset: 16 })
    );
}

#[test]
fn invalid_bool_is_rejected() {
    let mut bytes = set_constraints_golden();
    let bool_envelope = bytes.len() - 16;
    bytes[bool_envelope] = 2;
    assert!(matches!(
        decode_message::<messages::SetConstraintsRequest>(&bytes, vec![]),
        Err(DecodeError::InvalidBool { value: 2, .. })
    ));
}

#[test]
fn huge_counts_are_rejected_before_allocation() {
    let mut bytes = set_debug_client_info_golden();
    bytes[48..56].copy_from_slice(&u64::MAX.to_le_bytes()); // string count
    assert!(matches!(
        decode_info(&bytes),
        Err(DecodeError::CountTooLarge { .. })
    ));
    let mut bytes = set_debug_client_info_golden();
    bytes[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes()); // table envelope count
    assert!(matches!(
        decode_info(&bytes),
        Err(DecodeError::CountTooLarge { .. })
    ));
}

#[test]
fn envelope_sizes_must_match() {
    let mut bytes = set_debug_client_info_golden();
    bytes[32..36].copy_from_slice(&32u32.to_le_bytes()); // name envelope claims 32 bytes
    assert!(matches!(
        decode_info(&bytes),
        Err(DecodeError::EnvelopeSizeMismatch { .. })
    ));
    let mut bytes = set_debug_client_info_golden();
    bytes[36..38].copy_from_slice(&1u16.to_le_bytes()); // name envelope claims a handle
    assert!(matches!(
        decode_info(&bytes),
        Err(DecodeError::EnvelopeSizeMismatch { .. })
    ));
    let mut bytes = set_debug_client_info_golden();
    bytes[38..40].copy_from_slice(&2u16.to_le_bytes()); // invalid flags
    assert!(matches!(
        decode_info(&bytes),
        Err(DecodeError::InvalidEnvelopeFlags { flags: 2, .. })
    ));
    let mut bytes = set_debug_client_info_golden();
    bytes[38..40].copy_from_slice(&1u16.to_le_bytes()); // a string cannot be inline
    assert!(matches!(
        decode_info(&bytes),
        Err(DecodeError::EnvelopeInlineMismatch { .. })
    ));
}

#[test]
fn non_canonical_table_is_rejected() {
    // A table of 3 envelopes whose last one is absent.
    let bytes = Bytes::header(0, ordinals::NODE_SET_NAME)
        .vec(3)
        .inline(1u32.to_le_bytes(), 0)
        .absent()
        .absent()
        .done();
    assert!(matches!(
        decode_message::<messages::SetNameRequest>(&bytes, vec![]),
        Err(DecodeError::NonCanonicalTable { .. })
    ));
}

#[test]
fn bounds_are_enforced() {
    let long = "y".repeat(65);
    let request = messages::SetNameRequest {
        priority: None,
        name: Some(long.clone()),
    };
    assert_eq!(
        encode_message(
            TransactionHeader::flexible(0, ordinals::NODE_SET_NAME),
            request
        )
        .unwrap_err(),
        EncodeError::VectorTooLong { len: 65, max: 64 }
    );
    // Received: a 65-byte name (field 2) is rejected.
    let mut padded = long.clone().into_bytes();
    padded.resize(72, 0);
    let bytes = Bytes::header(0, ordinals::NODE_SET_NAME)
        .vec(2)
        .absent()
        .env(16 + 72, 0)
        .vec(65)
        .raw(&padded)
        .done();
    // The same string is fine as a debug name (string:256).
    let debug = messages::SetDebugClientInfoRequest {
        name: Some(long),
        id: None,
    };
    assert!(encode_message(TransactionHeader::flexible(0, 1), debug).is_ok());
    assert_eq!(
        decode_message::<messages::SetNameRequest>(&bytes, vec![]).unwrap_err(),
        DecodeError::VectorTooLong { len: 65, max: 64 }
    );
}

#[test]
fn invalid_utf8_is_rejected() {
    let mut bytes = set_debug_client_info_golden();
    bytes[64] = 0xff;
    assert_eq!(
        decode_info(&bytes),
        Err(DecodeError::InvalidUtf8 { offset: 64 })
    );
}

#[test]
fn header_is_validated() {
    let golden = set_debug_client_info_golden();
    let mut bytes = golden.clone();
    bytes[7] = 2;
    assert_eq!(
        TransactionHeader::decode(&bytes),
        Err(DecodeError::InvalidMagicNumber(2))
    );
    let mut bytes = golden.clone();
    bytes[4] = 0;
    assert_eq!(
        TransactionHeader::decode(&bytes),
        Err(DecodeError::UnsupportedWireFormat([0, 0]))
    );
    let mut bytes = golden.clone();
    bytes[6] = 0x40; // byte overflow
    assert_eq!(
        TransactionHeader::decode(&bytes),
        Err(DecodeError::UnsupportedDynamicFlags(0x40))
    );
    assert_eq!(
        TransactionHeader::decode(&golden[..15]),
        Err(DecodeError::HeaderTooShort { bytes: 15 })
    );
}

#[test]
fn channel_limits_are_enforced() {
    let mut bytes = set_debug_client_info_golden();
    bytes.resize(fidl::MAX_MESSAGE_BYTES + 8, 0);
    assert_eq!(
        decode_info(&bytes),
        Err(DecodeError::MessageTooLarge { bytes: 65_544 })
    );
    assert_eq!(
        TransactionHeader::decode(&bytes),
        Err(DecodeError::MessageTooLarge { bytes: 65_544 })
    );
    // The largest request this crate sends stays far below the limit.
    let masks = vec![zx::Rights::SAME_RIGHTS; 64];
    let (bytes, _) = encode_message(
        TransactionHeader::flexible(0, 1),
        messages::DuplicateSyncRequest {
            rights_attenuation_masks: Some(masks),
        },
    )
    .unwrap();
    assert_eq!(bytes.len(), 16 + 16 + 8 + 16 + 256);
}

#[test]
fn too_many_handles_are_not_encoded() {
    no_leaks(|| {
        let buffers = (0..65)
            .map(|_| VmoBuffer {
                vmo: Some(zx::Vmo::create(4096).unwrap()),
                ..Default::default()
            })
            .collect();
        let info = BufferCollectionInfo {
            buffers: Some(buffers),
            ..Default::default()
        };
        let reply =
            FlexibleResult::<_, Error>::Response(messages::WaitForAllBuffersAllocatedResponse {
                buffer_collection_info: Some(info),
            });
        assert_eq!(
            encode_message(TransactionHeader::flexible(1, 1), reply).unwrap_err(),
            EncodeError::TooManyHandles
        );
    });
}

#[test]
fn too_many_handles_are_rejected() {
    no_leaks(|| {
        let mut infos = Vec::new();
        for _ in 0..65 {
            let vmo = zx::Vmo::create(4096).unwrap();
            infos.push(zx::HandleInfo {
                handle: vmo.into_handle(),
                object_type: zx::ObjectType::VMO,
                rights: zx::Rights::VMO_DEFAULT,
            });
        }
        let bytes = set_debug_client_info_golden();
        assert_eq!(
            decode_info_with(&bytes, infos),
            Err(DecodeError::TooManyHandles { handles: 65 })
        );
    });
}

fn decode_info_with(
    bytes: &[u8],
    handles: Vec<zx::HandleInfo>,
) -> Result<messages::SetDebugClientInfoRequest, DecodeError> {
    decode_message(bytes, handles)
}

#[test]
fn handle_mismatches_are_rejected() {
    no_leaks(|| {
        let golden = Bytes::header(0, ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION)
            .vec(1)
            .inline([0xff; 4], 1)
            .done();
        type Req = messages::AllocateSharedCollectionRequest;
        // A marker with no handle.
        assert_eq!(
            decode_message::<Req>(&golden, vec![]).unwrap_err(),
            DecodeError::MissingHandle { offset: 32 }
        );
        // A VMO where a channel (server_end) is required.
        let vmo = zx::Vmo::create(4096).unwrap();
        let info = zx::HandleInfo {
            handle: vmo.into_handle(),
            object_type: zx::ObjectType::VMO,
            rights: zx::Rights::VMO_DEFAULT,
        };
        assert_eq!(
            decode_message::<Req>(&golden, vec![info]).unwrap_err(),
            DecodeError::WrongHandleType {
                expected: zx::ObjectType::CHANNEL,
                actual: zx::ObjectType::VMO
            }
        );
        // An extra handle beyond the ones the message uses.
        let channel_info = || {
            let (a, b) = zx::Channel::create().unwrap();
            drop(b);
            zx::HandleInfo {
                handle: a.into_handle(),
                object_type: zx::ObjectType::CHANNEL,
                rights: zx::Rights::CHANNEL_DEFAULT,
            }
        };
        assert_eq!(
            decode_message::<Req>(&golden, vec![channel_info(), channel_info()]).unwrap_err(),
            DecodeError::ExtraHandles { unused: 1 }
        );
        // A handle the bytes do not mention.
        assert_eq!(
            decode_info_with(&set_debug_client_info_golden(), vec![channel_info()]).unwrap_err(),
            DecodeError::ExtraHandles { unused: 1 }
        );
        // A handle marker that is neither absent nor present.
        let mut bad = golden.clone();
        bad[32] = 1;
        assert!(matches!(
            decode_message::<Req>(&bad, vec![channel_info()]).unwrap_err(),
            DecodeError::InvalidPresence { offset: 32, .. }
        ));
    });
}

/// Unknown table fields are skipped, and their handles closed.
#[test]
fn unknown_fields_are_skipped() {
    no_leaks(|| {
        // SetName{priority: 1, name: "n"} plus an unknown field 3 (a string) and an unknown
        // field 4 (a handle, inline).
        let bytes = Bytes::header(0, ordinals::NODE_SET_NAME)
            .vec(4)
            .inline(1u32.to_le_bytes(), 0)
            .env(24, 0)
            .env(24, 0)
            .inline([0xff; 4], 1)
            .vec(1)
            .raw(b"n\0\0\0\0\0\0\0")
            .vec(2)
            .raw(b"zz\0\0\0\0\0\0")
            .done();
        let vmo = zx::Vmo::create(4096).unwrap();
        let info = zx::HandleInfo {
            handle: vmo.into_handle(),
            object_type: zx::ObjectType::VMO,
            rights: zx::Rights::VMO_DEFAULT,
        };
        let decoded: messages::SetNameRequest = decode_message(&bytes, vec![info]).unwrap();
        assert_eq!(
            decoded,
            messages::SetNameRequest {
                priority: Some(1),
                name: Some("n".into())
            }
        );
    });
}

/// An unknown out-of-line field (here 9 of `BufferCollectionConstraints`, a vector) is
/// skipped with its nested data; the known field 8 before it still decodes.
#[test]
fn unknown_out_of_line_field_with_nested_data_is_skipped() {
    let bytes = Bytes::header(0, ordinals::COLLECTION_SET_CONSTRAINTS)
        .vec(1)
        .env(16 + 72 + 16 + 24, 0)
        .vec(9)
        .absent()
        .inline(3u32.to_le_bytes(), 0)
        .absent()
        .absent()
        .absent()
        .absent()
        .absent()
        .env(16, 0) // field 8: an empty vector of image format constraints
        .env(24, 0) // field 9: unknown, a vector of one u64
        .vec(0)
        .vec(1)
        .u64(0x1234)
        .done();
    let decoded: messages::SetConstraintsRequest = decode_message(&bytes, vec![]).unwrap();
    let constraints = decoded.constraints.unwrap();
    assert_eq!(constraints.min_buffer_count_for_camping, Some(3));
    assert_eq!(constraints.image_format_constraints, Some(vec![]));
    assert_eq!(constraints.usage, None);
}
