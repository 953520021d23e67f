//! BUILD.gn checked against the repository, without the Fuchsia tree (`gn format --dry-run`,
//! which `./x test` runs, checks its syntax):
//!
//! - the `sources` lists name exactly the files under `src/` and `program/src/`, and every
//!   `rustc_test` (the integration suites that run on Fuchsia) is not compiled out on
//!   Fuchsia, and its sources exist and include its `source_root` and the modules it uses;
//! - every manifest BUILD.gn names exists, and every component manifest is built;
//! - every `fuchsia_test_component` has `test_type = "vulkan"` (the Vulkan test realm), the
//!   device package runs in `vulkan_envs` (not `magma_libvulkan_hardware_envs`, marked for
//!   migration), and each test binary is packaged in a test component of a test package;
//! - `group("tests")` builds both test packages.

mod fuchsia_build;

use std::collections::BTreeSet;

use fuchsia_build::*;

/// The Rust files under `dir` (a folder of the repository), as paths from the repository root
/// with `/` separators, the way BUILD.gn names them.
fn rust_sources_under(dir: &str) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&repo().join(dir), &mut files);
    files
        .iter()
        .map(|p| {
            p.strip_prefix(repo())
                .expect("under repo")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

#[test]
fn build_gn_manifests_exist_and_every_component_manifest_is_built() {
    let gn = build_gn();
    let manifests = gn_list(&gn, "manifest");
    // `manifest = "..."` is a string, not a list: read those too.
    let mut named: BTreeSet<String> = manifests.into_iter().collect();
    for line in strip_gn_comments(&gn).lines() {
        if let Some((k, v)) = line.split_once('=') {
            if k.trim() == "manifest" {
                named.insert(v.trim().trim_matches('"').to_owned());
            }
        }
    }
    for m in &named {
        assert!(
            repo().join(m).is_file(),
            "BUILD.gn names {m}, which does not exist"
        );
    }
    for name in meta_files() {
        if !name.ends_with(".shard.cml") {
            assert!(
                named.contains(&format!("meta/{name}")),
                "meta/{name} is not the manifest of any BUILD.gn component"
            );
        }
    }
}

#[test]
fn library_sources_match_src() {
    let gn = build_gn();
    let lib = gn_block(&gn, "rustc_library", "lib").expect("rustc_library(\"lib\")");
    let listed: BTreeSet<String> = gn_list(lib, "sources").into_iter().collect();
    let on_disk = rust_sources_under("src");
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        unlisted.is_empty(),
        "add to BUILD.gn rustc_library sources: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "BUILD.gn lists files that do not exist: {missing:?}"
    );
}

#[test]
fn binary_sources_match_program_src() {
    let gn = build_gn();
    let bin = gn_block(&gn, "rustc_binary", "bin").expect("rustc_binary(\"bin\")");
    let listed: BTreeSet<String> = gn_list(bin, "sources").into_iter().collect();
    let root = gn_string(bin, "source_root").expect("source_root");
    assert!(
        listed.contains(&root),
        "source_root {root} must be in sources"
    );
    for s in &listed {
        assert!(
            repo().join(s).is_file(),
            "BUILD.gn lists {s}, which does not exist"
        );
    }
    for rel in rust_sources_under("program/src") {
        assert!(
            listed.contains(&rel),
            "add to BUILD.gn rustc_binary sources: {rel}"
        );
    }
}

#[test]
fn test_components_run_in_the_vulkan_realm() {
    let gn = build_gn();
    let components = gn_targets(&gn, "fuchsia_test_component");
    assert!(components.len() >= 2, "{components:?}");
    for name in components {
        let block = gn_block(&gn, "fuchsia_test_component", &name).expect("block");
        assert_eq!(
            gn_string(block, "test_type").as_deref(),
            Some("vulkan"),
            "fuchsia_test_component(\"{name}\") needs test_type = \"vulkan\""
        );
    }
}

#[test]
fn device_tests_run_in_vulkan_envs() {
    let gn = build_gn();
    let package =
        gn_block(&gn, "fuchsia_test_package", "vmo-interop-tests").expect("fuchsia_test_package");
    assert_eq!(
        gn_string(package, "environments").as_deref(),
        Some("vulkan_envs")
    );
    assert!(
        !strip_gn_comments(&gn).contains("magma_libvulkan_hardware_envs"),
        "use vulkan_envs (magma.gni marks magma_libvulkan_hardware_envs for migration)"
    );
    assert!(gn.contains("import(\"//src/lib/vulkan/vulkan.gni\")"));
}

/// The tree's targets for the native libraries the code links (`#[link(name = "...")]`).
const NATIVE_LIBRARIES: &[(&str, &str)] = &[("fdio", "//sdk/lib/fdio")];

#[test]
fn native_libraries_the_library_links_are_gn_dependencies() {
    let gn = build_gn();
    let lib = gn_block(&gn, "rustc_library", "lib").expect("rustc_library(\"lib\")");
    let non_rust_deps = gn_list(lib, "non_rust_deps");
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let mut linked = BTreeSet::new();
    for file in files {
        for line in read(&file).lines() {
            let line: String = line.split_whitespace().collect();
            // `#[link(name = "...")]`, also inside `cfg_attr(..., link(name = "..."))`.
            if let Some((_, rest)) = line.split_once("link(name=\"") {
                linked.insert(rest.split('"').next().unwrap_or_default().to_owned());
            }
        }
    }
    assert!(
        linked.contains("fdio"),
        "the library links fdio (src/fdio.rs): {linked:?}"
    );
    for name in linked {
        let (_, target) = NATIVE_LIBRARIES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| {
                panic!("src/ links {name}: add its tree target to NATIVE_LIBRARIES")
            });
        assert!(
            non_rust_deps.iter().any(|d| d == target),
            "src/ links {name}: add {target} to the library's non_rust_deps"
        );
    }
}

/// Whether a test crate's root removes the whole crate on Fuchsia (an inner
/// `#![cfg(not(target_os = "fuchsia"))]`).
fn compiled_out_on_fuchsia(source: &str) -> bool {
    source
        .lines()
        .map(|l| l.split_whitespace().collect::<String>())
        .any(|l| l.starts_with("#![cfg(not(target_os=\"fuchsia\"))]"))
}

/// The test binaries BUILD.gn builds: the library's unit tests and every `rustc_test`.
fn test_binaries(gn: &str) -> Vec<String> {
    let mut binaries = vec![":lib_test".to_owned()];
    binaries.extend(
        gn_targets(gn, "rustc_test")
            .into_iter()
            .map(|t| format!(":{t}")),
    );
    binaries
}

#[test]
fn every_test_binary_is_in_a_test_package() {
    let gn = build_gn();
    // Test components of the device package, and what they package.
    let package =
        gn_block(&gn, "fuchsia_test_package", "vmo-interop-tests").expect("fuchsia_test_package");
    let mut packaged = BTreeSet::new();
    for component in gn_list(package, "test_components") {
        let name = component.trim_start_matches(':');
        let block = gn_block(&gn, "fuchsia_test_component", name)
            .or_else(|| gn_block(&gn, "fuchsia_unittest_component", name))
            .unwrap_or_else(|| panic!("test component {name} is not defined"));
        packaged.extend(gn_list(block, "deps"));
    }
    for binary in test_binaries(&gn) {
        assert!(
            packaged.contains(&binary),
            "{binary} is not in a test component of vmo-interop-tests"
        );
    }
}

#[test]
fn rustc_tests_run_on_fuchsia_and_list_their_sources() {
    let gn = build_gn();
    let targets = gn_targets(&gn, "rustc_test");
    assert!(
        !targets.is_empty(),
        "BUILD.gn builds integration suites for Fuchsia"
    );
    for target in gn_targets(&gn, "rustc_test") {
        let block = gn_block(&gn, "rustc_test", &target).expect("block");
        let root = gn_string(block, "source_root").expect("source_root");
        assert!(
            !compiled_out_on_fuchsia(&read(&repo().join(&root))),
            "{target}: {root} is compiled out on Fuchsia, so the test would run nothing there"
        );
        let sources: BTreeSet<String> = gn_list(block, "sources").into_iter().collect();
        assert!(sources.contains(&root), "{target}: sources lack {root}");
        for s in &sources {
            assert!(repo().join(s).is_file(), "{target}: {s} does not exist");
        }
        // `mod x;` in the root: x/mod.rs and every file of that folder are sources.
        for line in read(&repo().join(&root)).lines() {
            if let Some(module) = line
                .trim()
                .strip_prefix("mod ")
                .and_then(|m| m.strip_suffix(';'))
            {
                let folder = format!("tests/{module}");
                // A module given by `#[path]` has no folder of its own (checked below).
                if repo().join(&folder).is_dir() {
                    for rel in rust_sources_under(&folder) {
                        assert!(sources.contains(&rel), "{target}: add {rel} to its sources");
                    }
                }
            }
            // `#[path = "x/y.rs"]` before a `mod`: that file is a source.
            if let Some(path) = line
                .trim()
                .strip_prefix("#[path = \"")
                .and_then(|p| p.strip_suffix("\"]"))
            {
                let rel = format!("tests/{path}");
                assert!(sources.contains(&rel), "{target}: add {rel} to its sources");
            }
        }
        assert!(
            gn_list(block, "deps").iter().any(|d| d == ":lib"),
            "{target} tests the library"
        );
    }
}

#[test]
fn tests_group_builds_both_test_packages() {
    let gn = build_gn();
    let group = gn_block(&gn, "group", "tests").expect("group(\"tests\")");
    assert_eq!(gn_string(group, "testonly").as_deref(), Some("true"));
    let deps = gn_list(group, "deps");
    for package in ["vmo-interop-tests", "vmo-interop-lavapipe-tests"] {
        assert!(
            gn_block(&gn, "fuchsia_test_package", package).is_some(),
            "fuchsia_test_package(\"{package}\")"
        );
        assert!(
            deps.contains(&format!(":{package}")),
            "group(\"tests\") lacks :{package}"
        );
    }
}

// ---- the checker itself can fail ------------------------------------------------------------

#[test]
fn gn_reader_reads_lists_strings_and_nested_blocks() {
    let gn = r#"
rustc_binary("bin") {
  name = "x"   # comment with { brace
  sources = [
    "a.rs",
    # "commented.rs",
    "b.rs",
  ]
  if (is_fuchsia) {
    sources += [ "c.rs" ]
  }
}
group("tests") { deps = [ ":t" ] }
"#;
    let block = gn_block(gn, "rustc_binary", "bin").expect("block");
    assert_eq!(gn_list(block, "sources"), ["a.rs", "b.rs", "c.rs"]);
    assert_eq!(gn_string(block, "name").as_deref(), Some("x"));
    assert_eq!(gn_output_name(gn, "rustc_binary", "bin"), "x");
    assert_eq!(
        gn_list(gn_block(gn, "group", "tests").expect("group"), "deps"),
        [":t"]
    );
    assert!(gn_block(gn, "rustc_library", "lib").is_none());
}

#[test]
fn gn_reader_finds_targets_and_scopes() {
    let gn = r#"
fuchsia_test_component("a") { test_type = "vulkan" }
# fuchsia_test_component("commented") {}
my_fuchsia_test_component("not-this") {}
fuchsia_test_package("p") {
  renameable_subpackages = [
    {
      name = "vulkan_loader"
      package = "//loader:lavapipe"
    },
    {
      name = "child"
      package = ":child-package"
    },
  ]
}
"#;
    assert_eq!(gn_targets(gn, "fuchsia_test_component"), ["a"]);
    let package = gn_block(gn, "fuchsia_test_package", "p").expect("block");
    let scopes = gn_scopes(package, "renameable_subpackages");
    assert_eq!(scopes.len(), 2);
    assert_eq!(scopes[0]["name"], "vulkan_loader");
    assert_eq!(scopes[1]["package"], ":child-package");
}

#[test]
fn a_suite_compiled_out_on_fuchsia_is_detected() {
    assert!(compiled_out_on_fuchsia(
        "//! Docs.\n#![cfg(not(target_os = \"fuchsia\"))]\nuse x;\n"
    ));
    assert!(compiled_out_on_fuchsia(
        "#![cfg(not(target_os=\"fuchsia\"))]\n"
    ));
    // A per-item cfg leaves the crate: only the whole-crate attribute counts.
    assert!(!compiled_out_on_fuchsia(
        "#[cfg(not(target_os = \"fuchsia\"))]\nfn host_only() {}\n"
    ));
}
