//! `vmo-interop-sysmem` as a process of its own: clients in other processes reach it with
//! `Allocator::connect()`, share a collection across processes, and neither a killed
//! participant nor malformed messages disturb anyone else; the service process leaks nothing
//! (its open fds back to their count before); a second service on one `/svc` is refused and a
//! stale socket replaced, each with a message that says so.

mod common;

use std::time::Duration;

use common::*;
use vmo_interop::fidl::{self, TransactionHeader};
use vmo_interop::sysmem::messages::{self, ordinals};
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{Allocator, BufferCollection, BufferCollectionToken, ClientError};
use vmo_interop::zx::{self, AsHandleRef, HandleBased, Rights};

fn cpu(bits: u32, camping: u32) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(bits),
            ..Default::default()
        }),
        min_buffer_count_for_camping: Some(camping),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(4096),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn first_vmo(info: BufferCollectionInfo) -> zx::Vmo {
    info.buffers.unwrap().remove(0).vmo.unwrap()
}

/// The participant roles, run by [`spawn_participant`] in a child process.
#[test]
#[ignore = "a participant process of the other tests, run by them"]
fn participant() {
    let role = std::env::var(ROLE).expect("run by the other tests");
    let link = vmo_interop::fdio::connect_at_path(&format!("/svc/{LINK}")).unwrap();
    let (_, mut handles) = receive(&link);
    let token = BufferCollectionToken::from_channel(zx::Channel::from_handle(handles.remove(0)));
    let allocator = Allocator::connect().unwrap();
    let collection = allocator.bind_shared_collection(token).unwrap();
    collection
        .set_constraints(Some(cpu(usage::CPU_USAGE_READ, 1)))
        .unwrap();
    match role.as_str() {
        "reader" => {
            let vmo = first_vmo(
                collection
                    .wait_for_all_buffers_allocated(deadline())
                    .unwrap(),
            );
            link.write(b"allocated", &mut Vec::new()).unwrap();
            let (go, _) = receive(&link);
            assert_eq!(go, b"go");
            let mut bytes = [0u8; 5];
            vmo.read(&mut bytes, 0).unwrap();
            let denied = vmo.write(b"x", 0) == Err(zx::Status::ACCESS_DENIED);
            let mut reply = bytes.to_vec();
            reply.push(u8::from(denied));
            link.write(&reply, &mut Vec::new()).unwrap();
            collection.release().unwrap();
        }
        "hang" => {
            collection.sync(deadline()).unwrap();
            link.write(b"ready", &mut Vec::new()).unwrap();
            std::thread::sleep(Duration::from_secs(600)); // Until the test kills it.
        }
        other => panic!("unknown role {other}"),
    }
}

/// Starts a participant with `role` and hands it `token`; returns the child and its link.
fn start_participant(
    role: &str,
    token: BufferCollectionToken,
) -> (std::process::Child, zx::Channel) {
    let link = Link::listen();
    let child = spawn_participant(role);
    let channel = link.accept();
    channel
        .write(b"token", &mut vec![token.into_channel().into_handle()])
        .unwrap();
    (child, channel)
}

#[test]
fn two_processes_share_a_collection_served_by_a_third() {
    let _s = serial();
    let svc = private_svc();
    let service = ServiceProcess::start(svc.path());
    let baseline = service.idle_fds();

    let allocator = Allocator::connect().unwrap();
    let root = allocator.allocate_shared_collection().unwrap();
    let theirs = root
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    let (mut child, link) = start_participant("reader", theirs);
    let collection = allocator.bind_shared_collection(root).unwrap();
    collection
        .set_constraints(Some(cpu(usage::CPU_USAGE_WRITE, 1)))
        .unwrap();
    let vmo = first_vmo(
        collection
            .wait_for_all_buffers_allocated(deadline())
            .unwrap(),
    );
    assert_eq!(receive(&link).0, b"allocated");
    vmo.write(b"hello", 0).unwrap();
    link.write(b"go", &mut Vec::new()).unwrap();
    let (reply, _) = receive(&link);
    assert_eq!(
        &reply[..5],
        b"hello",
        "the child read what this process wrote"
    );
    assert_eq!(reply[5], 1, "the reader's VMO has no WRITE right");
    assert!(child.wait().unwrap().success());
    collection.release().unwrap();
    drop((allocator, vmo, link));
    service.until_fds(baseline);
    let (status, stderr) = service.stop(libc::SIGTERM);
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("stopping on signal"), "{stderr}");
    assert!(
        !svc.path().join("fuchsia.sysmem2.Allocator").exists(),
        "a stopped service removes its socket"
    );
}

#[test]
fn sigkill_of_a_participant_process_fails_only_its_collections() {
    let _s = serial();
    let svc = private_svc();
    let service = ServiceProcess::start(svc.path());
    let baseline = service.idle_fds();
    let allocator = Allocator::connect().unwrap();

    // Collection 1: this process and a child that dies before allocation.
    let root = allocator.allocate_shared_collection().unwrap();
    let theirs = root
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    let (mut child, link) = start_participant("hang", theirs);
    let doomed = allocator.bind_shared_collection(root).unwrap();
    assert_eq!(receive(&link).0, b"ready");
    // Collection 2: two participants of this process, halfway through.
    let root = allocator.allocate_shared_collection().unwrap();
    let second = root
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    let a = allocator.bind_shared_collection(root).unwrap();
    let b = allocator.bind_shared_collection(second).unwrap();
    a.set_constraints(Some(cpu(usage::CPU_USAGE_WRITE, 1)))
        .unwrap();

    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    let _ = doomed.set_constraints(Some(cpu(usage::CPU_USAGE_WRITE, 1)));
    assert!(matches!(
        doomed.wait_for_all_buffers_allocated(deadline()),
        Err(ClientError::CollectionFailed)
    ));

    b.set_constraints(Some(cpu(usage::CPU_USAGE_READ, 1)))
        .unwrap();
    let va = first_vmo(a.wait_for_all_buffers_allocated(deadline()).unwrap());
    let vb = first_vmo(b.wait_for_all_buffers_allocated(deadline()).unwrap());
    va.write(b"alive", 0).unwrap();
    let mut bytes = [0u8; 5];
    vb.read(&mut bytes, 0).unwrap();
    assert_eq!(&bytes, b"alive");
    a.release().unwrap();
    b.release().unwrap();
    drop((allocator, doomed, link, va, vb));
    service.until_fds(baseline);
}

/// A deterministic byte generator for the fuzz loop (xorshift).
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Writes a message; a write the kernel refuses never reached the service.
fn write_raw(channel: &zx::Channel, bytes: &[u8], handles: Vec<zx::Handle>) {
    let mut handles = handles;
    let _ = channel.write(bytes, &mut handles);
}

fn closes(channel: &zx::Channel) -> bool {
    channel
        .wait_handle(zx::Signals::CHANNEL_PEER_CLOSED, deadline())
        .to_result()
        .is_ok()
}

#[test]
fn malformed_truncated_oversized_messages_and_wrong_handles_disconnect_only_that_client() {
    let _s = serial();
    let svc = private_svc();
    let mut service = ServiceProcess::start(svc.path());
    let baseline = service.idle_fds();

    // A bystander halfway through an allocation, on its own connection.
    let bystander = Allocator::connect().unwrap();
    let live = bystander.allocate_non_shared_collection().unwrap();
    live.sync(deadline()).unwrap();

    let allocator_header = |ordinal| TransactionHeader::flexible(0, ordinal).to_bytes().to_vec();
    let vmo = || zx::Vmo::create(4096).unwrap().into_handle();
    let cases: Vec<(&str, Vec<u8>, Vec<zx::Handle>)> = vec![
        ("truncated header", vec![1, 2, 3], vec![]),
        (
            "header only, a request that needs a body",
            allocator_header(ordinals::ALLOCATOR_BIND_SHARED_COLLECTION),
            vec![],
        ),
        (
            "oversized: the largest message, zeros after the header",
            {
                let mut m = allocator_header(ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION);
                m.resize(fidl::MAX_MESSAGE_BYTES, 0);
                m
            },
            vec![],
        ),
        (
            "a VMO for a server end",
            fidl::encode_message(
                TransactionHeader::flexible(0, ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION),
                messages::AllocateSharedCollectionRequest {
                    token_request: Some(zx::Channel::create().unwrap().0),
                },
            )
            .unwrap()
            .0,
            vec![vmo()],
        ),
        (
            "64 handles on a header-only message",
            allocator_header(UNKNOWN_ORDINAL),
            (0..64).map(|_| vmo()).collect(),
        ),
        (
            "an unknown strict method",
            TransactionHeader {
                txid: 0,
                flexible: false,
                ordinal: 1,
            }
            .to_bytes()
            .to_vec(),
            vec![],
        ),
    ];
    for (what, bytes, handles) in cases {
        let channel = Allocator::connect().unwrap().into_channel();
        write_raw(&channel, &bytes, handles);
        // Every case closes the connection; an unknown method too, flexible or not (as
        // sysmem's `Allocator::handle_unknown_method` does), its handles closed with it.
        assert!(closes(&channel), "{what}: the connection closes");
        assert!(service.is_running(), "{what}: the service is up");
    }

    // Random messages with random handles, on connections and on nodes.
    let mut random = Bytes(0x9e37_79b9_7f4a_7c15);
    let ordinals = [
        ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION,
        ordinals::ALLOCATOR_BIND_SHARED_COLLECTION,
        ordinals::NODE_SET_NAME,
        ordinals::TOKEN_DUPLICATE,
        ordinals::TOKEN_DUPLICATE_SYNC,
        ordinals::COLLECTION_SET_CONSTRAINTS,
        ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED,
    ];
    for round in 0..300 {
        let allocator = Allocator::connect().unwrap();
        let target = match round % 3 {
            0 => None,
            1 => Some(
                allocator
                    .allocate_shared_collection()
                    .unwrap()
                    .into_channel(),
            ),
            _ => Some(
                allocator
                    .allocate_non_shared_collection()
                    .unwrap()
                    .into_channel(),
            ),
        };
        let r = random.next();
        let len = 16 + (r % 512) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| random.next() as u8).collect();
        let header = TransactionHeader::flexible(
            (r >> 32) as u32 & 1,
            ordinals[(r >> 40) as usize % ordinals.len()],
        );
        bytes[..16].copy_from_slice(&header.to_bytes());
        let handles: Vec<zx::Handle> = (0..(r >> 50) % 4)
            .map(|i| match i % 2 {
                0 => vmo(),
                _ => zx::Channel::create().unwrap().0.into_handle(),
            })
            .collect();
        match &target {
            Some(node) => write_raw(node, &bytes, handles),
            None => {
                let channel = allocator.into_channel();
                write_raw(&channel, &bytes, handles);
                drop(channel);
                continue;
            }
        }
        drop((allocator, target));
    }
    assert!(
        service.is_running(),
        "the service survived the random messages"
    );

    live.set_constraints(Some(cpu(usage::CPU_USAGE_WRITE, 1)))
        .unwrap();
    live.wait_for_all_buffers_allocated(deadline()).unwrap();
    live.release().unwrap();
    drop(bystander);
    service.until_fds(baseline);
}

#[test]
fn a_second_service_on_one_svc_is_refused_and_a_stale_socket_replaced() {
    let _s = serial();
    let svc = private_svc();
    let first = ServiceProcess::start(svc.path());
    let second = std::process::Command::new(SERVICE)
        .env("VMO_INTEROP_SVC_DIR", svc.path())
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(
        message.contains("sysmem is already running on") && message.contains("VMO_INTEROP_SVC_DIR"),
        "{message}"
    );
    // The first one still serves.
    let allocator = Allocator::connect().unwrap();
    allocator
        .allocate_non_shared_collection()
        .unwrap()
        .sync(deadline())
        .unwrap();
    drop(allocator);

    // Killed, it leaves its socket behind; the next start replaces it and says so.
    let (status, _) = first.stop(libc::SIGKILL);
    assert!(!status.success());
    assert!(svc.path().join("fuchsia.sysmem2.Allocator").exists());
    let third = ServiceProcess::start(svc.path());
    let allocator = Allocator::connect().unwrap();
    let collection = allocator.allocate_non_shared_collection().unwrap();
    collection
        .set_constraints(Some(cpu(usage::CPU_USAGE_WRITE, 1)))
        .unwrap();
    collection
        .wait_for_all_buffers_allocated(deadline())
        .unwrap();
    collection.release().unwrap();
    drop(allocator);
    let (status, stderr) = third.stop(libc::SIGINT);
    assert!(status.success());
    assert!(stderr.contains("replaced the stale socket"), "{stderr}");
}

#[test]
fn the_service_log_names_the_cause_and_the_participant() {
    let _s = serial();
    let svc = private_svc();
    let service = ServiceProcess::start(svc.path());
    let allocator = Allocator::connect().unwrap();
    allocator.set_debug_client_info("camera", 7).unwrap();
    // Named by its allocator: a second SetConstraints.
    let twice = allocator.allocate_non_shared_collection().unwrap();
    twice.set_name(1, "preview").unwrap();
    twice
        .set_constraints(Some(cpu(usage::CPU_USAGE_WRITE, 1)))
        .unwrap();
    // (Over the bare channel: this client's object would refuse the second call itself.)
    let twice = BufferCollection::from_channel(twice.into_channel());
    twice
        .set_constraints(Some(cpu(usage::CPU_USAGE_WRITE, 1)))
        .unwrap();
    assert!(matches!(
        twice.sync(deadline()),
        Err(ClientError::CollectionFailed)
    ));
    // Named on the node: dropped without Release.
    let root = allocator.allocate_shared_collection().unwrap();
    let dropped = root
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    dropped.set_debug_client_info("display", 9).unwrap();
    dropped.sync(deadline()).unwrap();
    drop(dropped);
    assert!(matches!(
        root.sync(deadline()),
        Err(ClientError::CollectionFailed)
    ));
    // A wait before SetConstraints, by a participant that never named itself.
    let anonymous = Allocator::connect().unwrap();
    let early = BufferCollection::from_channel(
        anonymous
            .allocate_non_shared_collection()
            .unwrap()
            .into_channel(),
    );
    assert!(matches!(
        early.wait_for_all_buffers_allocated(deadline()),
        Err(ClientError::CollectionFailed)
    ));
    drop((allocator, anonymous));
    let (status, log) = service.stop(libc::SIGTERM);
    assert!(status.success());
    for line in [
        "sysmem: collection \"preview\" failed: participant \"camera\" (id 7) called SetConstraints a second time",
        "sysmem: an unnamed collection failed: participant \"display\" (id 9) closed its channel without Release",
        "sysmem: an unnamed collection failed: a participant without SetDebugClientInfo called WaitForAllBuffersAllocated before SetConstraints",
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }
}

#[test]
fn connect_without_a_service_says_what_to_start() {
    let _s = serial();
    let _svc = private_svc();
    let error = Allocator::connect().unwrap_err();
    assert!(matches!(error, ClientError::NotServed(_)), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("/svc/fuchsia.sysmem2.Allocator")
            && message.contains("vmo-interop-sysmem"),
        "{message}"
    );
}

/// An ordinal no `fuchsia.sysmem2` method has (ordinals are 63-bit hashes of the selector; this
/// one is the hash of none of the library's).
const UNKNOWN_ORDINAL: u64 = 0x1234_5678_9abc_def0;
