//! Failed allocations: empty intersections and dropped participants fail every participant.

use super::*;

#[test]
fn empty_intersection_fails_every_waiting_participant() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 2);
        let gate = others.pop().unwrap();
        let x = allocator.bind_shared_collection(root).unwrap();
        let y = allocator
            .bind_shared_collection(others.pop().unwrap())
            .unwrap();
        x.set_constraints(Some(BufferCollectionConstraints {
            buffer_memory_constraints: Some(BufferMemoryConstraints {
                max_size_bytes: Some(4096),
                ..Default::default()
            }),
            ..reader()
        }))
        .unwrap();
        y.set_constraints(Some(cpu_constraints(usage::CPU_USAGE_READ, 8192, 1)))
            .unwrap();
        let waits = [spawn_wait(x), spawn_wait(y)];
        until(service, |s| s.pending_waits == 2);
        gate.release().unwrap(); // Every token is now accounted for: allocation runs, and fails.
        for wait in waits {
            let (collection, result) = wait.join().unwrap();
            assert!(
                matches!(
                    result,
                    Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
                ),
                "{result:?}"
            );
            // The failed collection's channel is closed.
            assert!(matches!(
                collection.sync(deadline()),
                Err(ClientError::CollectionFailed)
            ));
        }
        until(service, |s| s.collections == 0 && s.nodes == 0);
    });
}

#[test]
fn empty_domain_intersection() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        // A gate token holds allocation back until the wait is pending, so the error must
        // arrive as the wait's reply (not as a closed channel).
        let (root, mut others) = shared(&allocator, 1);
        let gate = others.pop().unwrap();
        let collection = allocator.bind_shared_collection(root).unwrap();
        collection
            .set_constraints(Some(BufferCollectionConstraints {
                buffer_memory_constraints: Some(BufferMemoryConstraints {
                    cpu_domain_supported: Some(false),
                    ..Default::default()
                }),
                ..reader()
            }))
            .unwrap();
        let wait = spawn_wait(collection);
        until(service, |s| s.pending_waits == 1);
        gate.release().unwrap();
        let (_collection, result) = wait.join().unwrap();
        assert!(
            matches!(
                result,
                Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
            ),
            "{result:?}"
        );
    });
}

#[test]
fn dropped_participant_fails_the_others_promptly() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 2);
        let dropped = others.pop().unwrap();
        let x = allocator.bind_shared_collection(root).unwrap();
        let y = allocator
            .bind_shared_collection(others.pop().unwrap())
            .unwrap();
        x.set_constraints(Some(reader())).unwrap();
        y.set_constraints(Some(reader())).unwrap();
        let waits = [spawn_wait(x), spawn_wait(y)];
        until(service, |s| s.pending_waits == 2);
        drop(dropped); // Closed without Release.
        for wait in waits {
            let (_collection, result) = wait.join().unwrap();
            assert!(
                matches!(result, Err(ClientError::CollectionFailed)),
                "{result:?}"
            );
        }
        until(service, |s| s.collections == 0 && s.nodes == 0);
    });
}

#[test]
fn dropped_participant_after_allocation_fails_the_collection_but_not_the_vmos() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 1);
        let x = allocator.bind_shared_collection(root).unwrap();
        let y = allocator
            .bind_shared_collection(others.pop().unwrap())
            .unwrap();
        x.set_constraints(Some(cpu_constraints(usage::CPU_USAGE_WRITE, 4096, 1)))
            .unwrap();
        y.set_constraints(Some(reader())).unwrap();
        let info = x.wait_for_all_buffers_allocated(deadline()).unwrap();
        drop(y);
        // The failure reaches `x` as PEER_CLOSED on its own channel. Zircon orders nothing
        // across channels, so wait for that (not for the service's stats) before the Sync,
        // which could otherwise be served before the service sees `y` close.
        let signals = x
            .as_channel()
            .wait_handle(zx::Signals::CHANNEL_PEER_CLOSED, deadline())
            .to_result()
            .unwrap();
        assert!(signals.contains(zx::Signals::CHANNEL_PEER_CLOSED));
        let result = x.sync(deadline());
        assert!(
            matches!(result, Err(ClientError::CollectionFailed)),
            "{result:?}"
        );
        // The VMOs already handed out stay valid until their holders close them.
        let vmo = info.into_vmos().expect("VMOs").pop().expect("a buffer");
        vmo.write(b"still here", 0).unwrap();
    });
}
