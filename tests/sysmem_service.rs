//! The host sysmem service's loop: no fixed client limit, no client starving another, and the
//! defects of issue 15 §1 (one regression test each): channels it cannot serve fail only the
//! request that carried them, and a channel whose peer the service holds is refused.

mod fidl_ordinal;
mod sysmem_common;
use fidl_ordinal::method_ordinal;

use std::thread;
use std::time::Duration;

use sysmem_common::{cpu, deadline, until, with_service};
use vmo_interop::fidl::{self, TransactionHeader};
use vmo_interop::sysmem::messages::{self, ordinals};
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{Allocator, BufferCollection, ClientError};
use vmo_interop::zx::{self, AsHandleRef, HandleBased, Rights};

/// A whole non-shared allocation: the proof that `allocator` is served.
fn allocates(allocator: &Allocator) {
    let collection = allocator.allocate_non_shared_collection().unwrap();
    collection
        .set_constraints(Some(cpu(usage::CPU_USAGE_WRITE)))
        .unwrap();
    let info = collection
        .wait_for_all_buffers_allocated(deadline())
        .unwrap();
    assert_eq!(info.buffer_count(), 1);
    collection.release().unwrap();
}

fn peer_closed(channel: &zx::Channel) -> bool {
    channel
        .wait_handle(
            zx::Signals::CHANNEL_PEER_CLOSED,
            zx::MonotonicInstant::after(Duration::from_secs(5)),
        )
        .to_result()
        .is_ok_and(|s| s.contains(zx::Signals::CHANNEL_PEER_CLOSED))
}

/// Writes a one-way request with `body` on `channel`.
fn send<T: fidl::Encode>(channel: &zx::Channel, ordinal: u64, body: T) {
    let (bytes, mut handles) =
        fidl::encode_message(TransactionHeader::flexible(0, ordinal), body).unwrap();
    channel.write(&bytes, &mut handles).unwrap();
}

/// A channel pair whose server end lacks WAIT.
fn server_end_without_wait() -> (zx::Channel, zx::Channel) {
    let (client, server) = zx::Channel::create().unwrap();
    let rights = server.basic_info().unwrap().rights - Rights::WAIT;
    let server = zx::Channel::from_handle(server.into_handle().replace_handle(rights).unwrap());
    (client, server)
}

// ---------------------------------------------------------------------------------------------
// Issue 15 §1: server ends without WAIT, or of the wrong type
// ---------------------------------------------------------------------------------------------

#[test]
fn server_ends_without_wait_fail_only_their_request() {
    with_service(|service| {
        let bystander = service.connect().unwrap();
        let allocator = service.connect().unwrap();
        let channel = allocator.into_channel();

        // AllocateSharedCollection and AllocateNonSharedCollection: that collection never
        // exists; the connection stays up.
        let (token, server) = server_end_without_wait();
        let request = messages::AllocateSharedCollectionRequest {
            token_request: Some(server),
        };
        send(
            &channel,
            ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION,
            request,
        );
        assert!(peer_closed(&token), "the refused token closes");
        let (collection, server) = server_end_without_wait();
        let request = messages::AllocateNonSharedCollectionRequest {
            collection_request: Some(server),
        };
        send(
            &channel,
            ordinals::ALLOCATOR_ALLOCATE_NON_SHARED_COLLECTION,
            request,
        );
        assert!(peer_closed(&collection));
        let allocator = Allocator::from_channel(channel);
        allocates(&allocator);

        // BindSharedCollection: the bound collection fails; nobody else does.
        let token = allocator.allocate_shared_collection().unwrap();
        token.sync(deadline()).unwrap();
        let (collection, server) = server_end_without_wait();
        let request = messages::BindSharedCollectionRequest {
            token: Some(token.into_channel()),
            buffer_collection_request: Some(server),
        };
        let channel = allocator.into_channel();
        send(
            &channel,
            ordinals::ALLOCATOR_BIND_SHARED_COLLECTION,
            request,
        );
        assert!(peer_closed(&collection));
        let allocator = Allocator::from_channel(channel);
        allocates(&allocator);

        // Duplicate: the token that asked fails with its collection (a protocol deviation),
        // and only that collection.
        let other = allocator.allocate_shared_collection().unwrap();
        other.sync(deadline()).unwrap();
        let root = allocator.allocate_shared_collection().unwrap();
        let (dup, server) = server_end_without_wait();
        let request = messages::DuplicateRequest {
            rights_attenuation_mask: Some(Rights::SAME_RIGHTS),
            token_request: Some(server),
        };
        send(root.as_channel(), ordinals::TOKEN_DUPLICATE, request);
        assert!(matches!(
            root.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));
        assert!(peer_closed(&dup));
        other.sync(deadline()).unwrap();
        other.release().unwrap();

        allocates(&allocator);
        allocates(&bystander);
        until(service, |s| s.collections == 0 && s.nodes == 0);
    });
}

#[test]
fn wrong_handle_kinds_close_only_that_connection() {
    with_service(|service| {
        let bystander = service.connect().unwrap();
        let collection = bystander.allocate_non_shared_collection().unwrap();
        // A VMO where a server end belongs: the message does not decode, so the connection
        // that sent it closes (as FIDL bindings do), and only that one.
        let channel = service.connect().unwrap().into_channel();
        let header = TransactionHeader::flexible(0, ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION);
        let (bytes, _) = fidl::encode_message(
            header,
            messages::AllocateSharedCollectionRequest {
                token_request: Some(zx::Channel::create().unwrap().0),
            },
        )
        .unwrap();
        let vmo = zx::Vmo::create(4096).unwrap().into_handle();
        channel.write(&bytes, &mut vec![vmo]).unwrap();
        assert!(peer_closed(&channel));
        // The same on a node fails its collection only.
        let token = bystander.allocate_shared_collection().unwrap();
        let header = TransactionHeader::flexible(0, ordinals::TOKEN_DUPLICATE);
        let (bytes, _) = fidl::encode_message(
            header,
            messages::DuplicateRequest {
                rights_attenuation_mask: Some(Rights::SAME_RIGHTS),
                token_request: Some(zx::Channel::create().unwrap().0),
            },
        )
        .unwrap();
        let vmo = zx::Vmo::create(4096).unwrap().into_handle();
        token.as_channel().write(&bytes, &mut vec![vmo]).unwrap();
        assert!(matches!(
            token.sync(deadline()),
            Err(ClientError::CollectionFailed)
        ));
        collection.sync(deadline()).unwrap();
        collection.release().unwrap();
        allocates(&bystander);
    });
}

// ---------------------------------------------------------------------------------------------
// Issue 15 §1: a channel whose peer the service holds
// ---------------------------------------------------------------------------------------------

#[test]
fn a_token_sent_back_as_its_own_token_request_is_refused_not_answered_forever() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        let token = allocator.allocate_shared_collection().unwrap();
        token.sync(deadline()).unwrap();
        // An unknown flexible two-way call, not read by the client: its reply would come
        // back to the service if the service held the token's client end too.
        let unknown = method_ordinal("fuchsia.sysmem2/Node.NotAMethod");
        token
            .as_channel()
            .write(
                &fidl::encode_header_only(TransactionHeader::flexible(7, unknown)),
                &mut Vec::new(),
            )
            .unwrap();
        let request = messages::AllocateSharedCollectionRequest {
            token_request: Some(token.into_channel()),
        };
        let channel = allocator.into_channel();
        send(
            &channel,
            ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION,
            request,
        );
        let allocator = Allocator::from_channel(channel);
        allocates(&allocator);
        // The refused client end closed, which fails the token's collection; then the service
        // is idle: a ping-pong would make hundreds of thousands of kernel calls in this time.
        until(service, |s| s.collections == 0);
        let before = vmo_interop::platform::host::counters().kernel_calls;
        thread::sleep(Duration::from_millis(200));
        let calls = vmo_interop::platform::host::counters().kernel_calls - before;
        assert!(calls < 100, "{calls} kernel calls while idle");
        allocates(&allocator);
    });
}

#[test]
fn an_allocator_client_end_sent_back_as_a_request_is_refused() {
    with_service(|service| {
        let allocator = service.connect().unwrap();
        allocator
            .allocate_non_shared_collection()
            .unwrap()
            .release()
            .unwrap();
        let carrier = service.connect().unwrap();
        let request = messages::AllocateNonSharedCollectionRequest {
            collection_request: Some(allocator.into_channel()),
        };
        let channel = carrier.into_channel();
        send(
            &channel,
            ordinals::ALLOCATOR_ALLOCATE_NON_SHARED_COLLECTION,
            request,
        );
        let carrier = Allocator::from_channel(channel);
        allocates(&carrier);
        until(service, |s| s.allocator_connections == 1 && s.nodes == 0);
    });
}

// ---------------------------------------------------------------------------------------------
// Issue 15 §1 and issue 11 §1: no limit, no starvation
// ---------------------------------------------------------------------------------------------

#[test]
fn connect_and_close_bursts_do_not_starve_a_live_client() {
    with_service(|service| {
        let live = service.connect().unwrap();
        for _ in 0..50 {
            for _ in 0..100 {
                drop(service.connect().unwrap());
            }
            allocates(&live);
        }
        until(service, |s| s.allocator_connections == 1);
    });
}

#[test]
fn the_service_has_no_fixed_client_limit() {
    with_service(|service| {
        let allocators: Vec<Allocator> = (0..300).map(|_| service.connect().unwrap()).collect();
        let root = allocators[0].allocate_shared_collection().unwrap();
        let mut tokens = root
            .duplicate_sync(&[Rights::SAME_RIGHTS; 64], deadline())
            .unwrap();
        tokens.extend(
            root.duplicate_sync(&[Rights::SAME_RIGHTS; 64], deadline())
                .unwrap(),
        );
        tokens.push(root);
        let collections: Vec<BufferCollection> = tokens
            .into_iter()
            .enumerate()
            .map(|(i, token)| allocators[i].bind_shared_collection(token).unwrap())
            .collect();
        for (i, c) in collections.iter().enumerate() {
            // Buffer counts sum; one participant camps on the collection's only buffer.
            let constraints = BufferCollectionConstraints {
                min_buffer_count_for_camping: Some(u32::from(i == 0)),
                ..cpu(usage::CPU_USAGE_READ)
            };
            c.set_constraints(Some(constraints)).unwrap();
        }
        for c in &collections {
            let info = c.wait_for_all_buffers_allocated(deadline()).unwrap();
            assert_eq!(info.buffer_count(), 1);
        }
        until(service, |s| {
            s.allocator_connections == 300 && s.nodes == 129
        });
        for allocator in &allocators[129..] {
            allocates(allocator);
        }
        for c in collections {
            c.release().unwrap();
        }
    });
}

/// A client that floods its collection channel with one-way calls does not starve another:
/// the live client's 20 allocations complete (each call has the usual 10 s deadline) while the
/// flood goes on, and the flood is under way before they start.
#[test]
fn a_flooding_client_does_not_starve_another() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    with_service(|service| {
        let flooder = service.connect().unwrap();
        let node = flooder.allocate_non_shared_collection().unwrap();
        node.sync(deadline()).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let flood = {
            let (stop, sent) = (Arc::clone(&stop), Arc::clone(&sent));
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    // One-way SetName calls as fast as the channel takes them.
                    if node.set_name(1, "flood").is_ok() {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
                node
            })
        };
        while sent.load(Ordering::Relaxed) < 1000 {
            thread::yield_now();
        }
        let before = sent.load(Ordering::Relaxed);
        let live = service.connect().unwrap();
        for _ in 0..20 {
            allocates(&live);
        }
        let during = sent.load(Ordering::Relaxed);
        stop.store(true, Ordering::Relaxed);
        let node = flood.join().unwrap();
        // The service kept reading the flood while it served the live client: both went on.
        assert!(
            during > before,
            "the flood stalled during the allocations ({before} then {during} messages)"
        );
        node.sync(deadline()).unwrap();
        node.release().unwrap();
    });
}

/// A service's socket queues only `net.unix.max_dgram_qlen` (10) unread requests; on Fuchsia
/// `fdio_service_connect` never fails for a busy service, so on the host a connect waits for the
/// service to read instead of failing (up to 10 s, then SHOULD_WAIT).
#[test]
fn connect_waits_for_a_busy_service_instead_of_failing() {
    // Every test of this binary holds the counter lock, so none sees another's handles.
    let _lock = vmo_interop::platform::host::counters_lock();
    let name = format!("vmo-interop.test.pending.{}", std::process::id());
    let listener = vmo_interop::platform::host::serve(&name).unwrap();
    let path = format!("/svc/{name}");
    let reader = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        let mut requests = Vec::new();
        while requests.len() < 12 {
            listener
                .wait_handle(zx::Signals::CHANNEL_READABLE, deadline())
                .to_result()
                .expect("a request");
            let mut buf = zx::MessageBuf::new();
            listener.read(&mut buf).unwrap();
            requests.push(buf);
        }
        (listener, requests)
    });
    let clients: Vec<zx::Channel> = (0..12)
        .map(|i| {
            vmo_interop::fdio::connect_at_path(&path)
                .unwrap_or_else(|status| panic!("request {i} refused: {status}"))
        })
        .collect();
    let (listener, requests) = reader.join().unwrap();
    assert_eq!(requests.len(), 12, "every request arrived");
    drop((listener, requests, clients));
}

/// Zircon queues each packet when its trigger is met, so a channel that became readable before
/// another channel's wait was armed (on an already-readable channel) delivers first.
#[test]
fn a_port_delivers_packets_in_the_order_their_triggers_were_met() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let port = zx::Port::create().unwrap();
    let (a, a_peer) = zx::Channel::create().unwrap();
    let (b, b_peer) = zx::Channel::create().unwrap();
    b.wait_async_handle(
        &port,
        2,
        zx::Signals::CHANNEL_READABLE,
        zx::WaitAsyncOpts::empty(),
    )
    .unwrap();
    b_peer.write(b"first", &mut Vec::new()).unwrap();
    a_peer.write(b"second", &mut Vec::new()).unwrap();
    a.wait_async_handle(
        &port,
        1,
        zx::Signals::CHANNEL_READABLE,
        zx::WaitAsyncOpts::empty(),
    )
    .unwrap();
    let first = port.wait(deadline()).unwrap().key();
    assert_eq!(first, 2, "B's trigger was met first");
    drop((a, a_peer, b, b_peer));
}

/// The service's message handling, fuzzed in-process: random bodies under real ordinals, with
/// random handles (VMOs, fresh channels, channels without WAIT, the client ends of the
/// service's own channels), on allocator connections and on nodes. The service stays up,
/// serves a bystander afterwards, and leaks nothing once stopped.
#[test]
fn random_messages_with_random_handles_never_stop_the_service() {
    with_service(|service| {
        let bystander = service.connect().unwrap();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let known = [
            ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION,
            ordinals::ALLOCATOR_ALLOCATE_NON_SHARED_COLLECTION,
            ordinals::ALLOCATOR_BIND_SHARED_COLLECTION,
            ordinals::ALLOCATOR_VALIDATE_BUFFER_COLLECTION_TOKEN,
            ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO,
            ordinals::NODE_SYNC,
            ordinals::NODE_RELEASE,
            ordinals::NODE_SET_NAME,
            ordinals::NODE_SET_DEBUG_CLIENT_INFO,
            ordinals::TOKEN_DUPLICATE,
            ordinals::TOKEN_DUPLICATE_SYNC,
            ordinals::COLLECTION_SET_CONSTRAINTS,
            ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED,
            ordinals::COLLECTION_CHECK_ALL_BUFFERS_ALLOCATED,
        ];
        for round in 0..2000u64 {
            let allocator = service.connect().unwrap();
            let target = match round % 3 {
                0 => allocator
                    .allocate_shared_collection()
                    .unwrap()
                    .into_channel(),
                1 => allocator
                    .allocate_non_shared_collection()
                    .unwrap()
                    .into_channel(),
                _ => zx::Channel::create().unwrap().0, // Replaced below by the allocator.
            };
            let r = next();
            let mut bytes: Vec<u8> = (0..(r % 200) as usize + 16).map(|_| next() as u8).collect();
            let header = TransactionHeader {
                txid: (r >> 8) as u32 & 3,
                flexible: r & (1 << 20) != 0,
                ordinal: known[(r >> 24) as usize % known.len()],
            };
            bytes[..16].copy_from_slice(&header.to_bytes());
            // Often a table-shaped body (a vector header, envelopes) instead of noise.
            if r & (1 << 21) != 0 {
                bytes.truncate(16);
                bytes.extend_from_slice(&[
                    2, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255,
                ]);
                bytes.extend_from_slice(&[0; 16]);
                bytes.extend_from_slice(&[255; 8]);
                bytes.extend_from_slice(&[4, 0, 0, 0, 1, 0, 0, 0]);
                bytes.extend_from_slice(&[255, 255, 255, 255, 0, 0, 1, 0]);
            }
            let mut handles: Vec<zx::Handle> = (0..(r >> 40) % 4)
                .map(|i| match (i + (r >> 44)) % 4 {
                    0 => zx::Vmo::create(4096).unwrap().into_handle(),
                    1 => zx::Channel::create().unwrap().1.into_handle(),
                    2 => server_end_without_wait().1.into_handle(),
                    _ => allocator
                        .allocate_shared_collection()
                        .unwrap()
                        .into_channel()
                        .into_handle(),
                })
                .collect();
            let channel = if round % 3 == 2 {
                allocator.into_channel()
            } else {
                drop(allocator);
                target
            };
            let _ = channel.write(&bytes, &mut handles);
            if round % 64 == 0 {
                allocates(&bystander);
            }
        }
        allocates(&bystander);
    });
}
