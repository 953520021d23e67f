//! Every committed fuzz input, replayed through the fuzz targets' own entry points on the
//! stable toolchain: the seed corpora (`fuzz/corpus/<target>/`) and the inputs that once
//! crashed a target (`fuzz/regressions/<target>/`, one file per defect found, kept so that the
//! defect stays fixed). `./x fuzz` runs the targets themselves (nightly, cargo-fuzz).

use std::path::{Path, PathBuf};

/// The files of `fuzz/<kind>/<target>/`, sorted so failures are reproducible.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.file_name().is_some_and(committed))
        .collect();
    files.sort();
    files
}

/// Whether a file name is one that is committed: not `.gitkeep`, and not the SHA-1 name of an
/// input a local `./x fuzz` run added to the corpus (git ignores those; `fuzz/.gitignore`).
fn committed(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    let fuzzer_added = name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit());
    name != ".gitkeep" && !fuzzer_added
}

/// Replays every corpus and regression input of `target` through `entry`; returns how many.
fn replay(target: &str, entry: fn(&[u8])) -> usize {
    let _lock = vmo_interop::platform::host::counters_lock();
    let corpus = inputs("corpus", target);
    assert!(!corpus.is_empty(), "fuzz/corpus/{target} has no seeds");
    let regressions = inputs("regressions", target);
    for path in corpus.iter().chain(&regressions) {
        let data = match std::fs::read(path) {
            Ok(data) => data,
            // A fuzzer running meanwhile replaces the inputs it added (never a committed one).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        // The entry panics on a finding; name the input that found it.
        let result = std::panic::catch_unwind(|| entry(&data));
        assert!(result.is_ok(), "{} fails its fuzz target", path.display());
    }
    corpus.len() + regressions.len()
}

#[test]
fn the_fidl_decoder_takes_every_committed_input() {
    replay("fidl_decode", vmo_interop::fidl::fuzzing::decode);
}

#[test]
fn the_sysmem_service_takes_every_committed_input() {
    replay(
        "sysmem_dispatch",
        vmo_interop::sysmem::host::fuzzing::dispatch,
    );
}

#[test]
fn the_kernel_channel_read_path_takes_every_committed_input() {
    replay("kernel_channel", host_zircon::fuzzing::channel_datagrams);
}
