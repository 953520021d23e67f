//! Fuzzes the FIDL decoder with every message type the sysmem client and the host service
//! decode (`vmo_interop::fidl::fuzzing::decode` says how the input is read).
//!
//! Run: `./x fuzz` from the repository root (or `cargo +nightly fuzz run fidl_decode` here).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vmo_interop::fidl::fuzzing::decode(data));
