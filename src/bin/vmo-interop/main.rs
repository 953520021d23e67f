//! `vmo-interop`: probe, demo and bench.
fn main() {}
