//! The service's lifetime: stopping it closes every channel, and it knows which tokens live.

use super::*;

#[test]
fn stopping_the_service_closes_everything() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = vmo_interop::platform::host::counters();
    let service = HostSysmem::start().unwrap();
    let allocator = service.connect().unwrap();
    let (root, mut others) = shared(&allocator, 1);
    let collection = allocator.bind_shared_collection(root).unwrap();
    collection.set_constraints(Some(reader())).unwrap();
    let token = others.pop().unwrap();
    let done = allocator.allocate_non_shared_collection().unwrap();
    done.set_constraints(Some(reader())).unwrap();
    let info = done.wait_for_all_buffers_allocated(deadline()).unwrap();
    until(&service, |s| {
        (
            s.allocator_connections,
            s.collections,
            s.nodes,
            s.pending_waits,
        ) == (1, 2, 3, 0)
    });
    drop(service);
    // Every channel the service held is closed.
    assert!(matches!(
        collection.sync(deadline()),
        Err(ClientError::CollectionFailed)
    ));
    assert!(matches!(
        token.sync(deadline()),
        Err(ClientError::CollectionFailed)
    ));
    assert!(matches!(
        allocator.allocate_non_shared_collection(),
        Err(ClientError::AllocatorClosed)
    ));
    // Handles the client received are its own.
    let vmo = info.into_vmos().expect("VMOs").pop().expect("a buffer");
    assert_eq!(vmo.get_size().unwrap(), 4096);
    drop((vmo, collection, token, done, allocator));
    let after = vmo_interop::platform::host::counters();
    assert_eq!(after.live_handles, before.live_handles);
    assert_eq!(after.live_vmos, before.live_vmos);
    assert_eq!(after.live_channels, before.live_channels);
}

#[test]
fn validate_buffer_collection_token_knows_live_tokens() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 1);
        let child = others.pop().unwrap();
        let server_koid =
            |token: &BufferCollectionToken| token.as_channel().basic_info().unwrap().related_koid;
        let (root_koid, child_koid) = (server_koid(&root), server_koid(&child));
        assert!(allocator
            .validate_buffer_collection_token(root_koid, deadline())
            .unwrap());
        assert!(allocator
            .validate_buffer_collection_token(child_koid, deadline())
            .unwrap());
        let (stranger, _peer) = zx::Channel::create().unwrap();
        let stranger_koid = stranger.basic_info().unwrap().related_koid;
        assert!(!allocator
            .validate_buffer_collection_token(stranger_koid, deadline())
            .unwrap());
        // Once turned in, a token is no longer a token.
        let collection = allocator.bind_shared_collection(root).unwrap();
        collection.sync(deadline()).unwrap();
        assert!(!allocator
            .validate_buffer_collection_token(root_koid, deadline())
            .unwrap());
        child.release().unwrap();
        collection.release().unwrap();
    });
}
