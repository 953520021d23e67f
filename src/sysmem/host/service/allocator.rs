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
    pub(super) fn allocator_message(
        &mut self,
        id: u64,
        bytes: Vec<u8>,
        handles: Vec<zx::HandleInfo>,
    ) -> Next {
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
