//! Token and collection nodes: their messages, `Duplicate`, constraints, waits, and what
//! happens when one closes.

use super::*;

impl Service {
    // -----------------------------------------------------------------------------------------
    // Nodes
    // -----------------------------------------------------------------------------------------

    /// Handles up to `budget` messages queued on node `id`, or its closure.
    pub(super) fn serve_node(&mut self, id: NodeId, budget: usize) -> Next {
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
    pub(super) fn node_closed(&mut self, id: NodeId) {
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
    pub(super) fn deviation(&mut self, id: NodeId, cause: &str) -> Next {
        if let Some(collection) = self.nodes.get(&id).map(|node| node.collection) {
            self.log_failure(collection, Some(id), cause);
            // Only an allocation failure is answered; sysmem closes the others' channels.
            self.fail(collection, None);
        }
        Next::Gone
    }

    pub(super) fn node_message(&mut self, id: NodeId, message: Message) -> Next {
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
            ordinal => {
                // Known ordinals with the wrong shape (a one-way Sync, a Wait on a token) and
                // methods this service does not implement are unknown. The bindings answer a
                // flexible two-way call (RFC-0138); then a BufferCollection fails, as sysmem's
                // `BufferCollection::handle_unknown_method` does (`FailSync`,
                // PROTOCOL_DEVIATION), while a token goes on. The message's handles are closed.
                drop(handles);
                let next = unknown_method(&node.channel, &header);
                if !is_token {
                    let cause =
                        format!("called an unknown BufferCollection method (ordinal {ordinal:#x})");
                    return self.deviation(id, &cause);
                }
                match next {
                    Next::Continue => Next::Continue,
                    Next::Gone => self.deviation(
                        id,
                        &format!("called an unknown strict method (ordinal {ordinal:#x})"),
                    ),
                }
            }
        }
    }

    pub(super) fn set_name(&mut self, id: NodeId, request: messages::SetNameRequest) {
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
    pub(super) fn duplicate(
        &mut self,
        id: NodeId,
        requests: Vec<(Option<zx::Rights>, zx::Channel)>,
    ) -> Next {
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

    pub(super) fn duplicate_sync(&mut self, id: NodeId, txid: u32, masks: Vec<zx::Rights>) -> Next {
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

    pub(super) fn set_constraints(
        &mut self,
        id: NodeId,
        new: Option<BufferCollectionConstraints>,
    ) -> Next {
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

    pub(super) fn wait_for_all_buffers_allocated(&mut self, id: NodeId, txid: u32) -> Next {
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

    pub(super) fn check_all_buffers_allocated(&mut self, id: NodeId, txid: u32) -> Next {
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
}
