//! The processes of a cross-process demo: a private host platform directory, children that are
//! this program run again with a hidden subcommand, and stopping them on every path.
//!
//! - [`PrivateHostDir`]: a fresh `VMO_INTEROP_HOST_DIR` (mode 0700) that every child gets, so
//!   that the demo's `/svc` (its sysmem service, the producer's link) is its own and never a
//!   sysmem another program runs; removed when dropped.
//! - [`Children`]: each child's stdin is a pipe that the demo never writes: its *lifeline*.
//!   A child sees end-of-file when the demo closes it or dies (even by SIGKILL) and exits
//!   ([`exit_with_parent`]), so no child outlives the demo. Each child's stdout lines are
//!   forwarded, with its name, to the demo ([`Line`]). Dropping [`Children`] kills and waits
//!   every child not yet waited, so an error anywhere in the demo leaves nothing running.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _, Result};

/// A private platform directory, removed (with everything in it) when dropped.
pub struct PrivateHostDir(PathBuf);

impl PrivateHostDir {
    /// Creates `$TMPDIR/vmo-interop-<name>-<pid>-<n>` with mode 0700.
    pub fn create(name: &str) -> Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::temp_dir();
        for n in 0..100 {
            let path = base.join(format!("vmo-interop-{name}-{}-{n}", std::process::id()));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(Self(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("creating {}", path.display()));
                }
            }
        }
        bail!("could not create a private directory in {}", base.display())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PrivateHostDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One line a child printed (on stdout, or on stderr), or the end of one of its outputs.
pub enum Line {
    Text { child: usize, text: String },
    Error { child: usize, text: String },
    Closed,
}

struct Running {
    name: String,
    child: Child,
    /// The lifeline: closing it tells the child to stop.
    stdin: Option<ChildStdin>,
    status: Option<ExitStatus>,
}

/// The children of one demo. Their output arrives on [`Children::lines`].
pub struct Children {
    running: Vec<Running>,
    host_dir: PathBuf,
    sender: mpsc::Sender<Line>,
    lines: mpsc::Receiver<Line>,
}

impl Children {
    pub fn new(host_dir: &Path) -> Self {
        let (sender, lines) = mpsc::channel();
        Self {
            running: Vec::new(),
            host_dir: host_dir.to_owned(),
            sender,
            lines,
        }
    }

    /// Starts this program with `args` (a hidden subcommand) as the child `name`; returns its
    /// index.
    pub fn spawn(&mut self, name: &str, args: &[String]) -> Result<usize> {
        let exe = std::env::current_exe().context("finding this program's own binary")?;
        let mut child = Command::new(&exe)
            .args(args)
            .env("VMO_INTEROP_HOST_DIR", &self.host_dir)
            // The platform's `/svc` is the private directory's, whatever the caller set.
            .env_remove("VMO_INTEROP_SVC_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting the {name} process ({})", exe.display()))?;
        let index = self.running.len();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        self.running.push(Running {
            name: name.to_owned(),
            child,
            stdin,
            status: None,
        });
        let stdout = stdout.ok_or_else(|| anyhow!("the {name} process has no stdout pipe"))?;
        let stderr = stderr.ok_or_else(|| anyhow!("the {name} process has no stderr pipe"))?;
        self.forward(stdout, move |text| Line::Text { child: index, text });
        self.forward(stderr, move |text| Line::Error { child: index, text });
        Ok(index)
    }

    /// Forwards each line of `pipe` (until it closes) as `line(text)`, then [`Line::Closed`].
    fn forward(
        &self,
        pipe: impl Read + Send + 'static,
        line: impl Fn(String) -> Line + Send + 'static,
    ) {
        let sender = self.sender.clone();
        std::thread::spawn(move || {
            for text in BufReader::new(pipe).lines() {
                let Ok(text) = text else { break };
                if sender.send(line(text)).is_err() {
                    return;
                }
            }
            let _ = sender.send(Line::Closed);
        });
    }

    pub fn name(&self, child: usize) -> &str {
        self.running.get(child).map_or("?", |r| r.name.as_str())
    }

    pub fn pid(&self, child: usize) -> u32 {
        self.running.get(child).map_or(0, |r| r.child.id())
    }

    /// The next line any child printed, waiting at most `timeout`.
    pub fn next_line(&self, timeout: Duration) -> Option<Line> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// The exit status of `child` if it has exited (reaping it).
    pub fn try_wait(&mut self, child: usize) -> Result<Option<ExitStatus>> {
        let running = self
            .running
            .get_mut(child)
            .ok_or_else(|| anyhow!("no child {child}"))?;
        if running.status.is_none() {
            running.status = running
                .child
                .try_wait()
                .with_context(|| format!("waiting for the {} process", running.name))?;
        }
        Ok(running.status)
    }

    /// Closes `child`'s lifeline and waits up to `grace` for it to exit; kills it after that.
    /// Returns its status and whether it had to be killed.
    pub fn stop(&mut self, child: usize, grace: Duration) -> Result<(ExitStatus, bool)> {
        if let Some(running) = self.running.get_mut(child) {
            running.stdin = None;
        }
        let give_up = Instant::now() + grace;
        loop {
            if let Some(status) = self.try_wait(child)? {
                return Ok((status, false));
            }
            if Instant::now() >= give_up {
                return self.kill(child);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Kills `child` (SIGKILL) unless it has exited, and reaps it. Returns its status and
    /// whether it had to be killed.
    pub fn kill(&mut self, child: usize) -> Result<(ExitStatus, bool)> {
        if let Some(status) = self.try_wait(child)? {
            return Ok((status, false));
        }
        let running = self
            .running
            .get_mut(child)
            .ok_or_else(|| anyhow!("no child {child}"))?;
        // An error means it has exited meanwhile; `wait` reaps it either way.
        let _ = running.child.kill();
        let status = running
            .child
            .wait()
            .with_context(|| format!("waiting for the {} process", running.name))?;
        running.status = Some(status);
        Ok((status, true))
    }

    /// How many outputs (two per child) of the children that have exited.
    pub fn exited_outputs(&self) -> usize {
        2 * self.running.iter().filter(|r| r.status.is_some()).count()
    }

    /// Kills and reaps every child still running.
    pub fn kill_all(&mut self) {
        for child in 0..self.running.len() {
            let _ = self.kill(child);
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// In a child: exits (status 3) as soon as the demo that started it closes the lifeline or
/// dies, from a thread watching stdin, so that a child never outlives its demo.
pub fn exit_with_parent() {
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        std::process::exit(3);
    });
}

/// How a child ended, in words: `exit status 0`, `killed by signal 9`.
pub fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => format!("{status}"),
    }
}

/// In a child: one line of its report, which the demo prints with the child's name.
pub fn say(text: impl AsRef<str>) {
    println!("{}", text.as_ref());
}

/// In a child: one measured interval, which the demo collects into its timing table.
pub fn timing(label: &str, duration: Duration) {
    println!("{TIMING}{}={label}", duration.as_nanos());
}

/// In a child: a line the demo waits for before it starts the next process.
pub fn ready() {
    println!("{READY}");
}

/// Marks a timing line: `@time <nanoseconds>=<label>`.
pub const TIMING: &str = "@time ";
/// The line a child prints once the next process can reach it.
pub const READY: &str = "@ready";
