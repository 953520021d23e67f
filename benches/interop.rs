//! Interop benchmarks: export, exportable allocation and import latency beside the same
//! operations done with raw calls, import latency by size, and kernel calls per operation (host
//! kernel counters).
//!
//! Runs on the first Vulkan device (`VMO_INTEROP_DEVICE=<index>` picks another), without the
//! validation layer. The default run is short; pass criterion's own flags for longer ones
//! (`cargo bench --bench interop -- --measurement-time 5`).

mod common;

use std::hint::black_box;
use std::time::Duration;

use ash::vk;
use common::BenchDevice;
use criterion::{BenchmarkId, Criterion};
use vmo_interop::vk::{AllocationInfo, Interop};

use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;
const IMPORT_SIZES: [(u64, &str); 4] = [
    (4 * KIB, "4KiB"),
    (MIB, "1MiB"),
    (64 * MIB, "64MiB"),
    (GIB, "1GiB"),
];

/// The benchmarks' device, plus `VK_EXT_external_memory_host` for the raw baseline.
struct Setup {
    host_pointer: ash::ext::external_memory_host::Device,
    bench: BenchDevice,
}

impl Setup {
    fn new() -> Self {
        let bench = BenchDevice::new();
        let host_pointer =
            ash::ext::external_memory_host::Device::new(&bench.instance, &bench.device);
        Setup {
            host_pointer,
            bench,
        }
    }

    fn interop(&self) -> &Interop {
        self.bench.interop()
    }

    fn device(&self) -> &ash::Device {
        &self.bench.device
    }

    /// The memory types a host pointer at `ptr` can be imported as (raw ash).
    fn host_pointer_bits(&self, ptr: *mut u8) -> u32 {
        let mut properties = vk::MemoryHostPointerPropertiesEXT::default();
        // SAFETY: `ptr` is a live mapping; the pointer was loaded for this device.
        unsafe {
            (self
                .host_pointer
                .fp()
                .get_memory_host_pointer_properties_ext)(
                self.bench.device.handle(),
                vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT,
                ptr.cast(),
                &mut properties,
            )
        }
        .result()
        .expect("vkGetMemoryHostPointerPropertiesEXT");
        properties.memory_type_bits
    }
}

fn thread_calls<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = vmo_interop::platform::host::thread_kernel_calls();
    let value = f();
    (
        value,
        vmo_interop::platform::host::thread_kernel_calls() - before,
    )
}

fn report_kernel_calls(setup: &Setup) {
    let interop = setup.interop();
    let memory = interop
        .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4 * KIB))
        .expect("allocate");
    let (same, same_calls) = thread_calls(|| {
        interop
            .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
            .expect("export")
    });
    let (narrowed, narrowed_calls) = thread_calls(|| {
        interop
            .get_memory_zircon_handle(&memory, zx::Rights::READ | zx::Rights::MAP)
            .expect("export")
    });
    drop(narrowed);
    let (imported, import_calls) = thread_calls(|| {
        interop
            .import_memory(same, &AllocationInfo::new())
            .expect("import")
    });
    let (_, free_calls) = thread_calls(|| drop(imported));
    let (_, allocate_calls) = thread_calls(|| {
        interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4 * KIB))
            .expect("allocate")
    });
    eprintln!("kernel calls per operation (host kernel):");
    eprintln!("  export, SAME_RIGHTS          {same_calls}");
    eprintln!("  export, READ | MAP           {narrowed_calls}");
    eprintln!("  import (validated)           {import_calls}");
    eprintln!("  free imported memory         {free_calls}");
    eprintln!("  allocate exportable          {allocate_calls}");
}

fn bench_export(c: &mut Criterion, setup: &Setup) {
    let interop = setup.interop();
    let memory = interop
        .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4 * KIB))
        .expect("allocate");
    let mut group = c.benchmark_group("export");
    group.bench_function("interop_same_rights", |b| {
        b.iter(|| {
            interop
                .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
                .expect("export")
        })
    });
    group.bench_function("interop_read_map", |b| {
        b.iter(|| {
            interop
                .get_memory_zircon_handle(&memory, zx::Rights::READ | zx::Rights::MAP)
                .expect("export")
        })
    });
    let info = vk::MemoryGetZirconHandleInfoFUCHSIA::default()
        .memory(memory.as_raw())
        .handle_type(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA);
    group.bench_function("raw_table_call", |b| {
        b.iter(|| {
            // SAFETY: exportable memory; the returned handle is ours and closed at once.
            let raw = unsafe { interop.table().get_memory_zircon_handle(&info) }.expect("export");
            // SAFETY: as above.
            zx::Vmo::from(unsafe { zx::Handle::from_raw(raw) })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("allocate_4KiB");
    group.bench_function("interop_exportable", |b| {
        b.iter(|| {
            interop
                .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4 * KIB))
                .expect("allocate")
        })
    });
    // Apples to apples with `interop_exportable` (which, on the host, is a fresh VMO mapped and
    // imported as host memory): the same steps as raw calls, without validation or the
    // implementation's bookkeeping.
    let probe = zx::Vmo::create(4 * KIB).expect("vmo");
    let probe_mapping = probe
        .map(
            0,
            4 * KIB as usize,
            zx::VmarFlags::PERM_READ | zx::VmarFlags::PERM_WRITE,
        )
        .expect("map");
    let host_index = setup
        .host_pointer_bits(probe_mapping.as_ptr())
        .trailing_zeros();
    drop((probe_mapping, probe));
    group.bench_function("raw_vmo_host_pointer_import", |b| {
        b.iter(|| {
            let vmo = zx::Vmo::create(4 * KIB).expect("vmo");
            let mapping = vmo
                .map(
                    0,
                    4 * KIB as usize,
                    zx::VmarFlags::PERM_READ | zx::VmarFlags::PERM_WRITE,
                )
                .expect("map");
            let mut host = vk::ImportMemoryHostPointerInfoEXT::default()
                .handle_type(vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT)
                .host_pointer(mapping.as_ptr().cast());
            let info = vk::MemoryAllocateInfo::default()
                .allocation_size(4 * KIB)
                .memory_type_index(host_index)
                .push_next(&mut host);
            // SAFETY: a page-aligned mapping of 4 KiB (lavapipe's alignment) and a type from
            // its host-pointer bits; the memory is freed before the mapping goes.
            unsafe {
                let memory = setup.device().allocate_memory(&info, None).expect("import");
                setup.device().free_memory(black_box(memory), None);
            }
            drop((mapping, vmo));
        })
    });
    // Not exportable at all: the floor of any allocation, for scale only.
    let index = memory.memory_type_index();
    group.bench_function("plain_allocate_not_exportable", |b| {
        b.iter(|| {
            let info = vk::MemoryAllocateInfo::default()
                .allocation_size(4 * KIB)
                .memory_type_index(index);
            // SAFETY: a plain allocation, freed at once.
            unsafe {
                let memory = setup
                    .device()
                    .allocate_memory(&info, None)
                    .expect("allocate");
                setup.device().free_memory(black_box(memory), None);
            }
        })
    });
    group.finish();
}

fn bench_import(c: &mut Criterion, setup: &Setup) {
    let interop = setup.interop();
    let mut group = c.benchmark_group("import");
    for (size, label) in IMPORT_SIZES {
        let vmo = zx::Vmo::create(size).expect("vmo");
        group.bench_with_input(BenchmarkId::new("interop", label), &vmo, |b, vmo| {
            b.iter(|| {
                let copy = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS).expect("dup");
                interop
                    .import_memory(copy, &AllocationInfo::new())
                    .expect("import")
            })
        });
        // The same import as the raw extension call: `vkAllocateMemory` with a
        // `VkImportMemoryZirconHandleInfoFUCHSIA` chain, no validation (apples to apples with
        // `interop`: both duplicate, and both go through the same entry point).
        let bits = interop
            .get_memory_zircon_handle_properties(&vmo)
            .expect("properties");
        let index = bits.trailing_zeros();
        group.bench_with_input(
            BenchmarkId::new("raw_zircon_import", label),
            &vmo,
            |b, vmo| {
                b.iter(|| {
                    let copy = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS).expect("dup");
                    let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
                        .handle_type(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA)
                        .handle(copy.raw_handle());
                    let info = vk::MemoryAllocateInfo::default()
                        .allocation_size(size)
                        .memory_type_index(index)
                        .push_next(&mut import);
                    // SAFETY: a live VMO of `size` bytes and a type from its memoryTypeBits; on
                    // success the handle is Vulkan's (our owner forgets it); freed at once.
                    unsafe {
                        let memory = interop.table().allocate_memory(&info).expect("import");
                        let _ = copy.into_handle().into_raw();
                        interop.table().free_memory(black_box(memory));
                    }
                })
            },
        );
        // The floor: a host-pointer import of an existing mapping (what the host layer
        // does underneath, without mapping the VMO each time).
        let length = usize::try_from(size).expect("size");
        let mapping = vmo
            .map(
                0,
                length,
                zx::VmarFlags::PERM_READ | zx::VmarFlags::PERM_WRITE,
            )
            .expect("map");
        let bits = setup.host_pointer_bits(mapping.as_ptr());
        let index = bits.trailing_zeros();
        group.bench_with_input(
            BenchmarkId::new("raw_host_pointer", label),
            &mapping,
            |b, mapping| {
                b.iter(|| {
                    let mut host = vk::ImportMemoryHostPointerInfoEXT::default()
                        .handle_type(vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT)
                        .host_pointer(mapping.as_ptr().cast());
                    let info = vk::MemoryAllocateInfo::default()
                        .allocation_size(size)
                        .memory_type_index(index)
                        .push_next(&mut host);
                    // SAFETY: an aligned mapping of `size` bytes; the memory is freed at once.
                    unsafe {
                        let memory = setup.device().allocate_memory(&info, None).expect("import");
                        setup.device().free_memory(black_box(memory), None);
                    }
                })
            },
        );
    }
    group.finish();
}

fn main() {
    let setup = Setup::new();
    report_kernel_calls(&setup);
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(800))
        .configure_from_args();
    bench_export(&mut c, &setup);
    bench_import(&mut c, &setup);
    c.final_summary();
}
