//! Fuzzing entry for the host sysmem service's message dispatch. Not part of the API:
//! `fuzz/fuzz_targets/sysmem_dispatch.rs` and the replay test (`tests/fuzz_replay.rs`) call
//! [`dispatch`] with the same bytes.
//!
//! Each input gets a fresh service, run on the caller's thread (`Service::run_until_idle`
//! after every message: the same dispatch code the service thread runs, with no thread to
//! start or wake, so an input costs a few hundred system calls), and opens four targets on it:
//! an `Allocator` connection, a token, a non-shared collection and a second `Allocator`
//! connection. The input is then read as up to 16 messages, each `target (u8) | ordinal (u8,
//! or 0xFF and a raw u64) | txid (u8) | flags (u8) | length (u8) | body | handle count (u8) |
//! (kind (u8) | rights (u8))*`:
//!
//! - the ordinal is one the service implements, or any other (unknown methods, both
//!   strictnesses); the flags choose flexibility, a raw 16-byte header taken from the input,
//!   a message truncated inside its header, a body padded to exactly the channel's maximum
//!   message size, or one byte over it (which the kernel refuses);
//! - handles are of every kind the kernel has (VMOs, fresh channel ends with their peer kept or
//!   closed, the client end of a token whose server end the service holds, one of the targets'
//!   own client ends, events, event pairs, ports; the last three the host kernel cannot write
//!   into a channel, so the write fails and closes them), each with the rights of a mask taken
//!   from the input.
//!
//! Then, with the service idle, every target still open must have answered a two-way call (an
//! unknown flexible method) or been closed: a call left unanswered by an idle service is never
//! answered. A new connection must still get buffers allocated, and once the service is
//! dropped the kernel's counters must be where they were. A panic is a finding. Callers that
//! share the process with other kernel users hold `platform::host::counters_lock()`.

use std::sync::Arc;

use super::service::Service;
use crate::fidl::{self, FlexibleResult, TransactionHeader};
use crate::sysmem::client::{Allocator, BufferCollection};
use crate::sysmem::messages::{self, ordinals};
use crate::sysmem::types::{
    usage, BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage, Error,
};
use crate::zx::{self, AsHandleRef, HandleBased, Rights};

/// The methods the service implements.
const KNOWN: [u64; 14] = [
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

/// The rights a mask byte can take away, one per bit.
const RIGHTS: [Rights; 8] = [
    Rights::READ,
    Rights::WRITE,
    Rights::WAIT,
    Rights::TRANSFER,
    Rights::DUPLICATE,
    Rights::MAP,
    Rights::SIGNAL,
    Rights::INSPECT,
];

/// The txid of the call that proves a target was served; the ordinal is no method's.
const SYNC_TXID: u32 = 0x7fff_fff1;
const SYNC_ORDINAL: u64 = 0x0123_4567_89ab_cdef;

/// The txid of the final allocation's `WaitForAllBuffersAllocated`.
const WAIT_TXID: u32 = 0x7fff_fff2;

/// A service run on this thread, and the control channel that hands it connections.
struct Harness {
    service: Service,
    control: zx::Channel,
}

impl Harness {
    fn start() -> Option<Harness> {
        let (control, service_end) = zx::Channel::create().ok()?;
        let service = Service::new(service_end, None, Arc::default(), Arc::default()).ok()?;
        Some(Harness { service, control })
    }

    fn connect(&self) -> Option<Allocator> {
        super::connect_over(&self.control).ok()
    }

    /// Lets the service handle everything sent to it so far.
    ///
    /// # Panics
    /// When the service stopped: only its control channel closing may stop it.
    fn settle(&mut self) {
        assert!(self.service.run_until_idle(), "the service stopped");
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> u8 {
        let (&first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        first
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }

    fn u64(&mut self) -> u64 {
        let mut word = [0u8; 8];
        let bytes = self.take(8);
        word[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(word)
    }
}

/// `handle` with the rights in `mask` taken away (a replace to the same rights when none are).
fn attenuated(handle: zx::Handle, mask: u8) -> Option<zx::Handle> {
    let rights = handle.basic_info().ok()?.rights;
    let remove = RIGHTS
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask & (1 << bit) != 0)
        .fold(Rights::NONE, |acc, (_, r)| acc | *r);
    handle.replace_handle(rights - remove).ok()
}

/// The handle of `kind` to send; what must outlive the message goes to `keep`.
fn make_handle(
    kind: u8,
    targets: &mut [Option<zx::Channel>; 4],
    keep: &mut Vec<zx::Handle>,
) -> Option<zx::Handle> {
    Some(match kind % 9 {
        0 => zx::Vmo::create(4096).ok()?.into_handle(),
        1 => {
            let (end, peer) = zx::Channel::create().ok()?;
            keep.push(peer.into_handle());
            end.into_handle()
        }
        2 => zx::Channel::create().ok()?.0.into_handle(),
        3 => {
            // A token's client end: the service holds its server end.
            let allocator = targets[0].as_ref()?;
            let (client, server) = zx::Channel::create().ok()?;
            let request = messages::AllocateSharedCollectionRequest {
                token_request: Some(server),
            };
            let header =
                TransactionHeader::flexible(0, ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION);
            let (bytes, mut handles) = fidl::encode_message(header, request).ok()?;
            allocator.write(&bytes, &mut handles).ok()?;
            client.into_handle()
        }
        4 => targets[usize::from(kind / 9) % 4].take()?.into_handle(),
        5 => zx::Event::create().ok()?.into_handle(),
        6 => {
            let (end, peer) = zx::EventPair::create().ok()?;
            keep.push(peer.into_handle());
            end.into_handle()
        }
        7 => zx::Port::create().ok()?.into_handle(),
        _ => zx::Vmo::create(0).ok()?.into_handle(),
    })
}

/// Writes one message taken from `input` to one of `targets`.
fn send_one(
    input: &mut Reader<'_>,
    targets: &mut [Option<zx::Channel>; 4],
    keep: &mut Vec<zx::Handle>,
) {
    let target = usize::from(input.byte() % 4);
    let ordinal = match input.byte() {
        0xff => input.u64(),
        i => KNOWN[usize::from(i) % KNOWN.len()],
    };
    let txid = u32::from(input.byte());
    let flags = input.byte();
    let length = usize::from(input.byte());
    let mut header = TransactionHeader::flexible(txid, ordinal);
    header.flexible = flags & 1 != 0;
    let mut bytes = header.to_bytes().to_vec();
    if flags & 2 != 0 {
        // A raw header: magic, at-rest flags and dynamic flags as the input says.
        let raw = input.take(fidl::HEADER_SIZE);
        bytes[..raw.len()].copy_from_slice(raw);
    }
    bytes.extend_from_slice(input.take(length));
    if flags & 4 != 0 {
        bytes.truncate(usize::from(flags >> 4));
    }
    if flags & 8 != 0 {
        let over = usize::from(flags & 0x10 != 0);
        bytes.resize(zx::MAX_MSG_BYTES + over, 0);
    }
    let count = usize::from(input.byte() % 6);
    let mut handles = Vec::with_capacity(count);
    for _ in 0..count {
        let (kind, mask) = (input.byte(), input.byte());
        if let Some(handle) = make_handle(kind, targets, keep).and_then(|h| attenuated(h, mask)) {
            handles.push(handle);
        }
    }
    if let Some(channel) = &targets[target] {
        // A refused write (oversized, a handle the kernel cannot carry) closes the handles.
        let _ = channel.write(&bytes, &mut handles);
    }
}

/// Makes a two-way call on `channel`, lets the service run until idle, and says whether it
/// answered or closed the channel.
fn answered(harness: &mut Harness, channel: &zx::Channel) -> bool {
    let call = fidl::encode_header_only(TransactionHeader::flexible(SYNC_TXID, SYNC_ORDINAL));
    if channel.write(&call, &mut Vec::new()).is_err() {
        return true; // Closed by the service already.
    }
    harness.settle();
    let mut buf = zx::MessageBuf::new();
    loop {
        match channel.read(&mut buf) {
            Ok(()) => {
                let answer = TransactionHeader::decode(buf.bytes());
                if answer.is_ok_and(|h| h.txid == SYNC_TXID) {
                    return true;
                }
            }
            Err(zx::Status::PEER_CLOSED) => return true,
            // SHOULD_WAIT: the service is idle and did not answer.
            Err(_) => return false,
        }
    }
}

/// The reply to `WaitForAllBuffersAllocated` on `collection`'s channel, with the service run
/// until idle in between; the channel comes back for `Release`.
fn wait_allocated(
    harness: &mut Harness,
    collection: BufferCollection,
) -> Option<(usize, zx::Channel)> {
    let channel = collection.into_channel();
    let wait = TransactionHeader::flexible(
        WAIT_TXID,
        ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED,
    );
    channel
        .write(&fidl::encode_header_only(wait), &mut Vec::new())
        .ok()?;
    harness.settle();
    let (mut bytes, mut handles) = (Vec::new(), Vec::new());
    channel.read_etc(&mut bytes, &mut handles).ok()?;
    let header = TransactionHeader::decode(&bytes).ok()?;
    if header.txid != WAIT_TXID {
        return None;
    }
    let reply: FlexibleResult<messages::WaitForAllBuffersAllocatedResponse, Error> =
        fidl::decode_message(&bytes, handles).ok()?;
    let FlexibleResult::Response(response) = reply else {
        return None;
    };
    let buffers = response.buffer_collection_info?.buffers?.len();
    Some((buffers, channel))
}

/// A whole allocation on a new connection.
fn allocates(harness: &mut Harness) -> bool {
    let constraints = BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_WRITE),
            ..Default::default()
        }),
        min_buffer_count_for_camping: Some(1),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(4096),
            ..Default::default()
        }),
        ..Default::default()
    };
    let allocated = || {
        let collection = harness.connect()?.allocate_non_shared_collection().ok()?;
        collection.set_constraints(Some(constraints)).ok()?;
        let (buffers, channel) = wait_allocated(harness, collection)?;
        let release = TransactionHeader::flexible(0, ordinals::NODE_RELEASE);
        channel
            .write(&fidl::encode_header_only(release), &mut Vec::new())
            .ok()?;
        drop(channel);
        harness.settle();
        Some(buffers)
    };
    allocated() == Some(1)
}

fn live() -> (u64, u64, u64, u64, u64, u64) {
    let c = crate::platform::host::counters();
    (
        c.live_handles,
        c.live_vmos,
        c.live_channels,
        c.live_mappings,
        c.live_events,
        c.live_ports,
    )
}

/// One fuzz input (see the module documentation).
///
/// # Panics
/// When the service stops answering a target or serving new clients, or leaks.
#[doc(hidden)]
pub fn dispatch(data: &[u8]) {
    let before = live();
    {
        let Some(mut harness) = Harness::start() else {
            return;
        };
        let connect = || harness.connect();
        let (Some(first), Some(second), Some(third)) = (connect(), connect(), connect()) else {
            return;
        };
        let (Ok(token), Ok(collection)) = (
            first.allocate_shared_collection(),
            second.allocate_non_shared_collection(),
        ) else {
            return;
        };
        let mut targets = [
            Some(first.into_channel()),
            Some(token.into_channel()),
            Some(collection.into_channel()),
            Some(third.into_channel()),
        ];
        let mut keep = Vec::new();
        let mut input = Reader(data);
        for _ in 0..16 {
            if input.0.is_empty() {
                break;
            }
            send_one(&mut input, &mut targets, &mut keep);
            harness.settle();
        }
        for (i, target) in targets.iter().enumerate() {
            if let Some(channel) = target {
                assert!(
                    answered(&mut harness, channel),
                    "target {i} got no answer from an idle service and stayed open"
                );
            }
        }
        assert!(allocates(&mut harness), "a new client got no buffers");
        drop(targets);
        drop(keep);
    }
    assert_eq!(live(), before, "the service leaked handles or objects");
}
