//! Failures that say why: the service's log names the collection, the cause and the
//! participant (its `SetDebugClientInfo` name and id, given on the node or on the allocator
//! that created or bound it), as sysmem's `LogClientError` does. The log is stderr, when the
//! service runs as a program of its own (`HostSysmem::serve`); in-process services
//! (`HostSysmem::start`) stay quiet.

use super::{NodeId, Service};
use crate::sysmem::messages::SetDebugClientInfoRequest;

/// A client's name for itself (`SetDebugClientInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DebugClient {
    name: String,
    id: u64,
}

impl DebugClient {
    /// How the log names a client: by its `SetDebugClientInfo`, when it gave one.
    pub(super) fn describe(client: Option<&DebugClient>) -> String {
        match client {
            Some(client) => format!("client {:?} (id {})", client.name, client.id),
            None => "a client without SetDebugClientInfo".to_owned(),
        }
    }

    fn from_request(request: SetDebugClientInfoRequest) -> DebugClient {
        DebugClient {
            name: request.name.unwrap_or_default(),
            id: request.id.unwrap_or(0),
        }
    }
}

impl Service {
    /// Turns on the log of failures (stderr).
    pub(in crate::sysmem::host) fn with_log(mut self) -> Service {
        self.echo = true;
        self
    }

    pub(super) fn set_allocator_client(
        &mut self,
        allocator: u64,
        request: SetDebugClientInfoRequest,
    ) {
        self.allocator_clients
            .insert(allocator, DebugClient::from_request(request));
        // Names of closed connections go once they outnumber the live ones (amortised O(1)).
        if self.allocator_clients.len() > 2 * self.allocators.len() + 64 {
            let allocators = &self.allocators;
            self.allocator_clients
                .retain(|id, _| allocators.contains_key(id));
        }
    }

    pub(super) fn set_node_client(&mut self, id: NodeId, request: SetDebugClientInfoRequest) {
        if let Some(node) = self.nodes.get_mut(&id) {
            node.client = Some(DebugClient::from_request(request));
        }
    }

    /// The line the log writes when `collection` fails because `node` (if any) did `cause`.
    pub(super) fn failure_message(
        &self,
        collection: u64,
        node: Option<NodeId>,
        cause: &str,
    ) -> String {
        let name = self
            .collections
            .get(&collection)
            .and_then(|c| c.name.as_ref())
            .map_or_else(
                || "an unnamed collection".to_owned(),
                |(_, n)| format!("collection {n:?}"),
            );
        let who = match node.and_then(|id| self.nodes.get(&id)) {
            Some(node) => match &node.client {
                Some(client) => format!("participant {:?} (id {})", client.name, client.id),
                None => "a participant without SetDebugClientInfo".to_owned(),
            },
            None => "sysmem".to_owned(),
        };
        format!("{name} failed: {who} {cause}")
    }

    /// Logs why `collection` fails (before it is failed: the names are still there).
    pub(super) fn log_failure(&self, collection: u64, node: Option<NodeId>, cause: &str) {
        self.log(self.failure_message(collection, node, cause));
    }
}
