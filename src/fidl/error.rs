//! Encode and decode errors.

use crate::zx;

/// Why a message could not be encoded.
///
/// Encoding fails only on values that the wire format cannot carry; the handles already moved
/// into the encoder are closed when it is dropped, so a failed encode leaks nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The message would exceed the channel limit of 65,536 bytes.
    #[error("message needs more than {max} bytes (ZX_CHANNEL_MAX_MSG_BYTES); send fewer or smaller items", max = super::MAX_MESSAGE_BYTES)]
    MessageTooLarge,
    /// The message would carry more than the channel limit of 64 handles.
    #[error("message carries more than {max} handles (ZX_CHANNEL_MAX_MSG_HANDLES); send fewer handles", max = super::MAX_MESSAGE_HANDLES)]
    TooManyHandles,
    /// A required handle field holds `ZX_HANDLE_INVALID`.
    #[error(
        "a required handle is ZX_HANDLE_INVALID; pass a live handle or leave the table field unset"
    )]
    InvalidHandle,
    /// A vector or string is longer than the bound its FIDL declaration gives.
    #[error("a vector or string has {len} elements but its FIDL type allows at most {max}")]
    VectorTooLong {
        /// Elements given.
        len: usize,
        /// The declared bound.
        max: usize,
    },
    /// The value nests out-of-line objects more than 32 levels deep.
    #[error("the value nests more than {max} out-of-line levels (FIDL's depth limit)", max = super::MAX_DEPTH)]
    DepthExceeded,
}

/// Why a message was rejected by the decoder.
///
/// Every malformed input maps to one of these; the decoder never panics and never allocates
/// more than the message itself can justify. Handles that were not moved into the decoded value
/// are closed when the decoder is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The message has more than 65,536 bytes.
    #[error("message has {bytes} bytes, more than ZX_CHANNEL_MAX_MSG_BYTES ({max})", max = super::MAX_MESSAGE_BYTES)]
    MessageTooLarge {
        /// Bytes received.
        bytes: usize,
    },
    /// The message has more than 64 handles.
    #[error("message has {handles} handles, more than ZX_CHANNEL_MAX_MSG_HANDLES ({max})", max = super::MAX_MESSAGE_HANDLES)]
    TooManyHandles {
        /// Handles received.
        handles: usize,
    },
    /// The message is shorter than the 16-byte transactional header.
    #[error("message has {bytes} bytes, fewer than the 16-byte transactional header")]
    HeaderTooShort {
        /// Bytes received.
        bytes: usize,
    },
    /// The header's magic number is not 1.
    #[error("transactional header magic number is {0}, expected 1")]
    InvalidMagicNumber(u8),
    /// The header does not announce the V2 wire format.
    #[error("at-rest flags {0:#04x?} do not announce the V2 wire format (flag 0x02)")]
    UnsupportedWireFormat([u8; 2]),
    /// The header carries dynamic flags this decoder does not implement (byte overflow).
    #[error("dynamic flags {0:#04x} are not supported (only 0x80, flexible, is)")]
    UnsupportedDynamicFlags(u8),
    /// An object extends past the end of the message.
    #[error("an object of {len} bytes at offset {offset} runs past the end of the message")]
    Truncated {
        /// Where the object starts.
        offset: usize,
        /// Its length, padding included.
        len: usize,
    },
    /// A padding byte is not zero.
    #[error("non-zero padding byte at offset {offset}")]
    NonZeroPadding {
        /// Offset of the first non-zero padding byte.
        offset: usize,
    },
    /// A presence marker is neither "absent" nor "present".
    #[error("invalid presence marker {value:#x} at offset {offset}")]
    InvalidPresence {
        /// Where the marker is.
        offset: usize,
        /// Its value.
        value: u64,
    },
    /// A required (non-nullable) vector, string, handle or union is absent.
    #[error("a required object at offset {offset} is marked absent")]
    RequiredAbsent {
        /// Where the marker is.
        offset: usize,
    },
    /// A bool is neither 0 nor 1.
    #[error("bool at offset {offset} has value {value}")]
    InvalidBool {
        /// Where the bool is.
        offset: usize,
        /// Its value.
        value: u8,
    },
    /// An empty struct's single byte is not 0.
    #[error("empty struct at offset {offset} is not the single byte 0")]
    InvalidEmptyStruct {
        /// Where the struct is.
        offset: usize,
    },
    /// Out-of-line objects nest more than 32 levels deep.
    #[error("out-of-line objects nest more than {max} levels deep", max = super::MAX_DEPTH)]
    DepthExceeded,
    /// A vector or string count cannot fit in the rest of the message.
    #[error("count {count} at offset {offset} does not fit in the remaining message")]
    CountTooLarge {
        /// Where the count is.
        offset: usize,
        /// The count.
        count: u64,
    },
    /// A vector or string is longer than its FIDL type allows.
    #[error("a vector or string has {len} elements but its FIDL type allows at most {max}")]
    VectorTooLong {
        /// Elements received.
        len: usize,
        /// The declared bound.
        max: usize,
    },
    /// A string is not valid UTF-8.
    #[error("string at offset {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Where the string's bytes start.
        offset: usize,
    },
    /// An envelope's flags are neither 0 (out-of-line) nor 1 (inline).
    #[error("envelope at offset {offset} has invalid flags {flags:#x}")]
    InvalidEnvelopeFlags {
        /// Where the envelope is.
        offset: usize,
        /// Its flags.
        flags: u16,
    },
    /// A value of 4 bytes or less is not inlined, or a larger one claims to be.
    #[error("envelope at offset {offset}: the inline flag does not match the size of its value")]
    EnvelopeInlineMismatch {
        /// Where the envelope is.
        offset: usize,
    },
    /// An envelope's byte or handle count does not match what its value consumed.
    #[error("envelope at offset {offset} declares {declared_bytes} bytes / {declared_handles} handles, its value used {actual_bytes} / {actual_handles}")]
    EnvelopeSizeMismatch {
        /// Where the envelope is.
        offset: usize,
        /// num_bytes in the envelope.
        declared_bytes: usize,
        /// num_handles in the envelope.
        declared_handles: usize,
        /// Bytes the value used.
        actual_bytes: usize,
        /// Handles the value used.
        actual_handles: usize,
    },
    /// An unknown envelope's num_bytes is not a multiple of 8.
    #[error("envelope at offset {offset} has num_bytes {num_bytes}, not a multiple of 8")]
    MisalignedEnvelope {
        /// Where the envelope is.
        offset: usize,
        /// Its num_bytes.
        num_bytes: u32,
    },
    /// A table's last envelope is absent (tables must be encoded canonically).
    #[error("table at offset {offset} is not canonical: its last envelope is absent")]
    NonCanonicalTable {
        /// Where the table header is.
        offset: usize,
    },
    /// A strict union's ordinal is not one of its variants.
    #[error("union at offset {offset} has unknown ordinal {ordinal}")]
    UnknownUnionOrdinal {
        /// Where the union is.
        offset: usize,
        /// The ordinal received.
        ordinal: u64,
    },
    /// A handle presence marker has no handle left to match it.
    #[error("a handle is marked present at offset {offset} but the message has no handle left")]
    MissingHandle {
        /// Where the marker is.
        offset: usize,
    },
    /// A handle is not of the object type its FIDL type requires.
    #[error("handle has object type {actual:?}, expected {expected:?}")]
    WrongHandleType {
        /// The type the FIDL declaration requires.
        expected: zx::ObjectType,
        /// The type received.
        actual: zx::ObjectType,
    },
    /// A handle lacks rights its FIDL type requires.
    #[error("handle has rights {actual:?}, lacking some of the required {required:?}")]
    MissingHandleRights {
        /// The rights the FIDL declaration requires.
        required: zx::Rights,
        /// The rights received.
        actual: zx::Rights,
    },
    /// Reducing a handle to its declared rights (`zx_handle_replace`) failed.
    #[error("reducing a received handle to its declared rights failed: {0}")]
    HandleReplace(#[source] zx::Status),
    /// Bytes are left after the last object.
    #[error("{unused} bytes left over after the last object")]
    ExtraBytes {
        /// Bytes not consumed.
        unused: usize,
    },
    /// Handles are left after the last object.
    #[error("{unused} handles left over after the last object")]
    ExtraHandles {
        /// Handles not consumed.
        unused: usize,
    },
}
