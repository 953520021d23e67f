//! `vmo-interop demo` across processes (the default on a Linux host): the sysmem service, the
//! producer and two consumers each run as a process of their own, started by this one on a
//! private host platform directory and stopped by it on every path.
//!
//! 1. `vmo-interop sysmem` serves `fuchsia.sysmem2.Allocator` in the private `/svc`;
//! 2. `vmo-interop demo-producer` connects to it, allocates a shared collection, duplicates
//!    two tokens and serves `/svc/vmo-interop.demo.producer`;
//! 3. two `vmo-interop demo-consumer` processes connect to the producer and receive their
//!    tokens over the channel; everyone sets constraints; sysmem allocates;
//! 4. the producer's GPU writes the pattern; each consumer verifies it through read-only
//!    mappings and shows that the kernel and the OS refuse its writes;
//! 5. the participants release and exit; closing the service's standard input stops it.
//!
//! The report is each process's lines, with the time since the demo started and the process's
//! name, then a table of the intervals each process measured. Any process that fails ends the
//! demo: the others are killed and reaped, and the private directory is removed.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use crate::processes::{describe, Children, Line, PrivateHostDir, READY, TIMING};
use crate::report::human;
use crate::Outcome;

/// The longest the participants may take, in all, before the demo gives up on them.
const LIMIT: Duration = Duration::from_secs(60);

/// Which process the hidden `--fault` option makes exit mid-demo without releasing its
/// collection, as a crash would (for the tests of clean-up).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
    Producer,
    ConsumerA,
    ConsumerB,
}

struct Demo {
    start: Instant,
    children: Children,
    timings: Vec<(String, Duration)>,
    /// Children whose output has ended.
    closed: usize,
}

impl Demo {
    fn print(&self, who: &str, text: &str) {
        println!("[{:>9}] {who:<10} {text}", human(self.start.elapsed()));
    }

    /// Prints and records one line; true when it is `until` from child `child`.
    fn handle(&mut self, line: Line, until: Option<(usize, &str)>) -> bool {
        match line {
            Line::Text { child, text } => {
                if let Some(rest) = text.strip_prefix(TIMING) {
                    if let Some((nanos, label)) = rest.split_once('=') {
                        if let Ok(nanos) = nanos.parse() {
                            self.timings
                                .push((label.to_owned(), Duration::from_nanos(nanos)));
                        }
                    }
                    return false;
                }
                let hit = until.is_some_and(|(c, prefix)| c == child && text.starts_with(prefix));
                if text != READY {
                    self.print(self.children.name(child), &text);
                }
                hit
            }
            Line::Closed => {
                self.closed += 1;
                false
            }
        }
    }

    /// Prints lines until child `child` prints one starting with `prefix`; fails when it exits
    /// first or `LIMIT` passes.
    fn wait_for(&mut self, child: usize, prefix: &str) -> Result<()> {
        let give_up = Instant::now() + LIMIT;
        loop {
            if let Some(line) = self.children.next_line(Duration::from_millis(20)) {
                if self.handle(line, Some((child, prefix))) {
                    return Ok(());
                }
                continue;
            }
            if let Some(status) = self.children.try_wait(child)? {
                bail!(
                    "the {} process ended ({}) before it was ready",
                    self.children.name(child),
                    describe(status)
                );
            }
            if Instant::now() > give_up {
                bail!(
                    "the {} process was not ready within {LIMIT:?}",
                    self.children.name(child)
                );
            }
        }
    }

    /// Prints the lines still queued: all of them once every child has exited.
    fn drain(&mut self) {
        let exited = self.children.exited();
        while self.closed < exited {
            let Some(line) = self.children.next_line(Duration::from_millis(500)) else {
                break;
            };
            self.handle(line, None);
        }
        while let Some(line) = self.children.next_line(Duration::ZERO) {
            self.handle(line, None);
        }
    }

    fn start(&mut self, name: &str, args: &[String]) -> Result<usize> {
        let child = self.children.spawn(name, args)?;
        let pid = self.children.pid(child);
        self.print("demo", &format!("started {name} (pid {pid})"));
        Ok(child)
    }
}

pub fn run(device: usize, size: u64, buffers: u32, fault: Option<Fault>) -> Result<Outcome> {
    let start = Instant::now();
    let dir = PrivateHostDir::create("demo")?;
    let mut demo = Demo {
        start,
        children: Children::new(dir.path()),
        timings: Vec::new(),
        closed: 0,
    };
    demo.print(
        "demo",
        &format!(
            "private host platform directory {} (its svc/ is the /svc of every process below)",
            dir.path().display()
        ),
    );
    let result = run_processes(&mut demo, device, size, buffers, fault);
    // On every path: whatever still runs is killed and reaped, then the directory goes.
    demo.children.kill_all();
    demo.drain();
    let path = dir.path().to_owned();
    drop(dir);
    if path.exists() {
        bail!("the private directory {} is still there", path.display());
    }
    demo.print(
        "demo",
        &format!(
            "every process stopped and reaped; removed {}",
            path.display()
        ),
    );
    let outcome = result?;

    println!("\nTimings (each measured by the process named):");
    for (label, duration) in &demo.timings {
        println!("  {:<62} {:>10}", label, human(*duration));
    }
    println!(
        "  {:<62} {:>10}",
        "demo: start of the first process → last process reaped",
        human(start.elapsed())
    );
    println!(
        "demo {} in {}",
        if matches!(outcome, Outcome::Pass) {
            "passed"
        } else {
            "FAILED"
        },
        human(start.elapsed())
    );
    Ok(outcome)
}

fn run_processes(
    demo: &mut Demo,
    device: usize,
    size: u64,
    buffers: u32,
    fault: Option<Fault>,
) -> Result<Outcome> {
    let launch = Instant::now();
    let sysmem = demo.start("sysmem", &["sysmem".to_owned()])?;
    demo.wait_for(sysmem, "serving ")?;
    demo.timings
        .push(("sysmem: spawn → serving /svc".to_owned(), launch.elapsed()));

    let common = |role: &str| {
        let mut args = vec![role.to_owned(), "--size".to_owned(), size.to_string()];
        if role == "demo-producer" {
            args.extend(["--device".to_owned(), device.to_string()]);
            args.extend(["--buffers".to_owned(), buffers.to_string()]);
        }
        args
    };
    let mut producer_args = common("demo-producer");
    if fault == Some(Fault::Producer) {
        producer_args.push("--fault".to_owned());
    }
    let producer = demo.start("producer", &producer_args)?;
    demo.wait_for(producer, READY)?;
    let mut participants = vec![producer];
    for (name, letter, injected) in [
        ("consumer A", "A", Fault::ConsumerA),
        ("consumer B", "B", Fault::ConsumerB),
    ] {
        let mut args = common("demo-consumer");
        args.extend(["--name".to_owned(), letter.to_owned()]);
        if fault == Some(injected) {
            args.push("--fault".to_owned());
        }
        participants.push(demo.start(name, &args)?);
    }

    // Until every participant has exited; the first failure stops the others.
    let give_up = Instant::now() + LIMIT;
    let mut failed = Vec::new();
    let mut done = vec![false; participants.len()];
    while done.iter().any(|d| !d) {
        if let Some(line) = demo.children.next_line(Duration::from_millis(5)) {
            demo.handle(line, None);
        }
        for (i, &child) in participants.iter().enumerate() {
            if done[i] {
                continue;
            }
            if let Some(status) = demo.children.try_wait(child)? {
                done[i] = true;
                let name = demo.children.name(child).to_owned();
                demo.print("demo", &format!("{name} exited ({})", describe(status)));
                if !status.success() {
                    failed.push(format!("{name} ({})", describe(status)));
                }
            }
        }
        if !failed.is_empty() || Instant::now() > give_up {
            for (i, &child) in participants.iter().enumerate() {
                if !done[i] {
                    let name = demo.children.name(child).to_owned();
                    let status = demo.children.kill(child)?;
                    demo.print("demo", &format!("stopped {name} ({})", describe(status)));
                    done[i] = true;
                }
            }
            if failed.is_empty() {
                failed.push(format!("the participants did not finish within {LIMIT:?}"));
            }
        }
    }
    demo.drain();

    let (status, killed) = demo.children.stop(sysmem, Duration::from_secs(5))?;
    demo.drain();
    demo.print(
        "demo",
        &format!(
            "closed the sysmem process's standard input: it {} ({})",
            if killed {
                "did not stop in 5 s and was killed"
            } else {
                "stopped"
            },
            describe(status)
        ),
    );
    if !failed.is_empty() {
        return Err(anyhow!("the demo failed: {}", failed.join(", ")));
    }
    if killed || !status.success() {
        bail!(
            "the sysmem process did not stop cleanly ({})",
            describe(status)
        );
    }
    Ok(Outcome::Pass)
}
