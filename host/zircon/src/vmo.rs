//! VMOs backed by memfds (an unlinked temporary file on hosts without them), and mappings of them.

use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::object::Object;
use crate::{LIVE_MAPPINGS, PAGE_SIZE};
use fuchsia_zircon_types as sys;

/// The largest size a host VMO can have: memfd sizes are `off_t` (i64), rounded down to a page.
const MAX_SIZE: u64 = (i64::MAX as u64) & !(PAGE_SIZE - 1);

struct Sizes {
    /// The page-rounded size (`zx_vmo_get_size`), also the memfd's length.
    size: u64,
    /// `ZX_PROP_VMO_CONTENT_SIZE`: the size asked for, unrounded.
    content_size: u64,
}

pub(crate) struct VmoObject {
    fd: OwnedFd,
    resizable: bool,
    /// Whether `fd` is a read-write file description (a VMO received without WRITE gets a
    /// read-only one, so the OS refuses writes and writable mappings).
    writable: bool,
    /// Whether the memfd's mode is already 0400, so that a process holding a read-only
    /// description cannot reopen it read-write through `/proc/self/fd`.
    reopen_protected: AtomicBool,
    sizes: RwLock<Sizes>,
}

/// What travels with a VMO handle across processes, beside its file description.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct VmoMeta {
    pub(crate) size: u64,
    pub(crate) content_size: u64,
    pub(crate) resizable: bool,
}

/// A file description to send: the VMO's own, or a read-only one made for the transfer.
pub(crate) enum Description<'a> {
    Borrowed(BorrowedFd<'a>),
    Owned(OwnedFd),
}

impl Description<'_> {
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Description::Borrowed(fd) => *fd,
            Description::Owned(fd) => fd.as_fd(),
        }
    }
}

/// `size` rounded up to the page size, or `OUT_OF_RANGE` when that is too large.
pub(crate) fn round_to_page(size: u64) -> Result<u64, sys::zx_status_t> {
    let rounded = size
        .checked_next_multiple_of(PAGE_SIZE)
        .ok_or(sys::ZX_ERR_OUT_OF_RANGE)?;
    if rounded > MAX_SIZE {
        return Err(sys::ZX_ERR_OUT_OF_RANGE);
    }
    Ok(rounded)
}

fn errno_status(err: rustix::io::Errno) -> sys::zx_status_t {
    if err == rustix::io::Errno::FBIG || err == rustix::io::Errno::INVAL {
        sys::ZX_ERR_OUT_OF_RANGE
    } else {
        sys::ZX_ERR_NO_MEMORY
    }
}

/// `[offset, offset + len)` is inside `size`.
fn check_range(offset: u64, len: usize, size: u64) -> Result<(), sys::zx_status_t> {
    let end = offset
        .checked_add(len as u64)
        .ok_or(sys::ZX_ERR_OUT_OF_RANGE)?;
    if end > size {
        return Err(sys::ZX_ERR_OUT_OF_RANGE);
    }
    Ok(())
}

/// A nameless file to back a VMO: a memfd where the host has them.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn anonymous_file() -> std::io::Result<std::os::fd::OwnedFd> {
    Ok(rustix::fs::memfd_create(
        "zx-vmo",
        rustix::fs::MemfdFlags::CLOEXEC,
    )?)
}

/// A nameless file to back a VMO: hosts without memfds (macOS) get a temporary file that is
/// unlinked as soon as it is open.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn anonymous_file() -> std::io::Result<std::os::fd::OwnedFd> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    loop {
        let path = std::env::temp_dir().join(format!(
            "zx-vmo-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                std::fs::remove_file(&path)?;
                return Ok(file.into());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

impl VmoObject {
    pub(crate) fn new(size: u64, resizable: bool) -> Result<VmoObject, sys::zx_status_t> {
        let rounded = round_to_page(size)?;
        let fd = anonymous_file().map_err(|e| match e.raw_os_error() {
            // The process or the system is out of file descriptors, not memory.
            Some(code)
                if code == rustix::io::Errno::MFILE.raw_os_error()
                    || code == rustix::io::Errno::NFILE.raw_os_error() =>
            {
                sys::ZX_ERR_NO_RESOURCES
            }
            _ => sys::ZX_ERR_NO_MEMORY,
        })?;
        rustix::fs::ftruncate(&fd, rounded).map_err(errno_status)?;
        Ok(VmoObject {
            fd,
            resizable,
            writable: true,
            reopen_protected: AtomicBool::new(false),
            sizes: RwLock::new(Sizes {
                size: rounded,
                content_size: size,
            }),
        })
    }

    /// A VMO received from another process: its file description and what travelled with it.
    pub(crate) fn received(fd: OwnedFd, meta: VmoMeta, writable: bool) -> VmoObject {
        VmoObject {
            fd,
            resizable: meta.resizable,
            writable,
            reopen_protected: AtomicBool::new(!writable),
            sizes: RwLock::new(Sizes {
                size: meta.size,
                content_size: meta.content_size,
            }),
        }
    }

    pub(crate) fn meta(&self) -> VmoMeta {
        let sizes = self.sizes.read().unwrap_or_else(PoisonError::into_inner);
        VmoMeta {
            size: sizes.size,
            content_size: sizes.content_size,
            resizable: self.resizable,
        }
    }

    pub(crate) fn is_writable(&self) -> bool {
        self.writable
    }

    /// The file description to send for a handle with `rights`: this one when the handle may
    /// write, otherwise a new read-only description of the same memfd (so the receiver's OS
    /// refuses writes and writable mappings).
    pub(crate) fn description_for(
        &self,
        rights: sys::zx_rights_t,
    ) -> Result<Description<'_>, sys::zx_status_t> {
        if rights & sys::ZX_RIGHT_WRITE != 0 && self.writable {
            return Ok(Description::Borrowed(self.fd.as_fd()));
        }
        if !self.reopen_protected.swap(true, Ordering::SeqCst) {
            // Reopening checks the inode's mode, not the description's: with 0400 nobody
            // (but a privileged process) can reopen the memfd for writing.
            rustix::fs::fchmod(&self.fd, rustix::fs::Mode::RUSR)
                .map_err(|_| sys::ZX_ERR_INTERNAL)?;
        }
        let path = format!("/proc/self/fd/{}", self.fd.as_raw_fd());
        let fd = rustix::fs::open(
            path.as_str(),
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|e| {
            if e == rustix::io::Errno::MFILE || e == rustix::io::Errno::NFILE {
                sys::ZX_ERR_NO_RESOURCES
            } else {
                sys::ZX_ERR_INTERNAL
            }
        })?;
        Ok(Description::Owned(fd))
    }

    pub(crate) fn size(&self) -> u64 {
        self.sizes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .size
    }

    pub(crate) fn content_size(&self) -> u64 {
        self.sizes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .content_size
    }

    pub(crate) fn is_resizable(&self) -> bool {
        self.resizable
    }

    pub(crate) fn read(
        &self,
        mut data: &mut [u8],
        mut offset: u64,
    ) -> Result<(), sys::zx_status_t> {
        let sizes = self.sizes.read().unwrap_or_else(PoisonError::into_inner);
        check_range(offset, data.len(), sizes.size)?;
        while !data.is_empty() {
            match rustix::io::pread(&self.fd, &mut *data, offset) {
                // The memfd is as long as the VMO, so an early end of file is a kernel bug.
                Ok(0) => return Err(sys::ZX_ERR_INTERNAL),
                Ok(n) => {
                    data = &mut data[n..];
                    offset += n as u64;
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return Err(sys::ZX_ERR_INTERNAL),
            }
        }
        Ok(())
    }

    pub(crate) fn write(&self, mut data: &[u8], mut offset: u64) -> Result<(), sys::zx_status_t> {
        let sizes = self.sizes.read().unwrap_or_else(PoisonError::into_inner);
        check_range(offset, data.len(), sizes.size)?;
        while !data.is_empty() {
            match rustix::io::pwrite(&self.fd, data, offset) {
                Ok(0) => return Err(sys::ZX_ERR_NO_MEMORY),
                Ok(n) => {
                    data = &data[n..];
                    offset += n as u64;
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return Err(sys::ZX_ERR_NO_MEMORY),
            }
        }
        Ok(())
    }

    /// Resizes a resizable VMO (the caller has checked rights and `resizable`).
    pub(crate) fn set_size(&self, size: u64) -> Result<(), sys::zx_status_t> {
        let rounded = round_to_page(size)?;
        let mut sizes = self.sizes.write().unwrap_or_else(PoisonError::into_inner);
        rustix::fs::ftruncate(&self.fd, rounded).map_err(errno_status)?;
        // Bytes from `size` to the end of its page read as zero afterwards.
        let tail = usize::try_from(rounded - size).map_err(|_| sys::ZX_ERR_INTERNAL)?;
        if tail > 0 {
            let zeros = vec![0u8; tail];
            let mut done = 0;
            while done < tail {
                match rustix::io::pwrite(&self.fd, &zeros[done..], size + done as u64) {
                    Ok(n) if n > 0 => done += n,
                    Err(rustix::io::Errno::INTR) => {}
                    _ => return Err(sys::ZX_ERR_NO_MEMORY),
                }
            }
        }
        *sizes = Sizes {
            size: rounded,
            content_size: size,
        };
        Ok(())
    }
}

/// A live mapping: its length and the reference that keeps the VMO object alive.
struct MappingRecord {
    len: usize,
    _vmo: Arc<Object>,
}

/// Mappings by base address.
static MAPPINGS: Mutex<BTreeMap<usize, MappingRecord>> = Mutex::new(BTreeMap::new());

/// Maps `[offset, offset + len)` of `object` (a VMO whose handle passed the rights checks)
/// with the memory protection `options` asks for. `len` is already page-rounded.
pub(crate) fn map(
    object: Arc<Object>,
    options: sys::zx_vm_option_t,
    offset: u64,
    len: usize,
) -> Result<usize, sys::zx_status_t> {
    let vmo = object.as_vmo().ok_or(sys::ZX_ERR_WRONG_TYPE)?;
    let mut prot = rustix::mm::ProtFlags::empty();
    if options & sys::ZX_VM_PERM_READ != 0 {
        prot |= rustix::mm::ProtFlags::READ;
    }
    if options & sys::ZX_VM_PERM_WRITE != 0 {
        prot |= rustix::mm::ProtFlags::WRITE;
    }
    if options & sys::ZX_VM_PERM_EXECUTE != 0 {
        prot |= rustix::mm::ProtFlags::EXEC;
    }
    // SAFETY: a new shared mapping at an address the host kernel picks (no MAP_FIXED), so no
    // existing memory is replaced; the fd stays open while the record holds the object.
    let addr = unsafe {
        rustix::mm::mmap(
            std::ptr::null_mut(),
            len,
            prot,
            rustix::mm::MapFlags::SHARED,
            &vmo.fd,
            offset,
        )
    }
    .map_err(|_| sys::ZX_ERR_NO_MEMORY)?;
    let addr = addr as usize;
    let mut mappings = MAPPINGS.lock().unwrap_or_else(PoisonError::into_inner);
    mappings.insert(addr, MappingRecord { len, _vmo: object });
    LIVE_MAPPINGS.fetch_add(1, Ordering::SeqCst);
    Ok(addr)
}

/// How many live mappings of `object` this process has.
pub(crate) fn mappings_of(object: &Arc<Object>) -> usize {
    let mappings = MAPPINGS.lock().unwrap_or_else(PoisonError::into_inner);
    mappings
        .values()
        .filter(|record| Arc::ptr_eq(&record._vmo, object))
        .count()
}

/// Unmaps a mapping made by [`map`]. Only whole mappings can be unmapped on the host.
pub(crate) fn unmap(addr: usize, len: usize) -> sys::zx_status_t {
    if addr as u64 % PAGE_SIZE != 0 || len == 0 {
        return sys::ZX_ERR_INVALID_ARGS;
    }
    let record = {
        let mut mappings = MAPPINGS.lock().unwrap_or_else(PoisonError::into_inner);
        match mappings.get(&addr) {
            None => return sys::ZX_ERR_NOT_FOUND,
            Some(record) if record.len != len => return sys::ZX_ERR_NOT_SUPPORTED,
            Some(_) => mappings.remove(&addr),
        }
    };
    let Some(record) = record else {
        return sys::ZX_ERR_NOT_FOUND;
    };
    // SAFETY: `[addr, addr + len)` is exactly a mapping `map` made and that was still
    // recorded; removing the record first means no one else unmaps it.
    let result = unsafe { rustix::mm::munmap(addr as *mut std::ffi::c_void, record.len) };
    LIVE_MAPPINGS.fetch_sub(1, Ordering::SeqCst);
    drop(record);
    match result {
        Ok(()) => sys::ZX_OK,
        Err(_) => sys::ZX_ERR_INTERNAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_to_the_page_or_are_out_of_range() {
        assert_eq!(round_to_page(0), Ok(0));
        assert_eq!(round_to_page(1), Ok(PAGE_SIZE));
        assert_eq!(round_to_page(PAGE_SIZE), Ok(PAGE_SIZE));
        assert_eq!(round_to_page(PAGE_SIZE + 1), Ok(2 * PAGE_SIZE));
        assert_eq!(round_to_page(MAX_SIZE), Ok(MAX_SIZE));
        assert_eq!(round_to_page(MAX_SIZE + 1), Err(sys::ZX_ERR_OUT_OF_RANGE));
        assert_eq!(round_to_page(u64::MAX), Err(sys::ZX_ERR_OUT_OF_RANGE));
    }

    #[test]
    fn ranges_are_checked_against_the_size_without_overflow() {
        assert_eq!(check_range(0, 4096, 4096), Ok(()));
        assert_eq!(check_range(4096, 0, 4096), Ok(()));
        assert_eq!(check_range(1, 4096, 4096), Err(sys::ZX_ERR_OUT_OF_RANGE));
        assert_eq!(
            check_range(u64::MAX, 1, 4096),
            Err(sys::ZX_ERR_OUT_OF_RANGE)
        );
    }
}
