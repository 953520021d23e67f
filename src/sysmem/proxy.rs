//! The async client: [`AllocatorProxy`], [`BufferCollectionTokenProxy`] and
//! [`BufferCollectionProxy`], named and shaped as the Fuchsia tree's generated proxies
//! (`fidl_fuchsia_sysmem2::BufferCollectionProxy`): one-way methods send and return, two-way
//! methods return a future (`proxy.wait_for_all_buffers_allocated().await`) and take no
//! deadline (time out with the executor's timer, or drop the future).
//!
//! The futures are executor-agnostic: a process-wide reactor thread waits on a port and wakes
//! the task of each pending call (`reactor`); nothing blocks the executor's thread, so several
//! participants can run on one single-threaded executor. Convert to and from the blocking
//! types with `From` / `into_sync`; the two forms share a channel's protocol, not its
//! outstanding calls (see `async_call`).

use super::client::{Allocator, BufferCollection, BufferCollectionToken, Proxy};
use super::error::ClientError;
use super::messages::ordinals;
use super::methods;
use super::types::{BufferCollectionConstraints, BufferCollectionInfo};
use crate::zx;

/// The async form of [`Allocator`].
#[derive(Debug)]
pub struct AllocatorProxy(Proxy);

/// The async form of [`BufferCollectionToken`]. **Drop fails the collection**, as for the
/// blocking form.
#[derive(Debug)]
pub struct BufferCollectionTokenProxy(Proxy);

/// The async form of [`BufferCollection`]. **Drop fails the collection** unless
/// [`release`](Self::release) was called first.
#[derive(Debug)]
pub struct BufferCollectionProxy(Proxy);

impl AllocatorProxy {
    /// Connects to sysmem at [`ALLOCATOR_SERVICE_PATH`](super::ALLOCATOR_SERVICE_PATH), as
    /// [`Allocator::connect`].
    ///
    /// # Errors
    /// As [`Allocator::connect`].
    pub fn connect() -> Result<AllocatorProxy, ClientError> {
        Allocator::connect().map(AllocatorProxy::from)
    }

    /// The blocking form of this connection.
    pub fn into_sync(self) -> Allocator {
        Allocator::from_channel(self.0.channel)
    }

    /// As [`Allocator::allocate_shared_collection`] (one-way).
    ///
    /// # Errors
    /// As [`Allocator::allocate_shared_collection`].
    pub fn allocate_shared_collection(&self) -> Result<BufferCollectionTokenProxy, ClientError> {
        let client = self.0.allocate_shared_collection()?;
        Ok(BufferCollectionTokenProxy(Proxy::node(client)))
    }

    /// As [`Allocator::allocate_non_shared_collection`] (one-way).
    ///
    /// # Errors
    /// As [`Allocator::allocate_non_shared_collection`].
    pub fn allocate_non_shared_collection(&self) -> Result<BufferCollectionProxy, ClientError> {
        let client = self.0.allocate_non_shared_collection()?;
        Ok(BufferCollectionProxy(Proxy::new_collection(client)))
    }

    /// As [`Allocator::bind_shared_collection`] (one-way).
    ///
    /// # Errors
    /// As [`Allocator::bind_shared_collection`].
    pub fn bind_shared_collection(
        &self,
        token: BufferCollectionTokenProxy,
    ) -> Result<BufferCollectionProxy, ClientError> {
        let client = self.0.bind_shared_collection(token.0.channel)?;
        Ok(BufferCollectionProxy(Proxy::new_collection(client)))
    }

    /// As [`Allocator::validate_buffer_collection_token`], without a deadline.
    ///
    /// # Errors
    /// [`ClientError::AllocatorClosed`], [`ClientError::MissingField`].
    pub async fn validate_buffer_collection_token(
        &self,
        token_server_koid: zx::Koid,
    ) -> Result<bool, ClientError> {
        self.0
            .call_method_async(methods::ValidateBufferCollectionToken(token_server_koid))
            .await
    }

    /// As [`Allocator::set_debug_client_info`] (one-way).
    ///
    /// # Errors
    /// As [`Allocator::set_debug_client_info`].
    pub fn set_debug_client_info(&self, name: &str, id: u64) -> Result<(), ClientError> {
        self.0
            .set_debug_client_info(ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO, name, id)
    }
}

impl From<Allocator> for AllocatorProxy {
    fn from(allocator: Allocator) -> AllocatorProxy {
        AllocatorProxy(Proxy::allocator(allocator.into_channel()))
    }
}

/// The `Node` methods of both node proxies.
macro_rules! node_proxy_methods {
    () => {
        /// As the blocking `sync`, without a deadline.
        ///
        /// # Errors
        /// [`ClientError::CollectionFailed`].
        pub async fn sync(&self) -> Result<(), ClientError> {
            self.0.call_method_async(methods::NodeSync).await
        }

        methods::node_one_way_methods!();
    };
}

impl BufferCollectionTokenProxy {
    node_proxy_methods!();

    /// The blocking form of this token.
    pub fn into_sync(self) -> BufferCollectionToken {
        BufferCollectionToken::from_channel(self.0.channel)
    }

    /// As [`BufferCollectionToken::duplicate`] (one-way).
    ///
    /// # Errors
    /// As [`BufferCollectionToken::duplicate`].
    pub fn duplicate(
        &self,
        rights_attenuation_mask: zx::Rights,
    ) -> Result<BufferCollectionTokenProxy, ClientError> {
        let client = self.0.duplicate(rights_attenuation_mask)?;
        Ok(BufferCollectionTokenProxy(Proxy::node(client)))
    }

    /// As [`BufferCollectionToken::duplicate_sync`], without a deadline.
    ///
    /// # Errors
    /// [`ClientError::Encode`] (more than 64 masks), [`ClientError::CollectionFailed`],
    /// [`ClientError::MissingField`].
    pub async fn duplicate_sync(
        &self,
        rights_attenuation_masks: &[zx::Rights],
    ) -> Result<Vec<BufferCollectionTokenProxy>, ClientError> {
        let tokens = self
            .0
            .call_method_async(methods::DuplicateSync(rights_attenuation_masks))
            .await?;
        Ok(tokens
            .into_iter()
            .map(|channel| BufferCollectionTokenProxy(Proxy::node(channel)))
            .collect())
    }
}

impl From<BufferCollectionToken> for BufferCollectionTokenProxy {
    fn from(token: BufferCollectionToken) -> BufferCollectionTokenProxy {
        BufferCollectionTokenProxy(Proxy::node(token.into_channel()))
    }
}

impl BufferCollectionProxy {
    node_proxy_methods!();

    /// The blocking form of this collection.
    pub fn into_sync(self) -> BufferCollection {
        let state = self.0.constraints_state();
        let collection = BufferCollection::from_channel(self.0.channel);
        collection.0.set_constraints_state(state);
        collection
    }

    /// As [`BufferCollection::set_constraints`] (one-way).
    ///
    /// # Errors
    /// As [`BufferCollection::set_constraints`].
    pub fn set_constraints(
        &self,
        constraints: Option<BufferCollectionConstraints>,
    ) -> Result<(), ClientError> {
        self.0.set_constraints(constraints)
    }

    /// As [`BufferCollection::wait_for_all_buffers_allocated`], without a deadline: resolves
    /// once every participant has set constraints and the buffers are allocated.
    ///
    /// # Errors
    /// [`ClientError::Sysmem`], [`ClientError::CollectionFailed`],
    /// [`ClientError::MissingField`].
    pub async fn wait_for_all_buffers_allocated(
        &self,
    ) -> Result<BufferCollectionInfo, ClientError> {
        self.0
            .call_method_async(methods::WaitForAllBuffersAllocated)
            .await
    }

    /// As [`BufferCollection::check_all_buffers_allocated`]: `Ok(false)` while allocation is
    /// pending.
    ///
    /// # Errors
    /// As [`wait_for_all_buffers_allocated`](Self::wait_for_all_buffers_allocated).
    pub async fn check_all_buffers_allocated(&self) -> Result<bool, ClientError> {
        self.0
            .call_method_async(methods::CheckAllBuffersAllocated)
            .await
    }
}

impl From<BufferCollection> for BufferCollectionProxy {
    fn from(collection: BufferCollection) -> BufferCollectionProxy {
        let state = collection.0.constraints_state();
        let proxy = BufferCollectionProxy(Proxy::node(collection.into_channel()));
        proxy.0.set_constraints_state(state);
        proxy
    }
}
