//! Depth limits, which need a recursive type (only a test declares one).

use super::*;

impl<T: Layout> Layout for Box<T> {
    const INLINE_SIZE: usize = T::INLINE_SIZE;
}

impl<T: Encode> Encode for Box<T> {
    fn encode(self, encoder: &mut Encoder, offset: usize, depth: Depth) -> Result<(), EncodeError> {
        (*self).encode(encoder, offset, depth)
    }
}

impl<T: Decode> Decode for Box<T> {
    fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, DecodeError> {
        T::decode(decoder, offset, depth).map(Box::new)
    }
}

fidl_table! {
    /// A table nesting itself: each level costs two levels of depth (envelopes, payload).
    #[derive(Debug, Default, PartialEq)]
    struct Nested {
        1 => child: Box<Nested>,
    }
}

fn nested(levels: usize) -> Nested {
    let mut table = Nested::default();
    for _ in 0..levels {
        table = Nested {
            child: Some(Box::new(table)),
        };
    }
    table
}

/// The bytes of `levels` nested tables, written by hand (the encoder refuses deep ones).
fn nested_bytes(levels: usize) -> Vec<u8> {
    let mut bytes = TransactionHeader::flexible(0, 1).to_bytes().to_vec();
    for level in 0..levels {
        // Table header with one envelope, then the envelope: the rest of the message.
        let rest = (levels - level - 1) * 24 + 16;
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        bytes.extend_from_slice(&(rest as u32).to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
    }
    // The innermost table: no envelopes.
    bytes.extend_from_slice(&0u64.to_le_bytes());
    bytes.extend_from_slice(&u64::MAX.to_le_bytes());
    bytes
}

#[test]
fn nested_bytes_match_the_encoder() {
    let (bytes, _) = encode_message(TransactionHeader::flexible(0, 1), nested(3)).unwrap();
    assert_eq!(bytes, nested_bytes(3));
    assert_eq!(decode_message::<Nested>(&bytes, vec![]).unwrap(), nested(3));
}

#[test]
fn depth_32_is_accepted_and_33_rejected() {
    // 16 levels put the innermost table at depth 32: its envelope array would be 33, but an
    // empty table's (zero-length) array still counts as a level.
    let deepest_ok = (1..40)
        .take_while(|&levels| decode_message::<Nested>(&nested_bytes(levels), vec![]).is_ok())
        .last()
        .unwrap();
    assert_eq!(deepest_ok, 15);
    assert_eq!(
        decode_message::<Nested>(&nested_bytes(16), vec![]).unwrap_err(),
        DecodeError::DepthExceeded
    );
    assert_eq!(
        encode_message(TransactionHeader::flexible(0, 1), nested(16)).unwrap_err(),
        EncodeError::DepthExceeded
    );
    assert!(encode_message(TransactionHeader::flexible(0, 1), nested(15)).is_ok());
}

#[test]
fn depth_limit_stops_deep_recursion_without_overflow() {
    // Far past the limit: rejected at level 16, not by running out of stack.
    assert_eq!(
        decode_message::<Nested>(&nested_bytes(2000), vec![]).unwrap_err(),
        DecodeError::DepthExceeded
    );
}

fidl_table! {
    /// The FIDL conformance suite's `ReverseOrdinalTable`
    /// (vsrinivas/fuchsia:src/tests/fidl/conformance_suite/tables.test.fidl): fields declared
    /// in descending ordinal order.
    #[derive(Debug, Default, PartialEq)]
    struct ReverseOrdinalTable {
        4 => x: i64,
        2 => y: i64,
        1 => z: i64,
    }
}

/// The conformance suite's `ReverseOrdinalTable` case
/// (vsrinivas/fuchsia:src/tests/fidl/conformance_suite/conformance.gidl, given there in the V1
/// layout) in V2: envelopes in ordinal order, and the out-of-line values in the same order
/// (z, y, x) whatever the declaration order.
#[test]
fn reverse_ordinal_table_matches_the_conformance_suite() {
    let mut golden = TransactionHeader::flexible(0, 1).to_bytes().to_vec();
    let mut push = |bytes: &[u8]| golden.extend_from_slice(bytes);
    push(&4u64.to_le_bytes()); // max ordinal 4
    push(&u64::MAX.to_le_bytes()); // present
    push(&[8, 0, 0, 0, 0, 0, 0, 0]); // z envelope (ordinal 1): 8 bytes, 0 handles
    push(&[8, 0, 0, 0, 0, 0, 0, 0]); // y envelope (ordinal 2)
    push(&[0; 8]); // ordinal 3: absent
    push(&[8, 0, 0, 0, 0, 0, 0, 0]); // x envelope (ordinal 4)
    push(&0xccu64.to_le_bytes()); // z
    push(&0xbbu64.to_le_bytes()); // y
    push(&0xaau64.to_le_bytes()); // x
    let value = ReverseOrdinalTable {
        x: Some(0xaa),
        y: Some(0xbb),
        z: Some(0xcc),
    };
    let (bytes, _) = encode_message(TransactionHeader::flexible(0, 1), value).unwrap();
    assert_eq!(bytes, golden);
    let decoded = decode_message::<ReverseOrdinalTable>(&golden, vec![]).unwrap();
    assert_eq!(
        decoded,
        ReverseOrdinalTable {
            x: Some(0xaa),
            y: Some(0xbb),
            z: Some(0xcc),
        }
    );
    // A gap at the end is not an envelope: {y} alone is two envelopes long.
    let only_y = ReverseOrdinalTable {
        y: Some(0xbb),
        ..Default::default()
    };
    let (bytes, _) = encode_message(TransactionHeader::flexible(0, 1), only_y).unwrap();
    assert_eq!(&bytes[16..24], &2u64.to_le_bytes());
    assert_eq!(&bytes[48..56], &0xbbu64.to_le_bytes());
    assert_eq!(bytes.len(), 56);
}
