//! `vmo-interop`: the program a driver engineer runs first (probe), the end-to-end demonstration
//! (demo) and the benchmark matrix (bench).
//!
//! Exit codes: 0 success; 1 something the program checked went wrong (a FAIL line, a pattern
//! mismatch); 2 bad usage or a missing prerequisite (unknown flag, no such device, no Vulkan
//! driver), always with a one-line message that says what to do.

mod bench;
mod demo;
#[cfg(target_os = "linux")]
mod demo_consumer;
#[cfg(target_os = "linux")]
mod demo_processes;
#[cfg(target_os = "linux")]
mod demo_producer;
#[cfg(target_os = "linux")]
mod flatland;
#[cfg(target_os = "linux")]
mod flatland_client;
#[cfg(target_os = "linux")]
mod flatland_compositor;
mod gpu;
#[cfg(target_os = "linux")]
mod link;
mod memory;
mod probe;
#[cfg(target_os = "linux")]
mod processes;
#[cfg(target_os = "linux")]
mod read_only;
mod report;
#[cfg(target_os = "linux")]
mod session;
#[cfg(target_os = "linux")]
mod sysmem_service;
mod vk_error;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Zero-copy memory sharing between Vulkan and Zircon VMOs.
#[derive(Parser)]
#[command(name = "vmo-interop", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// For each Vulkan device: how VK_FUCHSIA_external_memory is provided, which memory types
    /// take VMOs, the external buffer/image properties, and a live self-test (PASS/FAIL lines).
    Probe {
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// Probe only this physical device (index as listed by the probe).
        #[arg(long)]
        device: Option<usize>,
    },
    /// A producer and two consumers share a sysmem2 buffer collection; the producer's GPU writes
    /// a pattern that the consumers verify through read-only VMOs. On a Linux host the sysmem
    /// service, the producer and each consumer are processes of their own (started and stopped
    /// by the demo, on a private host platform directory); --in-process runs them all in this
    /// one.
    Demo {
        /// The physical device to render on.
        #[arg(long, default_value_t = 0)]
        device: usize,
        /// Bytes per buffer.
        #[arg(long, default_value_t = 1 << 20, value_parser = clap::value_parser!(u64).range(4..=1 << 30))]
        size: u64,
        /// Buffers in the collection.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
        buffers: u32,
        /// Run the producer and the consumers (and, off Fuchsia, sysmem) in this one process:
        /// the only form on Fuchsia and macOS.
        #[arg(long)]
        in_process: bool,
        /// Make one process exit mid-demo (to test that the demo still stops everything).
        #[cfg(target_os = "linux")]
        #[arg(long, hide = true, value_enum)]
        fault: Option<demo_processes::Fault>,
    },
    /// A Flatland-style client process renders 3 frames with the GPU into a sysmem collection
    /// of 3 images; a compositor process reads them at sysmem's bytes_per_row and writes them,
    /// side by side, as a PNG.
    Flatland {
        /// The PNG to write.
        #[arg(long, value_name = "FILE", default_value = "flatland.png")]
        out: std::path::PathBuf,
        /// Each frame's width in pixels (odd by default, so that a row is not width x 4 bytes).
        #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u32).range(5..=4096))]
        width: u32,
        /// Each frame's height in pixels.
        #[arg(long, default_value_t = 160, value_parser = clap::value_parser!(u32).range(4..=4096))]
        height: u32,
        /// The physical device the client renders on.
        #[arg(long, default_value_t = 0)]
        device: usize,
    },
    /// The Flatland demo's client process (started by `flatland`).
    #[command(hide = true)]
    FlatlandClient {
        #[arg(long)]
        device: usize,
        #[arg(long)]
        width: u32,
        #[arg(long)]
        height: u32,
    },
    /// The Flatland demo's compositor process (started by `flatland`).
    #[command(hide = true)]
    FlatlandCompositor {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Serve fuchsia.sysmem2.Allocator in the host's /svc ($VMO_INTEROP_HOST_DIR/svc) until
    /// standard input closes: the host sysmem service as a process of its own.
    Sysmem,
    /// The cross-process demo's producer process (started by `demo`).
    #[command(hide = true)]
    DemoProducer {
        #[arg(long)]
        device: usize,
        #[arg(long)]
        size: u64,
        #[arg(long)]
        buffers: u32,
        #[arg(long)]
        fault: bool,
    },
    /// One consumer process of the cross-process demo (started by `demo`).
    #[command(hide = true)]
    DemoConsumer {
        #[arg(long)]
        name: String,
        #[arg(long)]
        size: u64,
        #[arg(long)]
        fault: bool,
        #[arg(long)]
        hang: bool,
    },
    /// The benchmark matrix: export/import against raw Vulkan calls, zero-copy import against
    /// copying through a staging buffer, sysmem2 allocation against direct VMO creation.
    Bench {
        /// Print one JSON document instead of a table.
        #[arg(long)]
        json: bool,
        /// Also write an SVG plot of latency against size (zero-copy import vs. copying).
        #[arg(long, value_name = "FILE")]
        svg: Option<std::path::PathBuf>,
        /// The physical device to measure.
        #[arg(long, default_value_t = 0)]
        device: usize,
        /// Fewer sizes and repetitions (seconds instead of a minute).
        #[arg(long)]
        quick: bool,
    },
}

/// A problem with how the program was called or with what the machine lacks: exit code 2.
#[derive(Debug)]
pub struct UsageError(String);

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// What a subcommand concluded: every check passed, or some failed (already reported).
pub enum Outcome {
    Pass,
    Fail,
}

/// `vmo-interop sysmem`.
fn sysmem() -> anyhow::Result<Outcome> {
    #[cfg(target_os = "linux")]
    return sysmem_service::run();
    #[cfg(not(target_os = "linux"))]
    Err(UsageError::new("the host sysmem service runs on a Linux host").into())
}

/// What a Linux-only subcommand does elsewhere.
#[cfg(not(target_os = "linux"))]
fn linux_only<T>(_arguments: T) -> anyhow::Result<Outcome> {
    Err(UsageError::new("this subcommand runs on a Linux host").into())
}

fn main() -> ExitCode {
    // clap exits with code 2 and a one-line hint on unknown flags or bad values.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Probe { json, device } => probe::run(json, device),
        Command::Demo {
            device,
            size,
            buffers,
            in_process,
            #[cfg(target_os = "linux")]
            fault,
        } => memory::check(
            &format!(
                "a collection of {buffers} buffer(s) of {}",
                report::bytes(size)
            ),
            size.saturating_mul(u64::from(buffers)),
            "pass a smaller --size or fewer --buffers",
        )
        .and_then(|()| {
            if in_process {
                return demo::run(device, size, buffers);
            }
            #[cfg(target_os = "linux")]
            return demo_processes::run(device, size, buffers, fault);
            // Elsewhere the participants share one process (on Fuchsia, sysmem is the
            // system's, a process of its own already).
            #[cfg(not(target_os = "linux"))]
            demo::run(device, size, buffers)
        }),
        Command::Sysmem => sysmem(),
        Command::DemoProducer {
            device,
            size,
            buffers,
            fault,
        } => {
            #[cfg(target_os = "linux")]
            let result = demo_producer::run(device, size, buffers, fault);
            #[cfg(not(target_os = "linux"))]
            let result = linux_only((device, size, buffers, fault));
            result
        }
        Command::DemoConsumer {
            name,
            size,
            fault,
            hang,
        } => {
            #[cfg(target_os = "linux")]
            let result = demo_consumer::run(&name, size, fault, hang);
            #[cfg(not(target_os = "linux"))]
            let result = linux_only((name, size, fault, hang));
            result
        }
        Command::Flatland {
            out,
            width,
            height,
            device,
        } => memory::check(
            &format!("{width}x{height} frames"),
            // 3 images of up to 8 bytes a pixel (row padding included), and the picture.
            u64::from(width) * u64::from(height) * (3 * 8 + 3 * 4),
            "pass a smaller --width or --height",
        )
        .and_then(|()| {
            #[cfg(target_os = "linux")]
            let result = flatland::run(&out, width, height, device);
            #[cfg(not(target_os = "linux"))]
            let result = linux_only((out, width, height, device));
            result
        }),
        Command::FlatlandClient {
            device,
            width,
            height,
        } => {
            #[cfg(target_os = "linux")]
            let result = flatland_client::run(device, width, height);
            #[cfg(not(target_os = "linux"))]
            let result = linux_only((device, width, height));
            result
        }
        Command::FlatlandCompositor { out } => {
            #[cfg(target_os = "linux")]
            let result = flatland_compositor::run(&out);
            #[cfg(not(target_os = "linux"))]
            let result = linux_only(out);
            result
        }
        Command::Bench {
            json,
            svg,
            device,
            quick,
        } => memory::check(
            "the benchmark",
            memory::bench_peak(quick),
            "free some memory, or pass --quick (largest size 64 MiB)",
        )
        .and_then(|()| bench::run(json, svg.as_deref(), device, quick)),
    };
    match result {
        Ok(Outcome::Pass) => ExitCode::SUCCESS,
        Ok(Outcome::Fail) => ExitCode::from(1),
        Err(error) => {
            if let Some(usage) = error.downcast_ref::<UsageError>() {
                eprintln!("vmo-interop: {usage}");
                ExitCode::from(2)
            } else {
                eprintln!("vmo-interop: {error:#}");
                ExitCode::from(1)
            }
        }
    }
}
