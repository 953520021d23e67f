//! fidlc's selector rule, for tests: the library carries its ordinals as constants (as fidlc's
//! bindings do) and does not depend on a SHA-256 implementation; the tests recompute them here.

use sha2::{Digest, Sha256};

/// The ordinal fidlc assigns to a method: the first 8 bytes of the SHA-256 of its selector
/// `"<library>/<Protocol>.<Method>"` (e.g. `"fuchsia.sysmem2/Node.Sync"`), read little-endian,
/// with bit 63 cleared (values with bit 63 set are reserved for control messages).
///
/// Composed methods keep the ordinal of the protocol that declares them: `Node.Sync` has one
/// ordinal on a token and on a collection. An `@selector` attribute replaces the selector.
pub fn method_ordinal(selector: &str) -> u64 {
    let digest = Sha256::digest(selector.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first) & !(1 << 63)
}
