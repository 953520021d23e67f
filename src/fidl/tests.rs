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
