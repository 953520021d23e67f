//! `vmo-interop sysmem`: the host sysmem service as a process of its own, serving
//! `fuchsia.sysmem2.Allocator` in the host's `/svc` directory (`$VMO_INTEROP_HOST_DIR/svc`, see
//! `vmo_interop::platform::host`) until its standard input reaches end-of-file: the demo
//! starts it with a pipe it never writes and closes the pipe to stop it, so the service also
//! stops when the demo dies. Interactively, Ctrl-D stops it cleanly (Ctrl-C kills it; the next
//! start replaces the socket left behind).
//!
//! It prints `serving fuchsia.sysmem2.Allocator at <path>` once it serves, which the demo
//! waits for. A second service on the same `/svc` is refused (exit 2) with a message.

use std::io::{Read, Write};

use anyhow::Result;
use vmo_interop::sysmem::host::ALLOCATOR_PROTOCOL;
use vmo_interop::sysmem::HostSysmem;
use vmo_interop::zx::Status;

use crate::{Outcome, UsageError};

pub fn run() -> Result<Outcome> {
    let service = match HostSysmem::serve() {
        Ok(service) => service,
        Err(Status::ALREADY_EXISTS) => {
            return Err(UsageError::new(format!(
                "sysmem already serves {ALLOCATOR_PROTOCOL} in this host's /svc (another process \
                 holds its lock); stop that one, or set VMO_INTEROP_HOST_DIR to another directory"
            ))
            .into())
        }
        Err(status) => {
            return Err(anyhow::anyhow!(
                "serving {ALLOCATOR_PROTOCOL}: {status} (is the host's /svc writable?)"
            ))
        }
    };
    let svc = svc_dir();
    println!(
        "serving {ALLOCATOR_PROTOCOL} at {}",
        svc.join(ALLOCATOR_PROTOCOL).display()
    );
    std::io::stdout().flush()?;
    let mut sink = [0u8; 64];
    let mut stdin = std::io::stdin();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    let stats = service.stats();
    drop(service);
    println!(
        "stopped (standard input closed) with {} collection(s), {} node(s) and {} connection(s) \
         still open",
        stats.collections, stats.nodes, stats.allocator_connections
    );
    Ok(Outcome::Pass)
}

/// The directory standing for `/svc`, as the host platform finds it (for the message only):
/// `$VMO_INTEROP_SVC_DIR`, or `svc/` in `$VMO_INTEROP_HOST_DIR` (default
/// `/tmp/vmo-interop-<uid>`).
fn svc_dir() -> std::path::PathBuf {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("VMO_INTEROP_SVC_DIR") {
        return dir.into();
    }
    var("VMO_INTEROP_HOST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!(
                "vmo-interop-{}",
                rustix::process::getuid().as_raw()
            ))
        })
        .join("svc")
}
