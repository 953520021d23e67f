//! The service: the node tree of every logical collection, allocation, and failure. Its
//! event loop (one port, one async wait per channel) is [`port_loop`]; which channels it takes
//! is [`admission`].

#[path = "admission.rs"]
mod admission;
#[path = "diagnostics.rs"]
mod diagnostics;
#[path = "port_loop.rs"]
mod port_loop;
#[path = "sanitize.rs"]
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
    /// log in `log`; it runs when [`run`](Service::run) is called.
    ///
    /// # Errors
    /// The status of `zx_port_create`.
    pub(super) fn new(
        control: zx::Channel,
        listener: Option<zx::Channel>,
        stats: Arc<Mutex<HostSysmemStats>>,
        log: Arc<Mutex<Vec<String>>>,
    ) -> Result<Service, zx::Status> {
        Ok(Service {
            control,
            listener,
            watches: port_loop::Watches::new()?,
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

    // -----------------------------------------------------------------------------------------
    // Control channel: new Allocator connections
    // -----------------------------------------------------------------------------------------

    /// Accepts up to `budget` queued connection requests from `source` (the control channel
    /// or the listener); `false` once it is closed or unreadable.
    fn serve_control(&mut self, source: Source, budget: usize) -> bool {
        for _ in 0..budget {
            let requests = match source {
                Source::Listener => match &self.listener {
                    Some(listener) => listener,
                    None => return false,
                },
                _ => &self.control,
            };
            match read(requests) {
                Ok(Some(RawMessage { handles, .. })) => {
                    for info in handles {
                        // Anything but a usable channel is dropped: its client sees it close.
                        if let Ok(channel) = self.admit(info) {
                            let id = self.fresh_id();
                            self.held.insert(&channel, Source::Allocator(id));
                            self.allocators.insert(id, channel);
                            self.watches.watch(Source::Allocator(id));
                        }
                    }
                }
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
        self.watches.budget_spent = true;
        true
    }

    // -----------------------------------------------------------------------------------------
    // Allocator connections
    // -----------------------------------------------------------------------------------------

    /// Handles up to `budget` messages queued on allocator connection `id`, or its closure.
    fn serve_allocator(&mut self, id: u64, budget: usize) {
        for _ in 0..budget {
            let Some(channel) = self.allocators.get(&id) else {
                return;
            };
            match read(channel) {
                Ok(Some(RawMessage { bytes, handles })) => {
                    if self.allocator_message(id, bytes, handles) == Next::Gone {
                        self.allocators.remove(&id);
                        return;
                    }
                }
                Ok(None) => return,
                Err(_) => {
                    self.allocators.remove(&id);
                    return;
                }
            }
        }
        self.watches.budget_spent = true;
    }

    /// Handles one `Allocator` message; a malformed one closes the connection, as FIDL
    /// bindings do.
    fn allocator_message(&mut self, id: u64, bytes: Vec<u8>, handles: Vec<zx::HandleInfo>) -> Next {
        let Ok(header) = TransactionHeader::decode(&bytes) else {
            return Next::Gone;
        };
        let result: Result<(), DecodeError> = match header.ordinal {
            ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION => {
                match fidl::decode_message::<messages::AllocateSharedCollectionRequest>(
                    &bytes, handles,
                ) {
                    Ok(messages::AllocateSharedCollectionRequest {
                        token_request: Some(server),
                    }) => {
                        let client = self.allocator_clients.get(&id).cloned();
                        self.new_collection(server, NodeKind::Token, client);
                        Ok(())
                    }
                    Ok(_) => return Next::Gone,
                    Err(e) => Err(e),
                }
            }
            ordinals::ALLOCATOR_ALLOCATE_NON_SHARED_COLLECTION => {
                match fidl::decode_message::<messages::AllocateNonSharedCollectionRequest>(
                    &bytes, handles,
                ) {
                    Ok(messages::AllocateNonSharedCollectionRequest {
                        collection_request: Some(server),
                    }) => {
                        let kind = NodeKind::Collection {
                            constraints: None,
                            waits: Vec::new(),
                        };
                        let client = self.allocator_clients.get(&id).cloned();
                        self.new_collection(server, kind, client);
                        Ok(())
                    }
                    Ok(_) => return Next::Gone,
                    Err(e) => Err(e),
                }
            }
            ordinals::ALLOCATOR_BIND_SHARED_COLLECTION => {
                match fidl::decode_message::<messages::BindSharedCollectionRequest>(&bytes, handles)
                {
                    Ok(messages::BindSharedCollectionRequest {
                        token: Some(token),
                        buffer_collection_request: Some(server),
                    }) => {
                        let client = self.allocator_clients.get(&id).cloned();
                        self.bind(token, server, client);
                        Ok(())
                    }
                    Ok(_) => return Next::Gone,
                    Err(e) => Err(e),
                }
            }
            ordinals::ALLOCATOR_VALIDATE_BUFFER_COLLECTION_TOKEN if header.txid != 0 => {
                match fidl::decode_message::<messages::ValidateBufferCollectionTokenRequest>(
                    &bytes, handles,
                ) {
                    Ok(messages::ValidateBufferCollectionTokenRequest {
                        token_server_koid: Some(koid),
                    }) => {
                        let is_known = self
                            .token_by_server_koid(zx::Koid::from_raw(koid))
                            .is_some();
                        let Some(channel) = self.allocators.get(&id) else {
                            return Next::Gone;
                        };
                        let response = messages::ValidateBufferCollectionTokenResponse {
                            is_known: Some(is_known),
                        };
                        reply(
                            channel,
                            header.txid,
                            header.ordinal,
                            FlexibleResult::<_, NoErrorClause>::Response(response),
                        );
                        Ok(())
                    }
                    Ok(_) => return Next::Gone,
                    Err(e) => Err(e),
                }
            }
            ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO => {
                match fidl::decode_message::<messages::SetDebugClientInfoRequest>(&bytes, handles) {
                    // Sysmem requires both (allocator.cc closes with ZX_ERR_INVALID_ARGS).
                    Ok(request) if request.name.is_some() && request.id.is_some() => {
                        self.set_allocator_client(id, request);
                        Ok(())
                    }
                    Ok(_) => return Next::Gone,
                    Err(e) => Err(e),
                }
            }
            _ => {
                let Some(channel) = self.allocators.get(&id) else {
                    return Next::Gone;
                };
                return unknown_method(channel, &header);
            }
        };
        match result {
            Ok(()) => Next::Continue,
            Err(_) => Next::Gone,
        }
    }

    /// Creates a logical collection whose first node is `server` (a root token, or the only
    /// collection of a non-shared collection).
    fn new_collection(
        &mut self,
        server: zx::Channel,
        kind: NodeKind,
        client: Option<diagnostics::DebugClient>,
    ) {
        let collection = self.fresh_id();
        let buffer_collection_id = self.fresh_id();
        self.collections.insert(
            collection,
            Collection {
                buffer_collection_id,
                nodes: BTreeSet::new(),
                allocation: None,
                name: None,
                orphaned_constraints: Vec::new(),
            },
        );
        match self.add_node(collection, server, kind, NO_ATTENUATION) {
            Some(id) => {
                if let Some(node) = self.nodes.get_mut(&id) {
                    node.client = client;
                }
            }
            None => drop(self.collections.remove(&collection)),
        }
    }

    /// Adds a node to `collection`; `None` (and `server` closed) when the service does not
    /// take `server` ([`admission`]: wrong rights, or the peer of a channel it holds).
    fn add_node(
        &mut self,
        collection: CollectionId,
        server: zx::Channel,
        kind: NodeKind,
        rights_mask: zx::Rights,
    ) -> Option<NodeId> {
        let info = self.admit_channel(&server).ok()?;
        let id = self.fresh_id();
        self.held.insert_koid(info.koid, Source::Node(id));
        self.watches.watch(Source::Node(id));
        self.nodes.insert(
            id,
            Node {
                channel: server,
                server_koid: info.koid,
                client_koid: info.related_koid,
                collection,
                kind,
                rights_mask,
                released: false,
                client: None,
            },
        );
        self.collections.get_mut(&collection)?.nodes.insert(id);
        Some(id)
    }

    /// `BindSharedCollection`: the token node whose client end is `token` becomes a collection
    /// node served on `server`.
    fn bind(
        &mut self,
        token: zx::Channel,
        server: zx::Channel,
        client: Option<diagnostics::DebugClient>,
    ) {
        let who = diagnostics::DebugClient::describe(client.as_ref());
        let info = match token.basic_info() {
            Ok(info) => info,
            Err(status) => {
                self.log(format!(
                    "BindSharedCollection from {who} refused: its token is unreadable ({status})"
                ));
                return;
            }
        };
        // The token's server end is its peer: one lookup, then its client end must match.
        let found = self.token_by_server_koid(info.related_koid).filter(|id| {
            self.nodes
                .get(id)
                .is_some_and(|n| n.client_koid == info.koid)
        });
        // An unknown token (not made by this service, or not synced yet): both ends close and
        // the new collection's client sees it fail.
        let Some(id) = found else {
            self.log(format!(
                "BindSharedCollection from {who} refused: the token (koid {}) is not one this \
                 service made, or it was already bound or closed; a token duplicated with \
                 Duplicate must be synced (Sync, or DuplicateSync) before another client binds it",
                info.koid.raw_koid()
            ));
            return;
        };
        // Messages the client sent on the token before turning it in come first.
        if self.serve_node(id, usize::MAX) == Next::Gone {
            return;
        }
        // A server end the service does not take fails the collection when `token` closes.
        let info = match self.admit_channel(&server) {
            Ok(info) => info,
            Err(refusal) => {
                if let Some(collection) = self.nodes.get(&id).map(|node| node.collection) {
                    let cause = format!(
                        "bound its token to a buffer_collection_request the service refuses \
                         ({refusal:?})"
                    );
                    self.log_failure(collection, Some(id), &cause);
                }
                return;
            }
        };
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        if node.released {
            let collection = node.collection;
            self.log_failure(collection, Some(id), "bound a token it had released");
            self.fail(collection, None);
            return;
        }
        // The token's wait ends with its channel; a packet it already queued must go too.
        self.watches.unwatch(&node.channel, Source::Node(id));
        node.channel = server; // Closes the token's server end.
        self.held.insert_koid(info.koid, Source::Node(id));
        self.watches.watch(Source::Node(id));
        let Some(node) = self.nodes.get_mut(&id) else {
            return;
        };
        node.server_koid = info.koid;
        node.client_koid = info.related_koid;
        // The binding allocator's name, as sysmem's `BindSharedCollection` gives it.
        if client.is_some() {
            node.client = client;
        }
        node.kind = NodeKind::Collection {
            constraints: None,
            waits: Vec::new(),
        };
        drop(token);
    }

    // -----------------------------------------------------------------------------------------
    // Nodes
    // -----------------------------------------------------------------------------------------

    /// Handles up to `budget` messages queued on node `id`, or its closure.
    fn serve_node(&mut self, id: NodeId, budget: usize) -> Next {
        for _ in 0..budget {
            let Some(node) = self.nodes.get(&id) else {
                return Next::Gone;
            };
            match read(&node.channel) {
                Ok(Some(RawMessage { bytes, handles })) => {
                    let message = match TransactionHeader::decode(&bytes) {
                        Ok(header) => Message {
                            header,
                            bytes,
                            handles,
                        },
                        Err(_) => {
                            self.deviation(id, "sent a message without a transaction header");
                            return Next::Gone;
                        }
                    };
                    if self.node_message(id, message) == Next::Gone {
                        return Next::Gone;
                    }
                }
                Ok(None) => return Next::Continue,
                Err(_) => {
                    self.node_closed(id);
                    return Next::Gone;
                }
            }
        }
        self.watches.budget_spent = true;
        Next::Continue
    }

    /// The client closed node `id`: fine after `Release`, otherwise the collection fails.
    fn node_closed(&mut self, id: NodeId) {
        let Some(node) = self.nodes.get(&id) else {
            return;
        };
        let collection = node.collection;
        if !node.released {
            self.log_failure(collection, Some(id), "closed its channel without Release");
            self.fail(collection, None);
            return;
        }
        let node = self.nodes.remove(&id);
        if let Some(c) = self.collections.get_mut(&collection) {
            c.nodes.remove(&id);
            if let Some(Node {
                kind:
                    NodeKind::Collection {
                        constraints: Some(Some(constraints)),
                        ..
                    },
                ..
            }) = node
            {
                if c.allocation.is_none() {
                    c.orphaned_constraints.push(constraints);
                }
            }
            if c.nodes.is_empty() {
                self.collections.remove(&collection);
            }
        }
    }

    /// Node `id` broke the protocol (`cause` says how): its collection fails with
    /// `PROTOCOL_DEVIATION`, and the log names the cause and the participant.
    fn deviation(&mut self, id: NodeId, cause: &str) -> Next {
        if let Some(collection) = self.nodes.get(&id).map(|node| node.collection) {
            self.log_failure(collection, Some(id), cause);
            // Only an allocation failure is answered; sysmem closes the others' channels.
            self.fail(collection, None);
        }
        Next::Gone
    }

    fn node_message(&mut self, id: NodeId, message: Message) -> Next {
        let Message {
            header,
            bytes,
            handles,
        } = message;
        let Some(node) = self.nodes.get(&id) else {
            return Next::Gone;
        };
        if node.released {
            return self.deviation(id, "sent a message after Release"); // Nothing may follow it.
        }
        let is_token = matches!(node.kind, NodeKind::Token);
        let two_way = header.txid != 0;
        match header.ordinal {
            ordinals::NODE_SYNC if two_way => {
                if fidl::decode_header_only(&bytes, handles).is_err() {
                    return self.deviation(id, "sent a malformed Sync");
                }
                reply(
                    &node.channel,
                    header.txid,
                    header.ordinal,
                    FlexibleResult::<Empty>::Response(Empty),
                );
                Next::Continue
            }
            ordinals::NODE_RELEASE if !two_way => {
                if fidl::decode_header_only(&bytes, handles).is_err() {
                    return self.deviation(id, "sent a malformed Release");
                }
                if let Some(node) = self.nodes.get_mut(&id) {
                    node.released = true;
                }
                Next::Continue
            }
            ordinals::NODE_SET_NAME if !two_way => {
                let Ok(request) = fidl::decode_message::<messages::SetNameRequest>(&bytes, handles)
                else {
                    return self.deviation(id, "sent a malformed SetName");
                };
                self.set_name(id, request);
                Next::Continue
            }
            ordinals::NODE_SET_DEBUG_CLIENT_INFO if !two_way => {
                match fidl::decode_message::<messages::SetDebugClientInfoRequest>(&bytes, handles) {
                    Ok(request) if request.name.is_some() && request.id.is_some() => {
                        self.set_node_client(id, request);
                        Next::Continue
                    }
                    Ok(_) => self.deviation(id, "sent SetDebugClientInfo without a name or an id"),
                    Err(_) => self.deviation(id, "sent a malformed SetDebugClientInfo"),
                }
            }
            ordinals::TOKEN_DUPLICATE if is_token && !two_way => {
                match fidl::decode_message::<messages::DuplicateRequest>(&bytes, handles) {
                    Ok(messages::DuplicateRequest {
                        rights_attenuation_mask,
                        token_request: Some(server),
                    }) => self.duplicate(id, vec![(rights_attenuation_mask, server)]),
                    _ => self.deviation(id, "sent a malformed Duplicate"),
                }
            }
            ordinals::TOKEN_DUPLICATE_SYNC if is_token && two_way => {
                match fidl::decode_message::<messages::DuplicateSyncRequest>(&bytes, handles) {
                    Ok(messages::DuplicateSyncRequest {
                        rights_attenuation_masks: Some(masks),
                    }) => self.duplicate_sync(id, header.txid, masks),
                    _ => self.deviation(id, "sent a malformed DuplicateSync"),
                }
            }
            ordinals::COLLECTION_SET_CONSTRAINTS if !is_token && !two_way => {
                match fidl::decode_message::<messages::SetConstraintsRequest>(&bytes, handles) {
                    Ok(request) => self.set_constraints(id, request.constraints),
                    Err(_) => self.deviation(id, "sent a malformed SetConstraints"),
                }
            }
            ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED if !is_token && two_way => {
                if fidl::decode_header_only(&bytes, handles).is_err() {
                    return self.deviation(id, "sent a malformed WaitForAllBuffersAllocated");
                }
                self.wait_for_all_buffers_allocated(id, header.txid)
            }
            ordinals::COLLECTION_CHECK_ALL_BUFFERS_ALLOCATED if !is_token && two_way => {
                if fidl::decode_header_only(&bytes, handles).is_err() {
                    return self.deviation(id, "sent a malformed CheckAllBuffersAllocated");
                }
                self.check_all_buffers_allocated(id, header.txid)
            }
            _ => {
                // Known ordinals with the wrong shape (a one-way Sync, a Wait on a token) and
                // methods this service does not implement: the unknown-method rules. The
                // message's handles are closed.
                drop(handles);
                match unknown_method(&node.channel, &header) {
                    Next::Continue => Next::Continue,
                    Next::Gone => self.deviation(id, "called an unknown strict method"),
                }
            }
        }
    }

    fn set_name(&mut self, id: NodeId, request: messages::SetNameRequest) {
        let (Some(priority), Some(name)) = (request.priority, request.name) else {
            return;
        };
        let Some(collection) = self.nodes.get(&id).map(|node| node.collection) else {
            return;
        };
        if let Some(c) = self.collections.get_mut(&collection) {
            if c.name.as_ref().is_none_or(|(old, _)| priority > *old) {
                c.name = Some((priority, name));
            }
        }
    }

    /// Adds one token per (mask, server end) under token `id`.
    fn duplicate(&mut self, id: NodeId, requests: Vec<(Option<zx::Rights>, zx::Channel)>) -> Next {
        let Some(node) = self.nodes.get(&id) else {
            return Next::Gone;
        };
        let (collection, parent_mask) = (node.collection, node.rights_mask);
        let parent_client = node.client.clone();
        for (mask, server) in requests {
            let mask = aggregate::chain_mask(parent_mask, mask);
            let added = self.add_node(collection, server, NodeKind::Token, mask);
            if let Some(node) = added.and_then(|new| self.nodes.get_mut(&new)) {
                node.client.clone_from(&parent_client);
            }
            if added.is_none() {
                // A `token_request` the service cannot serve (see `admission`).
                let cause = "sent a token_request the service cannot serve (a channel without \
                             READ, WRITE or WAIT, or the peer of a channel sysmem holds)";
                self.log_failure(collection, Some(id), cause);
                self.fail(collection, None);
                return Next::Gone;
            }
        }
        Next::Continue
    }

    fn duplicate_sync(&mut self, id: NodeId, txid: u32, masks: Vec<zx::Rights>) -> Next {
        let mut clients = Vec::with_capacity(masks.len());
        let mut requests = Vec::with_capacity(masks.len());
        for mask in masks {
            match zx::Channel::create() {
                Ok((client, server)) => {
                    clients.push(client);
                    requests.push((Some(mask), server));
                }
                Err(_) => {
                    if let Some(collection) = self.nodes.get(&id).map(|n| n.collection) {
                        self.fail(collection, Some(Error::NO_MEMORY));
                    }
                    return Next::Gone;
                }
            }
        }
        if self.duplicate(id, requests) == Next::Gone {
            return Next::Gone;
        }
        let Some(node) = self.nodes.get(&id) else {
            return Next::Gone;
        };
        let response = messages::DuplicateSyncResponse {
            tokens: Some(clients),
        };
        reply(
            &node.channel,
            txid,
            ordinals::TOKEN_DUPLICATE_SYNC,
            FlexibleResult::<_, NoErrorClause>::Response(response),
        );
        Next::Continue
    }

    fn set_constraints(&mut self, id: NodeId, new: Option<BufferCollectionConstraints>) -> Next {
        let new = new.map(sanitize::normalize);
        if let Some(constraints) = &new {
            if aggregate::validate(constraints).is_err() {
                return self.deviation(
                    id,
                    "set constraints without a usage, with an all-zero usage, or with \
                     NONE_USAGE beside other usages",
                );
            }
        }
        let Some(Node {
            kind: NodeKind::Collection { constraints, .. },
            ..
        }) = self.nodes.get_mut(&id)
        else {
            return Next::Gone;
        };
        if constraints.is_some() {
            // At most once (sysmem closes with ZX_ERR_NOT_SUPPORTED).
            return self.deviation(id, "called SetConstraints a second time");
        }
        *constraints = Some(new);
        Next::Continue
    }

    fn wait_for_all_buffers_allocated(&mut self, id: NodeId, txid: u32) -> Next {
        let Some(node) = self.nodes.get_mut(&id) else {
            return Next::Gone;
        };
        let NodeKind::Collection { constraints, waits } = &mut node.kind else {
            return Next::Gone;
        };
        if constraints.is_none() {
            // "Not permitted (in sysmem2)": sysmem fails the node with ZX_ERR_BAD_STATE, closing
            // the channel without a reply; the whole collection fails with it.
            return self.deviation(
                id,
                "called WaitForAllBuffersAllocated before SetConstraints",
            );
        }
        waits.push(txid);
        let collection = node.collection;
        self.answer_waits(collection);
        if self.nodes.contains_key(&id) {
            Next::Continue
        } else {
            Next::Gone
        }
    }

    fn check_all_buffers_allocated(&mut self, id: NodeId, txid: u32) -> Next {
        let ordinal = ordinals::COLLECTION_CHECK_ALL_BUFFERS_ALLOCATED;
        let Some(node) = self.nodes.get(&id) else {
            return Next::Gone;
        };
        // Unlike WaitForAllBuffersAllocated, allowed before SetConstraints: sysmem answers
        // PENDING until allocation is done (CommonCheckAllBuffersAllocatedStage1 in
        // src/devices/sysmem/drivers/sysmem/buffer_collection.cc checks only `is_done_`).
        if !matches!(node.kind, NodeKind::Collection { .. }) {
            return Next::Gone;
        }
        let allocated = self
            .collections
            .get(&node.collection)
            .is_some_and(|c| c.allocation.is_some());
        if allocated {
            reply(
                &node.channel,
                txid,
                ordinal,
                FlexibleResult::<Empty, Error>::Response(Empty),
            );
        } else {
            reply_error(&node.channel, txid, ordinal, Error::PENDING);
        }
        Next::Continue
    }

    // -----------------------------------------------------------------------------------------
    // Allocation and failure
    // -----------------------------------------------------------------------------------------

    /// Allocates collection `id` if its nodes are all ready: tokens released, collections
    /// with constraints set (or released). Only a node's messages or closure can make its
    /// collection ready, so the loop asks this for the collection of the node it served.
    fn allocate_if_ready(&mut self, id: CollectionId) {
        let ready = self
            .collections
            .get(&id)
            .is_some_and(|c| c.allocation.is_none() && self.is_ready(c));
        if ready {
            match self.allocate(id) {
                Ok(()) => self.answer_waits(id),
                Err(error) => {
                    self.log_failure(id, None, &format!("allocation failed: {error}"));
                    self.fail(id, Some(error));
                }
            }
        }
    }

    fn is_ready(&self, collection: &Collection) -> bool {
        let mut any_constraints = false;
        for node in collection.nodes.iter().filter_map(|id| self.nodes.get(id)) {
            match &node.kind {
                NodeKind::Collection {
                    constraints: Some(_),
                    ..
                } => any_constraints = true,
                _ if node.released => {}
                _ => return false,
            }
        }
        any_constraints || !collection.orphaned_constraints.is_empty()
    }

    /// Aggregates the constraints and creates the VMOs.
    fn allocate(&mut self, id: CollectionId) -> Result<(), Error> {
        let collection = self.collections.get(&id).ok_or(Error::UNSPECIFIED)?;
        let constraints: Vec<&BufferCollectionConstraints> = collection
            .nodes
            .iter()
            .filter_map(|node| match &self.nodes.get(node)?.kind {
                NodeKind::Collection {
                    constraints: Some(Some(c)),
                    ..
                } => Some(c),
                _ => None,
            })
            .chain(&collection.orphaned_constraints)
            .collect();
        let name = match &collection.name {
            Some((_, name)) => format!("collection {:?}", name),
            None => format!("collection {}", collection.buffer_collection_id),
        };
        sanitize::check_usages(&constraints)?;
        // Aggregation sees every participant's constraints with sysmem's defaults filled in.
        let sanitized = sanitize::with_defaults(&constraints)?;
        let constraints: Vec<&BufferCollectionConstraints> = sanitized.iter().collect();
        let mut settings = match aggregate::aggregate(&constraints) {
            Ok(settings) => settings,
            Err(rejection) => {
                for note in &rejection.notes {
                    self.log(format!("{name}: {note}"));
                }
                self.log(format!("{name}: allocation failed: {rejection}"));
                return Err(rejection.error);
            }
        };
        for note in &settings.notes {
            self.log(format!("{name}: {note}"));
        }
        sanitize::check_size_requested(&constraints, &settings)?;
        sanitize::prefer_ram_for_display(&constraints, &mut settings);
        if let Err(error) = sanitize::check_caps(&settings) {
            self.log(format!(
                "{name}: allocation failed: NO_MEMORY: {} buffers of {} bytes exceed sysmem's \
                 caps (256 MiB a buffer, 1 GiB a collection)",
                settings.buffer_count, settings.size_bytes
            ));
            return Err(error);
        }
        let mut vmos = Vec::with_capacity(settings.buffer_count as usize);
        for _ in 0..settings.buffer_count {
            match zx::Vmo::create(settings.vmo_size_bytes) {
                Ok(vmo) => vmos.push(vmo),
                Err(status) => {
                    let size = settings.vmo_size_bytes;
                    self.log(format!(
                        "{name}: allocation failed: NO_MEMORY: a VMO of {size} bytes: {status:?}"
                    ));
                    return Err(Error::NO_MEMORY);
                }
            }
        }
        let raw_vmo_size = match vmos.first() {
            Some(vmo) => vmo.get_size().map_err(|_| Error::NO_MEMORY)?,
            None => 0,
        };
        if let Some(collection) = self.collections.get_mut(&id) {
            collection.allocation = Some(Allocation {
                settings,
                vmos,
                raw_vmo_size,
            });
        }
        Ok(())
    }

    /// Answers the pending waits of every node of an allocated collection.
    fn answer_waits(&mut self, id: CollectionId) {
        let Some(collection) = self.collections.get(&id) else {
            return;
        };
        let Some(allocation) = &collection.allocation else {
            return;
        };
        let mut failed = false;
        for node_id in &collection.nodes {
            let Some(node) = self.nodes.get_mut(node_id) else {
                continue;
            };
            let NodeKind::Collection { constraints, waits } = &mut node.kind else {
                continue;
            };
            for txid in std::mem::take(waits) {
                let constraints = constraints.as_ref().and_then(Option::as_ref);
                match collection_info(collection, allocation, constraints, node.rights_mask) {
                    Ok(info) => {
                        let response = messages::WaitForAllBuffersAllocatedResponse {
                            buffer_collection_info: Some(info),
                        };
                        reply(
                            &node.channel,
                            txid,
                            ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED,
                            FlexibleResult::<_, Error>::Response(response),
                        );
                    }
                    Err(_) => failed = true,
                }
            }
        }
        if failed {
            self.fail(id, Some(Error::NO_MEMORY));
        }
    }

    /// Fails collection `id`: waits pending or already queued are answered with `error` (when
    /// there is one), then every node's channel is closed and the VMOs released.
    fn fail(&mut self, id: CollectionId, error: Option<Error>) {
        let Some(collection) = self.collections.remove(&id) else {
            return;
        };
        for node_id in &collection.nodes {
            let Some(node) = self.nodes.remove(node_id) else {
                continue;
            };
            // Every channel's last message says the collection failed, as sysmem's does.
            let epitaph = Epitaph(&node.channel);
            let Some(error) = error else { continue };
            let wait = ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED;
            if let NodeKind::Collection { waits, .. } = &node.kind {
                for &txid in waits {
                    reply_error(&node.channel, txid, wait, error);
                }
            }
            // Calls the client made before the failure reached it.
            while let Ok(Some(RawMessage { bytes, .. })) = read(&node.channel) {
                let Ok(header) = TransactionHeader::decode(&bytes) else {
                    continue;
                };
                let check = ordinals::COLLECTION_CHECK_ALL_BUFFERS_ALLOCATED;
                if header.txid != 0 && (header.ordinal == wait || header.ordinal == check) {
                    reply_error(&node.channel, header.txid, header.ordinal, error);
                }
            }
            drop(epitaph);
        }
    }
}

/// One participant's view of an allocated collection: its own duplicates of every VMO, with
/// its rights, or no VMOs without usage.
fn collection_info(
    collection: &Collection,
    allocation: &Allocation,
    constraints: Option<&BufferCollectionConstraints>,
    rights_mask: zx::Rights,
) -> Result<BufferCollectionInfo, zx::Status> {
    let rights = aggregate::participant_rights(constraints, rights_mask);
    let mut buffers = Vec::with_capacity(allocation.vmos.len());
    for vmo in &allocation.vmos {
        let vmo = match rights {
            Some(rights) => Some(vmo.duplicate_handle(rights)?),
            None => None,
        };
        buffers.push(VmoBuffer {
            vmo,
            vmo_usable_start: Some(0),
            close_weak_asap: None,
        });
    }
    let settings = BufferMemorySettings {
        size_bytes: Some(allocation.settings.size_bytes),
        is_physically_contiguous: Some(false),
        is_secure: Some(false),
        coherency_domain: Some(allocation.settings.coherency_domain),
        heap: Some(Heap {
            heap_type: Some(HEAP_TYPE_SYSTEM_RAM.into()),
            id: Some(0),
        }),
        raw_vmo_size: Some(allocation.raw_vmo_size),
    };
    Ok(BufferCollectionInfo {
        settings: Some(SingleBufferSettings {
            buffer_settings: Some(settings),
            image_format_constraints: allocation
                .settings
                .image
                .as_ref()
                .map(|image| image.constraints.clone()),
        }),
        buffers: Some(buffers),
        buffer_collection_id: Some(collection.buffer_collection_id),
    })
}
