//! Unknown methods and incomplete requests, as the real server's `allocator.cc` and
//! `buffer_collection.cc` handle them.

use super::*;

/// Writes `request` as the one-way method `ordinal`, bypassing the client's own checks.
fn send(channel: &zx::Channel, ordinal: u64, request: impl fidl::Encode) {
    let (bytes, mut handles) =
        fidl::encode_message(TransactionHeader::flexible(0, ordinal), request).unwrap();
    channel.write(&bytes, &mut handles).unwrap();
}

/// Sysmem's `Allocator::handle_unknown_method` logs and closes the connection with
/// `ZX_ERR_INTERNAL`; the bindings first answer a flexible two-way call with UNKNOWN_METHOD.
#[test]
fn an_unknown_allocator_method_closes_the_connection() {
    with_service(|service| {
        let channel = service.connect().unwrap().into_channel();
        let unknown = method_ordinal("fuchsia.sysmem2/Allocator.NotAMethod");
        let reply = raw_call(&channel, TransactionHeader::flexible(1, unknown)).unwrap();
        assert_eq!(TransactionHeader::decode(&reply).unwrap().ordinal, unknown);
        assert_eq!(
            fidl::decode_message::<FlexibleResult<Empty>>(&reply, vec![]).unwrap(),
            FlexibleResult::FrameworkErr(FrameworkErr::UNKNOWN_METHOD)
        );
        assert_closed_with_internal_epitaph(&channel);
        let logged = format!("Allocator unknown method - ordinal: {unknown:#x}");
        assert!(
            service.log().iter().any(|line| line.contains(&logged)),
            "{:#?}",
            service.log()
        );
        // A one-way unknown method closes it too.
        let channel = service.connect().unwrap().into_channel();
        let one_way = TransactionHeader::flexible(0, unknown);
        channel
            .write(&fidl::encode_header_only(one_way), &mut Vec::new())
            .unwrap();
        assert_closed_with_internal_epitaph(&channel);
    });
}

/// `SetDebugClientInfo` needs a name (sysmem closes the connection without one); the id
/// defaults to 0.
#[test]
fn allocator_debug_client_info_needs_a_name_not_an_id() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let request = vmo_interop::sysmem::messages::SetDebugClientInfoRequest {
            name: Some("no-id".to_owned()),
            id: None,
        };
        let channel = allocator.into_channel();
        send(&channel, ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO, request);
        let allocator = Allocator::from_channel(channel);
        let collection = allocator.allocate_non_shared_collection().unwrap();
        collection.sync(deadline()).unwrap();
        drop(collection);

        let request = vmo_interop::sysmem::messages::SetDebugClientInfoRequest {
            name: None,
            id: Some(7),
        };
        let channel = allocator.into_channel();
        send(&channel, ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO, request);
        assert_closed_with_internal_epitaph(&channel);
        assert!(service
            .log()
            .iter()
            .any(|line| line.contains("SetDebugClientInfo requires name set")));
    });
}

/// A token follows the open-protocol rules (RFC-0138): an unknown one-way method is ignored,
/// an unknown two-way one answered, and an unknown strict one closes it (failing the
/// collection).
#[test]
fn unknown_token_methods_follow_the_open_protocol_rules() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let token = allocator.allocate_shared_collection().unwrap();
        let channel = token.into_channel();
        let one_way =
            TransactionHeader::flexible(0, method_ordinal("fuchsia.sysmem2/Node.NotAMethod"));
        channel
            .write(&fidl::encode_header_only(one_way), &mut Vec::new())
            .unwrap();
        let unknown = method_ordinal("fuchsia.sysmem2/BufferCollectionToken.NotAMethod");
        let reply = raw_call(&channel, TransactionHeader::flexible(1, unknown)).unwrap();
        assert_eq!(
            fidl::decode_message::<FlexibleResult<Empty>>(&reply, vec![]).unwrap(),
            FlexibleResult::FrameworkErr(FrameworkErr::UNKNOWN_METHOD)
        );
        let token = BufferCollectionToken::from_channel(channel);
        token.sync(deadline()).unwrap();

        let channel = token.into_channel();
        let strict = TransactionHeader {
            txid: 1,
            flexible: false,
            ordinal: unknown,
        };
        assert_eq!(raw_call(&channel, strict), Err(zx::Status::PEER_CLOSED));
    });
}

/// Sysmem's `BufferCollection::handle_unknown_method` fails the collection
/// (PROTOCOL_DEVIATION): the caller's channel closes with the epitaph, the others' too, and
/// the log names the participant and the ordinal. A token method sent on a collection is
/// unknown there.
#[test]
fn an_unknown_buffer_collection_method_fails_the_collection() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let (root, mut others) = shared(&allocator, 1);
        let collection = allocator.bind_shared_collection(root).unwrap();
        let other = allocator.bind_shared_collection(others.remove(0)).unwrap();
        collection.set_debug_client_info("prober", 3).unwrap();
        let channel = collection.into_channel();
        let reply = raw_call(
            &channel,
            TransactionHeader::flexible(1, ordinals::TOKEN_DUPLICATE_SYNC),
        )
        .unwrap();
        assert_eq!(
            fidl::decode_message::<FlexibleResult<Empty>>(&reply, vec![]).unwrap(),
            FlexibleResult::FrameworkErr(FrameworkErr::UNKNOWN_METHOD),
        );
        assert_closed_with_internal_epitaph(&channel);
        assert!(matches!(
            other.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));
        let logged = format!(
            "participant \"prober\" (id 3) called an unknown BufferCollection method (ordinal {:#x})",
            ordinals::TOKEN_DUPLICATE_SYNC
        );
        assert!(
            service.log().iter().any(|line| line.contains(&logged)),
            "{:#?}",
            service.log()
        );
    });
}
