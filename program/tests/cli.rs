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

#[test]
fn a_participant_that_hangs_after_another_died_is_killed_and_reaped() {
    let output = vmo_interop(&["demo", "--fault", "consumer-b-while-a-hangs"]);
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(1), "{out}\n{err}");
    assert!(
        out.contains("exit        consumer B (exit status 70)"),
        "{out}"
    );
    assert!(
        out.contains("consumer A  injected fault: this consumer hangs"),
        "{out}"
    );
    assert!(
        out.contains("stop        consumer A (killed by signal 9)"),
        "{out}"
    );
    assert!(
        out.contains("sysmem: closed its standard input; it stopped"),
        "{out}"
    );
    assert_nothing_left(&out, 4);
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

/// The Flatland demo's frames, as `vmo-interop flatland` documents them: frame `i` is
/// background `BACKGROUNDS[i]` with a white rectangle `width / 5` x `height / 2`, a quarter of
/// the height down, its left edge at `(width - width / 5) * i / 2`; the frames sit side by
/// side, 8 pixels of (32, 32, 32) apart.
fn expected_pixel(x: u32, y: u32, width: u32, height: u32) -> [u8; 4] {
    const BACKGROUNDS: [[u8; 4]; 3] = [[204, 51, 51, 255], [51, 153, 51, 255], [51, 102, 204, 255]];
    let (frame, x) = (x / (width + 8), x % (width + 8));
    if x >= width {
        return [32, 32, 32, 255];
    }
    let (w, h) = (width / 5, height / 2);
    let left = (width - w) * frame / 2;
    let top = height / 4;
    if (left..left + w).contains(&x) && (top..top + h).contains(&y) {
        [255, 255, 255, 255]
    } else {
        BACKGROUNDS[frame as usize]
    }
}

#[test]
fn flatland_composites_the_gpu_frames_at_sysmems_row_pitch() {
    for (width, height) in [(250u32, 160u32), (1023, 64)] {
        let path = std::env::temp_dir().join(format!(
            "vmo-interop-cli-{}-flatland-{width}.png",
            std::process::id()
        ));
        let output = vmo_interop(&[
            "flatland",
            "--out",
            path.to_str().unwrap(),
            "--width",
            &width.to_string(),
            "--height",
            &height.to_string(),
        ]);
        let out = stdout(&output);
        assert!(
            output.status.success(),
            "flatland failed:\n{out}\n{}",
            stderr(&output)
        );
        let (pids, _) = started(&out);
        let names: Vec<&str> = pids.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["sysmem", "compositor", "client"], "{out}");
        assert_nothing_left(&out, 3);
        assert!(out.contains("validation layer on"), "{out}");
        assert!(out.contains("0 validation message(s)"), "{out}");
        // The compositor read at sysmem's pitch, which the driver's alignment padded.
        let pitch: u32 = out
            .lines()
            .find_map(|l| {
                l.split_once("compositor  sysmem allocated 3 image(s): bytes_per_row ")?
                    .1
                    .split_once(' ')
            })
            .map(|(pitch, _)| pitch.parse().unwrap())
            .unwrap_or_else(|| panic!("the compositor reports bytes_per_row: {out}"));
        assert!(pitch >= width * 4, "{out}");
        assert!(
            out.contains(&format!("(width x 4 = {})", width * 4)),
            "{out}"
        );
        for frame in 0..3 {
            assert!(
                out.contains(&format!(
                    "frame {frame}: rendered into image {frame} on the GPU"
                )),
                "{out}"
            );
        }

        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), (3 * width + 16, height));
        assert_eq!(info.color_type, png::ColorType::Rgba);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let mut wrong = Vec::new();
        for y in 0..height {
            for x in 0..info.width {
                let at = (y * info.width + x) as usize * 4;
                let got: [u8; 4] = pixels[at..at + 4].try_into().unwrap();
                if got != expected_pixel(x, y, width, height) {
                    wrong.push((x, y, got));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {} pixels differ from the frames' patterns, first {:?}",
            wrong.len(),
            info.width * height,
            &wrong[..wrong.len().min(5)]
        );
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn flatland_checks_its_output_path_before_starting_anything() {
    let output = vmo_interop(&["flatland", "--out", "/nonexistent/dir/x.png"]);
    assert_usage_error(&output, "cannot write /nonexistent/dir/x.png");
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
}
