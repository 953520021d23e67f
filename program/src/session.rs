//! One run of processes that the demo (or the Flatland demo) starts on a private host platform
//! directory: the sysmem service first, then the participants; their output as one report;
//! and the end, on every path: every process stopped and reaped, the directory removed.

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use crate::processes::{describe, Children, Line, PrivateHostDir, READY, TIMING};
use crate::report::human;
use crate::UsageError;

/// The longest the participants may take, in all, before the run gives up on them.
pub const LIMIT: Duration = Duration::from_secs(60);
/// How long the other participants get to exit on their own once one has failed.
pub const GRACE: Duration = Duration::from_secs(1);

pub struct Session {
    start: Instant,
    children: Children,
    dir: Option<PrivateHostDir>,
    timings: Vec<(String, Duration)>,
    /// Children whose output has ended.
    closed: usize,
    sysmem: Option<usize>,
    /// The last error line (`vmo-interop: ...`) each child printed.
    errors: std::collections::BTreeMap<usize, String>,
}

impl Session {
    /// Creates the private directory `vmo-interop-<name>-...` and says where it is.
    pub fn new(name: &str) -> Result<Self> {
        let start = Instant::now();
        let dir = PrivateHostDir::create(name)?;
        let session = Session {
            start,
            children: Children::new(dir.path()),
            dir: Some(dir),
            timings: Vec::new(),
            closed: 0,
            sysmem: None,
            errors: Default::default(),
        };
        if let Some(dir) = &session.dir {
            session.print(
                name,
                &format!(
                    "private host platform directory {} (its svc/ is the /svc of every process below)",
                    dir.path().display()
                ),
            );
        }
        Ok(session)
    }

    /// One line of the report: the time since the run started, who, what.
    pub fn print(&self, who: &str, text: &str) {
        println!("[{:>9}] {who:<11} {text}", human(self.start.elapsed()));
    }

    /// Records an interval for the timing table.
    pub fn timing(&mut self, label: &str, duration: Duration) {
        self.timings.push((label.to_owned(), duration));
    }

    /// Prints and records one line; true when it is `until` from child `child`.
    fn handle(&mut self, line: Line, until: Option<(usize, &str)>) -> bool {
        match line {
            Line::Text { child, text } => {
                if let Some(rest) = text.strip_prefix(TIMING) {
                    if let Some((nanos, label)) = rest.split_once('=') {
                        if let Ok(nanos) = nanos.parse() {
                            self.timing(label, Duration::from_nanos(nanos));
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
            Line::Error { child, text } => {
                // A child's own final error becomes part of the run's; the rest of its
                // stderr (a library's log lines) goes to this process's stderr, named.
                match text.strip_prefix("vmo-interop: ") {
                    Some(error) => {
                        self.errors.insert(child, error.to_owned());
                    }
                    None => eprintln!("{}: {text}", self.children.name(child)),
                }
                false
            }
            Line::Closed => {
                self.closed += 1;
                false
            }
        }
    }

    /// Starts this program with `args` as the process `name`.
    pub fn start(&mut self, name: &str, args: &[String]) -> Result<usize> {
        let child = self.children.spawn(name, args)?;
        let pid = self.children.pid(child);
        self.print("start", &format!("{name} (pid {pid})"));
        Ok(child)
    }

    /// Prints lines until child `child` prints one starting with `prefix`; fails when it exits
    /// first or [`LIMIT`] passes.
    pub fn wait_for(&mut self, child: usize, prefix: &str) -> Result<()> {
        let give_up = Instant::now() + LIMIT;
        loop {
            if let Some(line) = self.children.next_line(Duration::from_millis(20)) {
                if self.handle(line, Some((child, prefix))) {
                    return Ok(());
                }
                continue;
            }
            if let Some(status) = self.children.try_wait(child)? {
                self.drain();
                return Err(self.failure(child, status, "before it was ready"));
            }
            if Instant::now() > give_up {
                bail!(
                    "the {} process was not ready within {LIMIT:?}",
                    self.children.name(child)
                );
            }
        }
    }

    /// Starts `vmo-interop sysmem` and waits until it serves.
    pub fn start_sysmem(&mut self) -> Result<()> {
        let launch = Instant::now();
        let sysmem = self.start("sysmem", &["sysmem".to_owned()])?;
        self.wait_for(sysmem, "serving ")?;
        self.timing("sysmem: spawn → serving /svc", launch.elapsed());
        self.sysmem = Some(sysmem);
        Ok(())
    }

    /// Why `child` failed: its own error message, and a [`UsageError`] (exit code 2) when it
    /// exited with 2 (bad usage or a missing prerequisite, such as no such Vulkan device).
    fn failure(&self, child: usize, status: ExitStatus, when: &str) -> anyhow::Error {
        let error = self.errors.get(&child);
        match (status.code(), error) {
            (Some(2), Some(error)) => UsageError::new(error.clone()).into(),
            (_, Some(error)) => anyhow!(
                "the {} process failed ({}) {when}: {error}",
                self.children.name(child),
                describe(status)
            ),
            (_, None) => anyhow!(
                "the {} process failed ({}) {when}",
                self.children.name(child),
                describe(status)
            ),
        }
    }

    /// Waits until every one of `participants` has exited. The first that fails (or
    /// [`LIMIT`]) ends the others: those still running [`GRACE`] later (they normally fail on
    /// their own, their collection failed) are killed and reaped. Returns the first failure.
    pub fn wait_participants(&mut self, participants: &[usize]) -> Result<Option<anyhow::Error>> {
        let give_up = Instant::now() + LIMIT;
        let mut failed: Vec<(usize, ExitStatus)> = Vec::new();
        let mut timed_out = false;
        let mut kill_at: Option<Instant> = None;
        let mut done = vec![false; participants.len()];
        while done.iter().any(|d| !d) {
            if let Some(line) = self.children.next_line(Duration::from_millis(1)) {
                self.handle(line, None);
            }
            for (i, &child) in participants.iter().enumerate() {
                if done[i] {
                    continue;
                }
                if let Some(status) = self.children.try_wait(child)? {
                    done[i] = true;
                    let name = self.children.name(child).to_owned();
                    self.print("exit", &format!("{name} ({})", describe(status)));
                    if !status.success() {
                        failed.push((child, status));
                    }
                }
            }
            if !failed.is_empty() && kill_at.is_none() {
                kill_at = Some(Instant::now() + GRACE);
            }
            let now = Instant::now();
            if kill_at.is_some_and(|at| now > at) || now > give_up {
                for (i, &child) in participants.iter().enumerate() {
                    if !done[i] {
                        let name = self.children.name(child).to_owned();
                        let (status, killed) = self.children.kill(child)?;
                        let what = if killed { "stop" } else { "exit" };
                        self.print(what, &format!("{name} ({})", describe(status)));
                        done[i] = true;
                    }
                }
                timed_out = failed.is_empty();
            }
        }
        self.drain();
        if timed_out {
            return Ok(Some(anyhow!(
                "the participants did not finish within {LIMIT:?}"
            )));
        }
        // The first to fail is the cause; the others failed because it did.
        Ok(failed
            .first()
            .map(|&(child, status)| self.failure(child, status, "mid-run")))
    }

    /// Stops the sysmem service (closing its standard input; killing it after 5 s).
    pub fn stop_sysmem(&mut self) -> Result<()> {
        let Some(sysmem) = self.sysmem.take() else {
            return Ok(());
        };
        let (status, killed) = self.children.stop(sysmem, Duration::from_secs(5))?;
        self.drain();
        self.print(
            "stop",
            &format!(
                "sysmem: closed its standard input; it {} ({})",
                if killed {
                    "did not stop within 5 s and was killed"
                } else {
                    "stopped"
                },
                describe(status)
            ),
        );
        if killed || !status.success() {
            bail!(
                "the sysmem process did not stop cleanly ({})",
                describe(status)
            );
        }
        Ok(())
    }

    /// Prints the lines still queued: all of them once every child has exited.
    fn drain(&mut self) {
        let exited = self.children.exited_outputs();
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

    /// Ends the run on every path: kills and reaps whatever still runs, removes the
    /// directory (and says so), and on success prints the timing table.
    pub fn finish(&mut self, result: Result<()>) -> Result<()> {
        self.children.kill_all();
        self.drain();
        if let Some(dir) = self.dir.take() {
            let path = dir.path().to_owned();
            drop(dir);
            if path.exists() {
                return Err(anyhow!(
                    "the private directory {} is still there",
                    path.display()
                ));
            }
            self.print(
                "end",
                &format!(
                    "every process stopped and reaped; removed {}",
                    path.display()
                ),
            );
        }
        result?;
        println!("\nTimings (each measured by the process named):");
        for (label, duration) in &self.timings {
            println!("  {label:<62} {:>10}", human(*duration));
        }
        println!(
            "  {:<62} {:>10}",
            "all: start → every process reaped",
            human(self.start.elapsed())
        );
        Ok(())
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}
