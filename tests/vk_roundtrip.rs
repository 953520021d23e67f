//! Round trips on a real Vulkan driver (lavapipe here): GPU writes into exported memory are
//! read back through the VMO and through imports; one payload, many views.

mod common;

use ash::vk;
use common::{bind, live, transfer_buffer, Gpu};
use vmo_interop::vk::{AllocationInfo, Backing, Resource};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const SIZE: u64 = 64 * 1024;

fn read_vmo(vmo: &zx::Vmo, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    vmo.read(&mut bytes, 0).unwrap();
    bytes
}

/// Reads `len` bytes of host-visible memory through vkMapMemory.
fn read_mapped(gpu: &Gpu, memory: vk::DeviceMemory, len: usize) -> Vec<u8> {
    // SAFETY: the memory is host-visible (every host-pointer type is) and not mapped elsewhere.
    unsafe {
        let ptr = gpu
            .device
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap();
        let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len).to_vec();
        gpu.device.unmap_memory(memory);
        bytes
    }
}

fn write_mapped(gpu: &Gpu, memory: vk::DeviceMemory, offset: usize, bytes: &[u8]) {
    // SAFETY: as in `read_mapped`; the range lies within the allocation.
    unsafe {
        let ptr = gpu
            .device
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap();
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.cast::<u8>().add(offset), bytes.len());
        gpu.device.unmap_memory(memory);
    }
}

#[test]
fn gpu_fill_reads_back_through_the_vmo_and_a_second_import() {
    let _lock = zx::host::counters_lock();
    let before = live();
    {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let buffer = transfer_buffer(interop, SIZE);
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().resource(Resource::Buffer(&buffer)))
            .unwrap();
        assert!(matches!(
            memory.backing(),
            Backing::Exportable { dedicated: None }
        ));
        bind(interop, &buffer, &memory);
        gpu.fill(buffer.handle(), 0, SIZE, 0xA5C3_0F1E);

        let vmo = interop
            .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let expected: Vec<u8> = std::iter::repeat(0xA5C3_0F1Eu32.to_le_bytes())
            .take(SIZE as usize / 4)
            .flatten()
            .collect();
        assert_eq!(read_vmo(&vmo, SIZE as usize), expected);

        // A second import of the same payload sees the same bytes, through the GPU too.
        let import_buffer = transfer_buffer(interop, SIZE);
        let imported = interop
            .import_memory(
                vmo,
                &AllocationInfo::new()
                    .allocation_size(SIZE)
                    .resource(Resource::Buffer(&import_buffer)),
            )
            .unwrap();
        bind(interop, &import_buffer, &imported);
        assert_eq!(
            read_mapped(&gpu, imported.handle(), SIZE as usize),
            expected
        );

        let copy_target = transfer_buffer(interop, SIZE);
        let target_memory = interop
            .allocate_exportable_memory(
                &AllocationInfo::new().resource(Resource::Buffer(&copy_target)),
            )
            .unwrap();
        bind(interop, &copy_target, &target_memory);
        gpu.copy(import_buffer.handle(), copy_target.handle(), SIZE);
        let target_vmo = interop
            .get_memory_zircon_handle(&target_memory, zx::Rights::SAME_RIGHTS)
            .unwrap();
        assert_eq!(read_vmo(&target_vmo, SIZE as usize), expected);

        drop((
            target_vmo,
            copy_target,
            target_memory,
            import_buffer,
            imported,
            buffer,
            memory,
        ));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn import_twice_writes_through_either_are_seen_by_all() {
    let _lock = zx::host::counters_lock();
    let before = live();
    {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let exporter = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(1024))
            .unwrap();
        let vmo = interop
            .get_memory_zircon_handle(&exporter, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let copy = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS).unwrap();
        let koid = vmo.get_koid().unwrap();
        assert_eq!(copy.get_koid().unwrap(), koid);

        let first = interop
            .import_memory(vmo, &AllocationInfo::new().allocation_size(1024))
            .unwrap();
        let second = interop
            .import_memory(copy, &AllocationInfo::new().allocation_size(1024))
            .unwrap();
        assert_ne!(
            first.handle(),
            second.handle(),
            "each import is a distinct VkDeviceMemory"
        );
        assert!(matches!(first.backing(), Backing::ImportedVmo { koid: k, .. } if k == koid));

        write_mapped(&gpu, first.handle(), 0, b"through the first import");
        assert_eq!(
            &read_mapped(&gpu, second.handle(), 24),
            b"through the first import"
        );
        assert_eq!(
            &read_mapped(&gpu, exporter.handle(), 24),
            b"through the first import"
        );

        write_mapped(&gpu, second.handle(), 100, b"second");
        assert_eq!(&read_mapped(&gpu, first.handle(), 106)[100..], b"second");
        assert_eq!(&read_mapped(&gpu, exporter.handle(), 106)[100..], b"second");

        write_mapped(&gpu, exporter.handle(), 500, b"exporter");
        assert_eq!(&read_mapped(&gpu, first.handle(), 508)[500..], b"exporter");
        assert_eq!(&read_mapped(&gpu, second.handle(), 508)[500..], b"exporter");
        drop((first, second, exporter));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}
