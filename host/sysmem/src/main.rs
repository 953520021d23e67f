//! `vmo-interop-sysmem`: the host sysmem service as a process of its own. It serves
//! `fuchsia.sysmem2.Allocator` in the host's `/svc` directory (`$VMO_INTEROP_SVC_DIR`, or
//! `$VMO_INTEROP_HOST_DIR/svc`, or `/tmp/vmo-interop-<uid>/svc`), where `Allocator::connect()`
//! of every process on the host reaches it, until SIGTERM, SIGINT or SIGHUP stops it (closing
//! every channel and VMO it holds and removing its socket) or SIGKILL kills it (the next start
//! replaces the socket left behind).
//!
//! Exit status: 0 after a stop by signal; 2 when sysmem already runs on this `/svc`; 1 on
//! any other failure to start. Once serving, it prints one line to stdout,
//! `serving fuchsia.sysmem2.Allocator at <path>`, so that a script (or a test) knows it is up.

#[cfg(target_os = "linux")]
mod signals;

#[cfg(target_os = "linux")]
fn main() -> std::process::ExitCode {
    use std::io::Write;
    use std::process::ExitCode;
    use vmo_interop::sysmem::host::ALLOCATOR_PROTOCOL;
    use vmo_interop::sysmem::HostSysmem;
    use vmo_interop::zx::Status;

    if std::env::args().len() > 1 {
        eprintln!("usage: vmo-interop-sysmem (no arguments; stop it with SIGTERM or SIGINT)");
        return ExitCode::from(1);
    }
    // Before any thread starts, so that every thread inherits the mask and the signals wait
    // for `signals::wait` instead of killing the process.
    let stop = match signals::block() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("vmo-interop-sysmem: cannot block the stop signals: {e}");
            return ExitCode::from(1);
        }
    };
    let fd_limit = signals::raise_fd_limit();
    let socket = svc_dir().join(ALLOCATOR_PROTOCOL);
    let left_behind = socket.exists();
    let service = match HostSysmem::serve() {
        Ok(service) => service,
        Err(Status::ALREADY_EXISTS) => {
            eprintln!(
                "vmo-interop-sysmem: sysmem is already running on {} (another process holds \
                 its lock); stop that one first, or set VMO_INTEROP_SVC_DIR to another directory",
                socket.display()
            );
            return ExitCode::from(2);
        }
        Err(status) => {
            eprintln!(
                "vmo-interop-sysmem: cannot serve {}: {status} (is the directory writable?)",
                socket.display()
            );
            return ExitCode::from(1);
        }
    };
    if left_behind {
        eprintln!(
            "vmo-interop-sysmem: replaced the stale socket {} left by a sysmem that did not stop \
             cleanly (nobody held its lock)",
            socket.display()
        );
    }
    eprintln!(
        "vmo-interop-sysmem: up to {fd_limit} open files: about {} client channels and VMOs",
        fd_limit / 2
    );
    println!("serving {ALLOCATOR_PROTOCOL} at {}", socket.display());
    let _ = std::io::stdout().flush();
    let signal = signals::wait(&stop);
    eprintln!("vmo-interop-sysmem: stopping on signal {signal}");
    drop(service);
    ExitCode::SUCCESS
}

/// The directory standing for `/svc`, as the host platform finds it (for messages only).
#[cfg(target_os = "linux")]
fn svc_dir() -> std::path::PathBuf {
    use std::path::PathBuf;
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("VMO_INTEROP_SVC_DIR") {
        return PathBuf::from(dir);
    }
    let platform = var("VMO_INTEROP_HOST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("vmo-interop-{}", signals::uid())));
    platform.join("svc")
}

#[cfg(not(target_os = "linux"))]
fn main() -> std::process::ExitCode {
    eprintln!("vmo-interop-sysmem: the host sysmem service runs on Linux hosts only");
    std::process::ExitCode::from(1)
}
