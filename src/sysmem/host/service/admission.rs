//! Which channels the service takes: a connection request, a `token_request`, a
//! `buffer_collection_request` or a `collection_request` must be a channel the service can
//! serve, and must not be the peer of a channel the service already holds.
//!
//! FIDL bindings accept a `server_end` with any rights; sysmem then fails to wait on or answer
//! one without WAIT, READ or WRITE, and that node fails like a node whose client closed it.
//! The host service checks the rights up front and refuses the channel, which ends the same
//! way for the request (the node never exists; a `Duplicate` that carried it fails its
//! collection with `PROTOCOL_DEVIATION`), and never reaches the service's loop.
//!
//! A channel whose peer the service holds would make the service talk to itself: a client
//! that sends a token's client end back as a `token_request`, after queueing an unknown
//! two-way call on that token, would have the service answer its own replies forever. Such a
//! channel is refused.

use std::collections::HashMap;

use super::{Service, Source};
use crate::zx::{self, AsHandleRef, HandleBased};

/// The rights the service needs on a channel it serves: read requests, write replies, wait.
pub(super) const SERVED_CHANNEL_RIGHTS: zx::Rights = zx::Rights::from_bits_retain(
    zx::Rights::READ.bits() | zx::Rights::WRITE.bits() | zx::Rights::WAIT.bits(),
);

/// Why a channel was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Not a channel.
    WrongType(zx::ObjectType),
    /// A channel without [`SERVED_CHANNEL_RIGHTS`]; the rights it had.
    MissingRights(zx::Rights),
    /// The peer of a channel the service holds.
    PeerOfHeld,
    /// Its basic info could not be read.
    Unreadable(zx::Status),
}

/// The koids of the channels the service holds, and which source holds each. Entries of
/// channels since closed are pruned lazily (a lookup checks that the holder still has it).
#[derive(Debug, Default)]
pub(super) struct Held {
    by_koid: HashMap<zx::Koid, Source>,
}

impl Held {
    /// Records that `source` holds `channel`.
    pub(super) fn insert(&mut self, channel: &zx::Channel, source: Source) {
        if let Ok(koid) = channel.get_koid() {
            self.insert_koid(koid, source);
        }
    }

    /// Records that `source` holds the channel with `koid`.
    pub(super) fn insert_koid(&mut self, koid: zx::Koid, source: Source) {
        self.by_koid.insert(koid, source);
    }
}

impl Service {
    /// The handle of a connection request, as a channel the service serves.
    pub(super) fn admit(&mut self, info: zx::HandleInfo) -> Result<zx::Channel, Refusal> {
        if info.object_type != zx::ObjectType::CHANNEL {
            return Err(Refusal::WrongType(info.object_type));
        }
        let channel = zx::Channel::from_handle(info.handle);
        self.admit_channel(&channel)?;
        Ok(channel)
    }

    /// Checks `channel` (already known to be a channel) before the service serves it.
    pub(super) fn admit_channel(
        &mut self,
        channel: &zx::Channel,
    ) -> Result<zx::HandleBasicInfo, Refusal> {
        let info = channel.basic_info().map_err(Refusal::Unreadable)?;
        if info.object_type != zx::ObjectType::CHANNEL {
            return Err(Refusal::WrongType(info.object_type));
        }
        if !info.rights.contains(SERVED_CHANNEL_RIGHTS) {
            return Err(Refusal::MissingRights(info.rights));
        }
        if let Some(&holder) = self.held.by_koid.get(&info.related_koid) {
            if self.holds(holder, info.related_koid) {
                return Err(Refusal::PeerOfHeld);
            }
            self.held.by_koid.remove(&info.related_koid);
        }
        self.prune_held();
        Ok(info)
    }

    /// The live token node whose server end has `koid` (`BindSharedCollection`,
    /// `ValidateBufferCollectionToken`), in O(1).
    pub(super) fn token_by_server_koid(&self, koid: zx::Koid) -> Option<super::NodeId> {
        match self.held.by_koid.get(&koid) {
            Some(&Source::Node(id)) => self
                .nodes
                .get(&id)
                .filter(|node| {
                    node.server_koid == koid && matches!(node.kind, super::NodeKind::Token)
                })
                .map(|_| id),
            _ => None,
        }
    }

    /// Whether `source` still holds the channel with `koid`.
    fn holds(&self, source: Source, koid: zx::Koid) -> bool {
        match source {
            Source::Node(id) => self.nodes.get(&id).is_some_and(|n| n.server_koid == koid),
            Source::Allocator(id) => self
                .allocators
                .get(&id)
                .is_some_and(|channel| channel.get_koid() == Ok(koid)),
            Source::Control | Source::Listener => false,
        }
    }

    /// Drops the entries of closed channels once they outnumber the live ones (amortised
    /// O(1) per admission).
    fn prune_held(&mut self) {
        let live = self.nodes.len() + self.allocators.len();
        if self.held.by_koid.len() <= 2 * live + 64 {
            return;
        }
        let mut by_koid = std::mem::take(&mut self.held.by_koid);
        by_koid.retain(|&koid, &mut source| self.holds(source, koid));
        self.held.by_koid = by_koid;
    }
}
