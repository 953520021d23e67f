//! sysmem2 benchmarks: a collection of 1, 8 and 64 buffers of 1 MiB allocated through the host
//! sysmem service (client → FIDL → service thread → VMOs → one duplicate per buffer → reply),
//! beside the same VMOs made directly with `Vmo::create`, in the same run; then the same with
//! every buffer imported into Vulkan (first device, `VMO_INTEROP_DEVICE=<index>` for another,
//! no validation layer). Each iteration also frees what it made.
//!
//! At the end the protocol's overhead is printed as the ratio of the mean times (from
//! criterion's estimates of this run). The default run is short; pass criterion's flags for
//! longer ones (`cargo bench --bench sysmem -- --measurement-time 5`).

mod common;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use ash::vk;
use common::BenchDevice;
use criterion::{BenchmarkId, Criterion, Throughput};
use vmo_interop::sysmem::types::{
    usage, BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage,
};
use vmo_interop::sysmem::{Allocator, HostSysmem};
use vmo_interop::vk::{AllocationInfo, Interop};

use vmo_interop::zx;

const MIB: u64 = 1024 * 1024;
const COUNTS: [u32; 3] = [1, 8, 64];

/// One collection of `count` buffers of 1 MiB through the service; returns the VMOs.
fn allocate(allocator: &Allocator, count: u32) -> Vec<zx::Vmo> {
    let collection = allocator
        .allocate_non_shared_collection()
        .expect("allocate");
    collection
        .set_constraints(Some(BufferCollectionConstraints {
            usage: Some(BufferUsage {
                cpu: Some(usage::CPU_USAGE_READ | usage::CPU_USAGE_WRITE),
                ..Default::default()
            }),
            min_buffer_count: Some(count),
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(MIB),
                ..Default::default()
            }),
            ..Default::default()
        }))
        .expect("set_constraints");
    let info = collection
        .wait_for_all_buffers_allocated(zx::MonotonicInstant::INFINITE)
        .expect("wait");
    collection.release().expect("release");
    info.into_vmos().expect("a VMO for every buffer")
}

/// The same VMOs without sysmem.
fn create(count: u32) -> Vec<zx::Vmo> {
    (0..count)
        .map(|_| zx::Vmo::create(MIB).expect("vmo"))
        .collect()
}

/// Imports every VMO (the whole VMO, host-visible memory).
fn import(interop: &Interop, vmos: Vec<zx::Vmo>) -> Vec<vmo_interop::vk::Memory> {
    let info = AllocationInfo::new().memory_properties(
        vk::MemoryPropertyFlags::HOST_VISIBLE,
        vk::MemoryPropertyFlags::empty(),
    );
    vmos.into_iter()
        .map(|vmo| interop.import_memory(vmo, &info).expect("import"))
        .collect()
}

fn bench_allocate(c: &mut Criterion, allocator: &Allocator) {
    let mut group = c.benchmark_group("allocate_1MiB_buffers");
    for count in COUNTS {
        group.throughput(Throughput::Elements(count.into()));
        group.bench_with_input(BenchmarkId::new("sysmem2", count), &count, |b, &count| {
            b.iter(|| black_box(allocate(allocator, count)))
        });
        group.bench_with_input(
            BenchmarkId::new("vmo_create", count),
            &count,
            |b, &count| b.iter(|| black_box(create(count))),
        );
    }
    group.finish();
}

fn bench_allocate_import(c: &mut Criterion, allocator: &Allocator, vulkan: &BenchDevice) {
    let interop = vulkan.interop();
    let mut group = c.benchmark_group("allocate_import_1MiB_buffers");
    for count in COUNTS {
        group.throughput(Throughput::Elements(count.into()));
        group.bench_with_input(BenchmarkId::new("sysmem2", count), &count, |b, &count| {
            b.iter(|| black_box(import(interop, allocate(allocator, count))))
        });
        group.bench_with_input(
            BenchmarkId::new("vmo_create", count),
            &count,
            |b, &count| b.iter(|| black_box(import(interop, create(count)))),
        );
    }
    group.finish();
}

/// The mean of one benchmark of this run, from criterion's estimates file.
fn mean_ns(group: &str, function: &str, count: u32) -> Option<f64> {
    let home = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/criterion"));
    let path = home
        .join(group)
        .join(function)
        .join(count.to_string())
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn report_ratios(groups: &[&str]) {
    for group in groups {
        eprintln!("{group}: sysmem2 / vmo_create (mean time)");
        for count in COUNTS {
            match (
                mean_ns(group, "sysmem2", count),
                mean_ns(group, "vmo_create", count),
            ) {
                (Some(sysmem), Some(direct)) => eprintln!(
                    "  {count:>2} buffers: {:>9.1} µs / {:>9.1} µs = {:.2}x",
                    sysmem / 1e3,
                    direct / 1e3,
                    sysmem / direct
                ),
                _ => eprintln!("  {count:>2} buffers: no estimates (filtered out?)"),
            }
        }
    }
}

fn main() {
    let service = HostSysmem::start().expect("start the host sysmem service");
    let allocator = service.connect().expect("connect");
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(800))
        .configure_from_args();
    bench_allocate(&mut c, &allocator);
    let mut groups = vec!["allocate_1MiB_buffers"];
    match BenchDevice::try_new() {
        Some(vulkan) => {
            bench_allocate_import(&mut c, &allocator, &vulkan);
            groups.push("allocate_import_1MiB_buffers");
        }
        None => eprintln!("no Vulkan device: the import benchmarks are skipped"),
    }
    c.final_summary();
    report_ratios(&groups);
}
