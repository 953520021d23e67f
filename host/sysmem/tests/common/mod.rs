//! The service process, participant processes (this test binary run again as a child), and
//! the channel a test uses to hand a child its token.

#![allow(dead_code)] // Each test binary uses part of it.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use vmo_interop::zx::{self, AsHandleRef, HandleBased};

pub const SERVICE: &str = env!("CARGO_BIN_EXE_vmo-interop-sysmem");
/// The env var that makes this test binary run a participant role.
pub const ROLE: &str = "VMO_INTEROP_SYSMEM_TEST_ROLE";
/// The `/svc` name of the channel a child connects to for its token.
pub const LINK: &str = "vmo-interop.test.link";

pub fn deadline() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(Duration::from_secs(10))
}

/// One test at a time: each points this process's `/svc` (an env var) at its own directory.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A private `/svc` directory for this process and its children.
pub fn private_svc() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // Safe in edition 2021; `serial()` keeps the tests of this binary from racing on it.
    std::env::set_var("VMO_INTEROP_SVC_DIR", dir.path());
    dir
}

/// A running `vmo-interop-sysmem`.
pub struct ServiceProcess {
    pub child: Child,
    _stdout: BufReader<ChildStdout>,
    /// Drains the service's stderr (so that its log never fills the pipe) until it exits.
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl ServiceProcess {
    /// Starts the service on `svc` and waits for its "serving" line.
    pub fn start(svc: &Path) -> ServiceProcess {
        let mut child = Command::new(SERVICE)
            .env("VMO_INTEROP_SVC_DIR", svc)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // VMO_INTEROP_SYSMEM_TEST_STDERR=inherit shows the service's log while debugging.
            .stderr(
                match std::env::var("VMO_INTEROP_SYSMEM_TEST_STDERR").as_deref() {
                    Ok("inherit") => Stdio::inherit(),
                    _ => Stdio::piped(),
                },
            )
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let stderr = child.stderr.take().map(|mut stderr: ChildStderr| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                text
            })
        });
        let mut service = ServiceProcess {
            child,
            _stdout: stdout,
            stderr,
        };
        assert!(
            line.starts_with("serving fuchsia.sysmem2.Allocator at "),
            "the service did not start: {line:?}; stderr: {}",
            service.stderr_after_exit()
        );
        service
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Open file descriptors of the service process.
    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .count()
    }

    /// Waits (bounded) until the service's fd count is `baseline`.
    pub fn until_fds(&self, baseline: usize) {
        let give_up = Instant::now() + Duration::from_secs(10);
        while self.fds() != baseline {
            assert!(
                Instant::now() < give_up,
                "the service holds {} fds, {baseline} before",
                self.fds()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The service's fd count once idle after a first client came and went (the kernel's
    /// own files are open by then).
    pub fn idle_fds(&self) -> usize {
        let allocator = vmo_interop::sysmem::Allocator::connect().unwrap();
        let collection = allocator.allocate_non_shared_collection().unwrap();
        collection.sync(deadline()).unwrap();
        collection.release().unwrap();
        drop(allocator);
        let mut last = self.fds();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let now = self.fds();
            if now == last {
                return now;
            }
            last = now;
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends `signal` and returns the exit status and stderr.
    pub fn stop(mut self, signal: libc::c_int) -> (std::process::ExitStatus, String) {
        let pid = libc::pid_t::try_from(self.pid()).unwrap();
        // SAFETY: kill has no memory-safety preconditions; `pid` is our child, not yet reaped.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let status = self.child.wait().unwrap();
        (status, self.stderr_after_exit())
    }

    pub fn stderr_after_exit(&mut self) -> String {
        match self.stderr.take() {
            Some(reader) => reader.join().unwrap_or_default(),
            None => String::new(),
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// This test binary, run again as a participant with `role`.
pub fn spawn_participant(role: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "participant", "--nocapture"])
        .args(["--test-threads=1"])
        .env(ROLE, role)
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

/// Serves [`LINK`] and returns the channel of the first child that connects.
pub struct Link(zx::Channel);

impl Link {
    pub fn listen() -> Link {
        Link(vmo_interop::platform::host::serve(LINK).unwrap())
    }

    pub fn accept(&self) -> zx::Channel {
        self.0
            .wait_handle(zx::Signals::CHANNEL_READABLE, deadline())
            .to_result()
            .unwrap();
        let (mut bytes, mut handles) = (Vec::new(), Vec::new());
        self.0.read_etc(&mut bytes, &mut handles).unwrap();
        zx::Channel::from_handle(handles.remove(0).handle)
    }
}

/// Reads one message (bounded wait).
pub fn receive(channel: &zx::Channel) -> (Vec<u8>, Vec<zx::Handle>) {
    channel
        .wait_handle(zx::Signals::CHANNEL_READABLE, deadline())
        .to_result()
        .unwrap();
    let (mut bytes, mut handles) = (Vec::new(), Vec::new());
    channel.read_etc(&mut bytes, &mut handles).unwrap();
    (bytes, handles.into_iter().map(|info| info.handle).collect())
}

pub fn svc_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
