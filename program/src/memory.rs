//! Refusing a request the machine cannot hold, before allocating anything: the OOM killer ends
//! a process with SIGKILL (exit 137) and no message, so each subcommand that allocates checks
//! what it will need against what the OS says is available, and says what to do instead.
//!
//! On Linux the figure is `MemAvailable` in `/proc/meminfo` (the kernel's estimate of memory
//! available to new work without swapping). `VMO_INTEROP_MEMINFO` names another file in the
//! same format; the tests use it to stand for a machine of a given size. Elsewhere (Fuchsia,
//! macOS) there is no such file and nothing is checked.

use anyhow::Result;

use crate::UsageError;

/// `MemAvailable` in bytes, from a `/proc/meminfo`-style text; `None` when the line is absent
/// or malformed.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?;
    let mut words = line.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => value.checked_mul(1024),
        None => Some(value),
        Some(_) => None,
    }
}

/// The most memory `bench` holds at once: at its largest size (1 GiB, or 64 MiB with
/// `--quick`), the VMO, a staging buffer and a device-local copy (an upper bound: the
/// device-local one may live in VRAM).
pub fn bench_peak(quick: bool) -> u64 {
    3 * if quick { 64 << 20 } else { 1 << 30 }
}

/// `64.0 GiB`, `21.6 GiB`, `512.0 MiB`.
fn approx(size: u64) -> String {
    let size = size as f64;
    if size >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", size / (1u64 << 30) as f64)
    } else {
        format!("{:.1} MiB", size / (1u64 << 20) as f64)
    }
}

/// The bytes available to new allocations, when the OS says.
pub fn available() -> Option<u64> {
    let path = std::env::var_os("VMO_INTEROP_MEMINFO")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/proc/meminfo".into());
    mem_available(&std::fs::read_to_string(path).ok()?)
}

/// Refuses (a [`UsageError`], exit code 2) when `needed` bytes, described by `what` (e.g. "64
/// buffers of 1 GiB"), exceed the memory available. `advice` says what to pass instead.
pub fn check(what: &str, needed: u64, advice: &str) -> Result<()> {
    let Some(available) = available() else {
        return Ok(());
    };
    if needed > available {
        return Err(UsageError::new(format!(
            "{what} needs {} of memory, but this machine has {} available (MemAvailable in \
             /proc/meminfo): {advice}",
            approx(needed),
            approx(available)
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::mem_available;

    #[test]
    fn mem_available_is_read_in_kib() {
        let text = "MemTotal:       32768000 kB\nMemFree:  100 kB\nMemAvailable:   22619952 kB\n";
        assert_eq!(mem_available(text), Some(22_619_952 * 1024));
    }

    #[test]
    fn a_missing_or_malformed_line_is_none() {
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(mem_available("MemAvailable: lots\n"), None);
        assert_eq!(mem_available("MemAvailable: 5 MB\n"), None);
    }
}
