//! Golden bytes of the FIDL wire format.

use super::*;

// ---------------------------------------------------------------------------------------------
// Goldens
// ---------------------------------------------------------------------------------------------

/// Asserts that `value`, sent as the flexible message `(txid, ordinal)`, encodes to exactly
/// `golden` with no handles, and that `golden` decodes back to `value`.
fn assert_golden<T>(txid: u32, ordinal: u64, value: T, golden: &[u8])
where
    T: fidl::Encode + fidl::Decode + Clone + PartialEq + std::fmt::Debug,
{
    let (bytes, handles) =
        encode_message(TransactionHeader::flexible(txid, ordinal), value.clone()).unwrap();
    assert_eq!(bytes, golden, "encoded");
    assert!(handles.is_empty());
    assert_eq!(
        decode_message::<T>(golden, vec![]).unwrap(),
        value,
        "decoded"
    );
}

/// sysmem2.md §8: `Allocator.SetDebugClientInfo{name:"x", id:7}` is 80 bytes.
pub(crate) fn set_debug_client_info_golden() -> Vec<u8> {
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
    assert_golden(
        0,
        ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO,
        request,
        &golden,
    );
    let header = header_of(&golden);
    assert_eq!(
        header,
        TransactionHeader::flexible(0, ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO)
    );
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
    assert_golden(0, ordinals::NODE_SET_NAME, request, &golden);
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
    assert_golden(0, ordinals::NODE_SET_NAME, request, &golden);
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
    assert_golden(9, ordinals::TOKEN_DUPLICATE_SYNC, request, &golden);
}

/// Nested tables: each out-of-line envelope counts every byte below it.
pub(crate) fn set_constraints_golden() -> Vec<u8> {
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
    let reply = FlexibleResult::<Empty>::Response(Empty);
    assert_golden(5, ordinals::NODE_SYNC, reply, &golden);
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
    let reply = FlexibleResult::<Empty>::FrameworkErr(FrameworkErr::UNKNOWN_METHOD);
    assert_golden(3, 0x1234, reply, &golden);
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
