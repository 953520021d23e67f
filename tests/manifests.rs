//! The Fuchsia packaging (BUILD.gn, meta/*.cml) checked against the code, without the Fuchsia
//! tree: what can drift between them fails here.
//!
//! - every `meta/*.cml` parses as JSON5;
//! - `program.binary` of each component is what BUILD.gn builds (`bin/<name>` of the
//!   `rustc_binary`, `bin/<name>_lib_test` of the library's unit tests);
//! - every protocol the code connects to (`"/svc/<protocol>"` literals, and protocol-name literals
//!   such as `"fuchsia.sysmem2.Allocator"`), plus the two the library always needs (sysmem2 and
//!   the Vulkan loader), is `use`d by the program, the client shard and the test component;
//! - includes that are not the Fuchsia tree's own shards exist in this repository;
//! - the test component has the `"fuchsia.test"` facet of type `"vulkan"`;
//! - BUILD.gn's `sources` lists name exactly the files under `src/`, and every manifest BUILD.gn
//!   names exists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cml(name: &str) -> Value {
    let path = repo().join("meta").join(name);
    json5::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn build_gn() -> String {
    read(&repo().join("BUILD.gn"))
}

// ---- a small GN reader ---------------------------------------------------------------------

/// The body (between the braces) of `template("target") { ... }`, honouring strings and `#`
/// comments.
fn gn_block<'a>(gn: &'a str, template: &str, target: &str) -> Option<&'a str> {
    let head = format!("{template}(\"{target}\")");
    let start = gn.find(&head)? + head.len();
    let open = start + gn[start..].find('{')?;
    let bytes = gn.as_bytes();
    let (mut depth, mut in_string, mut in_comment) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'\n' => in_comment = false,
            _ if in_comment => {}
            b'"' if !(i > 0 && bytes[i - 1] == b'\\') => in_string = !in_string,
            _ if in_string => {}
            b'#' => in_comment = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&gn[open + 1..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Removes `#` comments (outside strings) so that commented-out entries do not count.
fn strip_gn_comments(block: &str) -> String {
    block
        .lines()
        .map(|line| {
            let mut in_string = false;
            for (i, c) in line.char_indices() {
                match c {
                    '"' => in_string = !in_string,
                    '#' if !in_string => return &line[..i],
                    _ => {}
                }
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The strings of every `var = [ ... ]` and `var += [ ... ]` in `block`.
fn gn_list(block: &str, var: &str) -> Vec<String> {
    let block = strip_gn_comments(block);
    let mut out = Vec::new();
    let mut rest = block.as_str();
    while let Some(pos) = rest.find(var) {
        let before_ok = pos == 0
            || !rest[..pos]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
        let after = rest[pos + var.len()..].trim_start();
        rest = &rest[pos + var.len()..];
        let after = match after.strip_prefix("+=").or_else(|| after.strip_prefix('=')) {
            Some(a) if before_ok => a.trim_start(),
            _ => continue,
        };
        let Some(list) = after.strip_prefix('[') else {
            continue;
        };
        let Some(end) = list.find(']') else { continue };
        out.extend(
            list[..end]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_matches('"').to_owned()),
        );
    }
    out
}

/// The string value of `var = "..."` in `block`.
fn gn_string(block: &str, var: &str) -> Option<String> {
    let block = strip_gn_comments(block);
    block.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == var).then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// `output_name`, else `name`, else the target name: what GN calls the built file.
fn gn_output_name(gn: &str, template: &str, target: &str) -> String {
    let block = gn_block(gn, template, target)
        .unwrap_or_else(|| panic!("BUILD.gn has no {template}(\"{target}\")"));
    gn_string(block, "output_name")
        .or_else(|| gn_string(block, "name"))
        .unwrap_or_else(|| target.to_owned())
}

// ---- the code's protocols ------------------------------------------------------------------

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `fuchsia.sysmem2.Allocator`-shaped: dotted lowercase library, capitalised protocol.
fn is_protocol_name(s: &str) -> bool {
    let parts: Vec<_> = s.split('.').collect();
    parts.len() >= 3
        && parts[0] == "fuchsia"
        && parts[..parts.len() - 1].iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        && parts[parts.len() - 1]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
        && parts[parts.len() - 1]
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
}

/// Protocols named in string literals of Rust source (comment lines skipped): `"/svc/<p>"` and
/// `"<p>"` where `<p>` is protocol-shaped.
fn protocols_in_source(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(open) = rest.find('"') {
            let Some(len) = rest[open + 1..].find('"') else {
                break;
            };
            let literal = &rest[open + 1..open + 1 + len];
            let name = literal.strip_prefix("/svc/").unwrap_or(literal);
            if is_protocol_name(name) {
                found.insert(name.to_owned());
            }
            rest = &rest[open + 1 + len + 1..];
        }
    }
    found
}

fn protocols_in_code() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    files
        .iter()
        .flat_map(|f| protocols_in_source(&read(f)))
        .collect()
}

/// What every consumer of the library needs, whether or not a string names it yet.
const ALWAYS_USED: [&str; 2] = ["fuchsia.sysmem2.Allocator", "fuchsia.vulkan.loader.Loader"];

fn required_protocols() -> BTreeSet<String> {
    let mut all = protocols_in_code();
    all.extend(ALWAYS_USED.iter().map(|s| s.to_string()));
    all
}

// ---- manifest helpers ----------------------------------------------------------------------

/// Shards the Fuchsia tree provides (resolved by cmc's include paths, not in this repo).
fn is_tree_shard(include: &str) -> bool {
    include.starts_with("//")
        || ["syslog/", "vulkan/", "trace/", "inspect/"]
            .iter()
            .any(|p| include.starts_with(p))
}

fn includes(manifest: &Value) -> Vec<String> {
    manifest["include"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The repo file an in-repo include names.
fn in_repo_include(include: &str) -> Option<PathBuf> {
    [repo().join(include), repo().join("meta").join(include)]
        .into_iter()
        .find(|p| p.is_file())
}

/// Protocols `use`d by the manifest and the in-repo shards it includes (transitively).
fn used_protocols(manifest: &Value) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for entry in manifest["use"].as_array().into_iter().flatten() {
        match &entry["protocol"] {
            Value::String(p) => {
                used.insert(p.clone());
            }
            Value::Array(ps) => {
                used.extend(ps.iter().filter_map(|p| p.as_str().map(str::to_owned)))
            }
            _ => {}
        }
    }
    for include in includes(manifest) {
        if let Some(path) = in_repo_include(&include) {
            let shard: Value = json5::from_str(&read(&path)).expect("in-repo shard parses");
            used.extend(used_protocols(&shard));
        }
    }
    used
}

fn meta_files() -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(repo().join("meta"))
        .expect("meta/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".cml"))
        .collect();
    names.sort();
    names
}

// ---- the checks ----------------------------------------------------------------------------

#[test]
fn every_manifest_parses_as_json5() {
    let names = meta_files();
    for expected in [
        "client.shard.cml",
        "vmo-interop-tests.cml",
        "vmo-interop.cml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "meta/{expected} missing"
        );
    }
    for name in names {
        assert!(cml(&name).is_object(), "meta/{name} is not an object");
    }
}

#[test]
fn program_binary_is_what_build_gn_builds() {
    let gn = build_gn();
    let binary = gn_output_name(&gn, "rustc_binary", "bin");
    let program = cml("vmo-interop.cml");
    assert_eq!(program["program"]["runner"], "elf");
    assert_eq!(
        program["program"]["binary"].as_str(),
        Some(format!("bin/{binary}").as_str()),
        "meta/vmo-interop.cml program.binary vs BUILD.gn rustc_binary(\"bin\")"
    );
}

#[test]
fn test_binary_is_the_library_unit_test() {
    let gn = build_gn();
    let lib = gn_block(&gn, "rustc_library", "lib").expect("rustc_library(\"lib\")");
    assert_eq!(
        gn_string(lib, "with_unit_tests").as_deref(),
        Some("true"),
        "the test component runs the library's unit tests"
    );
    let name = gn_output_name(&gn, "rustc_library", "lib");
    let tests = cml("vmo-interop-tests.cml");
    assert_eq!(
        tests["program"]["binary"].as_str(),
        Some(format!("bin/{name}_lib_test").as_str())
    );
    // The component packages that binary.
    let component =
        gn_block(&gn, "fuchsia_component", "vmo-interop-tests-component").expect("test component");
    assert!(gn_list(component, "deps").iter().any(|d| d == ":lib_test"));
}

#[test]
fn test_manifest_runs_in_the_vulkan_realm() {
    let tests = cml("vmo-interop-tests.cml");
    assert_eq!(tests["facets"]["fuchsia.test"]["type"], "vulkan");
    assert!(
        includes(&tests)
            .iter()
            .any(|i| i == "//src/sys/test_runners/rust/default.shard.cml"),
        "the rust test runner shard supplies the runner and fuchsia.test.Suite"
    );
}

#[test]
fn every_protocol_the_code_needs_is_used() {
    let required = required_protocols();
    for manifest in [
        "vmo-interop.cml",
        "client.shard.cml",
        "vmo-interop-tests.cml",
    ] {
        let used = used_protocols(&cml(manifest));
        let missing: Vec<_> = required.difference(&used).collect();
        assert!(
            missing.is_empty(),
            "meta/{manifest} does not use {missing:?}"
        );
    }
}

#[test]
fn components_log_through_syslog() {
    for manifest in [
        "vmo-interop.cml",
        "client.shard.cml",
        "vmo-interop-tests.cml",
    ] {
        assert!(
            includes(&cml(manifest))
                .iter()
                .any(|i| i == "syslog/client.shard.cml"),
            "meta/{manifest} must include syslog/client.shard.cml"
        );
    }
}

#[test]
fn tracing_is_optional() {
    let program = cml("vmo-interop.cml");
    let tracing = program["use"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| {
            u["protocol"] == "fuchsia.tracing.provider.Registry"
                || u["protocol"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|p| p == "fuchsia.tracing.provider.Registry"))
        })
        .expect("the program uses the tracing registry");
    assert_eq!(tracing["availability"], "optional");
}

#[test]
fn in_repo_includes_exist() {
    for name in meta_files() {
        for include in includes(&cml(&name)) {
            if !is_tree_shard(&include) {
                assert!(
                    in_repo_include(&include).is_some(),
                    "meta/{name} includes {include}, which is neither a Fuchsia tree shard nor a \
                     file in this repository"
                );
            }
        }
    }
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
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let on_disk: BTreeSet<String> = files
        .iter()
        .map(|p| {
            p.strip_prefix(repo())
                .expect("under repo")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
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
    let mut files = Vec::new();
    rust_files(&repo().join("program/src"), &mut files);
    for f in files {
        let rel = f
            .strip_prefix(repo())
            .expect("under repo")
            .to_string_lossy()
            .replace('\\', "/");
        assert!(
            listed.contains(&rel),
            "add to BUILD.gn rustc_binary sources: {rel}"
        );
    }
}

#[test]
fn tests_group_builds_the_test_package() {
    let gn = build_gn();
    let group = gn_block(&gn, "group", "tests").expect("group(\"tests\")");
    assert_eq!(gn_string(group, "testonly").as_deref(), Some("true"));
    assert!(gn_list(group, "deps")
        .iter()
        .any(|d| d == ":vmo-interop-tests"));
    let package =
        gn_block(&gn, "fuchsia_test_package", "vmo-interop-tests").expect("fuchsia_test_package");
    assert!(gn_list(package, "test_components")
        .iter()
        .any(|c| c == ":vmo-interop-tests-component"));
}

// ---- the checkers themselves can fail --------------------------------------------------------

#[test]
fn protocol_scanner_finds_connect_strings_and_ignores_comments() {
    let source = r#"
        // connect("/svc/fuchsia.commented.Out")
        let path = "/svc/fuchsia.sysmem2.Allocator";
        connect_to_protocol("fuchsia.vulkan.loader.Loader")?;
        let method = "fuchsia.sysmem2/Allocator.AllocateSharedCollection";
        let not_a_protocol = "fuchsia.sysmem2";
        /// Docs mention `fuchsia.doc.Only` in backticks.
    "#;
    let found = protocols_in_source(source);
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["fuchsia.sysmem2.Allocator", "fuchsia.vulkan.loader.Loader"]
    );
}

#[test]
fn used_protocols_detects_a_missing_use() {
    let manifest: Value =
        json5::from_str(r#"{ use: [ { protocol: "fuchsia.vulkan.loader.Loader" } ] }"#)
            .expect("parses");
    let used = used_protocols(&manifest);
    assert!(used.contains("fuchsia.vulkan.loader.Loader"));
    assert!(!used.contains("fuchsia.sysmem2.Allocator"));
}

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
