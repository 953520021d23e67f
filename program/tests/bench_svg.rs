//! `bench --svg PATH` checks PATH before measuring anything (issue 15 §2): a path that cannot be
//! written is a usage error (exit code 2) at once, not after the whole benchmark.

use std::process::Command;

#[test]
fn an_unwritable_svg_path_fails_before_the_benchmark_runs() {
    let output = Command::new(env!("CARGO_BIN_EXE_vmo-interop"))
        .args(["bench", "--quick", "--svg", "/nonexistent/x.svg"])
        .output()
        .expect("the vmo-interop binary runs");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert!(
        err.contains("--svg /nonexistent/x.svg: cannot create the file"),
        "{err}"
    );
    // Nothing was measured: the program prints a line before each measurement.
    assert!(!err.contains("measuring"), "the benchmark ran first: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}
