//! [`Decoder`]: reads one message, bounds-checked, claiming objects and handles in order.

use super::super::error::DecodeError;
use super::super::{MAX_MESSAGE_BYTES, MAX_MESSAGE_HANDLES};
use super::{align8, Decode, Depth, ALLOC_PRESENT, ENVELOPE_INLINE};
use crate::zx::{self, HandleBased};

/// Reads one message, claiming out-of-line objects in order and handles in order.
///
/// Every read is bounds-checked; every count is checked against the bytes that remain before
/// anything is allocated from it.
#[derive(Debug)]
pub struct Decoder<'a> {
    pub(super) bytes: &'a [u8],
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
    pub(crate) fn new(
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
    pub(super) fn read<const N: usize>(&self, offset: usize) -> Result<[u8; N], DecodeError> {
        offset
            .checked_add(N)
            .and_then(|end| self.bytes.get(offset..end))
            .and_then(|s| s.try_into().ok())
            .ok_or(DecodeError::Truncated { offset, len: N })
    }

    /// Reads a little-endian `u16` at `offset`.
    pub(super) fn read_u16(&self, offset: usize) -> Result<u16, DecodeError> {
        self.read(offset).map(u16::from_le_bytes)
    }

    /// Reads a little-endian `u32` at `offset`.
    pub(super) fn read_u32(&self, offset: usize) -> Result<u32, DecodeError> {
        self.read(offset).map(u32::from_le_bytes)
    }

    /// Reads a little-endian `u64` at `offset`.
    pub(super) fn read_u64(&self, offset: usize) -> Result<u64, DecodeError> {
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
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
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
