//! Decoding random and mutated bytes never panics and never leaks; valid values round-trip.

use proptest::prelude::*;
use vmo_interop::fidl::{
    decode_message, encode_message, DecodeError, Empty, FlexibleResult, TransactionHeader,
};
use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::messages::{self, ordinals};
use vmo_interop::sysmem::types::*;
use vmo_interop::zx::{self, HandleBased};

fn arb_heap() -> impl Strategy<Value = Heap> {
    (
        proptest::option::of("[a-zA-Z0-9._]{0,40}"),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(heap_type, id)| Heap { heap_type, id })
}

fn arb_memory() -> impl Strategy<Value = BufferMemoryConstraints> {
    (
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::collection::vec(arb_heap(), 0..4)),
    )
        .prop_map(
            |(min, max, contiguous, secure, cpu, ram, inaccessible, heaps)| {
                BufferMemoryConstraints {
                    min_size_bytes: min,
                    max_size_bytes: max,
                    physically_contiguous_required: contiguous,
                    secure_required: secure,
                    cpu_domain_supported: cpu,
                    ram_domain_supported: ram,
                    inaccessible_domain_supported: inaccessible,
                    permitted_heaps: heaps,
                }
            },
        )
}

fn arb_constraints() -> impl Strategy<Value = BufferCollectionConstraints> {
    let usage = (
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(none, cpu, vulkan, display, video)| BufferUsage {
            none,
            cpu,
            vulkan,
            display,
            video,
        });
    (
        proptest::option::of(usage),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u32>()),
        proptest::option::of(arb_memory()),
        proptest::option::of(proptest::collection::vec(arb_image(), 0..3)),
    )
        .prop_map(
            |(usage, camping, dedicated, shared, min, max, memory, images)| {
                BufferCollectionConstraints {
                    usage,
                    min_buffer_count_for_camping: camping,
                    min_buffer_count_for_dedicated_slack: dedicated,
                    min_buffer_count_for_shared_slack: shared,
                    min_buffer_count: min,
                    max_buffer_count: max,
                    buffer_memory_constraints: memory,
                    image_format_constraints: images,
                }
            },
        )
}

fn arb_size() -> impl Strategy<Value = Option<SizeU>> {
    proptest::option::of((any::<u32>(), any::<u32>()).prop_map(|(w, h)| SizeU::new(w, h)))
}

/// Image format constraints with any subset of their fields, the out-of-order ones (15, 18)
/// included.
fn arb_image() -> impl Strategy<Value = ImageFormatConstraints> {
    let format = (any::<u32>(), any::<u64>()).prop_map(|(f, m)| {
        PixelFormatAndModifier::new(PixelFormat::from_raw(f), PixelFormatModifier::from_raw(m))
    });
    (
        (
            proptest::option::of(any::<u32>().prop_map(PixelFormat::from_raw)),
            proptest::option::of(any::<u64>().prop_map(PixelFormatModifier::from_raw)),
            proptest::option::of(proptest::collection::vec(format, 0..3)),
            proptest::option::of(proptest::collection::vec(
                any::<u32>().prop_map(ColorSpace::from_raw),
                0..4,
            )),
            arb_size(),
            arb_size(),
        ),
        (
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u64>()),
            arb_size(),
            proptest::option::of(proptest::collection::vec(
                (any::<u32>(), any::<u32>()).prop_map(|(w, h)| SizeU::new(w, h)),
                0..3,
            )),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |(
                (pixel_format, modifier, pairs, spaces, min_size, max_size),
                (divisor, pad_beyond, pad_block, list, alpha, boundary),
            )| ImageFormatConstraints {
                pixel_format,
                pixel_format_modifier: modifier,
                pixel_format_and_modifiers: pairs,
                color_spaces: spaces,
                min_size,
                max_size,
                bytes_per_row_divisor: divisor,
                pad_beyond_image_size_bytes: pad_beyond,
                pad_for_block_size: pad_block,
                required_max_size_list: list,
                is_alpha_present: alpha,
                require_bytes_per_row_at_pixel_boundary: boundary,
                ..Default::default()
            },
        )
}

fn encode_constraints(constraints: BufferCollectionConstraints) -> Vec<u8> {
    let request = messages::SetConstraintsRequest {
        constraints: Some(constraints),
    };
    encode_message(
        TransactionHeader::flexible(0, ordinals::COLLECTION_SET_CONSTRAINTS),
        request,
    )
    .unwrap()
    .0
}

/// Tries every message type the client and the service decode.
fn decode_all(bytes: &[u8]) {
    let _ = TransactionHeader::decode(bytes);
    let _ = decode_message::<messages::SetConstraintsRequest>(bytes, vec![]);
    let _ = decode_message::<messages::SetDebugClientInfoRequest>(bytes, vec![]);
    let _ = decode_message::<messages::SetNameRequest>(bytes, vec![]);
    let _ = decode_message::<messages::DuplicateSyncRequest>(bytes, vec![]);
    let _ = decode_message::<messages::DuplicateSyncResponse>(bytes, vec![]);
    let _ = decode_message::<messages::BindSharedCollectionRequest>(bytes, vec![]);
    let _ = decode_message::<FlexibleResult<Empty>>(bytes, vec![]);
    let _ = decode_message::<FlexibleResult<messages::WaitForAllBuffersAllocatedResponse, Error>>(
        bytes,
        vec![],
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
        // Also with a valid header, so the body decoders see the bytes.
        if bytes.len() >= 16 {
            bytes[..16].copy_from_slice(&TransactionHeader::flexible(0, 1).to_bytes());
            decode_all(&bytes);
        }
    }

    #[test]
    fn constraints_round_trip(constraints in arb_constraints()) {
        let bytes = encode_constraints(constraints.clone());
        let decoded: messages::SetConstraintsRequest = decode_message(&bytes, vec![]).unwrap();
        prop_assert_eq!(decoded.constraints, Some(constraints));
    }

    #[test]
    fn mutated_messages_never_panic(
        constraints in arb_constraints(),
        mutations in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let mut bytes = encode_constraints(constraints);
        for (at, value) in mutations {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        decode_all(&bytes);
    }

    /// Mutated handle-carrying messages: every handle is closed whatever the outcome.
    #[test]
    fn mutated_messages_with_handles_never_leak(
        at in 16usize..40,
        value in any::<u8>(),
        handle_count in 0usize..3,
    ) {
        let _guard = vmo_interop::platform::host::counters_lock();
        let before = vmo_interop::platform::host::counters().live_handles;
        {
            let (a, b) = zx::Channel::create().unwrap();
            let request = messages::BindSharedCollectionRequest {
                token: Some(a),
                buffer_collection_request: Some(b),
            };
            let (mut bytes, handles) =
                encode_message(TransactionHeader::flexible(0, 1), request).unwrap();
            bytes[at] = value;
            let mut infos: Vec<zx::HandleInfo> = handles
                .into_iter()
                .map(|handle| zx::HandleInfo {
                    handle,
                    object_type: zx::ObjectType::CHANNEL,
                    rights: zx::Rights::CHANNEL_DEFAULT,
                })
                .collect();
            infos.truncate(handle_count);
            let result = decode_message::<messages::BindSharedCollectionRequest>(&bytes, infos);
            if handle_count < 2 {
                prop_assert!(result.is_err());
            }
            drop(result);
        }
        prop_assert_eq!(vmo_interop::platform::host::counters().live_handles, before);
    }
}

/// Every decode error leaves the handles closed (a plain, non-random check of the same rule).
#[test]
fn decode_error_closes_handles() {
    let _guard = vmo_interop::platform::host::counters_lock();
    let before = vmo_interop::platform::host::counters().live_handles;
    let vmo = zx::Vmo::create(4096).unwrap();
    let info = zx::HandleInfo {
        handle: vmo.into_handle(),
        object_type: zx::ObjectType::VMO,
        rights: zx::Rights::VMO_DEFAULT,
    };
    let bytes = TransactionHeader::flexible(0, 1).to_bytes();
    assert_eq!(
        decode_message::<messages::SetNameRequest>(&bytes, vec![info]).unwrap_err(),
        DecodeError::Truncated {
            offset: 16,
            len: 16
        }
    );
    assert_eq!(vmo_interop::platform::host::counters().live_handles, before);
}
