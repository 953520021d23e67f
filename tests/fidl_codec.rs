//! FIDL codec: golden bytes written by hand from the wire-format rules (sysmem2.md §8), strict
//! decoding of malformed messages, and method ordinals.

mod fidl_ordinal;
use fidl_ordinal::method_ordinal;

use vmo_interop::fidl::{
    self, decode_header_only, decode_message, encode_header_only, encode_message, DecodeError,
    Empty, EncodeError, FlexibleResult, FrameworkErr, NoErrorClause, TransactionHeader,
};
use vmo_interop::sysmem::messages::{self, ordinals};
use vmo_interop::sysmem::types::*;
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

/// Runs `f` under the host kernel's counters lock and asserts it left no handle behind.
fn no_leaks(f: impl FnOnce()) {
    let _guard = vmo_interop::platform::host::counters_lock();
    let before = vmo_interop::platform::host::counters().live_handles;
    f();
    assert_eq!(
        vmo_interop::platform::host::counters().live_handles,
        before,
        "handles leaked"
    );
}

const PRESENT: [u8; 8] = [0xff; 8];

/// Builds bytes from little-endian pieces.
struct Bytes(Vec<u8>);

impl Bytes {
    fn header(txid: u32, ordinal: u64) -> Bytes {
        let mut b = Bytes(Vec::new());
        b.u32(txid).raw(&[0x02, 0x00, 0x80, 0x01]).u64(ordinal);
        b
    }
    fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn u16(&mut self, v: u16) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    /// A vector / string / table header: count, present.
    fn vec(&mut self, count: u64) -> &mut Self {
        self.u64(count).raw(&PRESENT)
    }
    /// An out-of-line envelope.
    fn env(&mut self, num_bytes: u32, num_handles: u16) -> &mut Self {
        self.u32(num_bytes).u16(num_handles).u16(0)
    }
    /// An inline envelope.
    fn inline(&mut self, value: [u8; 4], num_handles: u16) -> &mut Self {
        self.raw(&value).u16(num_handles).u16(1)
    }
    fn absent(&mut self) -> &mut Self {
        self.u64(0)
    }
    fn done(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

fn header_of(bytes: &[u8]) -> TransactionHeader {
    TransactionHeader::decode(bytes).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Goldens
// ---------------------------------------------------------------------------------------------

/// sysmem2.md §8: `Allocator.SetDebugClientInfo{name:"x", id:7}` is 80 bytes.
fn set_debug_client_info_golden() -> Vec<u8> {
    Bytes::header(0, ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO)
        .vec(2) // table: 2 envelopes
        .env(24, 0) // name: string header 16 + "x" padded to 8
        .env(8, 0) // id: u64
        .vec(1) // string header
        .raw(b"x\0\0\0\0\0\0\0")
        .u64(7)
        .done()
}

#[test]
fn golden_set_debug_client_info() {
    let golden = set_debug_client_info_golden();
    assert_eq!(golden.len(), 80);
    let request = messages::SetDebugClientInfoRequest {
        name: Some("x".into()),
        id: Some(7),
    };
    let (bytes, handles) = encode_message(
        TransactionHeader::flexible(0, ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO),
        request.clone(),
    )
    .unwrap();
    assert_eq!(bytes, golden);
    assert!(handles.is_empty());

    let header = header_of(&golden);
    assert_eq!(
        header,
        TransactionHeader::flexible(0, ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO)
    );
    let decoded: messages::SetDebugClientInfoRequest = decode_message(&golden, vec![]).unwrap();
    assert_eq!(decoded, request);
}

/// A u32 alone is inlined into its envelope; the unset name makes the table 1 envelope long.
#[test]
fn golden_set_name_inline_u32() {
    let golden = Bytes::header(0, ordinals::NODE_SET_NAME)
        .vec(1)
        .inline(100u32.to_le_bytes(), 0)
        .done();
    assert_eq!(golden.len(), 40);
    let request = messages::SetNameRequest {
        priority: Some(100),
        name: None,
    };
    let (bytes, _) = encode_message(
        TransactionHeader::flexible(0, ordinals::NODE_SET_NAME),
        request.clone(),
    )
    .unwrap();
    assert_eq!(bytes, golden);
    assert_eq!(
        decode_message::<messages::SetNameRequest>(&golden, vec![]).unwrap(),
        request
    );
}

/// The count of a table is its highest ordinal set: unset lower fields are zero envelopes.
#[test]
fn golden_set_name_absent_first_field() {
    let golden = Bytes::header(0, ordinals::NODE_SET_NAME)
        .vec(2)
        .absent()
        .env(24, 0)
        .vec(3)
        .raw(b"abc\0\0\0\0\0")
        .done();
    let request = messages::SetNameRequest {
        priority: None,
        name: Some("abc".into()),
    };
    let (bytes, _) = encode_message(
        TransactionHeader::flexible(0, ordinals::NODE_SET_NAME),
        request.clone(),
    )
    .unwrap();
    assert_eq!(bytes, golden);
    assert_eq!(
        decode_message::<messages::SetNameRequest>(&golden, vec![]).unwrap(),
        request
    );
}

/// `vector<zx.Rights>:64`: 4-byte elements packed, padded to 8.
#[test]
fn golden_duplicate_sync_request() {
    let golden = Bytes::header(9, ordinals::TOKEN_DUPLICATE_SYNC)
        .vec(1)
        .env(24, 0) // vector header 16 + 2 * 4 bytes
        .vec(2)
        .u32(0x8000_0000)
        .u32(0xC0E7)
        .done();
    assert_eq!(golden.len(), 64);
    let request = messages::DuplicateSyncRequest {
        rights_attenuation_masks: Some(vec![
            zx::Rights::SAME_RIGHTS,
            zx::Rights::from_bits_retain(0xC0E7),
        ]),
    };
    let (bytes, _) = encode_message(
        TransactionHeader::flexible(9, ordinals::TOKEN_DUPLICATE_SYNC),
        request.clone(),
    )
    .unwrap();
    assert_eq!(bytes, golden);
    assert_eq!(
        decode_message::<messages::DuplicateSyncRequest>(&golden, vec![]).unwrap(),
        request
    );
}

/// Nested tables: each out-of-line envelope counts every byte below it.
fn set_constraints_golden() -> Vec<u8> {
    Bytes::header(0, ordinals::COLLECTION_SET_CONSTRAINTS)
        .vec(1) // request table
        .env(168, 0) // constraints: 16 + 56 + usage 32 + memory 64
        .vec(7) // constraints table, up to buffer_memory_constraints (7)
        .env(32, 0) // 1 usage: table 16 + 2 envelopes
        .inline(1u32.to_le_bytes(), 0) // 2 min_buffer_count_for_camping
        .absent()
        .absent()
        .absent()
        .absent()
        .env(64, 0) // 7 memory: table 16 + 5 envelopes 40 + min_size_bytes 8
        .vec(2) // usage table
        .absent() // none
        .inline(usage::CPU_USAGE_READ.to_le_bytes(), 0) // cpu
        .vec(5) // memory table
        .env(8, 0) // min_size_bytes
        .absent()
        .absent()
        .absent()
        .inline([1, 0, 0, 0], 0) // cpu_domain_supported: true
        .u64(4096)
        .done()
}

fn set_constraints_value() -> messages::SetConstraintsRequest {
    messages::SetConstraintsRequest {
        constraints: Some(BufferCollectionConstraints {
            usage: Some(BufferUsage {
                cpu: Some(usage::CPU_USAGE_READ),
                ..Default::default()
            }),
            min_buffer_count_for_camping: Some(1),
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(4096),
                cpu_domain_supported: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

#[test]
fn golden_set_constraints_nested_tables() {
    let golden = set_constraints_golden();
    assert_eq!(golden.len(), 208);
    let (bytes, _) = encode_message(
        TransactionHeader::flexible(0, ordinals::COLLECTION_SET_CONSTRAINTS),
        set_constraints_value(),
    )
    .unwrap();
    assert_eq!(bytes, golden);
    let decoded: messages::SetConstraintsRequest = decode_message(&golden, vec![]).unwrap();
    assert_eq!(decoded.constraints, set_constraints_value().constraints);
}

/// `Sync() -> ()` on a flexible method: union variant 1 holding the empty struct, inline.
#[test]
fn golden_sync_response_empty_struct() {
    let golden = Bytes::header(5, ordinals::NODE_SYNC)
        .u64(1)
        .inline([0; 4], 0)
        .done();
    assert_eq!(golden.len(), 32);
    let (bytes, _) = encode_message(
        TransactionHeader::flexible(5, ordinals::NODE_SYNC),
        FlexibleResult::<Empty>::Response(Empty),
    )
    .unwrap();
    assert_eq!(bytes, golden);
    assert_eq!(
        decode_message::<FlexibleResult<Empty>>(&golden, vec![]).unwrap(),
        FlexibleResult::Response(Empty)
    );
}

/// An `error` reply: variant 2 with the `Error` u32 inline.
#[test]
fn golden_wait_error_reply() {
    let golden = Bytes::header(7, ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED)
        .u64(2)
        .inline(6u32.to_le_bytes(), 0)
        .done();
    type Reply = FlexibleResult<messages::WaitForAllBuffersAllocatedResponse, Error>;
    let (bytes, _) = encode_message(
        TransactionHeader::flexible(7, ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED),
        Reply::Err(Error::CONSTRAINTS_INTERSECTION_EMPTY),
    )
    .unwrap();
    assert_eq!(bytes, golden);
    match decode_message::<Reply>(&golden, vec![]).unwrap() {
        FlexibleResult::Err(e) => assert_eq!(e, Error::CONSTRAINTS_INTERSECTION_EMPTY),
        other => panic!("expected Err, got {other:?}"),
    }
}

/// Unknown method: variant 3, framework_err UNKNOWN_METHOD (-2).
#[test]
fn golden_framework_err_unknown_method() {
    let golden = Bytes::header(3, 0x1234)
        .u64(3)
        .inline((-2i32).to_le_bytes(), 0)
        .done();
    let (bytes, _) = encode_message(
        TransactionHeader::flexible(3, 0x1234),
        FlexibleResult::<Empty>::FrameworkErr(FrameworkErr::UNKNOWN_METHOD),
    )
    .unwrap();
    assert_eq!(bytes, golden);
    assert_eq!(
        decode_message::<FlexibleResult<Empty>>(&golden, vec![]).unwrap(),
        FlexibleResult::FrameworkErr(FrameworkErr::UNKNOWN_METHOD)
    );
}

/// A method without an `error` clause cannot be answered with variant 2.
#[test]
fn err_variant_without_error_clause_is_rejected() {
    let bytes = Bytes::header(5, ordinals::NODE_SYNC)
        .u64(2)
        .inline([1, 0, 0, 0], 0)
        .done();
    assert!(matches!(
        decode_message::<FlexibleResult<Empty, NoErrorClause>>(&bytes, vec![]),
        Err(DecodeError::UnknownUnionOrdinal { ordinal: 2, .. })
    ));
}

/// `Release()`: the header alone.
#[test]
fn golden_release_header_only() {
    let golden = Bytes::header(0, ordinals::NODE_RELEASE).done();
    assert_eq!(
        encode_header_only(TransactionHeader::flexible(0, ordinals::NODE_RELEASE)),
        golden
    );
    decode_header_only(&golden, vec![]).unwrap();
    let mut longer = golden.clone();
    longer.extend_from_slice(&[0; 8]);
    assert_eq!(
        decode_header_only(&longer, vec![]),
        Err(DecodeError::ExtraBytes { unused: 8 })
    );
}

/// A handle inlined into its envelope: marker 0xFFFF_FFFF, num_handles 1.
#[test]
fn golden_allocate_shared_collection_handle() {
    no_leaks(|| {
        let (client, server) = zx::Channel::create().unwrap();
        let koid = server.get_koid().unwrap();
        let golden = Bytes::header(0, ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION)
            .vec(1)
            .inline([0xff; 4], 1)
            .done();
        let request = messages::AllocateSharedCollectionRequest {
            token_request: Some(server),
        };
        let (bytes, mut handles) = encode_message(
            TransactionHeader::flexible(0, ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION),
            request,
        )
        .unwrap();
        assert_eq!(bytes, golden);
        assert_eq!(handles.len(), 1);

        // Through a real channel, then decode with the received handle infos.
        let (a, b) = zx::Channel::create().unwrap();
        a.write(&bytes, &mut handles).unwrap();
        let (mut rbytes, mut rhandles) = (Vec::new(), Vec::new());
        b.read_etc(&mut rbytes, &mut rhandles).unwrap();
        let decoded: messages::AllocateSharedCollectionRequest =
            decode_message(&rbytes, rhandles).unwrap();
        assert_eq!(decoded.token_request.unwrap().get_koid().unwrap(), koid);
        drop(client);
    });
}

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

// ---------------------------------------------------------------------------------------------
// Ordinals
// ---------------------------------------------------------------------------------------------

/// The selector rule reproduces ordinals published in fidlc's JSON goldens.
#[test]
fn ordinal_rule_matches_fidlc_goldens() {
    // vsrinivas/fuchsia zircon/system/utest/fidl-compiler/json_generator_tests.cc
    // ("generated_ordinal"): a method of a composed protocol keeps its parent's ordinal.
    assert_eq!(
        method_ordinal("fidl.test.json/Parent.First"),
        2566928499103139852
    );
    assert_eq!(
        method_ordinal("fidl.test.json/Child.Second"),
        2628306304378964143
    );
    assert_eq!(
        method_ordinal("fidl.test.json/Example.foo"),
        841977834905137819
    );
    // vsrinivas/fuchsia tools/fidl/fidlc/goldens/inheritance.json.golden: `super.foo`,
    // composed into `sub` with the same ordinal.
    assert_eq!(
        method_ordinal("test.inheritance/super.foo"),
        7540745593380780216
    );
}

/// Every sysmem2 ordinal this crate sends or serves, against the reference table
/// (shared/reference/sysmem2.md §1) and against the rule.
#[test]
fn sysmem2_ordinals_match_reference_table() {
    let reference: &[(&str, u64)] = &[
        (
            "fuchsia.sysmem2/Allocator.AllocateNonSharedCollection",
            0x5ca681f025a80e44,
        ),
        (
            "fuchsia.sysmem2/Allocator.AllocateSharedCollection",
            0x11a19ff51f0b49c1,
        ),
        (
            "fuchsia.sysmem2/Allocator.BindSharedCollection",
            0x550916b0dc1d5b4e,
        ),
        (
            "fuchsia.sysmem2/Allocator.ValidateBufferCollectionToken",
            0x4c5ee91b02a7e68d,
        ),
        (
            "fuchsia.sysmem2/Allocator.SetDebugClientInfo",
            0x6f68f19a3f509c4d,
        ),
        ("fuchsia.sysmem2/Node.Sync", 0x11ac2555cf575b54),
        ("fuchsia.sysmem2/Node.Release", 0x6a5cae7d6d6e04c6),
        ("fuchsia.sysmem2/Node.SetName", 0x0b41f1624f48c1e9),
        (
            "fuchsia.sysmem2/Node.SetDebugClientInfo",
            0x5cde8914608d99b1,
        ),
        (
            "fuchsia.sysmem2/BufferCollectionToken.DuplicateSync",
            0x1c1af9919d1ca45c,
        ),
        (
            "fuchsia.sysmem2/BufferCollectionToken.Duplicate",
            0x73e78f92ee7fb887,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.SetConstraints",
            0x1fde0f19d650197b,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.WaitForAllBuffersAllocated",
            0x062300344b61404e,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.CheckAllBuffersAllocated",
            0x35a5fe77ce939c10,
        ),
    ];
    assert_eq!(ordinals::SELECTORS.len(), reference.len());
    for (&(selector, constant), &(ref_selector, ref_value)) in
        ordinals::SELECTORS.iter().zip(reference)
    {
        assert_eq!(selector, ref_selector);
        assert_eq!(
            constant, ref_value,
            "{selector}: constant differs from the reference"
        );
        assert_eq!(
            method_ordinal(selector),
            ref_value,
            "{selector}: rule differs"
        );
        assert_eq!(ref_value >> 63, 0, "{selector}: bit 63 must be clear");
    }
}
