//! `fidl_table!`: declares a FIDL table as a Rust struct of `Option` fields, with its wire form.

/// Declares a FIDL table: a struct whose fields are all `Option`s, plus its [`Layout`],
/// [`Encode`] and [`Decode`] impls.
///
/// ```ignore
/// fidl_table! {
///     /// Doc comment.
///     #[derive(Debug, Clone, Default, PartialEq)]
///     pub struct Heap {
///         /// The heap's bind string.
///         1 => heap_type: String [max 128],
///         2 => id: u64,
///     }
/// }
/// ```
///
/// Each field names its ordinal; `[max N]` declares the bound of a `vector<T>:N` or
/// `string:N`. Unset fields are absent envelopes; the envelope count is the highest ordinal
/// set. Fields with other ordinals are skipped on decode (their handles closed), as FIDL
/// requires for tables.
///
/// [`Layout`]: crate::fidl::Layout
/// [`Encode`]: crate::fidl::Encode
/// [`Decode`]: crate::fidl::Decode
macro_rules! fidl_table {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $ordinal:literal => $field:ident : $ty:ty $([max $max:expr])?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(
                $(#[$field_meta])*
                pub $field: Option<$ty>,
            )*
        }

        impl $crate::fidl::Layout for $name {
            const INLINE_SIZE: usize = 16;
        }

        impl $crate::fidl::Encode for $name {
            fn encode(
                self,
                encoder: &mut $crate::fidl::Encoder,
                offset: usize,
                depth: $crate::fidl::Depth,
            ) -> Result<(), $crate::fidl::EncodeError> {
                let mut max_ordinal: u64 = 0;
                $(
                    if self.$field.is_some() {
                        max_ordinal = max_ordinal.max($ordinal);
                    }
                )*
                let (envelopes, depth) = encoder.encode_table_header(offset, max_ordinal, depth)?;
                $(
                    if let Some(value) = self.$field {
                        $( $crate::fidl::check_bound_encode(&value, $max)?; )?
                        encoder.encode_envelope(value, envelopes + ($ordinal - 1) * 8, depth)?;
                    }
                )*
                Ok(())
            }
        }

        impl $crate::fidl::Decode for $name {
            fn decode(
                decoder: &mut $crate::fidl::Decoder,
                offset: usize,
                depth: $crate::fidl::Depth,
            ) -> Result<Self, $crate::fidl::DecodeError> {
                let mut table = $name { $( $field: None, )* };
                decoder.decode_table(offset, depth, |decoder, ordinal, envelope, depth| {
                    match ordinal {
                        $(
                            $ordinal => {
                                table.$field = decoder.decode_envelope::<$ty>(envelope, depth)?;
                                $(
                                    if let Some(value) = &table.$field {
                                        $crate::fidl::check_bound_decode(value, $max)?;
                                    }
                                )?
                            }
                        )*
                        _ => decoder.skip_envelope(envelope, depth)?,
                    }
                    Ok(())
                })?;
                Ok(table)
            }
        }
    };
}

pub(crate) use fidl_table;
