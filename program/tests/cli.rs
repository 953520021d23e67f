//! The `vmo-interop` program as a user runs it: the demo and the probe pass on this machine's
//! Vulkan driver (lavapipe in CI), and bad input gets a one-line error with exit code 2, never a
//! panic.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
fn demo_in_process_passes_and_reports_every_step() {
    let output = vmo_interop(&["demo", "--in-process", "--size", "65536", "--buffers", "3"]);
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

/// The pids the demo reported starting ("start  <name> (pid N)") and its private directory.
fn started(out: &str) -> (Vec<(String, u32)>, PathBuf) {
    let pids = out
        .lines()
        .filter_map(|l| l.split_once("] start")?.1.trim().rsplit_once(" (pid "))
        .map(|(name, pid)| (name.to_owned(), pid.trim_end_matches(')').parse().unwrap()))
        .collect();
    let dir = out
        .lines()
        .find_map(|l| {
            l.split_once("private host platform directory ")?
                .1
                .split_once(' ')
        })
        .map(|(dir, _)| PathBuf::from(dir))
        .expect("the demo names its private directory");
    (pids, dir)
}

/// Every process the demo started is gone (reaped: not even a zombie), and so is its directory.
fn assert_nothing_left(out: &str, processes: usize) {
    let (pids, dir) = started(out);
    assert_eq!(pids.len(), processes, "{out}");
    for (name, pid) in &pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "{name} (pid {pid}) is still there after the demo exited"
        );
    }
    assert!(dir.starts_with(std::env::temp_dir()), "{}", dir.display());
    assert!(!dir.exists(), "{} was not removed", dir.display());
    assert!(
        out.contains("every process stopped and reaped; removed"),
        "{out}"
    );
}

#[test]
fn demo_across_processes_passes_on_the_gpu_with_read_only_consumers() {
    let output = vmo_interop(&["demo", "--size", "65536", "--buffers", "3"]);
    let out = stdout(&output);
    assert!(
        output.status.success(),
        "demo failed:\n{out}\n{}",
        stderr(&output)
    );
    // Four processes: the service, the producer and the two consumers.
    let (pids, _) = started(&out);
    let names: Vec<&str> = pids.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["sysmem", "producer", "consumer A", "consumer B"],
        "{out}"
    );
    let own = std::process::id();
    assert!(pids.iter().all(|&(_, pid)| pid != own));
    assert!(
        out.contains("sysmem      serving fuchsia.sysmem2.Allocator at "),
        "{out}"
    );
    assert!(out.contains("validation layer on"), "{out}");
    assert!(out.contains("0 validation message(s)"), "{out}");
    assert!(
        out.contains("sysmem allocated 3 buffer(s) of 65536 bytes"),
        "{out}"
    );
    for consumer in ["consumer A", "consumer B"] {
        let line = |needle: &str| {
            out.lines()
                .any(|l| l.contains(&format!("{consumer}  ")) && l.contains(needle))
        };
        assert!(
            line("received a token from the producer over a channel"),
            "{out}"
        );
        assert!(line("(WRITE absent)"), "{consumer}: {out}");
        assert!(
            line("verified 3 buffer(s) of 65536 bytes through read-only mappings"),
            "{out}"
        );
        assert!(line(
            "zx_vmo_write and a writable zx_vmar_map refused: ZX_ERR_ACCESS_DENIED"
        ));
        assert!(
            line("OS: 3 memfd description(s), each O_RDONLY: write(2) EBADF, writable shared mmap(2) EACCES"),
            "{consumer}: {out}"
        );
        assert!(
            out.contains(&format!("exit        {consumer} (exit status 0)")),
            "{out}"
        );
    }
    // The token B got cannot be duplicated.
    assert!(
        out.contains("consumer B a token (without DUPLICATE)"),
        "{out}"
    );
    assert!(out.contains("0 live handles, 0 VMOs, 0 mappings"), "{out}");
    assert!(out.contains("with 0 collection(s), 0 node(s) and 0 connection(s) still open"));
    assert!(out.contains("sysmem: closed its standard input; it stopped (exit status 0)"));
    assert!(
        out.contains("producer: SetConstraints → WaitForAllBuffersAllocated"),
        "{out}"
    );
    assert!(out.contains("demo passed"), "{out}");
    assert_nothing_left(&out, 4);
}

#[test]
fn a_participant_that_dies_mid_demo_ends_the_demo_and_leaves_nothing_running() {
    for (fault, who) in [("consumer-b", "consumer B"), ("producer", "producer")] {
        let output = vmo_interop(&["demo", "--fault", fault]);
        let (out, err) = (stdout(&output), stderr(&output));
        assert_eq!(output.status.code(), Some(1), "{fault}:\n{out}\n{err}");
        // The report says who ended first and how; the others fail because it did (the error
        // names whichever the demo reaped first).
        assert!(
            out.contains(&format!("exit        {who} (exit status 70)")),
            "{fault}: {out}"
        );
        assert!(err.contains("process failed"), "{fault}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        // The service itself was stopped, not killed.
        assert!(
            out.contains("sysmem: closed its standard input; it stopped"),
            "{out}"
        );
        assert_nothing_left(&out, 4);
    }
}

/// A `/proc/meminfo` standing for a machine with `available` bytes available.
fn fake_meminfo(name: &str, available: u64) -> PathBuf {
    let path = std::env::temp_dir().join(format!("vmo-interop-cli-{}-{name}", std::process::id()));
    std::fs::write(
        &path,
        format!(
            "MemTotal: 67108864 kB\nMemFree: 1024 kB\nMemAvailable: {} kB\n",
            available >> 10
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_request_larger_than_available_memory_is_refused_before_allocating() {
    let meminfo = fake_meminfo("demo", 16 << 30);
    for args in [
        &["demo", "--size", "1073741824", "--buffers", "64"][..],
        &[
            "demo",
            "--in-process",
            "--size",
            "1073741824",
            "--buffers",
            "64",
        ][..],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_vmo-interop"))
            .args(args)
            .env("VMO_INTEROP_MEMINFO", &meminfo)
            .output()
            .unwrap();
        assert_usage_error(
            &output,
            "a collection of 64 buffer(s) of 1 GiB needs 64.0 GiB of memory, but this machine \
             has 16.0 GiB available (MemAvailable in /proc/meminfo): pass a smaller --size or \
             fewer --buffers",
        );
        assert_eq!(stderr(&output).trim_end().lines().count(), 1, "{args:?}");
        // Refused before anything started.
        assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    }
    let small = fake_meminfo("bench", 100 << 20);
    let output = Command::new(env!("CARGO_BIN_EXE_vmo-interop"))
        .args(["bench", "--quick"])
        .env("VMO_INTEROP_MEMINFO", &small)
        .output()
        .unwrap();
    assert_usage_error(
        &output,
        "the benchmark needs 192.0 MiB of memory, but this machine has 100.0 MiB available",
    );
    let _ = std::fs::remove_file(meminfo);
    let _ = std::fs::remove_file(small);
}

#[test]
fn the_sysmem_subcommand_serves_until_stdin_closes_and_refuses_a_second_instance() {
    let dir = std::env::temp_dir().join(format!("vmo-interop-cli-sysmem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut first = Command::new(env!("CARGO_BIN_EXE_vmo-interop"))
        .arg("sysmem")
        .env("VMO_INTEROP_HOST_DIR", &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let serving = lines.next().unwrap().unwrap();
    let socket = dir.join("svc/fuchsia.sysmem2.Allocator");
    assert_eq!(
        serving,
        format!("serving fuchsia.sysmem2.Allocator at {}", socket.display())
    );
    let second = Command::new(env!("CARGO_BIN_EXE_vmo-interop"))
        .arg("sysmem")
        .env("VMO_INTEROP_HOST_DIR", &dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_usage_error(&second, "sysmem already serves fuchsia.sysmem2.Allocator");
    drop(first.stdin.take());
    assert!(first.wait().unwrap().success());
    assert!(lines
        .next()
        .unwrap()
        .unwrap()
        .starts_with("stopped (standard input closed)"));
    assert!(!socket.exists(), "a stopped service removes its socket");
    std::fs::remove_dir_all(&dir).unwrap();
}
