//! The sysmem2 client against the host sysmem service: participants, rights, aggregation,
//! protocol deviations, failures, unknown methods, and no leaks.

mod fidl_ordinal;
mod sysmem_common;
#[path = "sysmem_host/unknown_methods.rs"]
mod unknown_methods;
use fidl_ordinal::method_ordinal;

use std::thread;
use std::time::Duration;

use sysmem_common::{
    assert_closed_with_internal_epitaph, cpu_constraints, deadline, until, with_service,
};
use vmo_interop::fidl::{self, Empty, FlexibleResult, FrameworkErr, TransactionHeader};
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{
    messages::ordinals, Allocator, BufferCollection, BufferCollectionToken, ClientError, HostSysmem,
};
use vmo_interop::zx::{self, AsHandleRef, Rights};

fn reader() -> BufferCollectionConstraints {
    cpu_constraints(usage::CPU_USAGE_READ, 4096, 1)
}

/// A shared collection with `n` tokens besides the root, all known to the service.
fn shared(allocator: &Allocator, n: usize) -> (BufferCollectionToken, Vec<BufferCollectionToken>) {
    let root = allocator.allocate_shared_collection().unwrap();
    let others = root
        .duplicate_sync(&vec![Rights::SAME_RIGHTS; n], deadline())
        .unwrap();
    (root, others)
}

fn spawn_wait(
    collection: BufferCollection,
) -> thread::JoinHandle<(BufferCollection, Result<BufferCollectionInfo, ClientError>)> {
    thread::spawn(move || {
        let result = collection.wait_for_all_buffers_allocated(deadline());
        (collection, result)
    })
}

fn rights_of(vmo: &zx::Vmo) -> Rights {
    vmo.basic_info().unwrap().rights
}

#[test]
fn three_participants_get_their_own_rights_and_share_bytes() {
    with_service(|service| {
        let (producer_alloc, a_alloc, b_alloc) = (
            service.connect().unwrap(),
            service.connect().unwrap(),
            service.connect().unwrap(),
        );
        producer_alloc.set_debug_client_info("producer", 1).unwrap();
        let root = producer_alloc.allocate_shared_collection().unwrap();
        root.set_name(10, "three-participants").unwrap();
        let mut tokens = root
            .duplicate_sync(&[Rights::SAME_RIGHTS, Rights::SAME_RIGHTS], deadline())
            .unwrap();
        let (b_parent, a_token) = (tokens.pop().unwrap(), tokens.pop().unwrap());
        // B is attenuated further, one Duplicate down the chain: no MAP, no SET_PROPERTY.
        let b_mask = Rights::BASIC | Rights::READ | Rights::WRITE | Rights::GET_PROPERTY;
        let b_token = b_parent.duplicate(b_mask).unwrap();
        b_parent.sync(deadline()).unwrap();
        b_parent.release().unwrap();

        let producer = producer_alloc.bind_shared_collection(root).unwrap();
        let a = a_alloc.bind_shared_collection(a_token).unwrap();
        let b = b_alloc.bind_shared_collection(b_token).unwrap();
        let writer = usage::CPU_USAGE_WRITE_OFTEN | usage::CPU_USAGE_READ;
        producer
            .set_constraints(Some(cpu_constraints(writer, 65_536, 1)))
            .unwrap();
        a.set_constraints(Some(cpu_constraints(usage::CPU_USAGE_READ, 1000, 1)))
            .unwrap();
        b.set_constraints(Some(cpu_constraints(usage::CPU_USAGE_READ_OFTEN, 4096, 1)))
            .unwrap();

        let infos: Vec<BufferCollectionInfo> = [&producer, &a, &b]
            .iter()
            .map(|c| c.wait_for_all_buffers_allocated(deadline()).unwrap())
            .collect();
        let expected_rights = [
            Rights::from_bits_retain(0xC0EF),
            Rights::from_bits_retain(0xC0E7),
            Rights::from_bits_retain(0xC0E7) & b_mask,
        ];
        assert_eq!(expected_rights[2], Rights::from_bits_retain(0xC047));
        let id = infos[0].buffer_collection_id.unwrap();
        for (info, rights) in infos.iter().zip(expected_rights) {
            assert_eq!(info.buffer_collection_id, Some(id));
            let settings = info
                .settings
                .as_ref()
                .unwrap()
                .buffer_settings
                .as_ref()
                .unwrap();
            assert_eq!(settings.size_bytes, Some(65_536));
            assert_eq!(settings.raw_vmo_size, Some(65_536));
            assert_eq!(settings.coherency_domain, Some(CoherencyDomain::CPU));
            let buffers = info.buffers.as_ref().unwrap();
            assert_eq!(buffers.len(), 3, "camping 1 + 1 + 1");
            for buffer in buffers {
                let vmo = buffer.vmo.as_ref().unwrap();
                assert_eq!(vmo.get_size().unwrap(), 65_536);
                assert_eq!(rights_of(vmo), rights);
                assert_eq!(buffer.vmo_usable_start, Some(0));
            }
        }
        // Same objects, distinct handles.
        for i in 0..3 {
            let koids: Vec<_> = infos
                .iter()
                .map(|info| {
                    info.buffers.as_ref().unwrap()[i]
                        .vmo
                        .as_ref()
                        .unwrap()
                        .get_koid()
                        .unwrap()
                })
                .collect();
            assert!(koids.iter().all(|&k| k == koids[0]));
        }

        // The producer writes; both consumers see the bytes; neither can write.
        let vmo = |who: usize, i: usize| {
            infos[who].buffers.as_ref().unwrap()[i]
                .vmo
                .as_ref()
                .unwrap()
        };
        for i in 0..3 {
            vmo(0, i).write(&[i as u8 + 1; 256], 4096).unwrap();
        }
        for who in [1, 2] {
            for i in 0..3 {
                let mut seen = [0u8; 256];
                vmo(who, i).read(&mut seen, 4096).unwrap();
                assert_eq!(seen, [i as u8 + 1; 256]);
                assert_eq!(vmo(who, i).write(&[0], 0), Err(zx::Status::ACCESS_DENIED));
            }
        }
        assert!(vmo(1, 0).map(0, 4096, zx::VmarFlags::PERM_READ).is_ok());
        assert_eq!(
            vmo(2, 0)
                .map(0, 4096, zx::VmarFlags::PERM_READ)
                .unwrap_err(),
            zx::Status::ACCESS_DENIED,
            "B's mask removed MAP"
        );
        assert!(producer.check_all_buffers_allocated(deadline()).unwrap());
        for c in [producer, a, b] {
            c.release().unwrap();
        }
        until(service, |s| s.collections == 0 && s.nodes == 0);
    });
}

#[test]
fn attenuation_masks_and_along_a_chain() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let root = allocator.allocate_shared_collection().unwrap();
        let first = root
            .duplicate(Rights::BASIC | Rights::READ | Rights::MAP)
            .unwrap();
        let second = first
            .duplicate(Rights::BASIC | Rights::READ | Rights::WRITE)
            .unwrap();
        first.sync(deadline()).unwrap();
        first.release().unwrap();
        let (root, second) = (
            allocator.bind_shared_collection(root).unwrap(),
            allocator.bind_shared_collection(second).unwrap(),
        );
        root.set_constraints(Some(cpu_constraints(usage::CPU_USAGE_WRITE, 4096, 0)))
            .unwrap();
        second
            .set_constraints(Some(cpu_constraints(usage::CPU_USAGE_WRITE, 4096, 0)))
            .unwrap();
        let info = second.wait_for_all_buffers_allocated(deadline()).unwrap();
        let buffers = info.buffers.unwrap();
        assert_eq!(buffers.len(), 1, "no counts set: at least one buffer");
        assert_eq!(
            rights_of(buffers[0].vmo.as_ref().unwrap()),
            Rights::BASIC | Rights::READ
        );
        let info = root.wait_for_all_buffers_allocated(deadline()).unwrap();
        assert_eq!(
            rights_of(info.buffers.unwrap()[0].vmo.as_ref().unwrap()),
            Rights::from_bits_retain(0xC0EF)
        );
        root.release().unwrap();
        second.release().unwrap();
    });
}

#[test]
fn participants_without_usage_get_no_vmos() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 2);
        let none_token = others.pop().unwrap();
        let unconstrained_token = others.pop().unwrap();
        let owner = allocator.bind_shared_collection(root).unwrap();
        let none = allocator.bind_shared_collection(none_token).unwrap();
        let unconstrained = allocator
            .bind_shared_collection(unconstrained_token)
            .unwrap();
        owner
            .set_constraints(Some(cpu_constraints(usage::CPU_USAGE_WRITE, 4096, 2)))
            .unwrap();
        none.set_constraints(Some(BufferCollectionConstraints {
            usage: Some(BufferUsage {
                none: Some(usage::NONE_USAGE),
                ..Default::default()
            }),
            min_buffer_count_for_camping: Some(1),
            ..Default::default()
        }))
        .unwrap();
        unconstrained.set_constraints(None).unwrap();
        let owner_info = owner.wait_for_all_buffers_allocated(deadline()).unwrap();
        assert_eq!(owner_info.buffer_count(), 3);
        for c in [&none, &unconstrained] {
            let info = c.wait_for_all_buffers_allocated(deadline()).unwrap();
            assert_eq!(info.buffer_collection_id, owner_info.buffer_collection_id);
            let buffers = info.buffers.unwrap();
            assert_eq!(buffers.len(), 3, "the count and indices are still reported");
            assert!(buffers.iter().all(|b| b.vmo.is_none()));
        }
        for c in [owner, none, unconstrained] {
            c.release().unwrap();
        }
    });
}

#[test]
fn allocation_waits_for_every_token() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 1);
        let late = others.pop().unwrap();
        let collection = allocator.bind_shared_collection(root).unwrap();
        collection.set_constraints(Some(reader())).unwrap();
        assert!(!collection.check_all_buffers_allocated(deadline()).unwrap());
        assert!(matches!(
            collection.wait_for_all_buffers_allocated(zx::MonotonicInstant::after(
                Duration::from_millis(20)
            )),
            Err(ClientError::TimedOut)
        ));
        late.release().unwrap();
        let info = collection
            .wait_for_all_buffers_allocated(deadline())
            .unwrap();
        assert_eq!(info.buffer_count(), 1);
        assert!(collection.check_all_buffers_allocated(deadline()).unwrap());
        collection.release().unwrap();
    });
}

#[test]
fn buffer_counts_and_sizes_aggregate() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 1);
        let (x, y) = (
            allocator.bind_shared_collection(root).unwrap(),
            allocator
                .bind_shared_collection(others.pop().unwrap())
                .unwrap(),
        );
        x.set_constraints(Some(BufferCollectionConstraints {
            min_buffer_count_for_dedicated_slack: Some(2),
            min_buffer_count_for_shared_slack: Some(3),
            ..cpu_constraints(usage::CPU_USAGE_READ, 5000, 2)
        }))
        .unwrap();
        y.set_constraints(Some(BufferCollectionConstraints {
            min_buffer_count_for_dedicated_slack: Some(1),
            min_buffer_count_for_shared_slack: Some(1),
            ..cpu_constraints(usage::CPU_USAGE_READ, 9000, 1)
        }))
        .unwrap();
        let info = x.wait_for_all_buffers_allocated(deadline()).unwrap();
        // camping 2 + 1, dedicated 2 + 1, shared max(3, 1).
        assert_eq!(info.buffer_count(), 9);
        let settings = info.settings.unwrap().buffer_settings.unwrap();
        assert_eq!(settings.size_bytes, Some(9000));
        assert_eq!(settings.raw_vmo_size, Some(12_288), "page-rounded");
        x.release().unwrap();
        y.release().unwrap();
    });
}

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

/// Sends a raw request and returns the raw reply.
fn raw_call(channel: &zx::Channel, header: TransactionHeader) -> Result<Vec<u8>, zx::Status> {
    let (mut bytes, mut handles) = (Vec::new(), Vec::new());
    channel.call_etc(
        deadline(),
        &fidl::encode_header_only(header),
        &mut Vec::new(),
        &mut bytes,
        &mut handles,
    )?;
    Ok(bytes)
}

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

#[test]
fn client_and_service_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<HostSysmem>();
    send_sync::<Allocator>();
    send_sync::<BufferCollectionToken>();
    send_sync::<BufferCollection>();
    send_sync::<ClientError>();
}
