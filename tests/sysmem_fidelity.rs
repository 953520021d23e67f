//! Rules of the real sysmem2 server (src/devices/sysmem/drivers/sysmem/ in the Fuchsia tree)
//! that the host service follows, one test each. Where the host deliberately differs, the
//! README's sysmem section says so.

use std::time::Duration;

use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::HostSysmem;
use vmo_interop::zx::{self, Rights};

fn deadline() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(Duration::from_secs(10))
}

fn camping(count: u32) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ),
            ..Default::default()
        }),
        min_buffer_count_for_camping: Some(count),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(4096),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A participant that sets constraints, releases and closes before allocation becomes an
/// orphaned node: its constraints still count (node.cc / logical_buffer_collection.cc keep the
/// NodeProperties of a released node until allocation).
#[test]
fn a_released_node_keeps_its_constraints() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let service = HostSysmem::start().unwrap();
    let allocator = service.connect().unwrap();
    let root = allocator.allocate_shared_collection().unwrap();
    let other = root
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    let leaving = allocator.bind_shared_collection(other).unwrap();
    leaving.set_constraints(Some(camping(2))).unwrap();
    leaving.release().unwrap(); // Release, then close the channel.
    let staying = allocator.bind_shared_collection(root).unwrap();
    // Make sure the release and close were served before this participant is ready.
    staying.sync(deadline()).unwrap();
    staying.set_constraints(Some(camping(1))).unwrap();
    let info = staying.wait_for_all_buffers_allocated(deadline()).unwrap();
    assert_eq!(
        info.buffers.unwrap().len(),
        3,
        "camping counts sum: 2 (orphaned) + 1"
    );
    staying.release().unwrap();
}
