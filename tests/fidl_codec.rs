//! FIDL codec: golden bytes written by hand from the wire-format rules (sysmem2.md §8), strict
//! decoding of malformed messages, and method ordinals.

mod fidl_ordinal;

#[path = "fidl_codec/goldens.rs"]
mod goldens;
#[path = "fidl_codec/method_ordinals.rs"]
mod method_ordinals;
#[path = "fidl_codec/strict_decoding.rs"]
mod strict_decoding;
use fidl_ordinal::method_ordinal;

use vmo_interop::fidl::{
    self, decode_header_only, decode_message, encode_header_only, encode_message, DecodeError,
    Empty, EncodeError, FlexibleResult, FrameworkErr, NoErrorClause, TransactionHeader,
};
use vmo_interop::sysmem::messages::{self, ordinals};
use vmo_interop::sysmem::types::*;
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

/// Runs `f` under the host kernel's counters lock and asserts it left no handle behind.
fn no_leaks(f: impl FnOnce()) {
    let _guard = vmo_interop::platform::host::counters_lock();
    let before = vmo_interop::platform::host::counters().live_handles;
    f();
    assert_eq!(
        vmo_interop::platform::host::counters().live_handles,
        before,
        "handles leaked"
    );
}

const PRESENT: [u8; 8] = [0xff; 8];

/// Builds bytes from little-endian pieces.
struct Bytes(Vec<u8>);

impl Bytes {
    fn header(txid: u32, ordinal: u64) -> Bytes {
        let mut b = Bytes(Vec::new());
        b.u32(txid).raw(&[0x02, 0x00, 0x80, 0x01]).u64(ordinal);
        b
    }
    fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn u16(&mut self, v: u16) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    /// A vector / string / table header: count, present.
    fn vec(&mut self, count: u64) -> &mut Self {
        self.u64(count).raw(&PRESENT)
    }
    /// An out-of-line envelope.
    fn env(&mut self, num_bytes: u32, num_handles: u16) -> &mut Self {
        self.u32(num_bytes).u16(num_handles).u16(0)
    }
    /// An inline envelope.
    fn inline(&mut self, value: [u8; 4], num_handles: u16) -> &mut Self {
        self.raw(&value).u16(num_handles).u16(1)
    }
    fn absent(&mut self) -> &mut Self {
        self.u64(0)
    }
    fn done(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

fn header_of(bytes: &[u8]) -> TransactionHeader {
    TransactionHeader::decode(bytes).unwrap()
}
