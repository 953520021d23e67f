//! Helpers shared by the `zx_*` test binaries.
#![allow(dead_code)] // each binary uses a different subset

use std::sync::MutexGuard;

mod lock;
pub mod raw;

#[allow(unused_imports)] // each binary uses a different subset
pub use lock::counters_lock;

use vmo_interop::zx::{self, sys, ObjectType, ProcessHandleStats};

/// What a test's leak checks compare against its baseline.
///
/// - Everywhere: the process's handles per object type, as the kernel reports them
///   (`ZX_INFO_PROCESS_HANDLE_STATS` on `zx_process_self()`), the same query on Fuchsia and on
///   the host.
/// - On the host, also what only the host kernel counts: live *objects* (a mapping keeps its
///   VMO alive with no handle), mappings, and handles in flight in a channel. Fuchsia does not
///   report those to a process, so there they are not checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Snapshot {
    handles: ProcessHandleStats,
    #[cfg(target_os = "linux")]
    host: vmo_interop::platform::host::Counters,
}

fn snapshot() -> Snapshot {
    Snapshot {
        handles: zx::process_self()
            .handle_stats()
            .expect("zx_process_self has INSPECT"),
        #[cfg(target_os = "linux")]
        host: vmo_interop::platform::host::counters(),
    }
}

/// Serializes a test against every other test of its binary (they all hold it) and records the
/// baseline.
pub struct Serial {
    _guard: MutexGuard<'static, ()>,
    base: Snapshot,
}

/// Takes the shared lock and the baseline; every test in a `zx_*` binary starts here.
pub fn serial() -> Serial {
    serial_after(|| {})
}

/// [`serial`], with `setup` run under the lock before the baseline: for what lives as long as
/// the process once made (a service this process serves, the async client's reactor).
pub fn serial_after(setup: impl FnOnce()) -> Serial {
    let guard = counters_lock();
    setup();
    // The first call makes the process's own handle: before the baseline, so it is in it.
    let _ = zx::process_self();
    Serial {
        _guard: guard,
        base: snapshot(),
    }
}

impl Serial {
    /// What is live now, as differences from the baseline: (handles, VMOs, channels,
    /// mappings). On the host, VMOs and channels are objects (a mapping keeps its VMO) and
    /// handles include those in flight; on Fuchsia they are this process's handles of each type
    /// and mappings are not counted (0).
    pub fn live_delta(&self) -> (i64, i64, i64, i64) {
        let d = |now: u64, base: u64| now as i64 - base as i64;
        #[cfg(target_os = "linux")]
        {
            let (now, base) = (vmo_interop::platform::host::counters(), self.base.host);
            (
                d(now.live_handles, base.live_handles),
                d(now.live_vmos, base.live_vmos),
                d(now.live_channels, base.live_channels),
                d(now.live_mappings, base.live_mappings),
            )
        }
        #[cfg(not(target_os = "linux"))]
        {
            let (now, base) = (snapshot().handles, self.base.handles);
            let of = |t| d(u64::from(now.of(t)), u64::from(base.of(t)));
            (
                d(now.total(), base.total()),
                of(ObjectType::VMO),
                of(ObjectType::CHANNEL),
                0,
            )
        }
    }

    /// Whether everything made since the baseline is gone (what [`Self::assert_no_leaks`]
    /// checks).
    pub fn nothing_left(&self) -> bool {
        self.leaks().is_empty()
    }

    /// [`Self::assert_no_leaks`], once a service that shares this process (the host sysmem)
    /// has had up to 10 s to drop what its clients released.
    #[track_caller]
    pub fn assert_no_leaks_once_settled(&self) {
        let start = std::time::Instant::now();
        while !self.nothing_left() && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        self.assert_no_leaks();
    }

    /// Asserts that every handle made since the baseline is gone (per object type), and on
    /// the host every object and mapping too.
    #[track_caller]
    pub fn assert_no_leaks(&self) {
        let leaks = self.leaks();
        assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    }

    /// What differs from the baseline, one line each; empty when nothing leaked.
    fn leaks(&self) -> Vec<String> {
        let now = snapshot();
        let mut leaks = Vec::new();
        for (name, t) in [
            ("VMO", ObjectType::VMO),
            ("CHANNEL", ObjectType::CHANNEL),
            ("EVENT", ObjectType::EVENT),
            ("EVENTPAIR", ObjectType::EVENTPAIR),
            ("PORT", ObjectType::PORT),
        ] {
            let (now, base) = (now.handles.of(t), self.base.handles.of(t));
            if now != base {
                leaks.push(format!(
                    "handles of type {name} leaked: {now}, baseline {base}"
                ));
            }
        }
        if now.handles != self.base.handles {
            leaks.push(format!(
                "handles leaked: {} of all types, baseline {}",
                now.handles.total(),
                self.base.handles.total()
            ));
        }
        #[cfg(target_os = "linux")]
        {
            let delta = self.live_delta();
            if delta != (0, 0, 0, 0) {
                leaks.push(format!(
                    "(handles, vmos, channels, mappings) leaked: {delta:?}"
                ));
            }
            let events_ports =
                |c: &vmo_interop::platform::host::Counters| (c.live_events, c.live_ports);
            if events_ports(&now.host) != events_ports(&self.base.host) {
                leaks.push(format!(
                    "(events, ports) leaked: {:?}, baseline {:?}",
                    events_ports(&now.host),
                    events_ports(&self.base.host)
                ));
            }
        }
        leaks
    }
}

/// `ZX_INFO_HANDLE_BASIC` of a raw value, or its status: the liveness probe of the tests.
pub fn basic_info(raw: sys::zx_handle_t) -> Result<sys::zx_info_handle_basic_t, sys::zx_status_t> {
    let mut info = sys::zx_info_handle_basic_t::default();
    match raw::object_get_info_handle_basic(raw, &mut info) {
        sys::ZX_OK => Ok(info),
        status => Err(status),
    }
}

/// Whether a raw value names a live handle.
pub fn is_live(raw: sys::zx_handle_t) -> bool {
    basic_info(raw).is_ok()
}

/// Returns once some thread is asleep in a blocking wait, so that what the test does next
/// exercises the wake-up path (not a wait that finds its condition already met).
#[cfg(target_os = "linux")]
pub fn until_a_waiter_blocks() {
    while vmo_interop::platform::host::blocked_waiters() == 0 {
        std::thread::yield_now();
    }
}

/// The file descriptors open in this process (`/proc/self/fd`), the OS's count behind the
/// kernel's: VMOs, channel ends, ports and wake-ups are fds on the host.
#[cfg(target_os = "linux")]
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// On the host: a sysmem service of this process serving `fuchsia.sysmem2.Allocator` in a
/// `/svc` of its own (so parallel test binaries do not meet), started at the first call and
/// kept for the life of the process; `Allocator::connect()` then reaches it as a component
/// reaches sysmem. The directory is reused if a pid comes back (the service replaces a stale
/// socket); it holds only the socket and its lock file, and lies under `CARGO_TARGET_TMPDIR`.
#[cfg(target_os = "linux")]
pub fn host_sysmem() -> &'static vmo_interop::sysmem::HostSysmem {
    static SERVICE: std::sync::OnceLock<vmo_interop::sysmem::HostSysmem> =
        std::sync::OnceLock::new();
    SERVICE.get_or_init(|| {
        // In the build tree's scratch directory (`cargo clean` removes it), not in $TMPDIR.
        let svc = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("vmo-interop-test-svc-{}", std::process::id()));
        std::fs::create_dir_all(&svc).expect("a private /svc");
        // Set before any thread connects: every caller waits for this initialisation.
        std::env::set_var("VMO_INTEROP_SVC_DIR", &svc);
        vmo_interop::sysmem::HostSysmem::serve().expect("serving sysmem in this test's /svc")
    })
}
