//! [`Encoder`]: builds one message, its bytes and its handles in traversal order.

use super::super::error::EncodeError;
use super::super::{MAX_MESSAGE_BYTES, MAX_MESSAGE_HANDLES};
use super::{align8, Depth, Encode, ALLOC_PRESENT, ENVELOPE_INLINE};
use crate::zx;

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
    pub(crate) fn with_prefix(prefix: &[u8]) -> Encoder {
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
    pub(super) fn write(&mut self, offset: usize, data: &[u8]) {
        // Offsets come from `alloc`, so the range is always in bounds.
        self.bytes[offset..offset + data.len()].copy_from_slice(data);
    }

    pub(super) fn write_u16(&mut self, offset: usize, value: u16) {
        self.write(offset, &value.to_le_bytes());
    }

    pub(super) fn write_u32(&mut self, offset: usize, value: u32) {
        self.write(offset, &value.to_le_bytes());
    }

    pub(super) fn write_u64(&mut self, offset: usize, value: u64) {
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
