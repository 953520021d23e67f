//! The `vmo-interop` program as a user runs it: the demo and the probe pass on this machine's
//! Vulkan driver (lavapipe in CI), and bad input gets a one-line error with exit code 2, never a
//! panic.

use std::process::{Command, Output};

fn vmo_interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vmo-interop"))
        .args(args)
        .output()
        .expect("the vmo-interop binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn assert_usage_error(output: &Output, needle: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    assert!(!err.contains("panicked"), "the program panicked: {err}");
}

#[test]
fn demo_passes_and_reports_every_step() {
    let output = vmo_interop(&["demo", "--size", "65536", "--buffers", "3"]);
    let out = stdout(&output);
    assert!(
        output.status.success(),
        "demo failed:\n{out}\n{}",
        stderr(&output)
    );
    assert!(out.contains("sysmem allocated 3 buffer(s)"), "{out}");
    // Both consumers verify every buffer and see writes refused.
    assert_eq!(
        out.matches("verified through a read-only mapping").count(),
        6,
        "{out}"
    );
    assert_eq!(
        out.matches("refused: ZX_ERR_ACCESS_DENIED").count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("0 live handles, 0 VMOs, 0 channels, 0 mappings"),
        "{out}"
    );
    assert!(out.contains("validation layer on"), "{out}");
    assert!(out.contains("demo passed"), "{out}");
}

#[test]
fn probe_json_reports_a_passing_self_test() {
    let output = vmo_interop(&["probe", "--json", "--device", "0"]);
    assert!(output.status.success(), "probe failed: {}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("probe --json prints one JSON document");
    let device = &report["devices"][0];
    assert_eq!(device["pass"], true, "{report:#}");
    let checks = device["self_test"].as_array().expect("self_test is a list");
    assert_eq!(checks.len(), 4, "{report:#}");
    assert!(checks.iter().all(|c| c["pass"] == true), "{report:#}");
    // At least one memory type takes imported VMOs.
    let types = device["memory_types"].as_array().expect("memory_types");
    assert!(types.iter().any(|t| t["import"] == true), "{report:#}");
    assert_eq!(report["validation_layer"], true, "{report:#}");
    assert_eq!(report["validation_messages"], 0, "{report:#}");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let output = vmo_interop(&["demo", "--frobnicate"]);
    assert_usage_error(&output, "--frobnicate");
}

#[test]
fn missing_subcommand_is_a_usage_error() {
    let output = vmo_interop(&[]);
    assert_usage_error(&output, "Usage");
}

#[test]
fn device_that_does_not_exist_is_a_one_line_usage_error() {
    for args in [
        &["demo", "--device", "99"][..],
        &["probe", "--device", "99"][..],
        &["bench", "--quick", "--device", "99"][..],
    ] {
        let output = vmo_interop(args);
        assert_usage_error(&output, "there is no Vulkan device 99");
        assert_eq!(stderr(&output).trim_end().lines().count(), 1, "{args:?}");
    }
}

#[test]
fn no_vulkan_driver_says_what_to_install() {
    // An ICD list naming no driver file leaves the loader with no physical device.
    let output = Command::new(env!("CARGO_BIN_EXE_vmo-interop"))
        .arg("probe")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .output()
        .expect("the vmo-interop binary runs");
    assert_usage_error(&output, "mesa-vulkan-drivers");
    assert_eq!(stderr(&output).trim_end().lines().count(), 1);
}

#[test]
fn out_of_range_values_are_usage_errors() {
    assert_usage_error(&vmo_interop(&["demo", "--buffers", "0"]), "--buffers");
    assert_usage_error(&vmo_interop(&["demo", "--size", "1"]), "--size");
}
