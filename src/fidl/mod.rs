//! The subset of the FIDL wire format (V2) that `fuchsia.sysmem2` needs.
//!
//! The Fuchsia tree's `fidl` crate is not published, so this module speaks the wire format
//! itself: the 16-byte transactional header, tables (envelopes, with values of 4 bytes or less
//! inlined), vectors, strings, handles with their object type and rights, the result union of
//! flexible two-way methods, and the skipping of unknown table fields. It is a codec, not a
//! compiler: message types implement [`Encode`] / [`Decode`] (tables through a small
//! declarative macro), and [`encode_message`] / [`decode_message`] frame them.
//!
//! Decoding is strict and bounded: a message over 65,536 bytes or 64 handles, a truncated or
//! over-long message, non-zero padding, a bad presence marker, nesting deeper than 32, or a
//! handle of the wrong type is a [`DecodeError`], never a panic; counts are checked against the
//! bytes that remain before anything is allocated from them.
//!
//! Method ordinals are constants ([`crate::sysmem::messages::ordinals`]), as fidlc's bindings
//! have them: fidlc computes each from the method's selector `"<library>/<Protocol>.<Method>"`
//! (the first 8 bytes of its SHA-256, little-endian, bit 63 cleared; a composed method keeps the
//! ordinal of the protocol that declares it). `tests/fidl_codec.rs` recomputes every constant by
//! that rule, so they cannot drift.

mod codec;
mod error;
#[cfg(target_os = "linux")]
#[doc(hidden)]
pub mod fuzzing;
mod result;
mod table;

pub use codec::{
    check_bound_decode, check_bound_encode, decode_handle, encode_handle, BoundedLen, Decode,
    Decoder, Depth, Empty, Encode, Encoder, HandleType, Layout,
};
pub use error::{DecodeError, EncodeError};
pub use result::{FlexibleResult, FrameworkErr, NoErrorClause};
pub(crate) use table::fidl_table;

use crate::zx;

/// Most bytes in one channel message (`ZX_CHANNEL_MAX_MSG_BYTES`).
pub const MAX_MESSAGE_BYTES: usize = 65_536;
/// Most handles in one channel message (`ZX_CHANNEL_MAX_MSG_HANDLES`).
pub const MAX_MESSAGE_HANDLES: usize = 64;
/// Most levels of out-of-line nesting a message may use.
pub const MAX_DEPTH: usize = 32;
/// Size of the transactional header.
pub const HEADER_SIZE: usize = 16;

/// The ordinal of an epitaph, the last message on a channel (unused by sysmem2).
pub const EPITAPH_ORDINAL: u64 = u64::MAX;

/// At-rest flag 0: the body uses the V2 wire format.
const AT_REST_FLAG_V2: u8 = 0x02;
/// Dynamic flag: the method is flexible.
const DYNAMIC_FLAG_FLEXIBLE: u8 = 0x80;
/// The only magic number this format defines.
const MAGIC_NUMBER: u8 = 1;

/// The 16-byte header of every FIDL transactional message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionHeader {
    /// Transaction id: 0 for one-way calls and events, non-zero for a two-way call and its
    /// reply.
    pub txid: u32,
    /// Whether the method is flexible (dynamic flag 0x80). Every sysmem2 method is.
    pub flexible: bool,
    /// The method ordinal.
    pub ordinal: u64,
}

impl TransactionHeader {
    /// The header of a flexible method call or reply.
    pub const fn flexible(txid: u32, ordinal: u64) -> TransactionHeader {
        TransactionHeader {
            txid,
            flexible: true,
            ordinal,
        }
    }

    /// The header as it goes on the wire (V2 at-rest flag, magic number 1).
    pub fn to_bytes(&self) -> [u8; HEADER_SIZE] {
        let mut bytes = [0u8; HEADER_SIZE];
        bytes[0..4].copy_from_slice(&self.txid.to_le_bytes());
        bytes[4] = AT_REST_FLAG_V2;
        bytes[6] = if self.flexible {
            DYNAMIC_FLAG_FLEXIBLE
        } else {
            0
        };
        bytes[7] = MAGIC_NUMBER;
        bytes[8..16].copy_from_slice(&self.ordinal.to_le_bytes());
        bytes
    }

    /// Parses and validates the header at the start of `bytes`.
    ///
    /// # Errors
    /// [`DecodeError::HeaderTooShort`], [`DecodeError::MessageTooLarge`],
    /// [`DecodeError::InvalidMagicNumber`], [`DecodeError::UnsupportedWireFormat`],
    /// [`DecodeError::UnsupportedDynamicFlags`].
    pub fn decode(bytes: &[u8]) -> Result<TransactionHeader, DecodeError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(DecodeError::MessageTooLarge { bytes: bytes.len() });
        }
        let Some(header) = bytes.first_chunk::<HEADER_SIZE>() else {
            return Err(DecodeError::HeaderTooShort { bytes: bytes.len() });
        };
        if header[7] != MAGIC_NUMBER {
            return Err(DecodeError::InvalidMagicNumber(header[7]));
        }
        let at_rest = [header[4], header[5]];
        if at_rest[0] & AT_REST_FLAG_V2 == 0 {
            return Err(DecodeError::UnsupportedWireFormat(at_rest));
        }
        if header[6] & !DYNAMIC_FLAG_FLEXIBLE != 0 {
            return Err(DecodeError::UnsupportedDynamicFlags(header[6]));
        }
        let mut txid = [0u8; 4];
        txid.copy_from_slice(&header[0..4]);
        let mut ordinal = [0u8; 8];
        ordinal.copy_from_slice(&header[8..16]);
        Ok(TransactionHeader {
            txid: u32::from_le_bytes(txid),
            flexible: header[6] & DYNAMIC_FLAG_FLEXIBLE != 0,
            ordinal: u64::from_le_bytes(ordinal),
        })
    }
}

/// Encodes a message: `header`, then `body` (a table or result union) and its out-of-line
/// objects. Returns the bytes and the handles to pass to `zx_channel_write`.
///
/// # Errors
/// [`EncodeError`]; handles already moved out of `body` are closed.
pub fn encode_message<T: Encode>(
    header: TransactionHeader,
    body: T,
) -> Result<(Vec<u8>, Vec<zx::Handle>), EncodeError> {
    let mut encoder = Encoder::with_prefix(&header.to_bytes());
    let offset = encoder.alloc(T::INLINE_SIZE)?;
    body.encode(&mut encoder, offset, Depth::ZERO)?;
    Ok(encoder.finish())
}

/// Encodes a message of a method without a payload (such as `Release()` or the `Sync()`
/// request): the header alone.
pub fn encode_header_only(header: TransactionHeader) -> Vec<u8> {
    header.to_bytes().to_vec()
}

/// Decodes the body of a message whose header was already read with
/// [`TransactionHeader::decode`], consuming every byte and handle.
///
/// # Errors
/// [`DecodeError`]; the handles not moved into a returned value are closed.
pub fn decode_message<T: Decode>(
    bytes: &[u8],
    handles: Vec<zx::HandleInfo>,
) -> Result<T, DecodeError> {
    let mut decoder = Decoder::new(bytes, handles, HEADER_SIZE)?;
    if bytes.len() < HEADER_SIZE {
        return Err(DecodeError::HeaderTooShort { bytes: bytes.len() });
    }
    let offset = decoder.claim(T::INLINE_SIZE)?;
    let value = T::decode(&mut decoder, offset, Depth::ZERO)?;
    decoder.finish()?;
    Ok(value)
}

/// Checks that a message carries no payload: exactly the header, no handles.
///
/// # Errors
/// [`DecodeError::ExtraBytes`], [`DecodeError::ExtraHandles`] (the handles are closed).
pub fn decode_header_only(bytes: &[u8], handles: Vec<zx::HandleInfo>) -> Result<(), DecodeError> {
    if bytes.len() < HEADER_SIZE {
        return Err(DecodeError::HeaderTooShort { bytes: bytes.len() });
    }
    Decoder::new(bytes, handles, HEADER_SIZE)?.finish()
}

#[cfg(test)]
mod tests;
