//! The component manifests (meta/*.cml) checked against the code and BUILD.gn, without the
//! Fuchsia tree: what can drift between them fails here. (BUILD.gn itself: tests/build_gn.rs.)
//!
//! - every `meta/*.cml` parses as JSON5;
//! - `program.binary` of each component is what BUILD.gn builds (`bin/<name>` of the
//!   `rustc_binary`, `bin/<name>_lib_test` of the library's unit tests);
//! - the program, the client shard and the library test include the tree's
//!   `vulkan/client.shard.cml` (loader, sysmem, sysmem2, logging, optional tracing) instead of
//!   listing those protocols by hand;
//! - every protocol the code connects to (`"/svc/<protocol>"` literals, and protocol-name literals
//!   such as `"fuchsia.sysmem2.Allocator"`), plus the two the library always needs (sysmem2 and
//!   the Vulkan loader), is `use`d by them, through their shards;
//! - includes are either files of this repository or tree shards whose routes
//!   `fuchsia_build::TREE_SHARDS` restates;
//! - no manifest carries the older `"fuchsia.test"` facet (BUILD.gn's `test_type` does that now);
//! - the lavapipe wrapper's children are the subpackages BUILD.gn names, it routes the hermetic
//!   loader's `Loader` to the test, and everything else the test uses from its parent.

mod fuchsia_build;

use fuchsia_build::*;
use serde_json::Value;

/// The manifests of components that use the library.
const VULKAN_CLIENTS: [&str; 5] = [
    "vmo-interop.cml",
    "client.shard.cml",
    "vmo-interop-lib-test.cml",
    "vmo-interop-sysmem-allocator-test.cml",
    "vmo-interop-vk-roundtrip-test.cml",
];

#[test]
fn every_manifest_parses_as_json5() {
    let names = meta_files();
    for expected in [
        "client.shard.cml",
        "vmo-interop-lavapipe-test.cml",
        "vmo-interop-lib-test.cml",
        "vmo-interop-sysmem-allocator-test.cml",
        "vmo-interop-vk-roundtrip-test.cml",
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
    let tests = cml("vmo-interop-lib-test.cml");
    assert_eq!(
        tests["program"]["binary"].as_str(),
        Some(format!("bin/{name}_lib_test").as_str())
    );
    assert!(
        includes(&tests)
            .iter()
            .any(|i| i == "//src/sys/test_runners/rust/default.shard.cml"),
        "the rust test runner shard supplies the runner and fuchsia.test.Suite"
    );
}

/// Every `fuchsia_test_component` with a manifest of its own runs the binary of the
/// `rustc_test` it packages (`bin/<name>`), through the Rust test runner.
#[test]
fn integration_test_manifests_run_their_rustc_test() {
    let gn = build_gn();
    let mut checked = 0;
    for component in gn_targets(&gn, "fuchsia_test_component") {
        let block = gn_block(&gn, "fuchsia_test_component", &component).expect("block");
        let Some(manifest) = gn_string(block, "manifest") else {
            continue;
        };
        let tests: Vec<String> = gn_list(block, "deps")
            .into_iter()
            .filter_map(|d| d.strip_prefix(':').map(str::to_owned))
            .filter(|d| gn_block(&gn, "rustc_test", d).is_some())
            .collect();
        let [test] = tests.as_slice() else {
            continue; // The library's unit tests (test_binary_is_the_library_unit_test).
        };
        let name = gn_string(gn_block(&gn, "rustc_test", test).expect("block"), "name")
            .unwrap_or_else(|| test.clone());
        let m = cml(manifest.trim_start_matches("meta/"));
        assert_eq!(
            m["program"]["binary"].as_str(),
            Some(format!("bin/{name}").as_str()),
            "{manifest} must run rustc_test(\"{test}\")"
        );
        assert!(
            includes(&m)
                .iter()
                .any(|i| i == "//src/sys/test_runners/rust/default.shard.cml"),
            "{manifest}: the rust test runner shard supplies the runner"
        );
        checked += 1;
    }
    assert!(
        checked >= 1,
        "no integration-test component found in BUILD.gn"
    );
}

#[test]
fn vulkan_clients_include_the_tree_client_shard() {
    for manifest in VULKAN_CLIENTS {
        let m = cml(manifest);
        assert!(
            includes(&m).iter().any(|i| i == "vulkan/client.shard.cml"),
            "meta/{manifest} must include vulkan/client.shard.cml"
        );
        // What the shard routes is not listed again by hand.
        let own = own_uses(&m);
        let shard = tree_shard("vulkan/client.shard.cml").expect("known shard");
        for (protocol, _) in shard.uses {
            assert!(
                !own.contains_key(*protocol),
                "meta/{manifest} uses {protocol} by hand; vulkan/client.shard.cml routes it"
            );
        }
    }
}

#[test]
fn every_protocol_the_code_needs_is_used() {
    let required = required_protocols();
    for manifest in VULKAN_CLIENTS {
        let used = used_protocols(&cml(manifest));
        let missing: Vec<_> = required.difference(&used).collect();
        assert!(
            missing.is_empty(),
            "meta/{manifest} does not use {missing:?}"
        );
    }
}

#[test]
fn components_log_through_syslog_and_trace_optionally() {
    for manifest in VULKAN_CLIENTS {
        let m = cml(manifest);
        assert!(
            all_includes(&m).contains("syslog/client.shard.cml"),
            "meta/{manifest} must include syslog/client.shard.cml (directly or through a shard)"
        );
        assert_eq!(
            uses(&m).get("fuchsia.tracing.provider.Registry"),
            Some(&Availability::Optional),
            "meta/{manifest}: tracing must be used, and optionally"
        );
    }
}

#[test]
fn in_repo_includes_exist_and_tree_shards_are_known() {
    for name in meta_files() {
        for include in includes(&cml(&name)) {
            assert!(
                in_repo_include(&include).is_some() || tree_shard(&include).is_some(),
                "meta/{name} includes {include}, which is neither a file in this repository nor \
                 a tree shard listed in tests/fuchsia_build (add what it routes there)"
            );
        }
    }
}

#[test]
fn no_manifest_uses_the_older_test_facet() {
    for name in meta_files() {
        assert!(
            cml(&name)["facets"]["fuchsia.test"].is_null(),
            "meta/{name}: the \"fuchsia.test\" facet is the older pattern; set test_type on the \
             fuchsia_test_component in BUILD.gn"
        );
    }
}

/// `(child name, url)` of each child of a manifest.
fn children(manifest: &Value) -> Vec<(String, String)> {
    manifest["children"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["url"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Protocols offered by `manifest` to `#to`, with where from.
fn offers_to(manifest: &Value, to: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for offer in manifest["offer"].as_array().into_iter().flatten() {
        let targets = names(&offer["to"]);
        if targets.iter().any(|t| t == to) {
            for p in names(&offer["protocol"]) {
                out.push((p, offer["from"].as_str().unwrap_or_default().to_owned()));
            }
        }
    }
    out
}

#[test]
fn lavapipe_wrapper_runs_the_library_test_beside_the_hermetic_loader() {
    let gn = build_gn();
    let wrapper = cml("vmo-interop-lavapipe-test.cml");
    let package = gn_block(&gn, "fuchsia_test_package", "vmo-interop-lavapipe-tests")
        .expect("fuchsia_test_package(\"vmo-interop-lavapipe-tests\")");
    let subpackages = gn_scopes(package, "renameable_subpackages");
    assert!(
        subpackages.iter().any(
            |s| s.get("name").map(String::as_str) == Some("vulkan_loader")
                && s.get("package").map(String::as_str)
                    == Some(
                        "//src/graphics/bin/vulkan_loader:hermetic_vulkan_loader_with_lavapipe"
                    )
        ),
        "the hermetic lavapipe loader is the subpackage `vulkan_loader`: {subpackages:?}"
    );
    // Every child is `<subpackage>#meta/<component>.cm` of a subpackage of this package.
    let kids = children(&wrapper);
    for (child, url) in &kids {
        let (subpackage, component) = url.split_once("#meta/").expect("subpackage URL");
        assert!(
            subpackages
                .iter()
                .any(|s| s.get("name").map(String::as_str) == Some(subpackage)),
            "child {child}: {subpackage} is not a renameable_subpackage of the package"
        );
        assert!(component.ends_with(".cm"), "{url}");
    }
    // The test child is the library test component, from its own package.
    let (_, test_url) = kids
        .iter()
        .find(|(name, _)| name == "test")
        .expect("a child named test");
    let child = gn_block(&gn, "fuchsia_component", "lib-test-child").expect("lib-test-child");
    let child_package =
        gn_block(&gn, "fuchsia_package", "lib-test-child-package").expect("child package");
    assert_eq!(
        gn_string(child, "manifest").as_deref(),
        Some("meta/vmo-interop-lib-test.cml")
    );
    let expected = format!(
        "{}#meta/{}.cm",
        gn_string(child_package, "package_name").expect("package_name"),
        gn_string(child, "component_name").expect("component_name")
    );
    assert_eq!(test_url, &expected);
    assert!(subpackages.iter().any(|s| {
        s.get("package").map(String::as_str) == Some(":lib-test-child-package")
            && expected.starts_with(&format!("{}#", s["name"]))
    }));

    // Routes: the loader from the hermetic loader, everything else the test uses (but logging,
    // which the offer shard routes) from the parent; the suite exposed from the test.
    let offered = offers_to(&wrapper, "#test");
    assert!(offered.contains(&(
        "fuchsia.vulkan.loader.Loader".to_owned(),
        "#vulkan_loader".to_owned()
    )));
    let test = cml("vmo-interop-lib-test.cml");
    for protocol in used_protocols(&test) {
        if protocol == "fuchsia.logger.LogSink" {
            continue;
        }
        assert!(
            offered.iter().any(|(p, _)| *p == protocol),
            "meta/vmo-interop-lavapipe-test.cml does not offer {protocol} to #test"
        );
    }
    let suite = wrapper["expose"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["protocol"] == "fuchsia.test.Suite")
        .expect("exposes fuchsia.test.Suite");
    assert_eq!(suite["from"], "#test");
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
fn uses_detects_a_missing_use_and_reads_tree_shards() {
    let manifest: Value =
        json5::from_str(r#"{ use: [ { protocol: "fuchsia.vulkan.loader.Loader" } ] }"#)
            .expect("parses");
    let used = used_protocols(&manifest);
    assert!(used.contains("fuchsia.vulkan.loader.Loader"));
    assert!(!used.contains("fuchsia.sysmem2.Allocator"));

    let through_shard: Value =
        json5::from_str(r#"{ include: [ "vulkan/client.shard.cml" ] }"#).expect("parses");
    let uses = uses(&through_shard);
    assert_eq!(
        uses.get("fuchsia.sysmem2.Allocator"),
        Some(&Availability::Required)
    );
    assert_eq!(
        uses.get("fuchsia.tracing.provider.Registry"),
        Some(&Availability::Optional)
    );
    assert!(all_includes(&through_shard).contains("syslog/client.shard.cml"));
}
