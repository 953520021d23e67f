//! What tests/manifests.rs and tests/build_gn.rs read: the repository's BUILD.gn (a small GN
//! reader), its component manifests, the protocols the code names, and what the Fuchsia tree's
//! own shards route (restated here, since the tree is not checked out).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn cml(name: &str) -> Value {
    let path = repo().join("meta").join(name);
    json5::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn build_gn() -> String {
    read(&repo().join("BUILD.gn"))
}

// ---- a small GN reader ---------------------------------------------------------------------

/// The body (between the braces) of `template("target") { ... }`, honouring strings and `#`
/// comments.
pub fn gn_block<'a>(gn: &'a str, template: &str, target: &str) -> Option<&'a str> {
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
pub fn strip_gn_comments(block: &str) -> String {
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
pub fn gn_list(block: &str, var: &str) -> Vec<String> {
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
pub fn gn_string(block: &str, var: &str) -> Option<String> {
    let block = strip_gn_comments(block);
    block.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == var).then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// `output_name`, else `name`, else the target name: what GN calls the built file.
pub fn gn_output_name(gn: &str, template: &str, target: &str) -> String {
    let block = gn_block(gn, template, target)
        .unwrap_or_else(|| panic!("BUILD.gn has no {template}(\"{target}\")"));
    gn_string(block, "output_name")
        .or_else(|| gn_string(block, "name"))
        .unwrap_or_else(|| target.to_owned())
}

// ---- the code's protocols ------------------------------------------------------------------

pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
pub fn is_protocol_name(s: &str) -> bool {
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
pub fn protocols_in_source(source: &str) -> BTreeSet<String> {
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

pub fn protocols_in_code() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    files
        .iter()
        .flat_map(|f| protocols_in_source(&read(f)))
        .collect()
}

/// What every consumer of the library needs, whether or not a string names it yet.
pub const ALWAYS_USED: [&str; 2] = ["fuchsia.sysmem2.Allocator", "fuchsia.vulkan.loader.Loader"];

pub fn required_protocols() -> BTreeSet<String> {
    let mut all = protocols_in_code();
    all.extend(ALWAYS_USED.iter().map(|s| s.to_string()));
    all
}

// ---- the Fuchsia tree's shards -------------------------------------------------------------

/// How a capability is used (`availability`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Availability {
    Required,
    Optional,
}

/// A shard of the Fuchsia tree that a manifest here includes: what it includes and `use`s.
pub struct TreeShard {
    pub name: &'static str,
    pub includes: &'static [&'static str],
    pub uses: &'static [(&'static str, Availability)],
}

/// Every tree shard this repository includes, restated from the tree (sdk/lib/vulkan,
/// sdk/lib/trace, sdk/lib/syslog, src/sys/test_runners/rust, the offer shards). An include of a
/// tree shard not listed here fails `in_repo_includes_exist`: add what it routes first.
pub const TREE_SHARDS: &[TreeShard] = &[
    TreeShard {
        // sdk/lib/vulkan/client.shard.cml: the loader, sysmem and sysmem2; logs; optional tracing.
        name: "vulkan/client.shard.cml",
        includes: &["syslog/client.shard.cml", "trace/use.shard.cml"],
        uses: &[
            ("fuchsia.sysmem.Allocator", Availability::Required),
            ("fuchsia.sysmem2.Allocator", Availability::Required),
            ("fuchsia.vulkan.loader.Loader", Availability::Required),
        ],
    },
    TreeShard {
        name: "trace/use.shard.cml",
        includes: &[],
        uses: &[("fuchsia.tracing.provider.Registry", Availability::Optional)],
    },
    TreeShard {
        name: "syslog/client.shard.cml",
        includes: &[],
        uses: &[("fuchsia.logger.LogSink", Availability::Required)],
    },
    TreeShard {
        // The runner and the exposed fuchsia.test.Suite; uses no protocol.
        name: "//src/sys/test_runners/rust/default.shard.cml",
        includes: &[],
        uses: &[],
    },
    TreeShard {
        name: "inspect/offer.shard.cml",
        includes: &[],
        uses: &[],
    },
    TreeShard {
        name: "syslog/offer.shard.cml",
        includes: &[],
        uses: &[],
    },
    TreeShard {
        name: "trace/offer.shard.cml",
        includes: &[],
        uses: &[],
    },
];

pub fn tree_shard(include: &str) -> Option<&'static TreeShard> {
    TREE_SHARDS.iter().find(|s| s.name == include)
}

// ---- manifest helpers ----------------------------------------------------------------------

pub fn includes(manifest: &Value) -> Vec<String> {
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
pub fn in_repo_include(include: &str) -> Option<PathBuf> {
    [repo().join(include), repo().join("meta").join(include)]
        .into_iter()
        .find(|p| p.is_file())
}

/// The strings of a `protocol`, `directory` or `service` key: one string or a list.
pub fn names(value: &Value) -> Vec<String> {
    match value {
        Value::String(p) => vec![p.clone()],
        Value::Array(ps) => ps
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Protocols `use`d by the manifest itself (not its shards), with their availability.
pub fn own_uses(manifest: &Value) -> BTreeMap<String, Availability> {
    let mut used = BTreeMap::new();
    for entry in manifest["use"].as_array().into_iter().flatten() {
        let availability = if entry["availability"] == "optional" {
            Availability::Optional
        } else {
            Availability::Required
        };
        for p in names(&entry["protocol"]) {
            used.insert(p, availability);
        }
    }
    used
}

fn tree_shard_uses(shard: &TreeShard, out: &mut BTreeMap<String, Availability>) {
    for &(p, a) in shard.uses {
        out.insert(p.to_owned(), a);
    }
    for include in shard.includes {
        if let Some(inner) = tree_shard(include) {
            tree_shard_uses(inner, out);
        }
    }
}

/// Protocols `use`d by the manifest and every shard it includes (in-repo or the tree's,
/// transitively), with their availability.
pub fn uses(manifest: &Value) -> BTreeMap<String, Availability> {
    let mut used = own_uses(manifest);
    for include in includes(manifest) {
        if let Some(path) = in_repo_include(&include) {
            let shard: Value = json5::from_str(&read(&path)).expect("in-repo shard parses");
            used.extend(uses(&shard));
        } else if let Some(shard) = tree_shard(&include) {
            tree_shard_uses(shard, &mut used);
        }
    }
    used
}

/// The protocols of [`uses`].
pub fn used_protocols(manifest: &Value) -> BTreeSet<String> {
    uses(manifest).into_keys().collect()
}

/// Every shard the manifest includes, transitively.
pub fn all_includes(manifest: &Value) -> BTreeSet<String> {
    fn tree(shard: &TreeShard, out: &mut BTreeSet<String>) {
        for include in shard.includes {
            out.insert((*include).to_owned());
            if let Some(inner) = tree_shard(include) {
                tree(inner, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for include in includes(manifest) {
        out.insert(include.clone());
        if let Some(path) = in_repo_include(&include) {
            let shard: Value = json5::from_str(&read(&path)).expect("in-repo shard parses");
            out.extend(all_includes(&shard));
        } else if let Some(shard) = tree_shard(&include) {
            tree(shard, &mut out);
        }
    }
    out
}

pub fn meta_files() -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(repo().join("meta"))
        .expect("meta/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".cml"))
        .collect();
    names.sort();
    names
}

// ---- more of GN ----------------------------------------------------------------------------

/// The names of every `template("name")` target in `gn`.
pub fn gn_targets(gn: &str, template: &str) -> Vec<String> {
    let gn = strip_gn_comments(gn);
    let head = format!("{template}(\"");
    let mut out = Vec::new();
    let mut rest = gn.as_str();
    while let Some(pos) = rest.find(&head) {
        let before_ok = pos == 0
            || !rest[..pos]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[pos + head.len()..];
        if let Some(end) = rest.find('"') {
            if before_ok {
                out.push(rest[..end].to_owned());
            }
        }
    }
    out
}

/// The scopes of `var = [ { k = "v" ... }, ... ]` in `block`, as maps of their string values.
pub fn gn_scopes(block: &str, var: &str) -> Vec<BTreeMap<String, String>> {
    let block = strip_gn_comments(block);
    let Some(start) = block.find(&format!("{var} = [")) else {
        return Vec::new();
    };
    let list = &block[start..];
    let end = list
        .find("\n  ]")
        .or_else(|| list.find(']'))
        .unwrap_or(list.len());
    let list = &list[..end];
    let mut scopes = Vec::new();
    for scope in list.split('{').skip(1) {
        let body = scope.split('}').next().unwrap_or("");
        let map = body
            .lines()
            .filter_map(|line| {
                let (k, v) = line.split_once('=')?;
                Some((k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
            })
            .collect();
        scopes.push(map);
    }
    scopes
}
