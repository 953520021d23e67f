//! The encoder, the decoder, and the wire form of every type sysmem2 uses.
//!
//! FIDL V2 lays a message out depth-first: each object's *inline* part sits where its parent
//! puts it, and its *out-of-line* parts (vector elements, table envelopes, the payloads of large
//! envelope values) are appended in traversal order, each 8-byte aligned, with zero padding.
//! [`Encoder`] and [`Decoder`] both keep a cursor at the end of the out-of-line region;
//! [`Encode::encode`] / [`Decode::decode`] write or read one object's inline part at an offset
//! the caller chose.

use super::error::{DecodeError, EncodeError};
use super::{MAX_DEPTH, MAX_MESSAGE_BYTES, MAX_MESSAGE_HANDLES};
use crate::zx::{self, HandleBased};

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
// Encoder
// ---------------------------------------------------------------------------------------------

/// Builds one message: bytes and the handles to send with it, in traversal order.
///
/// Offsets passed to [`Encode::encode`] are absolute in the message (the header included), and
/// always lie inside space the encoder itself reserved.
#[derive(Debug, Default)]
pub struct Encoder {
    bytes: Vec<u8>,
    handles: Vec<zx::Handle>,
}

impl Encoder {
    /// An encoder whose buffer starts with `prefix` (a transactional header, 8-byte multiple).
    pub(super) fn with_prefix(prefix: &[u8]) -> Encoder {
        Encoder {
            bytes: prefix.to_vec(),
            handles: Vec::new(),
        }
    }

    /// Reserves `len` zeroed bytes, padded to 8, at the end of the message; returns their offset.
    ///
    /// # Errors
    /// [`EncodeError::MessageTooLarge`] past 65,536 bytes.
    pub fn alloc(&mut self, len: usize) -> Result<usize, EncodeError> {
        let offset = self.bytes.len();
        let end = align8(len)
            .and_then(|len| offset.checked_add(len))
            .filter(|&end| end <= MAX_MESSAGE_BYTES)
            .ok_or(EncodeError::MessageTooLarge)?;
        self.bytes.resize(end, 0);
        Ok(offset)
    }

    /// Writes `data` at `offset`, inside space already reserved.
    fn write(&mut self, offset: usize, data: &[u8]) {
        // Offsets come from `alloc`, so the range is always in bounds.
        self.bytes[offset..offset + data.len()].copy_from_slice(data);
    }

    fn write_u16(&mut self, offset: usize, value: u16) {
        self.write(offset, &value.to_le_bytes());
    }

    fn write_u32(&mut self, offset: usize, value: u32) {
        self.write(offset, &value.to_le_bytes());
    }

    fn write_u64(&mut self, offset: usize, value: u64) {
        self.write(offset, &value.to_le_bytes());
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Moves `handle` into the message's handle array.
    ///
    /// # Errors
    /// [`EncodeError::InvalidHandle`] for `ZX_HANDLE_INVALID`; [`EncodeError::TooManyHandles`]
    /// past 64 handles (the handle is closed).
    pub fn push_handle(&mut self, handle: zx::Handle) -> Result<(), EncodeError> {
        if handle.is_invalid() {
            return Err(EncodeError::InvalidHandle);
        }
        if self.handles.len() >= MAX_MESSAGE_HANDLES {
            return Err(EncodeError::TooManyHandles);
        }
        self.handles.push(handle);
        Ok(())
    }

    /// Writes a vector or string header (count, present) at `offset` and reserves the
    /// `count * elem_size` bytes of its elements; returns their offset.
    ///
    /// # Errors
    /// [`EncodeError::MessageTooLarge`].
    pub fn encode_vector_header(
        &mut self,
        offset: usize,
        count: usize,
        elem_size: usize,
    ) -> Result<usize, EncodeError> {
        let len = count
            .checked_mul(elem_size)
            .ok_or(EncodeError::MessageTooLarge)?;
        self.write_u64(offset, count as u64);
        self.write_u64(offset + 8, ALLOC_PRESENT);
        self.alloc(len)
    }

    /// Writes a table header for `max_ordinal` envelopes at `offset` and reserves the envelope
    /// array; returns its offset. The envelopes live at `depth + 1`.
    ///
    /// # Errors
    /// [`EncodeError::MessageTooLarge`], [`EncodeError::DepthExceeded`].
    pub fn encode_table_header(
        &mut self,
        offset: usize,
        max_ordinal: u64,
        depth: Depth,
    ) -> Result<(usize, Depth), EncodeError> {
        let depth = depth.next_encode()?;
        let count = usize::try_from(max_ordinal).map_err(|_| EncodeError::MessageTooLarge)?;
        Ok((self.encode_vector_header(offset, count, 8)?, depth))
    }

    /// Encodes `value` into the envelope at `offset`: inline when its inline part is 4 bytes or
    /// less, otherwise out-of-line at `depth + 1` with the byte and handle counts recorded.
    ///
    /// # Errors
    /// Whatever encoding `value` gives.
    pub fn encode_envelope<T: Encode>(
        &mut self,
        value: T,
        offset: usize,
        depth: Depth,
    ) -> Result<(), EncodeError> {
        let handles_before = self.handles.len();
        if T::INLINE_SIZE <= 4 {
            value.encode(self, offset, depth)?;
            let num_handles = self.handles.len() - handles_before;
            self.write_u16(offset + 4, num_handles as u16);
            self.write_u16(offset + 6, ENVELOPE_INLINE);
        } else {
            let depth = depth.next_encode()?;
            let start = self.alloc(T::INLINE_SIZE)?;
            value.encode(self, start, depth)?;
            let num_bytes = self.bytes.len() - start;
            let num_handles = self.handles.len() - handles_before;
            // Both fit: the message is at most 65,536 bytes and 64 handles.
            self.write_u32(offset, num_bytes as u32);
            self.write_u16(offset + 4, num_handles as u16);
        }
        Ok(())
    }

    /// Writes a union with variant `ordinal` holding `value` at `offset`.
    ///
    /// # Errors
    /// Whatever encoding `value` gives.
    pub fn encode_union<T: Encode>(
        &mut self,
        ordinal: u64,
        value: T,
        offset: usize,
        depth: Depth,
    ) -> Result<(), EncodeError> {
        self.write_u64(offset, ordinal);
        self.encode_envelope(value, offset + 8, depth)
    }

    /// The finished message.
    pub fn finish(self) -> (Vec<u8>, Vec<zx::Handle>) {
        (self.bytes, self.handles)
    }
}

// ---------------------------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------------------------

/// Reads one message, claiming out-of-line objects in order and handles in order.
///
/// Every read is bounds-checked; every count is checked against the bytes that remain before
/// anything is allocated from it.
#[derive(Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
    /// Offset of the next out-of-line object.
    next_out_of_line: usize,
    handles: std::vec::IntoIter<zx::HandleInfo>,
    handles_taken: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder over a whole message whose first out-of-line object starts at `start`.
    ///
    /// # Errors
    /// [`DecodeError::MessageTooLarge`], [`DecodeError::TooManyHandles`].
    pub(super) fn new(
        bytes: &'a [u8],
        handles: Vec<zx::HandleInfo>,
        start: usize,
    ) -> Result<Decoder<'a>, DecodeError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(DecodeError::MessageTooLarge { bytes: bytes.len() });
        }
        if handles.len() > MAX_MESSAGE_HANDLES {
            return Err(DecodeError::TooManyHandles {
                handles: handles.len(),
            });
        }
        Ok(Decoder {
            bytes,
            next_out_of_line: start,
            handles: handles.into_iter(),
            handles_taken: 0,
        })
    }

    /// Bytes not yet claimed.
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.next_out_of_line)
    }

    /// Claims the next out-of-line object of `len` bytes (padded to 8, padding checked zero);
    /// returns its offset.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`], [`DecodeError::NonZeroPadding`].
    pub fn claim(&mut self, len: usize) -> Result<usize, DecodeError> {
        let offset = self.next_out_of_line;
        let end = align8(len)
            .and_then(|padded| offset.checked_add(padded))
            .filter(|&end| end <= self.bytes.len())
            .ok_or(DecodeError::Truncated { offset, len })?;
        let data_end = offset + len;
        if let Some(i) = self.bytes[data_end..end].iter().position(|&b| b != 0) {
            return Err(DecodeError::NonZeroPadding {
                offset: data_end + i,
            });
        }
        self.next_out_of_line = end;
        Ok(offset)
    }

    /// The `N` bytes at `offset`.
    fn read<const N: usize>(&self, offset: usize) -> Result<[u8; N], DecodeError> {
        offset
            .checked_add(N)
            .and_then(|end| self.bytes.get(offset..end))
            .and_then(|s| s.try_into().ok())
            .ok_or(DecodeError::Truncated { offset, len: N })
    }

    /// Reads a little-endian `u16` at `offset`.
    fn read_u16(&self, offset: usize) -> Result<u16, DecodeError> {
        self.read(offset).map(u16::from_le_bytes)
    }

    /// Reads a little-endian `u32` at `offset`.
    fn read_u32(&self, offset: usize) -> Result<u32, DecodeError> {
        self.read(offset).map(u32::from_le_bytes)
    }

    /// Reads a little-endian `u64` at `offset`.
    fn read_u64(&self, offset: usize) -> Result<u64, DecodeError> {
        self.read(offset).map(u64::from_le_bytes)
    }

    /// Checks that the `len` bytes at `offset` are zero: the inline padding of a struct.
    ///
    /// # Errors
    /// [`DecodeError::NonZeroPadding`], [`DecodeError::Truncated`].
    pub fn check_padding(&self, offset: usize, len: usize) -> Result<(), DecodeError> {
        self.check_zero(offset, len)
    }

    /// Checks that the bytes in `range` are zero (inline padding).
    fn check_zero(&self, offset: usize, len: usize) -> Result<(), DecodeError> {
        let bytes = self
            .bytes
            .get(offset..offset.saturating_add(len))
            .ok_or(DecodeError::Truncated { offset, len })?;
        match bytes.iter().position(|&b| b != 0) {
            Some(i) => Err(DecodeError::NonZeroPadding { offset: offset + i }),
            None => Ok(()),
        }
    }

    /// Takes the next handle of the message, checking its object type (unless
    /// `ZX_OBJ_TYPE_NONE`) and its rights (unless `ZX_RIGHT_SAME_RIGHTS`); a handle with more
    /// rights than required is reduced with `zx_handle_replace`, as FIDL bindings do.
    ///
    /// # Errors
    /// [`DecodeError::MissingHandle`], [`DecodeError::WrongHandleType`],
    /// [`DecodeError::MissingHandleRights`], [`DecodeError::HandleReplace`].
    pub fn take_handle(
        &mut self,
        offset: usize,
        object_type: zx::ObjectType,
        rights: zx::Rights,
    ) -> Result<zx::Handle, DecodeError> {
        let info = self
            .handles
            .next()
            .ok_or(DecodeError::MissingHandle { offset })?;
        self.handles_taken += 1;
        if object_type != zx::ObjectType::NONE && info.object_type != object_type {
            return Err(DecodeError::WrongHandleType {
                expected: object_type,
                actual: info.object_type,
            });
        }
        if rights == zx::Rights::SAME_RIGHTS || info.rights == rights {
            return Ok(info.handle);
        }
        if !info.rights.contains(rights) {
            return Err(DecodeError::MissingHandleRights {
                required: rights,
                actual: info.rights,
            });
        }
        info.handle
            .replace_handle(rights)
            .map_err(DecodeError::HandleReplace)
    }

    /// Closes the next `count` handles (those of an unknown envelope).
    fn drop_handles(&mut self, offset: usize, count: usize) -> Result<(), DecodeError> {
        for _ in 0..count {
            self.handles
                .next()
                .ok_or(DecodeError::MissingHandle { offset })?;
            self.handles_taken += 1;
        }
        Ok(())
    }

    /// Reads a vector or string header at `offset` and claims `count * elem_size` bytes of
    /// elements (at `depth + 1`); returns (count, elements offset, elements depth).
    ///
    /// # Errors
    /// [`DecodeError::RequiredAbsent`], [`DecodeError::InvalidPresence`],
    /// [`DecodeError::CountTooLarge`], [`DecodeError::DepthExceeded`], claim errors.
    pub fn decode_vector_header(
        &mut self,
        offset: usize,
        elem_size: usize,
        depth: Depth,
    ) -> Result<(usize, usize, Depth), DecodeError> {
        let count = self.read_u64(offset)?;
        match self.read_u64(offset + 8)? {
            ALLOC_PRESENT => {}
            0 => return Err(DecodeError::RequiredAbsent { offset }),
            value => {
                return Err(DecodeError::InvalidPresence {
                    offset: offset + 8,
                    value,
                })
            }
        }
        let depth = depth.next_decode()?;
        // Check the count against what is left *before* anything is allocated from it.
        let len = usize::try_from(count)
            .ok()
            .and_then(|count| count.checked_mul(elem_size))
            .filter(|&len| len <= self.remaining())
            .ok_or(DecodeError::CountTooLarge { offset, count })?;
        let elements = self.claim(len)?;
        Ok((count as usize, elements, depth))
    }

    /// Decodes the envelope at `offset` as a `T`; `None` when it is absent.
    ///
    /// # Errors
    /// [`DecodeError::InvalidEnvelopeFlags`], [`DecodeError::EnvelopeInlineMismatch`],
    /// [`DecodeError::EnvelopeSizeMismatch`], and whatever decoding `T` gives.
    pub fn decode_envelope<T: Decode>(
        &mut self,
        offset: usize,
        depth: Depth,
    ) -> Result<Option<T>, DecodeError> {
        let header = self.read_u64(offset)?;
        if header == 0 {
            return Ok(None);
        }
        let num_bytes = self.read_u32(offset)? as usize;
        let num_handles = self.read_u16(offset + 4)? as usize;
        let flags = self.read_u16(offset + 6)?;
        let handles_before = self.handles_taken;
        let (value, actual_bytes) = match flags {
            ENVELOPE_INLINE => {
                if T::INLINE_SIZE > 4 {
                    return Err(DecodeError::EnvelopeInlineMismatch { offset });
                }
                let value = T::decode(self, offset, depth)?;
                self.check_zero(offset + T::INLINE_SIZE, 4 - T::INLINE_SIZE)?;
                (value, 0)
            }
            0 => {
                if T::INLINE_SIZE <= 4 {
                    return Err(DecodeError::EnvelopeInlineMismatch { offset });
                }
                let depth = depth.next_decode()?;
                let start = self.claim(T::INLINE_SIZE)?;
                let value = T::decode(self, start, depth)?;
                (value, self.next_out_of_line - start)
            }
            flags => return Err(DecodeError::InvalidEnvelopeFlags { offset, flags }),
        };
        let actual_handles = self.handles_taken - handles_before;
        let declared_bytes = if flags == ENVELOPE_INLINE {
            0
        } else {
            num_bytes
        };
        if actual_bytes != declared_bytes || actual_handles != num_handles {
            return Err(DecodeError::EnvelopeSizeMismatch {
                offset,
                declared_bytes,
                declared_handles: num_handles,
                actual_bytes,
                actual_handles,
            });
        }
        Ok(Some(value))
    }

    /// Skips the envelope at `offset` of a field this decoder does not know, closing its
    /// handles.
    ///
    /// # Errors
    /// [`DecodeError::InvalidEnvelopeFlags`], [`DecodeError::MisalignedEnvelope`], claim and
    /// handle errors.
    pub fn skip_envelope(&mut self, offset: usize, depth: Depth) -> Result<(), DecodeError> {
        let header = self.read_u64(offset)?;
        if header == 0 {
            return Ok(());
        }
        let num_bytes = self.read_u32(offset)?;
        let num_handles = self.read_u16(offset + 4)? as usize;
        match self.read_u16(offset + 6)? {
            ENVELOPE_INLINE => {}
            0 => {
                if num_bytes % 8 != 0 {
                    return Err(DecodeError::MisalignedEnvelope { offset, num_bytes });
                }
                depth.next_decode()?;
                self.claim_unknown(num_bytes as usize)?;
            }
            flags => return Err(DecodeError::InvalidEnvelopeFlags { offset, flags }),
        }
        self.drop_handles(offset, num_handles)
    }

    /// Claims `len` bytes of unknown content without checking them (they may hold anything,
    /// including non-zero padding of types this decoder does not know).
    fn claim_unknown(&mut self, len: usize) -> Result<(), DecodeError> {
        let offset = self.next_out_of_line;
        let end = offset
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(DecodeError::Truncated { offset, len })?;
        self.next_out_of_line = end;
        Ok(())
    }

    /// Reads a table header at `offset`, then calls `field(decoder, ordinal, envelope_offset,
    /// envelope_depth)` for each envelope in order.
    ///
    /// # Errors
    /// Header, canonical-form and field errors.
    pub fn decode_table(
        &mut self,
        offset: usize,
        depth: Depth,
        mut field: impl FnMut(&mut Self, u64, usize, Depth) -> Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        let (count, envelopes, depth) = self.decode_vector_header(offset, 8, depth)?;
        if count > 0 && self.read_u64(envelopes + (count - 1) * 8)? == 0 {
            return Err(DecodeError::NonCanonicalTable { offset });
        }
        for i in 0..count {
            field(self, i as u64 + 1, envelopes + i * 8, depth)?;
        }
        Ok(())
    }

    /// Reads a union's ordinal at `offset`; its envelope is at `offset + 8`.
    ///
    /// # Errors
    /// [`DecodeError::RequiredAbsent`] for ordinal 0.
    pub fn decode_union_ordinal(&mut self, offset: usize) -> Result<u64, DecodeError> {
        match self.read_u64(offset)? {
            0 => Err(DecodeError::RequiredAbsent { offset }),
            ordinal => Ok(ordinal),
        }
    }

    /// Checks that every byte and every handle was consumed.
    ///
    /// # Errors
    /// [`DecodeError::ExtraBytes`], [`DecodeError::ExtraHandles`].
    pub(super) fn finish(self) -> Result<(), DecodeError> {
        if self.next_out_of_line != self.bytes.len() {
            return Err(DecodeError::ExtraBytes {
                unused: self.remaining(),
            });
        }
        let unused = self.handles.len();
        if unused != 0 {
            return Err(DecodeError::ExtraHandles { unused });
        }
        Ok(())
    }
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

// ---------------------------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------------------------

/// A handle type with the object type and rights its FIDL declaration requires
/// (`zx.Handle:<VMO, rights>`, `client_end:P`, `server_end:P`).
pub trait HandleType: HandleBased {
    /// Required object type; `ZX_OBJ_TYPE_NONE` accepts any.
    const OBJECT_TYPE: zx::ObjectType;
    /// Required rights; `ZX_RIGHT_SAME_RIGHTS` accepts whatever arrives.
    const RIGHTS: zx::Rights = zx::Rights::SAME_RIGHTS;
}

impl HandleType for zx::Handle {
    const OBJECT_TYPE: zx::ObjectType = zx::ObjectType::NONE;
}

impl HandleType for zx::Vmo {
    const OBJECT_TYPE: zx::ObjectType = zx::ObjectType::VMO;
}

/// Client and server ends of every protocol are channels.
impl HandleType for zx::Channel {
    const OBJECT_TYPE: zx::ObjectType = zx::ObjectType::CHANNEL;
}

/// Encodes a handle field: moves the handle into the message and writes its presence marker.
///
/// # Errors
/// [`EncodeError::InvalidHandle`], [`EncodeError::TooManyHandles`].
pub fn encode_handle<T: HandleType>(
    handle: T,
    encoder: &mut Encoder,
    offset: usize,
) -> Result<(), EncodeError> {
    encoder.push_handle(handle.into_handle())?;
    encoder.write_u32(offset, HANDLE_PRESENT);
    Ok(())
}

/// Decodes a required handle field of type `T`, checking its presence marker, object type and
/// rights ([`Decoder::take_handle`]).
///
/// # Errors
/// [`DecodeError::RequiredAbsent`], [`DecodeError::InvalidPresence`], and the errors of
/// [`Decoder::take_handle`].
pub fn decode_handle<T: HandleType>(
    decoder: &mut Decoder,
    offset: usize,
    _depth: Depth,
) -> Result<T, DecodeError> {
    match decoder.read_u32(offset)? {
        HANDLE_PRESENT => {}
        0 => return Err(DecodeError::RequiredAbsent { offset }),
        value => {
            return Err(DecodeError::InvalidPresence {
                offset,
                value: value.into(),
            })
        }
    }
    let handle = decoder.take_handle(offset, T::OBJECT_TYPE, T::RIGHTS)?;
    Ok(T::from_handle(handle))
}

macro_rules! impl_handle {
    ($($ty:ty),*) => {$(
        impl Layout for $ty {
            const INLINE_SIZE: usize = 4;
        }
        impl Encode for $ty {
            fn encode(self, encoder: &mut Encoder, offset: usize, _: Depth) -> Result<(), EncodeError> {
                encode_handle(self, encoder, offset)
            }
        }
        impl Decode for $ty {
            fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, DecodeError> {
                decode_handle(decoder, offset, depth)
            }
        }
    )*};
}

impl_handle!(zx::Handle, zx::Vmo, zx::Channel);
