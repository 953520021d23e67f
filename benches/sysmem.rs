//! sysmem benchmarks.
fn main() {}
