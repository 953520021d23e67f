//! Each sysmem2 method's request and reply, written once: the blocking client (`client`) and the
//! async proxies (`proxy`) differ only in how they wait for a two-way reply.
//!
//! One-way methods that create a node are [`Proxy`] methods returning the new client end; the
//! caller wraps it in its own kind of node. Two-way methods are [`TwoWay`] values: the request
//! they send and what their reply means; `Proxy::call_method` blocks on one and
//! `Proxy::call_method_async` awaits it.

use super::client::{MethodError, Proxy};
use super::error::ClientError;
use super::messages::{self, ordinals};
use super::types::{BufferCollectionConstraints, BufferCollectionInfo, Error};
use crate::fidl::{Decode, Empty, Encode, NoErrorClause};
use crate::zx;

/// The one-way `Node` methods and the borrowed channel, the same on the blocking nodes
/// (`client`) and the async ones (`proxy`); expanded inside their `impl` blocks.
macro_rules! node_one_way_methods {
    () => {
        /// Leaves the collection cleanly: this node stops taking part in allocation and
        /// closing it will not fail the collection. Closing a node **without** `release`
        /// fails the whole collection for every participant, as sysmem does.
        ///
        /// Sends `Node.Release` (one-way), then closes the channel.
        ///
        /// # Errors
        /// [`ClientError::CollectionFailed`] (already failed; the channel is closed anyway).
        pub fn release(self) -> Result<(), ClientError> {
            self.0.release()
        }

        /// Names the collection for diagnostics; the highest `priority` wins.
        ///
        /// Sends `Node.SetName` (one-way).
        ///
        /// # Errors
        /// [`ClientError::Encode`] (`name` over 64 bytes), [`ClientError::CollectionFailed`].
        pub fn set_name(&self, priority: u32, name: &str) -> Result<(), ClientError> {
            self.0.set_name(priority, name)
        }

        /// Names this participant in sysmem's diagnostics.
        ///
        /// Sends `Node.SetDebugClientInfo` (one-way).
        ///
        /// # Errors
        /// [`ClientError::Encode`] (`name` over 256 bytes), [`ClientError::CollectionFailed`].
        pub fn set_debug_client_info(&self, name: &str, id: u64) -> Result<(), ClientError> {
            self.0
                .set_debug_client_info(ordinals::NODE_SET_DEBUG_CLIENT_INFO, name, id)
        }

        /// The client end, borrowed (e.g. for its koids: a token's server koid, which
        /// [`Allocator::validate_buffer_collection_token`](crate::sysmem::Allocator::validate_buffer_collection_token) takes, is its `related_koid`).
        pub fn as_channel(&self) -> &zx::Channel {
            &self.0.channel
        }
    };
}
pub(super) use node_one_way_methods;

impl Proxy {
    /// Sends `Allocator.AllocateSharedCollection` and returns the root token's client end.
    pub(super) fn allocate_shared_collection(&self) -> Result<zx::Channel, ClientError> {
        let (client, server) = zx::Channel::create().map_err(ClientError::Transport)?;
        let request = messages::AllocateSharedCollectionRequest {
            token_request: Some(server),
        };
        self.send(ordinals::ALLOCATOR_ALLOCATE_SHARED_COLLECTION, request)?;
        Ok(client)
    }

    /// Sends `Allocator.AllocateNonSharedCollection` and returns the collection's client end.
    pub(super) fn allocate_non_shared_collection(&self) -> Result<zx::Channel, ClientError> {
        let (client, server) = zx::Channel::create().map_err(ClientError::Transport)?;
        let request = messages::AllocateNonSharedCollectionRequest {
            collection_request: Some(server),
        };
        self.send(ordinals::ALLOCATOR_ALLOCATE_NON_SHARED_COLLECTION, request)?;
        Ok(client)
    }

    /// Sends `Allocator.BindSharedCollection` for the token speaking over `token` and returns
    /// the collection's client end.
    pub(super) fn bind_shared_collection(
        &self,
        token: zx::Channel,
    ) -> Result<zx::Channel, ClientError> {
        let (client, server) = zx::Channel::create().map_err(ClientError::Transport)?;
        let request = messages::BindSharedCollectionRequest {
            token: Some(token),
            buffer_collection_request: Some(server),
        };
        self.send(ordinals::ALLOCATOR_BIND_SHARED_COLLECTION, request)?;
        Ok(client)
    }

    /// Sends `BufferCollectionToken.Duplicate` and returns the new token's client end.
    pub(super) fn duplicate(
        &self,
        rights_attenuation_mask: zx::Rights,
    ) -> Result<zx::Channel, ClientError> {
        let (client, server) = zx::Channel::create().map_err(ClientError::Transport)?;
        let request = messages::DuplicateRequest {
            rights_attenuation_mask: Some(rights_attenuation_mask),
            token_request: Some(server),
        };
        self.send(ordinals::TOKEN_DUPLICATE, request)?;
        Ok(client)
    }

    /// Sends `BufferCollection.SetConstraints`, refusing a second one (see `Constraints`).
    pub(super) fn set_constraints(
        &self,
        constraints: Option<BufferCollectionConstraints>,
    ) -> Result<(), ClientError> {
        self.begin_set_constraints()?;
        let request = messages::SetConstraintsRequest { constraints };
        self.send(ordinals::COLLECTION_SET_CONSTRAINTS, request)
    }

    /// Calls `method` and blocks until its reply or `deadline`.
    pub(super) fn call_method<M: TwoWay>(
        &self,
        method: M,
        deadline: zx::MonotonicInstant,
    ) -> Result<M::Output, ClientError> {
        let request = method.request(self)?;
        let reply = self.call::<_, M::Response, M::Error>(M::ORDINAL, request, deadline);
        M::output(reply)
    }

    /// Calls `method` without blocking the thread.
    pub(super) async fn call_method_async<M: TwoWay>(
        &self,
        method: M,
    ) -> Result<M::Output, ClientError> {
        let reply = self
            .call_async::<_, M::Response, M::Error>(M::ORDINAL, method.request(self)?)
            .await;
        M::output(reply)
    }
}

/// A two-way method: what it sends and what its reply means.
pub(super) trait TwoWay {
    const ORDINAL: u64;
    type Request: Encode;
    type Response: Decode;
    type Error: MethodError;
    type Output;

    /// The request payload; `None` for a method without one. An error refuses the call
    /// locally, before anything is sent.
    fn request(self, proxy: &Proxy) -> Result<Option<Self::Request>, ClientError>;

    /// The caller's answer from the decoded reply (or the call's error).
    fn output(reply: Result<Self::Response, ClientError>) -> Result<Self::Output, ClientError>;
}

/// `Node.Sync`.
pub(super) struct NodeSync;

impl TwoWay for NodeSync {
    const ORDINAL: u64 = ordinals::NODE_SYNC;
    type Request = Empty;
    type Response = Empty;
    type Error = NoErrorClause;
    type Output = ();

    fn request(self, _: &Proxy) -> Result<Option<Empty>, ClientError> {
        Ok(None)
    }

    fn output(reply: Result<Empty, ClientError>) -> Result<(), ClientError> {
        reply.map(drop)
    }
}

/// `Allocator.ValidateBufferCollectionToken`: whether sysmem knows the token whose server end
/// has this koid.
pub(super) struct ValidateBufferCollectionToken(pub(super) zx::Koid);

impl TwoWay for ValidateBufferCollectionToken {
    const ORDINAL: u64 = ordinals::ALLOCATOR_VALIDATE_BUFFER_COLLECTION_TOKEN;
    type Request = messages::ValidateBufferCollectionTokenRequest;
    type Response = messages::ValidateBufferCollectionTokenResponse;
    type Error = NoErrorClause;
    type Output = bool;

    fn request(self, _: &Proxy) -> Result<Option<Self::Request>, ClientError> {
        Ok(Some(messages::ValidateBufferCollectionTokenRequest {
            token_server_koid: Some(self.0.raw_koid()),
        }))
    }

    fn output(reply: Result<Self::Response, ClientError>) -> Result<bool, ClientError> {
        reply?.is_known.ok_or(ClientError::MissingField("is_known"))
    }
}

/// `BufferCollectionToken.DuplicateSync`: one new token's client end per mask.
pub(super) struct DuplicateSync<'a>(pub(super) &'a [zx::Rights]);

impl TwoWay for DuplicateSync<'_> {
    const ORDINAL: u64 = ordinals::TOKEN_DUPLICATE_SYNC;
    type Request = messages::DuplicateSyncRequest;
    type Response = messages::DuplicateSyncResponse;
    type Error = NoErrorClause;
    type Output = Vec<zx::Channel>;

    fn request(self, _: &Proxy) -> Result<Option<Self::Request>, ClientError> {
        Ok(Some(messages::DuplicateSyncRequest {
            rights_attenuation_masks: Some(self.0.to_vec()),
        }))
    }

    fn output(reply: Result<Self::Response, ClientError>) -> Result<Vec<zx::Channel>, ClientError> {
        reply?.tokens.ok_or(ClientError::MissingField("tokens"))
    }
}

/// `BufferCollection.WaitForAllBuffersAllocated`, refused before `SetConstraints` (see
/// `Constraints`).
pub(super) struct WaitForAllBuffersAllocated;

impl TwoWay for WaitForAllBuffersAllocated {
    const ORDINAL: u64 = ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED;
    type Request = Empty;
    type Response = messages::WaitForAllBuffersAllocatedResponse;
    type Error = Error;
    type Output = BufferCollectionInfo;

    fn request(self, proxy: &Proxy) -> Result<Option<Empty>, ClientError> {
        proxy.check_wait()?;
        Ok(None)
    }

    fn output(reply: Result<Self::Response, ClientError>) -> Result<Self::Output, ClientError> {
        reply?
            .buffer_collection_info
            .ok_or(ClientError::MissingField("buffer_collection_info"))
    }
}

/// `BufferCollection.CheckAllBuffersAllocated`: `false` while sysmem has not attempted the
/// allocation yet (`Error::PENDING`).
pub(super) struct CheckAllBuffersAllocated;

impl TwoWay for CheckAllBuffersAllocated {
    const ORDINAL: u64 = ordinals::COLLECTION_CHECK_ALL_BUFFERS_ALLOCATED;
    type Request = Empty;
    type Response = Empty;
    type Error = Error;
    type Output = bool;

    fn request(self, _: &Proxy) -> Result<Option<Empty>, ClientError> {
        Ok(None)
    }

    fn output(reply: Result<Empty, ClientError>) -> Result<bool, ClientError> {
        match reply {
            Ok(Empty) => Ok(true),
            Err(ClientError::Sysmem(Error::PENDING)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
