//! A C program links the host kernel and calls the same `zx_*` functions it would call on
//! Fuchsia (`tests/c/abi.c`, against `include/zircon/host.h`): this test compiles it with the
//! system's C compiler against `libhost_zircon.a` and runs it.

use std::path::PathBuf;
use std::process::Command;

/// The directory cargo put this crate's libraries in (`target/<profile>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/c_abi-<hash>
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>")
        .to_path_buf()
}

#[test]
fn a_c_program_runs_on_the_host_kernel_abi() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // `cargo test` builds the crate as an rlib only; the C program needs its staticlib.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", "vmo-interop-host-zircon", "--lib"]);
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build for the staticlib");
    assert!(
        status.success(),
        "cargo build -p vmo-interop-host-zircon --lib failed"
    );
    let library = target_dir().join("libhost_zircon.a");
    assert!(library.exists(), "{} was not built", library.display());
    let program = target_dir().join("c_abi_test");
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let built = Command::new(&compiler)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(crate_dir.join("include"))
        .arg(crate_dir.join("tests/c/abi.c"))
        .arg(&library)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&program)
        .output()
        .unwrap_or_else(|e| panic!("run {compiler}: {e} (a C compiler is needed: gcc or clang)"));
    assert!(
        built.status.success(),
        "compiling tests/c/abi.c failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let ran = Command::new(&program).output().expect("run the C program");
    let stdout = String::from_utf8_lossy(&ran.stdout);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(
        ran.status.success(),
        "the C program failed:\n{stdout}{stderr}"
    );
    assert!(stdout.starts_with("ok:"), "{stdout}");
}
