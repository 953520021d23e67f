//! The host sysmem service: `fuchsia.sysmem2.Allocator` served by a thread of this process,
//! over host-kernel channels, with VMOs from the host kernel.
//!
//! It implements the rules of sysmem2 that a buffer (not image) collection exercises
//! (shared/reference/sysmem2.md):
//!
//! - **Tokens and participants.** `AllocateSharedCollection` makes a root token; `Duplicate` /
//!   `DuplicateSync` make more, each with the AND of the rights attenuation masks along its
//!   chain; `BindSharedCollection` turns a token (found by the koid of its client end) into a
//!   `BufferCollection`. Allocation happens once every token is bound or released and every
//!   collection has set constraints or released.
//! - **Aggregation.** See the table on `aggregate`: counts sum / max / min, sizes max / min,
//!   coherency domains intersect (CPU, then RAM, then INACCESSIBLE preferred), heaps
//!   intersect (the host has one: system RAM), secure and contiguous OR (the host has
//!   neither). An empty intersection is `CONSTRAINTS_INTERSECTION_EMPTY`.
//! - **Images.** Image format constraints aggregate as sysmem's do (see `image`): pixel
//!   formats, modifiers and color spaces intersect, sizes and row pitches combine, and the
//!   buffers are sized for the largest image; the chosen `ImageFormatConstraints` goes to every
//!   participant in `SingleBufferSettings`. Only `LINEAR` layouts are known here. There are no
//!   weak VMOs (`VmoBuffer.close_weak_asap` is never set; `SetWeak` is an unknown method).
//! - **Rights.** Each participant receives its own handles with
//!   `0xC0EF ∩ usage attenuation (no WRITE without a write usage) ∩ its chain's mask`; a
//!   participant without usage (`NONE_USAGE`, or no constraints) receives no handles.
//! - **Failure.** A collection fails when a participant closes its channel without
//!   `Release`, breaks the protocol (`SetConstraints` twice, `WaitForAllBuffersAllocated`
//!   before `SetConstraints`, a malformed message, any message after `Release`, an unknown
//!   strict method), or allocation fails. Only an allocation failure is answered: waits pending
//!   (or already queued) then get the `Error` (`CONSTRAINTS_INTERSECTION_EMPTY`, `NO_MEMORY`).
//!   Then every channel of the collection gets the `ZX_ERR_INTERNAL` epitaph and is closed,
//!   as sysmem does; a deviation or a close is not answered (the others see their channels
//!   close), but the program's log names the cause and the participant (`diagnostics`).
//! - **Unknown methods.** Unknown flexible two-way methods are answered with `framework_err`
//!   `UNKNOWN_METHOD`, unknown flexible one-way methods ignored, unknown strict methods close
//!   the channel. Methods this service does not implement (`Allocator.GetVmoInfo`; on nodes
//!   weak references, groups, `AttachToken`, `SetDispensable`, ...) count as unknown.
//!
//! One thread serves every connection, on one port with an async wait per channel (no limit
//! on clients; at most a few messages of one channel per turn, so no client starves another:
//! `port_loop`). Channels it cannot serve (without READ, WRITE or WAIT, or the peer of a
//! channel it holds) are refused, failing only the request that carried them (`admission`).
//!
//! [`HostSysmem::start`] serves connections made by [`HostSysmem::connect`] (in-process, for
//! tests and embedding); [`HostSysmem::serve`] also serves the host's `/svc`, where
//! `Allocator::connect()` of any process reaches it (the `vmo-interop-sysmem` program runs
//! it as a process of its own).
//!
//! Stopping the service (dropping [`HostSysmem`]) closes every channel and VMO it holds.

pub(crate) mod aggregate;
#[cfg(target_os = "linux")]
#[doc(hidden)]
pub mod fuzzing;
mod image;
mod image_entry;
mod service;

/// The protocol the service serves in `/svc`.
pub const ALLOCATOR_PROTOCOL: &str = "fuchsia.sysmem2.Allocator";

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use super::client::Allocator;
use super::error::ClientError;
use crate::zx;

/// What the service holds, for diagnostics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostSysmemStats {
    /// Open `Allocator` connections.
    pub allocator_connections: usize,
    /// Live logical collections.
    pub collections: usize,
    /// Live tokens and collection nodes.
    pub nodes: usize,
    /// `WaitForAllBuffersAllocated` calls waiting for allocation.
    pub pending_waits: usize,
}

/// Most lines [`HostSysmem::log`] keeps.
pub const LOG_LINES: usize = 1024;

/// A running host sysmem service. Dropping it stops the service thread and closes every
/// handle it holds (clients then see their channels closed).
#[derive(Debug)]
pub struct HostSysmem {
    /// Carries new `Allocator` server ends to the service; closing it stops the service.
    control: Option<zx::Channel>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<Mutex<HostSysmemStats>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl HostSysmem {
    /// Starts the service thread.
    ///
    /// # Errors
    /// The status of `zx_channel_create`; [`zx::Status::NO_RESOURCES`] when the thread cannot
    /// be spawned.
    pub fn start() -> Result<HostSysmem, zx::Status> {
        HostSysmem::start_with(None)
    }

    /// Starts the service thread and serves [`ALLOCATOR_PROTOCOL`] in the host's `/svc`
    /// directory (`platform::host::serve`), so that `Allocator::connect()` of every process
    /// using that directory reaches it. [`connect`](Self::connect) works as with
    /// [`start`](Self::start). Dropping the service removes its socket.
    ///
    /// # Errors
    /// - [`zx::Status::ALREADY_EXISTS`]: another process serves sysmem in this `/svc` (a
    ///   socket left by a crashed one is replaced, not refused).
    /// - [`zx::Status::ACCESS_DENIED`]: the `/svc` directory cannot be written.
    /// - As [`start`](Self::start).
    #[cfg(target_os = "linux")]
    pub fn serve() -> Result<HostSysmem, zx::Status> {
        let listener = crate::platform::host::serve(ALLOCATOR_PROTOCOL)?;
        HostSysmem::start_with(Some(listener))
    }

    /// Starts the service thread; with a listener (`serve`) it also logs every failed
    /// collection on stderr, naming the cause and the participant (its `SetDebugClientInfo`).
    fn start_with(listener: Option<zx::Channel>) -> Result<HostSysmem, zx::Status> {
        let (control, service_end) = zx::Channel::create()?;
        let stats = Arc::new(Mutex::new(HostSysmemStats::default()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let echo = listener.is_some();
        let mut service =
            service::Service::new(service_end, listener, Arc::clone(&stats), Arc::clone(&log))?;
        if echo {
            service = service.with_log();
        }
        let thread = std::thread::Builder::new()
            .name("host-sysmem".into())
            .spawn(move || service.run())
            .map_err(|_| zx::Status::NO_RESOURCES)?;
        Ok(HostSysmem {
            control: Some(control),
            thread: Some(thread),
            stats,
            log,
        })
    }

    /// Opens a new `Allocator` connection to the service.
    ///
    /// # Errors
    /// [`ClientError::AllocatorClosed`] when the service has stopped;
    /// [`ClientError::Transport`] when no channel can be created.
    pub fn connect(&self) -> Result<Allocator, ClientError> {
        connect_over(self.control.as_ref().ok_or(ClientError::AllocatorClosed)?)
    }

    /// A snapshot of what the service holds, taken after its last round of work.
    pub fn stats(&self) -> HostSysmemStats {
        *self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The service's log so far (the last [`LOG_LINES`] lines), oldest first: why allocations
    /// failed, naming the constraint field, and what aggregation dropped. Each line also goes
    /// to stderr, prefixed `host-sysmem:`.
    pub fn log(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A new `Allocator` connection, its server end sent to the service over `control`.
fn connect_over(control: &zx::Channel) -> Result<Allocator, ClientError> {
    let (client, server) = zx::Channel::create().map_err(ClientError::Transport)?;
    control
        .write(&[], &mut vec![zx::HandleBased::into_handle(server)])
        .map_err(ClientError::from_allocator_status)?;
    Ok(Allocator::from_channel(client))
}

impl Drop for HostSysmem {
    fn drop(&mut self) {
        // Closing the control channel tells the service to close everything and return.
        drop(self.control.take());
        if let Some(thread) = self.thread.take() {
            // A panic in the service thread has already been reported on stderr.
            let _ = thread.join();
        }
    }
}
