//! `Allocator` connections: connection requests, the `Allocator` methods, new collections and
//! `BindSharedCollection`.

use super::*;

impl Service {
    // -----------------------------------------------------------------------------------------
    // Control channel: new Allocator connections
    // -----------------------------------------------------------------------------------------

    /// Accepts up to `budget` queued connection requests from `source` (the control channel
    /// or the listener); `false` once it is closed or unreadable.
    pub(super) fn serve_control(&mut self, source: Source, budget: usize) -> bool {
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
    pub(super) fn serve_allocator(&mut self, id: u64, budget: usize) {
        for _ in 0..budget {
            let Some(channel) = self.allocators.get(&id) else {
                return;
            };
            match read(channel) {
                Ok(Some(RawMessage { bytes, handles })) => {
                    if let Err(cause) = self.allocator_message(id, bytes, handles) {
                        let who =
                            diagnostics::DebugClient::describe(self.allocator_clients.get(&id));
                        self.log(format!("Allocator connection of {who} closed: {cause}"));
                        // As sysmem's `completer.Close(ZX_ERR_INTERNAL)`.
                        if let Some(channel) = self.allocators.remove(&id) {
                            drop(Epitaph(&channel));
                        }
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

    /// Handles one `Allocator` message; `Err` (why) when the connection must close: a malformed
    /// message, a required field missing, or an unknown method (sysmem's `allocator.cc` closes
    /// the connection for each, with `ZX_ERR_INTERNAL`).
    pub(super) fn allocator_message(
        &mut self,
        id: u64,
        bytes: Vec<u8>,
        handles: Vec<zx::HandleInfo>,
    ) -> Result<(), String> {
        let header = TransactionHeader::decode(&bytes)
            .map_err(|e| format!("a message without a transaction header ({e})"))?;
        let malformed = |method: &str, e: DecodeError| format!("a malformed {method} ({e})");
        let missing = |method: &str, field: &str| format!("{method} requires {field} set");
        match header.ordinal {
            ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION => {
                const METHOD: &str = "AllocateSharedCollection";
                let request = fidl::decode_message::<messages::AllocateSharedCollectionRequest>(
                    &bytes, handles,
                )
                .map_err(|e| malformed(METHOD, e))?;
                let server = request
                    .token_request
                    .ok_or_else(|| missing(METHOD, "token_request"))?;
                let client = self.allocator_clients.get(&id).cloned();
                self.new_collection(server, NodeKind::Token, client);
            }
            ordinals::ALLOCATOR_ALLOCATE_NON_SHARED_COLLECTION => {
                const METHOD: &str = "AllocateNonSharedCollection";
                let request = fidl::decode_message::<messages::AllocateNonSharedCollectionRequest>(
                    &bytes, handles,
                )
                .map_err(|e| malformed(METHOD, e))?;
                let server = request
                    .collection_request
                    .ok_or_else(|| missing(METHOD, "collection_request"))?;
                let kind = NodeKind::Collection {
                    constraints: None,
                    waits: Vec::new(),
                };
                let client = self.allocator_clients.get(&id).cloned();
                self.new_collection(server, kind, client);
            }
            ordinals::ALLOCATOR_BIND_SHARED_COLLECTION => {
                const METHOD: &str = "BindSharedCollection";
                let request =
                    fidl::decode_message::<messages::BindSharedCollectionRequest>(&bytes, handles)
                        .map_err(|e| malformed(METHOD, e))?;
                let token = request.token.ok_or_else(|| missing(METHOD, "token"))?;
                let server = request
                    .buffer_collection_request
                    .ok_or_else(|| missing(METHOD, "buffer_collection_request"))?;
                let client = self.allocator_clients.get(&id).cloned();
                self.bind(token, server, client);
            }
            ordinals::ALLOCATOR_VALIDATE_BUFFER_COLLECTION_TOKEN if header.txid != 0 => {
                const METHOD: &str = "ValidateBufferCollectionToken";
                let request =
                    fidl::decode_message::<messages::ValidateBufferCollectionTokenRequest>(
                        &bytes, handles,
                    )
                    .map_err(|e| malformed(METHOD, e))?;
                let koid = request
                    .token_server_koid
                    .ok_or_else(|| missing(METHOD, "token_server_koid"))?;
                let is_known = self
                    .token_by_server_koid(zx::Koid::from_raw(koid))
                    .is_some();
                if let Some(channel) = self.allocators.get(&id) {
                    let response = messages::ValidateBufferCollectionTokenResponse {
                        is_known: Some(is_known),
                    };
                    reply(
                        channel,
                        header.txid,
                        header.ordinal,
                        FlexibleResult::<_, NoErrorClause>::Response(response),
                    );
                }
            }
            ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO => {
                const METHOD: &str = "SetDebugClientInfo";
                let request =
                    fidl::decode_message::<messages::SetDebugClientInfoRequest>(&bytes, handles)
                        .map_err(|e| malformed(METHOD, e))?;
                // Sysmem requires the name; the id defaults to 0.
                if request.name.is_none() {
                    return Err(missing(METHOD, "name"));
                }
                self.set_allocator_client(id, request);
            }
            ordinal => {
                // The bindings answer a flexible two-way call (RFC-0138) before sysmem's
                // `handle_unknown_method` closes the connection.
                if let Some(channel) = self.allocators.get(&id) {
                    let _ = unknown_method(channel, &header);
                }
                drop(handles);
                return Err(format!("Allocator unknown method - ordinal: {ordinal:#x}"));
            }
        }
        Ok(())
    }

    /// Creates a logical collection whose first node is `server` (a root token, or the only
    /// collection of a non-shared collection).
    pub(super) fn new_collection(
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
    pub(super) fn add_node(
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
    pub(super) fn bind(
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
}
