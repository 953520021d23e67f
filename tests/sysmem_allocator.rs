//! The sysmem2 suite that runs against whatever serves `/svc/fuchsia.sysmem2.Allocator`: the
//! real sysmem on Fuchsia (BUILD.gn packages it in the Vulkan test realm, which routes
//! sysmem2), and on the host a `HostSysmem` this binary serves in a `/svc` of its own. The
//! tests reach it only through `Allocator::connect()`, as a component does, and check the
//! rules that the two must share; leak checks count the process's handles per type
//! (`ZX_INFO_PROCESS_HANDLE_STATS`, the same query on both).

#[path = "sysmem_common/constraints.rs"]
mod sysmem_constraints;
mod zx_common;

use std::time::Duration;

use sysmem_constraints::cpu_constraints as constraints;
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{Allocator, ClientError, Misuse};
use vmo_interop::zx::{self, AsHandleRef, Rights};
use zx_common::serial_after;

fn deadline() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(Duration::from_secs(10))
}

/// On the host, serves sysmem in this process's own `/svc` (so parallel test binaries do not
/// meet), once; the service lives as long as the process. Every test runs it under the lock
/// before its baseline (`serial_after`), so what it makes is in the baseline. On Fuchsia
/// sysmem is already there.
fn served() {
    #[cfg(target_os = "linux")]
    zx_common::host_sysmem();
    // The async client's reactor (one port for the life of the process), started by one
    // async call on a connection kept as long: no node is made, so nothing is left to settle.
    static WARM: std::sync::OnceLock<vmo_interop::sysmem::AllocatorProxy> =
        std::sync::OnceLock::new();
    WARM.get_or_init(|| {
        let warm = vmo_interop::sysmem::AllocatorProxy::from(connect());
        let known =
            futures::executor::block_on(warm.validate_buffer_collection_token(zx::Koid::INVALID))
                .unwrap();
        assert!(!known, "no token has koid 0");
        warm
    });
}

/// Connects as a component does.
fn connect() -> Allocator {
    let allocator = Allocator::connect().expect("fuchsia.sysmem2.Allocator is served in /svc");
    allocator
        .set_debug_client_info("vmo-interop sysmem_allocator test", 1)
        .unwrap();
    allocator
}

/// Two participants agree on one collection; each gets its own handles to the same buffers
/// (one koid per buffer), camping counts add up, and a participant without a write usage gets
/// no WRITE.
#[test]
fn two_participants_share_the_buffers_with_their_own_rights() {
    let s = serial_after(served);
    let allocator = connect();
    let root = allocator.allocate_shared_collection().unwrap();
    let theirs = root
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    let writer = allocator.bind_shared_collection(root).unwrap();
    let reader = allocator.bind_shared_collection(theirs).unwrap();
    writer
        .set_constraints(Some(constraints(usage::CPU_USAGE_WRITE, 64 * 1024, 1)))
        .unwrap();
    reader
        .set_constraints(Some(constraints(usage::CPU_USAGE_READ, 4096, 1)))
        .unwrap();
    let written = writer.wait_for_all_buffers_allocated(deadline()).unwrap();
    let read = reader.wait_for_all_buffers_allocated(deadline()).unwrap();
    assert_eq!(written.buffer_count(), 2, "camping counts add up");
    assert_eq!(read.buffer_count(), 2);
    assert_eq!(written.buffer_collection_id, read.buffer_collection_id);
    for i in 0..2 {
        let (w, r) = (written.vmo(i).unwrap(), read.vmo(i).unwrap());
        let (wi, ri) = (w.basic_info().unwrap(), r.basic_info().unwrap());
        assert_eq!(wi.koid, ri.koid, "one buffer, two handles");
        assert!(wi
            .rights
            .contains(Rights::WRITE | Rights::READ | Rights::MAP));
        assert!(ri.rights.contains(Rights::READ | Rights::MAP));
        assert!(
            !ri.rights.contains(Rights::WRITE),
            "no write usage, no WRITE"
        );
        assert!(
            w.get_size().unwrap() >= 64 * 1024,
            "the largest minimum wins"
        );
        w.write(b"shared", 0).unwrap();
        let mut bytes = [0u8; 6];
        r.read(&mut bytes, 0).unwrap();
        assert_eq!(&bytes, b"shared");
    }
    writer.release().unwrap();
    reader.release().unwrap();
    drop((written, read, allocator));
    s.assert_no_leaks_once_settled();
}

/// A participant that closes its channel without `Release` fails the collection: the other
/// participant's channel closes.
#[test]
fn closing_without_release_fails_the_collection() {
    let s = serial_after(served);
    let allocator = connect();
    let root = allocator.allocate_shared_collection().unwrap();
    let dropped = root
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    drop(dropped);
    assert!(matches!(
        root.sync(deadline()),
        Err(ClientError::CollectionFailed)
    ));
    drop((root, allocator));
    s.assert_no_leaks_once_settled();
}

/// `CheckAllBuffersAllocated` answers PENDING (`Ok(false)`) while a participant is missing,
/// and `Ok(true)` once allocation is done.
#[test]
fn check_is_pending_until_allocation() {
    let s = serial_after(served);
    let allocator = connect();
    let root = allocator.allocate_shared_collection().unwrap();
    let other = root
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    let collection = allocator.bind_shared_collection(root).unwrap();
    collection
        .set_constraints(Some(constraints(usage::CPU_USAGE_WRITE, 4096, 1)))
        .unwrap();
    assert!(!collection.check_all_buffers_allocated(deadline()).unwrap());
    other.release().unwrap();
    let info = collection
        .wait_for_all_buffers_allocated(deadline())
        .unwrap();
    assert!(collection.check_all_buffers_allocated(deadline()).unwrap());
    collection.release().unwrap();
    drop((info, allocator));
    s.assert_no_leaks_once_settled();
}

/// A participant's own misuse is refused before it reaches sysmem, and the collection goes on:
/// it still allocates.
#[test]
fn own_misuse_is_refused_and_the_collection_goes_on() {
    let s = serial_after(served);
    let allocator = connect();
    let collection = allocator.allocate_non_shared_collection().unwrap();
    assert!(matches!(
        collection.wait_for_all_buffers_allocated(deadline()),
        Err(ClientError::ProtocolMisuse(
            Misuse::WaitBeforeSetConstraints
        ))
    ));
    collection
        .set_constraints(Some(constraints(usage::CPU_USAGE_WRITE, 4096, 1)))
        .unwrap();
    assert!(matches!(
        collection.set_constraints(Some(constraints(usage::CPU_USAGE_WRITE, 4096, 1))),
        Err(ClientError::ProtocolMisuse(Misuse::SetConstraintsTwice))
    ));
    let info = collection
        .wait_for_all_buffers_allocated(deadline())
        .unwrap();
    assert_eq!(info.buffer_count(), 1);
    collection.release().unwrap();
    drop((info, allocator));
    s.assert_no_leaks_once_settled();
}

/// Constraints no participant's buffers can meet (a minimum size above the maximum) fail
/// allocation with CONSTRAINTS_INTERSECTION_EMPTY, answered to a participant whose wait is
/// in flight. (A wait sent after the failure finds the channel closed, on sysmem as here, so a
/// second token holds allocation back until the wait is sent: the async call writes its
/// request at its first poll.)
#[test]
fn constraints_that_cannot_be_met_are_answered_with_the_error() {
    use std::future::Future;
    use std::task::Context;
    let s = serial_after(served);
    let allocator = vmo_interop::sysmem::AllocatorProxy::from(connect());
    let root = allocator.allocate_shared_collection().unwrap();
    let gate = futures::executor::block_on(root.duplicate_sync(&[Rights::SAME_RIGHTS]))
        .unwrap()
        .remove(0);
    let collection = allocator.bind_shared_collection(root).unwrap();
    let mut impossible = constraints(usage::CPU_USAGE_WRITE, 1 << 20, 1);
    if let Some(memory) = impossible.buffer_memory_constraints.as_mut() {
        memory.max_size_bytes = Some(4096);
    }
    collection.set_constraints(Some(impossible)).unwrap();
    let mut wait = Box::pin(collection.wait_for_all_buffers_allocated());
    let waker = futures::task::noop_waker();
    assert!(wait
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    gate.release().unwrap();
    let result = futures::executor::block_on(wait);
    assert!(
        matches!(
            result,
            Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
        ),
        "{result:?}"
    );
    drop((collection, allocator));
    s.assert_no_leaks_once_settled();
}
