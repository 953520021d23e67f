//! The layer as a real loader layer: a C program (`tests/c/export_import.c`) that enables
//! `VK_LAYER_VMO_INTEROP_fuchsia_external_memory` and the Khronos validation layer by name,
//! exports, sends the VMO over a channel, imports it and reads the bytes back, with zero
//! validation messages. The loader finds the layer through a manifest naming this crate's
//! shared library.

use std::path::PathBuf;
use std::process::Command;

/// The directory holding this crate's `libhost_vulkan.so` (built with the tests: the lib target
/// is also a cdylib).
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    // target/<profile>/deps/c_program-<hash>
    let deps = exe.parent().expect("deps").to_path_buf();
    for dir in [deps.clone(), deps.parent().expect("profile").to_path_buf()] {
        if dir.join("libhost_vulkan.so").exists() {
            return dir;
        }
    }
    panic!("libhost_vulkan.so is not next to {}", exe.display());
}

#[test]
#[cfg(target_os = "linux")]
fn a_c_program_exports_and_imports_through_the_loader_layer() {
    let lib_dir = library_dir();
    let library = lib_dir.join("libhost_vulkan.so");
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c_layer");
    std::fs::create_dir_all(&work).unwrap();

    // The committed manifest, pointing at the library just built.
    let manifest = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/VkLayer_vmo_interop.json"
    ))
    .unwrap()
    .replace("./libhost_vulkan.so", library.to_str().unwrap());
    std::fs::write(work.join("VkLayer_vmo_interop.json"), manifest).unwrap();

    let program = work.join("export_import");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/c/export_import.c");
    let built = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Werror"])
        .arg(concat!(
            "-I",
            env!("CARGO_MANIFEST_DIR"),
            "/tests/c/include"
        ))
        .arg("-o")
        .arg(&program)
        .arg(source)
        // zx_* from the layer's library (the same file the loader loads), Vulkan from the loader.
        .arg(&library)
        .arg("-lvulkan")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .status()
        .expect("a C compiler (cc)");
    assert!(built.success(), "compiling {source}");

    let system_layers = "/usr/share/vulkan/explicit_layer.d";
    let output = Command::new(&program)
        .env(
            "VK_LAYER_PATH",
            format!("{}:{system_layers}", work.display()),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.trim() == "ok",
        "the C program failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}
