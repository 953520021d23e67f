//! Protocol deviations: requests out of order, invalid usage, unknown tokens, messages after
//! release and malformed messages fail the collection.

use super::*;

#[test]
fn set_constraints_twice_is_a_protocol_deviation() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 2);
        let gate = others.pop().unwrap();
        let waiter = allocator.bind_shared_collection(root).unwrap();
        let offender = allocator
            .bind_shared_collection(others.pop().unwrap())
            .unwrap();
        waiter.set_constraints(Some(reader())).unwrap();
        let wait = spawn_wait(waiter);
        until(service, |s| s.pending_waits == 1);
        offender.set_constraints(Some(reader())).unwrap();
        // The client refuses the second call (nothing is sent, nothing fails)...
        assert!(matches!(
            offender.set_constraints(Some(reader())),
            Err(ClientError::ProtocolMisuse(
                vmo_interop::sysmem::Misuse::SetConstraintsTwice
            ))
        ));
        // ...and a binding that cannot know (over the bare channel) reaches the service's rule.
        let offender = BufferCollection::from_channel(offender.into_channel());
        offender.set_constraints(Some(reader())).unwrap();
        assert!(matches!(
            offender.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));
        // Only an allocation failure is answered: the waiter's channel closes.
        let (_waiter, result) = wait.join().unwrap();
        assert!(
            matches!(result, Err(ClientError::CollectionFailed)),
            "{result:?}"
        );
        assert!(matches!(
            gate.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));
    });
}

#[test]
fn wait_before_set_constraints_is_a_protocol_deviation() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 1);
        let other = allocator
            .bind_shared_collection(others.pop().unwrap())
            .unwrap();
        let collection = allocator.bind_shared_collection(root).unwrap();
        // The client refuses it before sending; the collection is unaffected.
        assert!(matches!(
            collection.wait_for_all_buffers_allocated(deadline()),
            Err(ClientError::ProtocolMisuse(
                vmo_interop::sysmem::Misuse::WaitBeforeSetConstraints
            ))
        ));
        other.sync(deadline()).unwrap();
        // Sent over the bare channel, sysmem2 closes it instead of replying.
        let collection = BufferCollection::from_channel(collection.into_channel());
        let result = collection.wait_for_all_buffers_allocated(deadline());
        assert!(
            matches!(result, Err(ClientError::CollectionFailed)),
            "{result:?}"
        );
        // The whole collection failed.
        assert!(matches!(
            other.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));
        assert!(matches!(
            collection.set_constraints(Some(reader())),
            Err(ClientError::CollectionFailed)
        ));
    });
}

/// Sysmem checks only that the node is not released (buffer_collection.cc,
/// `CommonCheckAllBuffersAllocatedStage1`): before SetConstraints the answer is PENDING.
#[test]
fn check_before_set_constraints_is_pending() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let collection = allocator.allocate_non_shared_collection().unwrap();
        assert!(!collection.check_all_buffers_allocated(deadline()).unwrap());
        collection
            .set_constraints(Some(cpu_constraints(usage::CPU_USAGE_READ, 4096, 1)))
            .unwrap();
        collection
            .wait_for_all_buffers_allocated(deadline())
            .unwrap();
        assert!(collection.check_all_buffers_allocated(deadline()).unwrap());
        collection.release().unwrap();
    });
}

#[test]
fn invalid_usage_is_a_protocol_deviation() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let collection = allocator.allocate_non_shared_collection().unwrap();
        // NONE_USAGE must be alone.
        let usage = BufferUsage {
            none: Some(usage::NONE_USAGE),
            cpu: Some(usage::CPU_USAGE_READ),
            ..Default::default()
        };
        collection
            .set_constraints(Some(BufferCollectionConstraints {
                usage: Some(usage),
                ..Default::default()
            }))
            .unwrap();
        assert!(matches!(
            collection.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));
    });
}

#[test]
fn unknown_token_cannot_be_bound() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (fake, _server) = zx::Channel::create().unwrap();
        let collection = allocator
            .bind_shared_collection(BufferCollectionToken::from_channel(fake))
            .unwrap();
        assert!(matches!(
            collection.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));
        // The allocator connection itself is fine.
        let other = allocator.allocate_non_shared_collection().unwrap();
        other.sync(deadline()).unwrap();
        other.release().unwrap();
    });
}

#[test]
fn messages_after_release_and_malformed_messages_fail_the_collection() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        // Anything after Release is a protocol deviation.
        let (root, mut others) = shared(&allocator, 1);
        let witness = others.pop().unwrap();
        let channel = root.into_channel();
        let release = TransactionHeader::flexible(0, ordinals::NODE_RELEASE);
        channel
            .write(&fidl::encode_header_only(release), &mut Vec::new())
            .unwrap();
        assert_eq!(
            raw_call(
                &channel,
                TransactionHeader::flexible(1, ordinals::NODE_SYNC)
            ),
            Err(zx::Status::PEER_CLOSED)
        );
        assert!(matches!(
            witness.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));

        // A message that does not decode (a SetName whose table is cut short).
        let collection = allocator.allocate_non_shared_collection().unwrap();
        let channel = collection.into_channel();
        let mut bytes = TransactionHeader::flexible(0, ordinals::NODE_SET_NAME)
            .to_bytes()
            .to_vec();
        bytes.extend_from_slice(&2u64.to_le_bytes());
        channel.write(&bytes, &mut Vec::new()).unwrap();
        assert_eq!(
            raw_call(
                &channel,
                TransactionHeader::flexible(1, ordinals::NODE_SYNC)
            ),
            Err(zx::Status::PEER_CLOSED)
        );

        // A malformed Allocator message closes that connection only.
        let broken = service.connect().unwrap().into_channel();
        broken.write(&[1, 2, 3], &mut Vec::new()).unwrap();
        let signals = broken
            .wait_handle(zx::Signals::CHANNEL_PEER_CLOSED, deadline())
            .to_result()
            .unwrap();
        assert!(signals.contains(zx::Signals::CHANNEL_PEER_CLOSED));
        let fine = allocator.allocate_non_shared_collection().unwrap();
        fine.sync(deadline()).unwrap();
        fine.release().unwrap();
    });
}
