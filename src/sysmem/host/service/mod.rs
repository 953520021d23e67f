//! The service: the node tree of every logical collection, allocation, and failure.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the state (nodes, collections, allocations) and the wire helpers |
//! | [`port_loop`] | the event loop: one port, one async wait per channel, fair turns |
//! | [`admission`] | which channels the service takes |
//! | [`allocator`] | `Allocator` connections: new collections, `BindSharedCollection` |
//! | [`node`] | token and collection nodes: their methods and their closing |
//! | [`allocation`] | allocation once every node is ready, and failure |
//! | [`diagnostics`] | the log: failures naming the cause and the participant |
//! | [`sanitize`] | constraints checked before aggregation |

mod admission;
mod allocation;
mod allocator;
mod diagnostics;
mod node;
mod port_loop;
mod sanitize;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use super::aggregate::{self, Settings};
use super::HostSysmemStats;
use crate::fidl::{
    self, DecodeError, Empty, Encode, FlexibleResult, FrameworkErr, NoErrorClause,
    TransactionHeader,
};
use crate::sysmem::messages::{self, ordinals};
use crate::sysmem::types::{
    BufferCollectionConstraints, BufferCollectionInfo, BufferMemorySettings, Error, Heap,
    SingleBufferSettings, VmoBuffer, HEAP_TYPE_SYSTEM_RAM,
};
use crate::zx::{self, AsHandleRef, HandleBased};

type NodeId = u64;
type CollectionId = u64;

/// Every rights bit: the mask of a node whose chain attenuates nothing.
const NO_ATTENUATION: zx::Rights = zx::Rights::from_bits_retain(u32::MAX);

/// One token or collection channel.
#[derive(Debug)]
struct Node {
    /// The server end.
    channel: zx::Channel,
    /// The koid of the server end (`ValidateBufferCollectionToken`).
    server_koid: zx::Koid,
    /// The koid of the client end, to find a token turned in by `BindSharedCollection`.
    client_koid: zx::Koid,
    collection: CollectionId,
    kind: NodeKind,
    /// The AND of the rights attenuation masks along the token chain.
    rights_mask: zx::Rights,
    /// `Release` was received: closing is expected, and the node no longer blocks allocation.
    released: bool,
    /// Who the client says it is (`SetDebugClientInfo`, on the node or its allocator).
    client: Option<diagnostics::DebugClient>,
}

#[derive(Debug)]
enum NodeKind {
    Token,
    Collection {
        /// `None` until `SetConstraints`; then the constraints it carried (if any).
        constraints: Option<Option<BufferCollectionConstraints>>,
        /// Txids of `WaitForAllBuffersAllocated` calls not answered yet.
        waits: Vec<u32>,
    },
}

/// One logical buffer collection: the nodes of one token tree.
#[derive(Debug)]
struct Collection {
    buffer_collection_id: u64,
    nodes: BTreeSet<NodeId>,
    /// Set once allocation succeeded.
    allocation: Option<Allocation>,
    /// The name with the highest priority so far (`Node.SetName`).
    name: Option<(u32, String)>,
    /// Constraints of collection nodes released and closed before allocation: sysmem keeps
    /// them (the node becomes an orphaned node) and they still take part.
    orphaned_constraints: Vec<BufferCollectionConstraints>,
}

#[derive(Debug)]
struct Allocation {
    settings: Settings,
    /// Sysmem's own handles (default VMO rights, 0xD0EF); participants get duplicates.
    vmos: Vec<zx::Vmo>,
    raw_vmo_size: u64,
}

/// A channel the service reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    /// The owner's channel of connection requests (closing it stops the service).
    Control,
    /// A `/svc` listener's connection requests.
    Listener,
    Allocator(u64),
    Node(NodeId),
}

/// What to do with a channel after one of its messages.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Keep reading it.
    Continue,
    /// It is gone (closed by the service, or its collection failed).
    Gone,
}

/// The service's whole state; dropping it closes every handle.
pub(super) struct Service {
    control: zx::Channel,
    /// The `/svc` listener, when the service serves one (`platform::host::serve`).
    listener: Option<zx::Channel>,
    /// The port and the channels to watch next.
    watches: port_loop::Watches,
    /// Koids of the channels held, to refuse the peer of one of them.
    held: admission::Held,
    /// Names given by `Allocator.SetDebugClientInfo`, inherited by the nodes it creates.
    allocator_clients: BTreeMap<u64, diagnostics::DebugClient>,
    /// Whether log lines also go to stderr (a service of its own process: `with_log`).
    echo: bool,
    allocators: BTreeMap<u64, zx::Channel>,
    nodes: BTreeMap<NodeId, Node>,
    collections: BTreeMap<CollectionId, Collection>,
    next_id: u64,
    stats: Arc<Mutex<HostSysmemStats>>,
    log: Arc<Mutex<Vec<String>>>,
}

/// A message read from a channel.
struct RawMessage {
    bytes: Vec<u8>,
    handles: Vec<zx::HandleInfo>,
}

/// A message whose header was decoded.
struct Message {
    header: TransactionHeader,
    bytes: Vec<u8>,
    handles: Vec<zx::HandleInfo>,
}

/// Reads one message. `Ok(None)`: nothing queued; `Err`: the peer is closed (or the channel
/// unusable).
fn read(channel: &zx::Channel) -> Result<Option<RawMessage>, zx::Status> {
    let (mut bytes, mut handles) = (Vec::new(), Vec::new());
    match channel.read_etc(&mut bytes, &mut handles) {
        Ok(()) => Ok(Some(RawMessage { bytes, handles })),
        Err(zx::Status::SHOULD_WAIT) => Ok(None),
        Err(status) => Err(status),
    }
}

/// Writes a reply. A peer that is gone, or a reply that cannot be encoded (it cannot happen
/// for the bounded replies sent here), ends the same way for the client: no reply.
fn reply<T: Encode>(channel: &zx::Channel, txid: u32, ordinal: u64, body: T) {
    if let Ok((bytes, mut handles)) =
        fidl::encode_message(TransactionHeader::flexible(txid, ordinal), body)
    {
        let _ = channel.write(&bytes, &mut handles);
    }
}

/// Writes the `ZX_ERR_INTERNAL` epitaph on a failed collection's channel when dropped (after
/// the replies written before it), as sysmem closes a failed collection's channels.
struct Epitaph<'a>(&'a zx::Channel);

impl Drop for Epitaph<'_> {
    fn drop(&mut self) {
        let header = TransactionHeader {
            txid: 0,
            flexible: false,
            ordinal: fidl::EPITAPH_ORDINAL,
        };
        let mut bytes = header.to_bytes().to_vec();
        bytes.extend_from_slice(&zx::Status::INTERNAL.into_raw().to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
        let _ = self.0.write(&bytes, &mut Vec::new());
    }
}

/// Replies `Err(error)` to a two-way method with an `error` clause.
fn reply_error(channel: &zx::Channel, txid: u32, ordinal: u64, error: Error) {
    reply(
        channel,
        txid,
        ordinal,
        FlexibleResult::<Empty, Error>::Err(error),
    );
}

/// The unknown-interaction rules of open protocols (RFC-0138) for a message this service
/// does not implement.
fn unknown_method(channel: &zx::Channel, header: &TransactionHeader) -> Next {
    if !header.flexible {
        return Next::Gone;
    }
    if header.txid != 0 {
        let body = FlexibleResult::<Empty>::FrameworkErr(FrameworkErr::UNKNOWN_METHOD);
        reply(channel, header.txid, header.ordinal, body);
    }
    Next::Continue
}

impl Service {
    /// A service taking connections on `control` (and `listener`, when given), recording its
    /// log in `log`; it runs when [`run`](Service::run) (or
    /// [`run_until_idle`](Service::run_until_idle)) is called.
    ///
    /// # Errors
    /// The status of `zx_port_create`.
    pub(super) fn new(
        control: zx::Channel,
        listener: Option<zx::Channel>,
        stats: Arc<Mutex<HostSysmemStats>>,
        log: Arc<Mutex<Vec<String>>>,
    ) -> Result<Service, zx::Status> {
        let mut watches = port_loop::Watches::new()?;
        watches.watch(Source::Control);
        if listener.is_some() {
            watches.watch(Source::Listener);
        }
        Ok(Service {
            control,
            listener,
            watches,
            held: admission::Held::default(),
            allocator_clients: BTreeMap::new(),
            echo: false,
            allocators: BTreeMap::new(),
            nodes: BTreeMap::new(),
            collections: BTreeMap::new(),
            next_id: 1,
            stats,
            log,
        })
    }

    /// Writes a line to the service's log, keeping the last `LOG_LINES` (and to stderr when
    /// the service runs on its own, `with_log`).
    pub(super) fn log(&self, line: String) {
        if self.echo {
            eprintln!("sysmem: {line}");
        }
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if log.len() >= super::LOG_LINES {
            log.remove(0);
        }
        log.push(line);
    }

    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Publishes what the service holds. Runs at the end of a round, after `fail()` has dropped
    /// the failed nodes: tests rely on `collections == 0` meaning the channels are closed.
    fn publish_stats(&self) {
        let pending_waits = self
            .nodes
            .values()
            .map(|node| match &node.kind {
                NodeKind::Collection { waits, .. } => waits.len(),
                NodeKind::Token => 0,
            })
            .sum();
        let stats = HostSysmemStats {
            allocator_connections: self.allocators.len(),
            collections: self.collections.len(),
            nodes: self.nodes.len(),
            pending_waits,
        };
        *self.stats.lock().unwrap_or_else(PoisonError::into_inner) = stats;
    }
}
