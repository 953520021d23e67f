//! Fuzzes the host sysmem service's message dispatch: messages under every method ordinal
//! (and others), malformed, truncated and oversized, with handles of every kind and rights
//! (`vmo_interop::sysmem::host::fuzzing::dispatch` says how the input is read).
//!
//! Run: `./x fuzz` from the repository root (or `cargo +nightly fuzz run sysmem_dispatch` here).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vmo_interop::sysmem::host::fuzzing::dispatch(data));
