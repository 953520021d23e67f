//! Interop benchmarks.
fn main() {}
