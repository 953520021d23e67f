//! The result union every flexible two-way method replies with.

use super::codec::{Decode, Decoder, Depth, Encode, Encoder, Layout};
use super::error::{DecodeError, EncodeError};

/// Why the server's FIDL framework, not the method, answered (`fidl.FrameworkErr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameworkErr(i32);

impl FrameworkErr {
    /// The server does not know the method's ordinal (`FIDL_TRANSPORT_ERR_UNKNOWN_METHOD`).
    pub const UNKNOWN_METHOD: FrameworkErr = FrameworkErr(-2);

    /// The error from its raw value.
    pub const fn from_raw(raw: i32) -> FrameworkErr {
        FrameworkErr(raw)
    }

    /// The raw value.
    pub const fn into_raw(self) -> i32 {
        self.0
    }
}

impl std::fmt::Display for FrameworkErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            FrameworkErr::UNKNOWN_METHOD => write!(f, "UNKNOWN_METHOD (-2)"),
            FrameworkErr(raw) => write!(f, "framework error {raw}"),
        }
    }
}

impl Layout for FrameworkErr {
    const INLINE_SIZE: usize = 4;
}

impl Encode for FrameworkErr {
    fn encode(self, encoder: &mut Encoder, offset: usize, depth: Depth) -> Result<(), EncodeError> {
        self.0.encode(encoder, offset, depth)
    }
}

impl Decode for FrameworkErr {
    fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, DecodeError> {
        i32::decode(decoder, offset, depth).map(FrameworkErr)
    }
}

/// The error type of a method declared without an `error` clause: variant 2 cannot occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoErrorClause {}

impl Layout for NoErrorClause {
    const INLINE_SIZE: usize = 4;
}

impl Encode for NoErrorClause {
    fn encode(self, _: &mut Encoder, _: usize, _: Depth) -> Result<(), EncodeError> {
        match self {}
    }
}

impl Decode for NoErrorClause {
    fn decode(_: &mut Decoder, offset: usize, _: Depth) -> Result<Self, DecodeError> {
        // The envelope is 8 bytes after the union's ordinal.
        Err(DecodeError::UnknownUnionOrdinal {
            offset: offset.saturating_sub(8),
            ordinal: 2,
        })
    }
}

/// The body of a reply to a flexible two-way method: a strict union of
/// 1 `response`, 2 `err` (only with an `error` clause) and 3 `framework_err`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlexibleResult<T, E = NoErrorClause> {
    /// The method's response payload.
    Response(T),
    /// The method's application error.
    Err(E),
    /// The server's framework could not run the method.
    FrameworkErr(FrameworkErr),
}

impl<T, E> Layout for FlexibleResult<T, E> {
    const INLINE_SIZE: usize = 16;
}

impl<T: Encode, E: Encode> Encode for FlexibleResult<T, E> {
    fn encode(self, encoder: &mut Encoder, offset: usize, depth: Depth) -> Result<(), EncodeError> {
        match self {
            FlexibleResult::Response(value) => encoder.encode_union(1, value, offset, depth),
            FlexibleResult::Err(err) => encoder.encode_union(2, err, offset, depth),
            FlexibleResult::FrameworkErr(err) => encoder.encode_union(3, err, offset, depth),
        }
    }
}

impl<T: Decode, E: Decode> Decode for FlexibleResult<T, E> {
    fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, DecodeError> {
        let ordinal = decoder.decode_union_ordinal(offset)?;
        let envelope = offset + 8;
        let absent = DecodeError::RequiredAbsent { offset: envelope };
        match ordinal {
            1 => decoder
                .decode_envelope(envelope, depth)?
                .map(FlexibleResult::Response),
            2 => decoder
                .decode_envelope(envelope, depth)?
                .map(FlexibleResult::Err),
            3 => decoder
                .decode_envelope(envelope, depth)?
                .map(FlexibleResult::FrameworkErr),
            ordinal => return Err(DecodeError::UnknownUnionOrdinal { offset, ordinal }),
        }
        .ok_or(absent)
    }
}
