//! `vmo-interop bench`: the benchmark matrix, measured side by side in one run.
//!
//! - export: `get_memory_zircon_handle` beside the raw extension call (and the raw call plus the
//!   `zx_handle_replace` an application would add to narrow rights);
//! - import by size: `import_memory` (validated) beside the raw `vkAllocateMemory` with a
//!   `VkImportMemoryZirconHandleInfoFUCHSIA` chain and no checks;
//! - zero-copy against copying: making a VMO's bytes usable by the GPU by importing it, beside
//!   copying the same bytes through a host-visible staging buffer into a GPU buffer;
//! - sysmem2: allocating a collection of N buffers of 1 MiB through the Allocator protocol beside
//!   creating the same N VMOs directly;
//! - kernel calls per export and per import, from the host kernel's counters.
//!
//! Each row is the median of repeated runs after a warm-up; ratios compare medians from this run.

use crate::vk_error::VkError;
use std::path::Path;
use std::time::{Duration, Instant};
use vmo_interop::ash_debug::dbg;

use anyhow::{anyhow, Context as _, Result};
use ash::vk;
use serde_json::{json, Value};
use vmo_interop::sysmem::types::{
    usage, BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage,
};
use vmo_interop::sysmem::Allocator;
use vmo_interop::vk::{AllocationInfo, Interop, Resource};
use vmo_interop::zx::{self, AsHandleRef, HandleBased, Rights};

use crate::gpu::{Device, Instance};
use crate::report::{bytes, human, svg_plot, Series};
use crate::Outcome;

mod sysmem;
mod zero_copy;

use sysmem::bench_sysmem;
use zero_copy::bench_zero_copy;

/// The `--svg` output, created (empty) when the benchmark starts and removed again unless the
/// plot is written.
struct SvgFile {
    file: Option<std::fs::File>,
    path: std::path::PathBuf,
}

impl SvgFile {
    fn create(path: &Path) -> Result<SvgFile> {
        let file = std::fs::File::create(path).map_err(|e| {
            crate::UsageError::new(format!(
                "--svg {}: cannot create the file ({e}); give a path in an existing, writable \
                 directory",
                path.display()
            ))
        })?;
        Ok(SvgFile {
            file: Some(file),
            path: path.to_owned(),
        })
    }

    fn write(mut self, plot: &str) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = self.file.take().ok_or(std::io::ErrorKind::Other)?;
        file.write_all(plot.as_bytes())?;
        file.sync_all()
    }
}

impl Drop for SvgFile {
    fn drop(&mut self) {
        // Still here: the benchmark failed before the plot; leave no empty file behind.
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

pub(super) const KIB: u64 = 1 << 10;
pub(super) const MIB: u64 = 1 << 20;
pub(super) const GIB: u64 = 1 << 30;

/// Latency statistics of one measured operation.
#[derive(Clone, Copy)]
pub(super) struct Stats {
    median: Duration,
    p10: Duration,
    p90: Duration,
    runs: usize,
}

/// Runs `op` `warmup` times unmeasured, then `runs` times measured.
pub(super) fn measure(
    warmup: usize,
    runs: usize,
    mut op: impl FnMut() -> Result<()>,
) -> Result<Stats> {
    for _ in 0..warmup {
        op()?;
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        op()?;
        samples.push(start.elapsed());
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Ok(Stats {
        median: at(0.5),
        p10: at(0.1),
        p90: at(0.9),
        runs,
    })
}

/// One row: an operation beside its baseline.
pub(super) struct Row {
    pub(super) group: &'static str,
    pub(super) case: String,
    pub(super) subject: (&'static str, Stats),
    pub(super) baseline: (&'static str, Stats),
    pub(super) size: Option<u64>,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.subject.1.median.as_secs_f64() / self.baseline.1.median.as_secs_f64().max(1e-12)
    }
}

/// Kernel calls the calling thread makes during `f` (host kernel counters).
#[cfg(target_os = "linux")]
fn kernel_calls<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    let before = vmo_interop::platform::host::thread_kernel_calls();
    let value = f();
    (
        value,
        Some(vmo_interop::platform::host::thread_kernel_calls() - before),
    )
}

/// On Fuchsia the real kernel keeps no such counter.
#[cfg(not(target_os = "linux"))]
fn kernel_calls<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    (f(), None)
}

pub fn run(json: bool, svg: Option<&Path>, device_index: usize, quick: bool) -> Result<Outcome> {
    // The output file is created before anything is measured, so a bad path costs nothing.
    let svg = svg
        .map(|path| SvgFile::create(path).map(|file| (path, file)))
        .transpose()?;
    let instance = Instance::new(false)?;
    let physical = instance.physical_device(device_index)?;
    let device = Device::new(&instance, physical)?;
    let interop = device.interop();
    let progress = |what: &str| {
        if !json {
            eprintln!("  measuring {what}…");
        }
    };
    let (warmup, runs) = if quick { (3, 15) } else { (10, 101) };
    let sizes: &[u64] = if quick {
        &[4 * KIB, MIB, 64 * MIB]
    } else {
        &[4 * KIB, MIB, 64 * MIB, GIB]
    };
    if !json {
        eprintln!(
            "vmo-interop bench on {} ({}; validation layer off; medians of {runs} runs)",
            physical.name,
            if cfg!(target_os = "fuchsia") {
                "Zircon"
            } else {
                "host kernel"
            }
        );
    }

    let mut rows = Vec::new();
    progress("export");
    rows.extend(bench_export(interop, warmup, runs)?);
    let calls = count_calls(interop)?;
    for &size in sizes {
        progress(&format!("import of {}", bytes(size)));
        let runs = if size >= GIB { runs.min(21) } else { runs };
        rows.extend(bench_import(interop, size, warmup, runs)?);
    }
    for &size in sizes {
        progress(&format!(
            "zero-copy against staging copy of {}",
            bytes(size)
        ));
        let runs = if size >= 64 * MIB { runs.min(11) } else { runs };
        rows.push(bench_zero_copy(&device, size, warmup.min(2), runs)?);
    }
    for count in [1u32, 8, 64] {
        progress(&format!("sysmem2 collection of {count} × 1 MiB"));
        let runs = if count >= 64 { runs.min(21) } else { runs };
        rows.push(bench_sysmem(count, warmup.min(3), runs)?);
    }

    if let Some((path, file)) = svg {
        let series = |subject: bool| -> Vec<(u64, Duration)> {
            rows.iter()
                .filter(|r| r.group == "zero-copy")
                .filter_map(|r| {
                    let stats = if subject { r.subject.1 } else { r.baseline.1 };
                    r.size.map(|s| (s, stats.median))
                })
                .collect()
        };
        let plot = svg_plot(
            &format!("Making a VMO's bytes GPU-usable on {}", physical.name),
            &[
                Series {
                    label: "zero-copy import",
                    color: "#1f77b4",
                    points: series(true),
                },
                Series {
                    label: "copy via staging",
                    color: "#d62728",
                    points: series(false),
                },
            ],
        );
        file.write(&plot)
            .with_context(|| format!("writing {}", path.display()))?;
        if !json {
            eprintln!("  wrote {}", path.display());
        }
    }

    if json {
        let document = json!({
            "device": physical.name,
            "kernel": if cfg!(target_os = "fuchsia") { "zircon" } else { "host" },
            "kernel_calls": calls,
            "rows": rows.iter().map(row_json).collect::<Vec<Value>>(),
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        print_table(&rows, &calls);
    }
    Ok(Outcome::Pass)
}

fn bench_export(interop: &Interop, warmup: usize, runs: usize) -> Result<Vec<Row>> {
    let memory =
        interop.allocate_exportable_memory(&AllocationInfo::new().allocation_size(64 * KIB))?;
    let info = vk::MemoryGetZirconHandleInfoFUCHSIA::default()
        .memory(memory.as_raw())
        .handle_type(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA);
    let raw_export = || -> Result<zx::Vmo> {
        // SAFETY: the memory was allocated for ZIRCON_VMO export and is alive; the handle the
        // driver returns is a new one that we own.
        let raw = unsafe { interop.table().get_memory_zircon_handle(&info) }
            .map_err(|r| anyhow!("vkGetMemoryZirconHandleFUCHSIA: {r}"))?;
        // SAFETY: as above: a fresh handle value nobody else owns.
        Ok(zx::Vmo::from(unsafe { zx::Handle::from_raw(raw) }))
    };
    let narrowed = Rights::READ | Rights::MAP | Rights::TRANSFER;
    let same = Row {
        group: "export",
        case: "SAME_RIGHTS".into(),
        subject: (
            "get_memory_zircon_handle",
            measure(warmup, runs, || {
                interop.get_memory_zircon_handle(&memory, Rights::SAME_RIGHTS)?;
                Ok(())
            })?,
        ),
        baseline: (
            "raw vkGetMemoryZirconHandleFUCHSIA",
            measure(warmup, runs, || raw_export().map(drop))?,
        ),
        size: None,
    };
    let narrow = Row {
        group: "export",
        case: "READ|MAP|TRANSFER".into(),
        subject: (
            "get_memory_zircon_handle",
            measure(warmup, runs, || {
                interop.get_memory_zircon_handle(&memory, narrowed)?;
                Ok(())
            })?,
        ),
        baseline: (
            "raw call + zx_handle_replace",
            measure(warmup, runs, || {
                raw_export()?.replace_handle(narrowed)?;
                Ok(())
            })?,
        ),
        size: None,
    };
    Ok(vec![same, narrow])
}

/// Kernel calls per export (both rights cases) and per validated import.
fn count_calls(interop: &Interop) -> Result<Value> {
    let memory =
        interop.allocate_exportable_memory(&AllocationInfo::new().allocation_size(4 * KIB))?;
    let (same, same_calls) =
        kernel_calls(|| interop.get_memory_zircon_handle(&memory, Rights::SAME_RIGHTS));
    let same = same?;
    let (narrowed, narrowed_calls) =
        kernel_calls(|| interop.get_memory_zircon_handle(&memory, Rights::READ | Rights::MAP));
    drop(narrowed?);
    let (imported, import_calls) =
        kernel_calls(|| interop.import_memory(same, &AllocationInfo::new()));
    let imported = imported.map_err(|e| anyhow!("{e}"))?;
    let (_, free_calls) = kernel_calls(|| drop(imported));
    Ok(json!({
        "export_same_rights": same_calls,
        "export_narrowed": narrowed_calls,
        "import": import_calls,
        "free_imported": free_calls,
    }))
}

/// The validated import of a `size`-byte VMO beside the raw import of it, and beside a plain
/// device-local `vkAllocateMemory` of the same size (what memory of that size costs without
/// sharing it).
fn bench_import(interop: &Interop, size: u64, warmup: usize, runs: usize) -> Result<Vec<Row>> {
    let vmo = zx::Vmo::create(size)?;
    let bits = interop.get_memory_zircon_handle_properties(&vmo)?;
    let memory_type_index = bits.trailing_zeros();
    let validated = measure(warmup, runs, || {
        let copy = vmo.duplicate_handle(Rights::SAME_RIGHTS)?;
        interop
            .import_memory(copy, &AllocationInfo::new())
            .map_err(|e| anyhow!("{e}"))?;
        Ok(())
    })?;
    let raw = measure(warmup, runs, || {
        let copy = vmo.duplicate_handle(Rights::SAME_RIGHTS)?;
        let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
            .handle_type(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA)
            .handle(copy.raw_handle());
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(size)
            .memory_type_index(memory_type_index)
            .push_next(&mut import);
        // SAFETY: a live VMO of `size` bytes and a type from its memoryTypeBits; on success the
        // handle belongs to Vulkan (so our owner forgets it), and the memory is freed at once.
        unsafe {
            let memory = interop
                .table()
                .allocate_memory(&info)
                .map_err(|r| anyhow!("vkAllocateMemory: {r}"))?;
            let _ = copy.into_handle().into_raw();
            interop.table().free_memory(memory);
        }
        Ok(())
    })?;
    let memory_types = interop.memory_properties();
    let device_local = (0..memory_types.memory_type_count).find(|&i| {
        memory_types.memory_types[i as usize]
            .property_flags
            .contains(vk::MemoryPropertyFlags::DEVICE_LOCAL)
    });
    let mut rows = vec![Row {
        group: "import",
        case: bytes(size),
        subject: ("import_memory (validated)", validated),
        baseline: ("raw vkAllocateMemory + import chain", raw),
        size: Some(size),
    }];
    if let Some(index) = device_local {
        let plain = measure(warmup, runs, || {
            let info = vk::MemoryAllocateInfo::default()
                .allocation_size(size)
                .memory_type_index(index);
            // SAFETY: a plain allocation of a type the device has; freed at once.
            unsafe {
                let memory = interop
                    .device()
                    .allocate_memory(&info, None)
                    .map_err(|r| anyhow!("vkAllocateMemory: {r}"))?;
                interop.device().free_memory(memory, None);
            }
            Ok(())
        })?;
        rows.push(Row {
            group: "import",
            case: format!("{} vs device-local", bytes(size)),
            subject: ("import_memory (validated)", validated),
            baseline: ("vkAllocateMemory, device-local", plain),
            size: Some(size),
        });
    }
    Ok(rows)
}

fn row_json(row: &Row) -> Value {
    let stats = |(name, s): (&str, Stats)| {
        json!({
            "name": name,
            "median_ns": s.median.as_nanos() as u64,
            "p10_ns": s.p10.as_nanos() as u64,
            "p90_ns": s.p90.as_nanos() as u64,
            "runs": s.runs,
        })
    };
    json!({
        "group": row.group,
        "case": row.case,
        "size_bytes": row.size,
        "subject": stats(row.subject),
        "baseline": stats(row.baseline),
        "ratio": row.ratio(),
    })
}

/// `1.05x`; the ratios far below one that zero-copy gives keep their significant digits.
fn ratio_string(ratio: f64) -> String {
    if ratio >= 0.1 {
        format!("{ratio:.2}x")
    } else if ratio >= 0.001 {
        format!("{ratio:.3}x")
    } else {
        format!("{ratio:.1e}x")
    }
}

fn print_table(rows: &[Row], calls: &Value) {
    println!(
        "{:<10} {:<18} {:<28} {:>10} {:<36} {:>10} {:>7}",
        "group", "case", "subject", "median", "baseline", "median", "ratio"
    );
    let mut last = "";
    for row in rows {
        if row.group != last && !last.is_empty() {
            println!();
        }
        last = row.group;
        println!(
            "{:<10} {:<18} {:<28} {:>10} {:<36} {:>10} {:>7}",
            row.group,
            row.case,
            row.subject.0,
            human(row.subject.1.median),
            row.baseline.0,
            human(row.baseline.1.median),
            ratio_string(row.ratio())
        );
    }
    println!();
    println!("kernel calls per operation: {calls}");
}
