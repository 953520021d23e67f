//! Fuzzes the host kernel's channel read path with what a foreign process can put on a
//! channel's socket: wire records of any content, with file descriptions of any kind
//! (`host_zircon::fuzzing::channel_datagrams` says how the input is read).
//!
//! Run: `./x fuzz` from the repository root (or `cargo +nightly fuzz run kernel_channel` here).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| host_zircon::fuzzing::channel_datagrams(data));
