//! The encoder, the decoder, and the wire form of every type sysmem2 uses.
//!
//! FIDL V2 lays a message out depth-first: each object's *inline* part sits where its parent
//! puts it, and its *out-of-line* parts (vector elements, table envelopes, the payloads of large
//! envelope values) are appended in traversal order, each 8-byte aligned, with zero padding.
//! [`Encoder`] and [`Decoder`] both keep a cursor at the end of the out-of-line region;
//! [`Encode::encode`] / [`Decode::decode`] write or read one object's inline part at an offset
//! the caller chose.

mod decoder;
mod encoder;
mod handle;

pub use decoder::Decoder;
pub use encoder::Encoder;
pub use handle::{decode_handle, encode_handle, HandleType};

use super::error::{DecodeError, EncodeError};
use super::MAX_DEPTH;
use crate::zx;

/// Presence marker of a present vector or string (`FIDL_ALLOC_PRESENT`).
const ALLOC_PRESENT: u64 = u64::MAX;
/// Presence marker of a present handle (`FIDL_HANDLE_PRESENT`).
const HANDLE_PRESENT: u32 = u32::MAX;
/// Envelope flag: the value is stored inline in the envelope.
const ENVELOPE_INLINE: u16 = 1;

/// Rounds `n` up to the FIDL alignment of 8 bytes; `None` on overflow.
fn align8(n: usize) -> Option<usize> {
    n.checked_add(7).map(|n| n & !7)
}

/// Nesting depth of an out-of-line object; at most [`MAX_DEPTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Depth(usize);

impl Depth {
    /// The depth of a message body's inline part.
    pub const ZERO: Depth = Depth(0);

    /// The depth of an object one indirection further, or `None` past [`MAX_DEPTH`].
    pub fn next(self) -> Option<Depth> {
        (self.0 < MAX_DEPTH).then_some(Depth(self.0 + 1))
    }

    fn next_encode(self) -> Result<Depth, EncodeError> {
        self.next().ok_or(EncodeError::DepthExceeded)
    }

    fn next_decode(self) -> Result<Depth, DecodeError> {
        self.next().ok_or(DecodeError::DepthExceeded)
    }
}

/// The size of a type's inline part on the wire.
pub trait Layout {
    /// Bytes of the inline part (a table or vector header is 16, a handle 4, a `u64` 8).
    const INLINE_SIZE: usize;
}

/// A type that can be written to the wire. Encoding consumes the value, so handles move.
pub trait Encode: Layout + Sized {
    /// Writes the inline part at `offset` (already reserved and zeroed) and appends the
    /// out-of-line parts, whose depth is `depth + 1`.
    ///
    /// # Errors
    /// [`EncodeError`] when the value cannot be carried (limits, invalid handles, bounds).
    fn encode(self, encoder: &mut Encoder, offset: usize, depth: Depth) -> Result<(), EncodeError>;
}

/// A type that can be read from the wire.
pub trait Decode: Layout + Sized {
    /// Reads the inline part at `offset` (already claimed) and claims the out-of-line parts.
    ///
    /// # Errors
    /// [`DecodeError`] for any malformed input.
    fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, DecodeError>;
}

/// Containers with a FIDL length bound (`vector<T>:N`, `string:N`).
pub trait BoundedLen {
    /// The length checked against the bound: elements of a vector, bytes of a string.
    fn bounded_len(&self) -> usize;
}

impl BoundedLen for String {
    fn bounded_len(&self) -> usize {
        self.len()
    }
}

impl<T> BoundedLen for Vec<T> {
    fn bounded_len(&self) -> usize {
        self.len()
    }
}

/// Checks a container against its declared bound before encoding.
///
/// # Errors
/// [`EncodeError::VectorTooLong`].
pub fn check_bound_encode<T: BoundedLen>(value: &T, max: usize) -> Result<(), EncodeError> {
    let len = value.bounded_len();
    if len > max {
        return Err(EncodeError::VectorTooLong { len, max });
    }
    Ok(())
}

/// Checks a decoded container against its declared bound.
///
/// # Errors
/// [`DecodeError::VectorTooLong`].
pub fn check_bound_decode<T: BoundedLen>(value: &T, max: usize) -> Result<(), DecodeError> {
    let len = value.bounded_len();
    if len > max {
        return Err(DecodeError::VectorTooLong { len, max });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------------

macro_rules! impl_int {
    ($($ty:ty),*) => {$(
        impl Layout for $ty {
            const INLINE_SIZE: usize = std::mem::size_of::<$ty>();
        }
        impl Encode for $ty {
            fn encode(self, encoder: &mut Encoder, offset: usize, _: Depth) -> Result<(), EncodeError> {
                encoder.write(offset, &self.to_le_bytes());
                Ok(())
            }
        }
        impl Decode for $ty {
            fn decode(decoder: &mut Decoder, offset: usize, _: Depth) -> Result<Self, DecodeError> {
                decoder.read(offset).map(<$ty>::from_le_bytes)
            }
        }
    )*};
}

impl_int!(u8, u16, u32, u64, i32, i64);

impl Layout for bool {
    const INLINE_SIZE: usize = 1;
}

impl Encode for bool {
    fn encode(self, encoder: &mut Encoder, offset: usize, _: Depth) -> Result<(), EncodeError> {
        encoder.write(offset, &[u8::from(self)]);
        Ok(())
    }
}

impl Decode for bool {
    fn decode(decoder: &mut Decoder, offset: usize, _: Depth) -> Result<Self, DecodeError> {
        match decoder.read::<1>(offset)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            value => Err(DecodeError::InvalidBool { offset, value }),
        }
    }
}

/// `zx.Rights` travels as its `u32` bits; unknown bits are kept.
impl Layout for zx::Rights {
    const INLINE_SIZE: usize = 4;
}

impl Encode for zx::Rights {
    fn encode(self, encoder: &mut Encoder, offset: usize, depth: Depth) -> Result<(), EncodeError> {
        self.bits().encode(encoder, offset, depth)
    }
}

impl Decode for zx::Rights {
    fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, DecodeError> {
        u32::decode(decoder, offset, depth).map(zx::Rights::from_bits_retain)
    }
}

/// The empty struct: a method response `()`, one byte of 0 on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Empty;

impl Layout for Empty {
    const INLINE_SIZE: usize = 1;
}

impl Encode for Empty {
    fn encode(self, _: &mut Encoder, _: usize, _: Depth) -> Result<(), EncodeError> {
        Ok(()) // The byte is already zero.
    }
}

impl Decode for Empty {
    fn decode(decoder: &mut Decoder, offset: usize, _: Depth) -> Result<Self, DecodeError> {
        match decoder.read::<1>(offset)?[0] {
            0 => Ok(Empty),
            _ => Err(DecodeError::InvalidEmptyStruct { offset }),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strings and vectors (required, i.e. non-nullable: optionality comes from table envelopes)
// ---------------------------------------------------------------------------------------------

impl Layout for String {
    const INLINE_SIZE: usize = 16;
}

impl Encode for String {
    fn encode(self, encoder: &mut Encoder, offset: usize, depth: Depth) -> Result<(), EncodeError> {
        depth.next_encode()?;
        let at = encoder.encode_vector_header(offset, self.len(), 1)?;
        encoder.write(at, self.as_bytes());
        Ok(())
    }
}

impl Decode for String {
    fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, DecodeError> {
        let (len, at, _) = decoder.decode_vector_header(offset, 1, depth)?;
        let bytes = decoder
            .bytes
            .get(at..at + len)
            .ok_or(DecodeError::Truncated { offset: at, len })?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| DecodeError::InvalidUtf8 { offset: at })
    }
}

impl<T: Layout> Layout for Vec<T> {
    const INLINE_SIZE: usize = 16;
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(self, encoder: &mut Encoder, offset: usize, depth: Depth) -> Result<(), EncodeError> {
        let depth = depth.next_encode()?;
        let at = encoder.encode_vector_header(offset, self.len(), T::INLINE_SIZE)?;
        for (i, element) in self.into_iter().enumerate() {
            element.encode(encoder, at + i * T::INLINE_SIZE, depth)?;
        }
        Ok(())
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, DecodeError> {
        let (count, at, depth) = decoder.decode_vector_header(offset, T::INLINE_SIZE, depth)?;
        // `count * INLINE_SIZE` bytes were just claimed, so `count` is bounded by the message.
        let mut elements = Vec::with_capacity(count);
        for i in 0..count {
            elements.push(T::decode(decoder, at + i * T::INLINE_SIZE, depth)?);
        }
        Ok(elements)
    }
}
