//! Many imports of one payload, many exports of one allocation, and two devices sharing memory.

mod common;

use std::collections::HashSet;

use ash::vk;
use common::{bind, leak_checked, live, transfer_buffer, Gpu};
use vmo_interop::vk::{AllocationInfo, Resource};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const COUNT: usize = 4096;

#[test]
fn import_one_payload_4096_times() {
    leak_checked(|_, interop| {
        let exporter = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let vmo = interop
            .get_memory_zircon_handle(&exporter, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let koid = vmo.get_koid().unwrap();
        // Live at once: the exporter plus a window of imports, freed as they go (as CTS's
        // import_multiple_times does), so the allocation count stays far below the limit.
        let mut window = std::collections::VecDeque::new();
        let mut seen = HashSet::new();
        for _ in 0..COUNT {
            let copy = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS).unwrap();
            let memory = interop.import_memory(copy, &AllocationInfo::new()).unwrap();
            assert!(matches!(
                memory.backing(),
                vmo_interop::vk::Backing::ImportedVmo { koid: k, .. } if k == koid
            ));
            seen.insert(memory.as_raw());
            window.push_back(memory);
            if window.len() > 16 {
                window.pop_front();
            }
        }
        assert!(seen.len() > 16, "imports are distinct memory objects");
        drop((window, vmo, exporter));
    });
}

#[test]
fn export_one_allocation_4096_times() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let exports: Vec<zx::Vmo> = (0..COUNT)
            .map(|_| {
                interop
                    .get_memory_zircon_handle(&memory, zx::Rights::READ | zx::Rights::MAP)
                    .unwrap()
            })
            .collect();
        let koids: HashSet<_> = exports.iter().map(|v| v.get_koid().unwrap()).collect();
        assert_eq!(koids.len(), 1, "one payload");
        let handles: HashSet<_> = exports.iter().map(|v| v.raw_handle()).collect();
        assert_eq!(handles.len(), COUNT, "a new handle per export");
        assert_eq!(
            live().0,
            before.0 + COUNT as u64 + 1,
            "the exports plus the allocation's VMO"
        );
        drop((exports, memory));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn export_on_one_device_import_on_another() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = Gpu::new();
        let second = gpu.second_device();
        let (a, b) = (gpu.interop(), second.interop());
        const SIZE: u64 = 16 * 1024;
        let buffer = transfer_buffer(a, SIZE);
        let memory = a
            .allocate_exportable_memory(&AllocationInfo::new().resource(Resource::Buffer(&buffer)))
            .unwrap();
        bind(a, &buffer, &memory);
        gpu.fill(buffer.as_raw(), 0, SIZE, 0x1234_5678);

        // Memory of one device cannot be exported through the other's interop.
        let err = b
            .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
            .unwrap_err();
        assert!(
            matches!(err, vmo_interop::vk::ExportError::OtherDevice),
            "{err:?}"
        );

        let vmo = a
            .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let other_buffer = transfer_buffer(b, SIZE);
        let imported = b
            .import_memory(
                vmo,
                &AllocationInfo::new()
                    .allocation_size(SIZE)
                    .resource(Resource::Buffer(&other_buffer)),
            )
            .unwrap();
        bind(b, &other_buffer, &imported);
        // SAFETY: host-visible memory of the second device, mapped once.
        let words = unsafe {
            let ptr = second
                .device
                .map_memory(
                    imported.as_raw(),
                    0,
                    vk::WHOLE_SIZE,
                    vk::MemoryMapFlags::empty(),
                )
                .unwrap();
            let words = std::slice::from_raw_parts(ptr.cast::<u32>(), SIZE as usize / 4).to_vec();
            second.device.unmap_memory(imported.as_raw());
            words
        };
        assert!(words.iter().all(|&w| w == 0x1234_5678));
        drop((imported, other_buffer, buffer, memory));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}
