//! Rules of the real sysmem2 server (src/devices/sysmem/drivers/sysmem/ in the Fuchsia tree)
//! that the host service follows, one test each. Where the host deliberately differs, the
//! README's sysmem section says so.

mod sysmem_common;

use sysmem_common::{
    assert_closed_with_internal_epitaph, cpu_constraints, deadline, shared_collection, until,
    with_service,
};
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{ClientError, HostSysmem};

/// A CPU reader camping on `count` buffers of 4 KiB.
fn camping(count: u32) -> BufferCollectionConstraints {
    cpu_constraints(usage::CPU_USAGE_READ, 4096, count)
}

/// A participant that sets constraints, releases and closes before allocation becomes an
/// orphaned node: its constraints still count (node.cc / logical_buffer_collection.cc keep the
/// NodeProperties of a released node until allocation).
#[test]
fn a_released_node_keeps_its_constraints() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared_collection(&allocator, 1);
        let leaving = allocator.bind_shared_collection(others.remove(0)).unwrap();
        leaving.set_constraints(Some(camping(2))).unwrap();
        leaving.release().unwrap(); // Release, then close the channel.
        let staying = allocator.bind_shared_collection(root).unwrap();
        // Make sure the release and close were served before this participant is ready.
        staying.sync(deadline()).unwrap();
        staying.set_constraints(Some(camping(1))).unwrap();
        let info = staying.wait_for_all_buffers_allocated(deadline()).unwrap();
        assert_eq!(
            info.buffer_count(),
            3,
            "camping counts sum: 2 (orphaned) + 1"
        );
        staying.release().unwrap();
    });
}

/// Allocates a collection with `constraints` as its only constraints, the wait already
/// pending when allocation runs (the last token is released only once the service holds the
/// wait), so that a failure is answered rather than racing the channel's close.
fn allocate(
    service: &HostSysmem,
    constraints: BufferCollectionConstraints,
) -> Result<BufferCollectionInfo, ClientError> {
    let allocator = service.connect().unwrap();
    let (root, mut others) = shared_collection(&allocator, 1);
    let last = others.remove(0);
    let collection = allocator.bind_shared_collection(root).unwrap();
    collection.set_constraints(Some(constraints)).unwrap();
    let waiter = std::thread::spawn(move || {
        let result = collection.wait_for_all_buffers_allocated(deadline());
        if result.is_ok() {
            collection.release().unwrap();
        }
        result
    });
    until(service, |stats| stats.pending_waits > 0);
    last.release().unwrap();
    waiter.join().unwrap()
}

/// `CheckSanitizeBufferCollectionConstraints`: a set but empty table is permitted and means
/// NONE usage: that participant takes part and receives no VMOs.
#[test]
fn an_empty_constraints_table_counts_as_none_usage() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared_collection(&allocator, 1);
        let empty = allocator.bind_shared_collection(others.remove(0)).unwrap();
        let user = allocator.bind_shared_collection(root).unwrap();
        empty
            .set_constraints(Some(BufferCollectionConstraints::default()))
            .unwrap();
        user.set_constraints(Some(camping(1))).unwrap();
        let info = empty.wait_for_all_buffers_allocated(deadline()).unwrap();
        let buffers = info.buffers.unwrap();
        assert_eq!(buffers.len(), 1);
        assert!(buffers[0].vmo.is_none(), "NONE usage gets no VMO");
        assert!(user.wait_for_all_buffers_allocated(deadline()).is_ok());
        empty.release().unwrap();
        user.release().unwrap();
    });
}

/// `CheckSanitizeBufferUsage` (aggregated stage): someone must use the buffers.
#[test]
fn all_none_usage_fails_allocation() {
    with_service(|service| {
        let none = BufferCollectionConstraints {
            usage: Some(BufferUsage {
                none: Some(usage::NONE_USAGE),
                ..Default::default()
            }),
            ..camping(1)
        };
        assert!(matches!(
            allocate(service, none),
            Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
        ));
    });
}

/// `GenerateUnpopulatedBufferCollectionInfo`: 256 MiB per buffer, 1 GiB per collection, else
/// `ZX_ERR_NO_MEMORY` (sysmem2's `Error::NO_MEMORY`). Nothing is allocated to find out.
#[test]
fn the_buffer_and_collection_size_caps_fail_allocation() {
    with_service(|service| {
        let sized = |bytes: u64, count: u32| BufferCollectionConstraints {
            min_buffer_count: Some(count),
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(bytes),
                ..Default::default()
            }),
            ..camping(0)
        };
        let over_buffer = sized((256 << 20) + 1, 1);
        let result = allocate(service, over_buffer);
        assert!(
            matches!(result, Err(ClientError::Sysmem(Error::NO_MEMORY))),
            "{result:?}"
        );
        let over_collection = sized(256 << 20, 5); // 1.25 GiB
        let result = allocate(service, over_collection);
        assert!(
            matches!(result, Err(ClientError::Sysmem(Error::NO_MEMORY))),
            "{result:?}"
        );
        // At the caps it works: one buffer of 256 MiB (a host VMO costs nothing until touched).
        assert!(allocate(service, sized(256 << 20, 1)).is_ok());
    });
}

/// A failed collection's channels end with the `ZX_ERR_INTERNAL` epitaph, then close.
#[test]
fn a_failed_collections_channels_close_with_the_internal_epitaph() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, dropped) = shared_collection(&allocator, 1);
        drop(dropped); // Without Release: the collection fails.
        assert_closed_with_internal_epitaph(&root.into_channel());
    });
}

fn with_memory(usage: BufferUsage, memory: BufferMemoryConstraints) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(usage),
        min_buffer_count_for_camping: Some(1),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(4096),
            ..memory
        }),
        ..Default::default()
    }
}

fn domain(info: &BufferCollectionInfo) -> CoherencyDomain {
    info.settings
        .as_ref()
        .and_then(|s| s.buffer_settings.as_ref())
        .and_then(|b| b.coherency_domain)
        .unwrap()
}

/// `CheckSanitizeBufferMemoryConstraints`: a participant without CPU usage does not care
/// which domain, so RAM (and INACCESSIBLE) are supported by default; with CPU usage only CPU
/// is.
#[test]
fn coherency_domain_defaults_depend_on_cpu_usage() {
    with_service(|service| {
        let no_cpu_domain = BufferMemoryConstraints {
            cpu_domain_supported: Some(false),
            ..Default::default()
        };
        let gpu = BufferUsage {
            vulkan: Some(usage::VULKAN_IMAGE_USAGE_SAMPLED),
            ..Default::default()
        };
        let info = allocate(service, with_memory(gpu, no_cpu_domain.clone())).unwrap();
        assert_eq!(domain(&info), CoherencyDomain::RAM);
        let cpu = BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ),
            ..Default::default()
        };
        assert!(matches!(
            allocate(service, with_memory(cpu, no_cpu_domain)),
            Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
        ));
    });
}

/// `CheckSanitizeBufferMemoryConstraints`: a set but empty `permitted_heaps` is an error
/// (unset means any heap).
#[test]
fn an_empty_permitted_heaps_fails_allocation() {
    with_service(|service| {
        let cpu = BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ),
            ..Default::default()
        };
        let empty = BufferMemoryConstraints {
            permitted_heaps: Some(Vec::new()),
            ..Default::default()
        };
        assert!(matches!(
            allocate(service, with_memory(cpu.clone(), empty)),
            Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
        ));
        assert!(allocate(
            service,
            with_memory(cpu, BufferMemoryConstraints::default())
        )
        .is_ok());
    });
}

/// `GetCoherencyDomain`: display usage prefers RAM when every participant supports it; a CPU
/// participant (RAM unsupported by default) keeps the CPU domain.
#[test]
fn display_usage_prefers_the_ram_domain() {
    with_service(|service| {
        let display = BufferUsage {
            display: Some(usage::DISPLAY_USAGE_LAYER),
            ..Default::default()
        };
        let info = allocate(service, with_memory(display.clone(), Default::default())).unwrap();
        assert_eq!(domain(&info), CoherencyDomain::RAM);
        let display_and_cpu = BufferUsage {
            cpu: Some(usage::CPU_USAGE_WRITE),
            ..display
        };
        let info = allocate(service, with_memory(display_and_cpu, Default::default())).unwrap();
        assert_eq!(domain(&info), CoherencyDomain::CPU);
    });
}

/// `IsMinBufferSizeSpecifiedByAnyParticipant`: `min_size_bytes` defaults to 0 and sysmem
/// refuses to allocate unless some participant asks for a size.
#[test]
fn allocation_fails_unless_some_participant_asks_for_a_size() {
    with_service(|service| {
        let no_size = BufferCollectionConstraints {
            buffer_memory_constraints: None,
            ..camping(1)
        };
        assert!(matches!(
            allocate(service, no_size),
            Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
        ));
        let explicit_zero = BufferCollectionConstraints {
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                min_size_bytes: Some(0),
                ..Default::default()
            }),
            ..camping(1)
        };
        assert!(matches!(
            allocate(service, explicit_zero),
            Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
        ));
        let info = allocate(service, camping(1)).unwrap(); // 4096 bytes asked for.
        let size = info
            .settings
            .and_then(|s| s.buffer_settings)
            .and_then(|b| b.size_bytes);
        assert_eq!(size, Some(4096));
    });
}
