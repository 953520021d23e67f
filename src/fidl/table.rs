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
/// `string:N`. Fields may be declared in any order (as in the `.fidl` file); the wire form is
/// always in ordinal order, envelopes and their out-of-line data alike. Ordinals start at 1 and
/// must be distinct. Unset fields are absent envelopes; the envelope count is the highest
/// ordinal set. Fields with other ordinals are skipped on decode (their handles closed), as FIDL
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

        $( const _: () = assert!($ordinal >= 1, "FIDL table ordinals start at 1"); )*

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
                // Out-of-line data follows the envelopes in ordinal order (depth-first
                // traversal), which the decoder relies on; the declaration order may differ
                // (fuchsia.sysmem2's ImageFormatConstraints declares 15 after 2), so walk the
                // ordinals rather than the fields. A duplicated ordinal is an unreachable
                // pattern, denied here: a compile error.
                let mut table = self;
                #[deny(unreachable_patterns)]
                for ordinal in 1..=max_ordinal {
                    match ordinal {
                        $(
                            $ordinal => {
                                if let Some(value) = table.$field.take() {
                                    $( $crate::fidl::check_bound_encode(&value, $max)?; )?
                                    let at = envelopes + (ordinal as usize - 1) * 8;
                                    encoder.encode_envelope(value, at, depth)?;
                                }
                            }
                        )*
                        _ => {}
                    }
                }
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
