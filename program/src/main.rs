//! `vmo-interop`: the program a driver engineer runs first (probe), the end-to-end demonstration
//! (demo) and the benchmark matrix (bench).
//!
//! Exit codes: 0 success; 1 something the program checked went wrong (a FAIL line, a pattern
//! mismatch); 2 bad usage or a missing prerequisite (unknown flag, no such device, no Vulkan
//! driver), always with a one-line message that says what to do.

mod bench;
mod demo;
mod gpu;
mod probe;
mod report;
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
    /// a pattern that the consumers verify through read-only VMOs.
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

fn main() -> ExitCode {
    // clap exits with code 2 and a one-line hint on unknown flags or bad values.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Probe { json, device } => probe::run(json, device),
        Command::Demo {
            device,
            size,
            buffers,
        } => demo::run(device, size, buffers),
        Command::Bench {
            json,
            svg,
            device,
            quick,
        } => bench::run(json, svg.as_deref(), device, quick),
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
