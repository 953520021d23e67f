//! The Vulkan bridge on a real driver (lavapipe or a GPU), validation layer on: a producer
//! imports a sysmem2 collection and fills it with `vkCmdFillBuffer`; two consumers read the
//! bytes through their own VMOs.

mod common;
mod sysmem_common;

use ash::vk;
use common::{bind, Gpu};
use sysmem_common::{consumer_tokens, cpu_constraints, deadline};
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::vulkan::{import_buffers, ImportBuffersError, VulkanConstraints};
use vmo_interop::sysmem::{BufferCollection, HostSysmem};
use vmo_interop::vk::{AllocationInfo, ImportErrorKind, Resource};
use vmo_interop::zx::{self, AsHandleRef, Rights};

const SIZE: u64 = 256 * 1024;

/// A CPU reader of one 4 KiB buffer (sysmem allocates only when some participant asks for a
/// size).
fn reader() -> BufferCollectionConstraints {
    cpu_constraints(usage::CPU_USAGE_READ, 4096, 1)
}

/// Asserts the host kernel holds what it held before `f`.
fn no_leaks(f: impl FnOnce()) {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = vmo_interop::platform::host::counters();
    f();
    let after = vmo_interop::platform::host::counters();
    assert_eq!(after.live_handles, before.live_handles, "handles leaked");
    assert_eq!(after.live_vmos, before.live_vmos, "VMOs leaked");
    assert_eq!(after.live_mappings, before.live_mappings, "mappings leaked");
}

fn transfer_buffer_info() -> vk::BufferCreateInfo<'static> {
    vk::BufferCreateInfo::default()
        .size(SIZE)
        .usage(vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST)
        .sharing_mode(vk::SharingMode::EXCLUSIVE)
}

#[test]
fn gpu_producer_and_two_cpu_consumers_share_a_collection() {
    no_leaks(|| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let service = HostSysmem::start().unwrap();
        let (producer_alloc, a_alloc, b_alloc) = (
            service.connect().unwrap(),
            service.connect().unwrap(),
            service.connect().unwrap(),
        );

        let root = producer_alloc.allocate_shared_collection().unwrap();
        let b_mask = Rights::BASIC | Rights::READ | Rights::GET_PROPERTY;
        let (a_token, b_token) = consumer_tokens(&root, b_mask);
        let producer = producer_alloc.bind_shared_collection(root).unwrap();
        let a = a_alloc.bind_shared_collection(a_token).unwrap();
        let b = b_alloc.bind_shared_collection(b_token).unwrap();

        // The producer's constraints come from the buffer it will bind.
        // SAFETY: a valid create info without an external-memory structure.
        let probe = unsafe { interop.create_buffer(&transfer_buffer_info()) }.unwrap();
        let requirements = probe.requirements().memory;
        let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
        let constraints = VulkanConstraints::for_buffer(requirements, usage)
            .memory_properties(vk::MemoryPropertyFlags::HOST_VISIBLE)
            .min_buffer_count_for_camping(2)
            .to_constraints();
        producer.set_constraints(Some(constraints)).unwrap();
        a.set_constraints(Some(reader())).unwrap();
        b.set_constraints(Some(reader())).unwrap();

        let info = producer.wait_for_all_buffers_allocated(deadline()).unwrap();
        let a_info = a.wait_for_all_buffers_allocated(deadline()).unwrap();
        let b_info = b.wait_for_all_buffers_allocated(deadline()).unwrap();
        let count = 4; // producer camps 2, each consumer 1
        let expected = [
            (&info, Rights::from_bits_retain(0xC0EF)),
            (&a_info, Rights::from_bits_retain(0xC0E7)),
            (&b_info, Rights::from_bits_retain(0xC0E7) & b_mask),
        ];
        for (info, rights) in expected {
            let buffers = info.buffers.as_ref().unwrap();
            assert_eq!(buffers.len(), count);
            for buffer in buffers {
                let vmo = buffer.vmo.as_ref().unwrap();
                assert_eq!(vmo.basic_info().unwrap().rights, rights);
                assert_eq!(vmo.get_size().unwrap(), requirements.size.max(SIZE));
            }
        }

        // Import every buffer, bind a buffer to each, fill it on the GPU.
        let allocation = AllocationInfo::new()
            .memory_properties(
                vk::MemoryPropertyFlags::HOST_VISIBLE,
                vk::MemoryPropertyFlags::empty(),
            )
            .resource(Resource::Buffer(&probe));
        let imported = import_buffers(interop, info, &allocation).unwrap();
        assert_eq!(imported.memories.len(), count);
        let buffers: Vec<_> = imported
            .memories
            .iter()
            .enumerate()
            .map(|(i, memory)| {
                // SAFETY: as above.
                let buffer = unsafe { interop.create_buffer(&transfer_buffer_info()) }.unwrap();
                bind(interop, &buffer, memory);
                gpu.fill(buffer.as_raw(), 0, SIZE, 0xA5A5_0000 | i as u32);
                buffer
            })
            .collect();

        // Both consumers see the GPU's bytes through their own handles.
        for consumer in [&a_info, &b_info] {
            for (i, buffer) in consumer.buffers.as_ref().unwrap().iter().enumerate() {
                let vmo = buffer.vmo.as_ref().unwrap();
                let mut bytes = vec![0u8; SIZE as usize];
                vmo.read(&mut bytes, 0).unwrap();
                let word = (0xA5A5_0000u32 | i as u32).to_le_bytes();
                assert!(bytes.chunks(4).all(|w| w == word), "buffer {i} not filled");
                assert_eq!(vmo.write(&[0], 0), Err(zx::Status::ACCESS_DENIED));
            }
        }

        drop(buffers);
        drop(imported);
        drop(probe);
        for c in [producer, a, b] {
            c.release().unwrap();
        }
        drop((a_info, b_info));
        drop((producer_alloc, a_alloc, b_alloc, service));
        drop(gpu); // Asserts the validation layer reported nothing.
    });
}

/// A read-only Vulkan participant gets VMOs without WRITE; importing them fails with
/// `MissingRights`, and the VMO comes back inside the error.
#[test]
fn read_only_vulkan_usage_cannot_import() {
    no_leaks(|| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let service = HostSysmem::start().unwrap();
        let allocator = service.connect().unwrap();
        let collection: BufferCollection = allocator.allocate_non_shared_collection().unwrap();
        let requirements = vk::MemoryRequirements {
            size: SIZE,
            alignment: 4096,
            memory_type_bits: u32::MAX,
        };
        let constraints =
            VulkanConstraints::for_buffer(requirements, vk::BufferUsageFlags::VERTEX_BUFFER)
                .to_constraints();
        collection.set_constraints(Some(constraints)).unwrap();
        let info = collection
            .wait_for_all_buffers_allocated(deadline())
            .unwrap();
        let koid = info.buffers.as_ref().unwrap()[0]
            .vmo
            .as_ref()
            .unwrap()
            .get_koid()
            .unwrap();
        let error = import_buffers(interop, info, &AllocationInfo::new()).unwrap_err();
        match error {
            ImportBuffersError::Import { index: 0, error } => {
                assert!(
                    matches!(error.kind(), ImportErrorKind::MissingRights { missing, .. } if *missing == Rights::WRITE)
                );
                assert_eq!(error.into_vmo().get_koid().unwrap(), koid);
            }
            other => panic!("expected MissingRights for buffer 0, got {other:?}"),
        }
        collection.release().unwrap();
        drop((allocator, service));
    });
}

/// A participant without usage has no VMOs to import.
#[test]
fn no_usage_means_nothing_to_import() {
    no_leaks(|| {
        let gpu = Gpu::new();
        let service = HostSysmem::start().unwrap();
        let allocator = service.connect().unwrap();
        let root = allocator.allocate_shared_collection().unwrap();
        let other = root
            .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
            .unwrap()
            .pop()
            .unwrap();
        let (owner, watcher) = (
            allocator.bind_shared_collection(root).unwrap(),
            allocator.bind_shared_collection(other).unwrap(),
        );
        owner.set_constraints(Some(reader())).unwrap();
        watcher.set_constraints(None).unwrap();
        let info = watcher.wait_for_all_buffers_allocated(deadline()).unwrap();
        let error = import_buffers(gpu.interop(), info, &AllocationInfo::new()).unwrap_err();
        assert!(
            matches!(error, ImportBuffersError::NoVmo { index: 0 }),
            "{error:?}"
        );
        owner.release().unwrap();
        watcher.release().unwrap();
        drop((allocator, service));
    });
}
