//! Koids unique across every process of the host platform, never reused.
//!
//! Zircon's koids are unique for the life of the system. On the host, every process that links
//! the host kernel takes koids from one counter shared by all of them: an 8-byte file in the
//! platform directory ([`crate::svc::platform_dir`]), mapped shared and advanced with an atomic
//! add, so two processes never receive the same value. Each process reserves a block of
//! [`BLOCK`] koids at a time and hands them out in order, so the counter is touched once per
//! block. Koids start at `ZX_KOID_FIRST` (1024) and keep the most significant bit clear, as
//! kernel koids do. An object's koid travels with its handles when they cross a process (see
//! `channel::wire`), so every handle to one object reports the same koid everywhere.
//!
//! The counter lives as long as the file: removing the platform directory while processes
//! that hold handles are running could reissue their koids. If the file cannot be created
//! (no writable directory), the process falls back to a private counter that starts at a
//! value derived from its pid and the time, and says so on stderr once.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use fuchsia_zircon_types as sys;

/// Koids a process reserves from the shared counter at a time.
const BLOCK: u64 = 4096;

/// The shared counter: a mapping of the koid file, or a private fallback.
struct Counter(NonNull<AtomicU64>);

// SAFETY: the pointer addresses a shared mapping that is never unmapped (or a leaked Box), and
// it is only accessed through `AtomicU64`, which is Sync.
unsafe impl Send for Counter {}
// SAFETY: as above.
unsafe impl Sync for Counter {}

fn counter() -> &'static AtomicU64 {
    static COUNTER: OnceLock<Counter> = OnceLock::new();
    let counter = COUNTER.get_or_init(|| {
        Counter(map_shared_counter().unwrap_or_else(|why| {
            eprintln!("host zircon: koids are private to this process ({why})");
            let start = u64::from(std::process::id()) << 32;
            NonNull::from(Box::leak(Box::new(AtomicU64::new(start))))
        }))
    });
    // SAFETY: the pointer is valid for the life of the process (see `Counter`), aligned (the
    // start of a page or a Box), and only ever accessed atomically.
    unsafe { counter.0.as_ref() }
}

/// Maps the platform's koid file (creating it) and returns its first 8 bytes as the counter.
fn map_shared_counter() -> Result<NonNull<AtomicU64>, String> {
    let dir = crate::svc::platform_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("koids");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let page = crate::PAGE_SIZE;
    if file.metadata().map_err(|e| e.to_string())?.len() < page {
        // Growing a file with zeros keeps a counter another process already advanced.
        file.set_len(page).map_err(|e| e.to_string())?;
    }
    // SAFETY: a new shared mapping of one page of the file at an address the OS picks; no
    // existing memory is affected. The mapping is never unmapped.
    let addr = unsafe {
        rustix::mm::mmap(
            std::ptr::null_mut(),
            page as usize,
            rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
            rustix::mm::MapFlags::SHARED,
            &file,
            0,
        )
    }
    .map_err(|e| format!("mmap {}: {e}", path.display()))?;
    NonNull::new(addr.cast::<AtomicU64>()).ok_or_else(|| "mmap returned null".to_string())
}

/// This process's reserved block: the next koid to hand out and the end of the block.
static BLOCK_STATE: Mutex<(u64, u64)> = Mutex::new((0, 0));

/// Allocates `count` consecutive koids (at most [`BLOCK`]), never reused on this platform.
pub(crate) fn allocate(count: u64) -> sys::zx_koid_t {
    let mut block = BLOCK_STATE.lock().unwrap_or_else(PoisonError::into_inner);
    if block.1 - block.0 < count {
        let start = sys::ZX_KOID_FIRST + counter().fetch_add(BLOCK, Ordering::Relaxed);
        *block = (start, start + BLOCK);
    }
    let koid = block.0;
    block.0 += count;
    koid & !(1 << 63)
}
