//! Handle fields: the object type and rights a FIDL declaration requires, checked on decode.

use super::super::error::{DecodeError, EncodeError};
use super::{Decode, Decoder, Depth, Encode, Encoder, Layout, HANDLE_PRESENT};
use crate::zx::{self, HandleBased};

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
