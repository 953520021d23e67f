//! What the OS itself enforces about a consumer's read-only VMOs on the host: each VMO the
//! consumer holds is a memfd *description* that the host kernel opened read-only for the
//! transfer (and the memfd's mode is 0400), so even code that bypasses the `zx_*` calls and
//! uses the file descriptor directly cannot write: `write(2)` fails (EBADF), a writable shared
//! `mmap(2)` fails (EACCES), and reopening `/proc/self/fd/N` for writing fails (EACCES) for an
//! unprivileged process (root's CAP_DAC_OVERRIDE passes the 0400 mode; that case is said).

use std::os::fd::BorrowedFd;

use anyhow::{bail, Result};

/// Every memfd this process holds, as the OS lists them.
fn memfds() -> Result<Vec<i32>> {
    let mut fds = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd")? {
        let entry = entry?;
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue; // The directory's own descriptor, closed by now.
        };
        if target.to_string_lossy().starts_with("/memfd:") {
            if let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
                fds.push(fd);
            }
        }
    }
    Ok(fds)
}

/// Checks that this process holds `expected` memfds and that the OS refuses every way of
/// writing through each; returns a one-line account.
pub fn check(expected: usize) -> Result<String> {
    let fds = memfds()?;
    if fds.len() != expected {
        bail!(
            "expected {expected} memfd description(s) (one per VMO), found {}",
            fds.len()
        );
    }
    let privileged = rustix::process::geteuid().is_root();
    for &raw in &fds {
        // SAFETY: `raw` was listed in /proc/self/fd just now and stays open for this loop:
        // the VMOs that own these descriptions outlive the call (the caller holds them), and
        // nothing else in this process closes them meanwhile.
        let fd = unsafe { BorrowedFd::borrow_raw(raw) };
        let flags = rustix::fs::fcntl_getfl(fd)?;
        if flags.contains(rustix::fs::OFlags::RDWR) || flags.contains(rustix::fs::OFlags::WRONLY) {
            bail!("memfd {raw} is open for writing ({flags:?})");
        }
        match rustix::io::pwrite(fd, b"x", 0) {
            Err(rustix::io::Errno::BADF) => {}
            other => bail!("write(2) to memfd {raw}: {other:?}, not EBADF"),
        }
        // SAFETY: a new mapping at an address the OS picks, over no existing memory; if it
        // (wrongly) succeeds it is unmapped at once, and nothing ever reads or writes it.
        let mapped = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                4096,
                rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
                rustix::mm::MapFlags::SHARED,
                fd,
                0,
            )
        };
        match mapped {
            Err(rustix::io::Errno::ACCESS) => {}
            Err(other) => bail!("a writable shared mmap(2) of memfd {raw}: {other:?}, not EACCES"),
            Ok(address) => {
                // SAFETY: the mapping just made, 4096 bytes at `address`, used by nothing.
                let _ = unsafe { rustix::mm::munmap(address, 4096) };
                bail!("a writable shared mmap(2) of memfd {raw} succeeded");
            }
        }
        if !privileged {
            match std::fs::OpenOptions::new()
                .write(true)
                .open(format!("/proc/self/fd/{raw}"))
            {
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
                other => bail!("reopening memfd {raw} for writing: {other:?}, not EACCES"),
            }
        }
    }
    Ok(format!(
        "{} memfd description(s), each O_RDONLY: write(2) EBADF, writable shared mmap(2) \
         EACCES, {}",
        fds.len(),
        if privileged {
            "reopening /proc/self/fd/N for writing not tried (this process runs as root, \
             whom the memfd's 0400 mode does not stop)"
        } else {
            "reopening /proc/self/fd/N for writing EACCES"
        }
    ))
}
