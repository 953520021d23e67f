//! Participants: each gets its own rights, attenuation along a chain, no VMOs without usage,
//! allocation waits for every token, and counts and sizes aggregate.

use super::*;

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
        // B is attenuated further, one Duplicate down the chain: no MAP, no SET_PROPERTY.
        let b_mask = Rights::BASIC | Rights::READ | Rights::WRITE | Rights::GET_PROPERTY;
        let (a_token, b_token) = consumer_tokens(&root, b_mask);

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
