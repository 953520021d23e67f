//! The blocking `fuchsia.sysmem2` client over [`zx::Channel`]s (the async one, with the same
//! protocol code, is `proxy`).
//!
//! One-way methods write and return; two-way methods write and block in `zx_channel_call_etc`
//! until the reply or the deadline. Every sysmem2 method is flexible, so replies are result
//! unions; application errors become [`ClientError::Sysmem`], framework errors
//! [`ClientError::Framework`], and a channel the server closed
//! [`ClientError::CollectionFailed`].

use super::error::{ClientError, Misuse};
use super::messages::{self, ordinals};
use super::methods;
use super::types::{BufferCollectionConstraints, BufferCollectionInfo, Error};
use crate::fidl::{self, Decode, Encode, FlexibleResult, NoErrorClause, TransactionHeader};
use crate::zx;

/// Application error types of two-way methods, as client errors.
pub(super) trait MethodError: Decode {
    fn into_client_error(self) -> ClientError;
}

impl MethodError for Error {
    fn into_client_error(self) -> ClientError {
        ClientError::Sysmem(self)
    }
}

impl MethodError for NoErrorClause {
    fn into_client_error(self) -> ClientError {
        match self {}
    }
}

/// One client channel: how to send on it and how its closure reads.
#[derive(Debug)]
pub(super) struct Proxy {
    pub(super) channel: zx::Channel,
    /// Maps a channel status to the error of this protocol.
    pub(super) map_status: fn(zx::Status) -> ClientError,
    /// The replies of outstanding async calls (`async_call`).
    pub(super) replies: std::sync::Mutex<super::async_call::Replies>,
    /// For a `BufferCollection`: whether this participant has set its constraints, as far as
    /// this object knows (see [`Constraints`]).
    pub(super) constraints: std::sync::atomic::AtomicU8,
}

/// What a `BufferCollection` object knows of its `SetConstraints`, to refuse locally the two
/// calls for which sysmem would fail the whole collection: a second `SetConstraints`, and a
/// `WaitForAllBuffersAllocated` before the first. A collection made from a bare channel
/// (`from_channel`) knows nothing and refuses nothing: the service's rules still apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Constraints {
    Unknown = 0,
    NotSet = 1,
    Set = 2,
}

impl Constraints {
    fn from_u8(raw: u8) -> Constraints {
        match raw {
            1 => Constraints::NotSet,
            2 => Constraints::Set,
            _ => Constraints::Unknown,
        }
    }
}

/// Decodes the reply to a two-way call of `ordinal`.
pub(super) fn decode_reply<R: Decode, E: MethodError>(
    ordinal: u64,
    reply: &[u8],
    handles: Vec<zx::HandleInfo>,
) -> Result<R, ClientError> {
    let reply_header = TransactionHeader::decode(reply)?;
    if reply_header.ordinal != ordinal {
        return Err(ClientError::UnexpectedReply {
            expected: ordinal,
            actual: reply_header.ordinal,
        });
    }
    match fidl::decode_message::<FlexibleResult<R, E>>(reply, handles)? {
        FlexibleResult::Response(response) => Ok(response),
        FlexibleResult::Err(err) => Err(err.into_client_error()),
        FlexibleResult::FrameworkErr(err) => Err(ClientError::Framework(err)),
    }
}

/// The txid written into two-way requests; `zx_channel_call_etc` replaces it with its own.
const CALL_TXID: u32 = 1;

impl Proxy {
    pub(super) fn node(channel: zx::Channel) -> Proxy {
        Proxy {
            channel,
            map_status: ClientError::from_node_status,
            replies: Default::default(),
            constraints: Default::default(),
        }
    }

    /// A `BufferCollection` this participant has just created (`BindSharedCollection`,
    /// `AllocateNonSharedCollection`): its constraints are not set yet.
    pub(super) fn new_collection(channel: zx::Channel) -> Proxy {
        let proxy = Proxy::node(channel);
        proxy.set_constraints_state(Constraints::NotSet);
        proxy
    }

    pub(super) fn allocator(channel: zx::Channel) -> Proxy {
        Proxy {
            channel,
            map_status: ClientError::from_allocator_status,
            replies: Default::default(),
            constraints: Default::default(),
        }
    }

    pub(super) fn constraints_state(&self) -> Constraints {
        Constraints::from_u8(self.constraints.load(std::sync::atomic::Ordering::SeqCst))
    }

    pub(super) fn set_constraints_state(&self, state: Constraints) {
        self.constraints
            .store(state as u8, std::sync::atomic::Ordering::SeqCst);
    }

    /// Before `SetConstraints`: refuses a second one (see [`Constraints`]).
    pub(super) fn begin_set_constraints(&self) -> Result<(), ClientError> {
        let before = self
            .constraints
            .swap(Constraints::Set as u8, std::sync::atomic::Ordering::SeqCst);
        match Constraints::from_u8(before) {
            Constraints::Set => Err(ClientError::ProtocolMisuse(Misuse::SetConstraintsTwice)),
            _ => Ok(()),
        }
    }

    /// Before `WaitForAllBuffersAllocated`: refuses a wait before `SetConstraints`.
    pub(super) fn check_wait(&self) -> Result<(), ClientError> {
        match self.constraints_state() {
            Constraints::NotSet => Err(ClientError::ProtocolMisuse(
                Misuse::WaitBeforeSetConstraints,
            )),
            _ => Ok(()),
        }
    }

    /// Sends a one-way method with a payload.
    pub(super) fn send<T: Encode>(&self, ordinal: u64, body: T) -> Result<(), ClientError> {
        let (bytes, mut handles) =
            fidl::encode_message(TransactionHeader::flexible(0, ordinal), body)?;
        self.channel
            .write(&bytes, &mut handles)
            .map_err(self.map_status)
    }

    /// Sends a one-way method without a payload.
    pub(super) fn send_empty(&self, ordinal: u64) -> Result<(), ClientError> {
        let bytes = fidl::encode_header_only(TransactionHeader::flexible(0, ordinal));
        self.channel
            .write(&bytes, &mut Vec::new())
            .map_err(self.map_status)
    }

    /// Calls a two-way method; `body` is `None` for a method without a request payload.
    pub(super) fn call<T: Encode, R: Decode, E: MethodError>(
        &self,
        ordinal: u64,
        body: Option<T>,
        deadline: zx::MonotonicInstant,
    ) -> Result<R, ClientError> {
        let header = TransactionHeader::flexible(CALL_TXID, ordinal);
        let (bytes, mut handles) = match body {
            Some(body) => fidl::encode_message(header, body)?,
            None => (fidl::encode_header_only(header), Vec::new()),
        };
        let (mut reply, mut reply_handles) = (Vec::new(), Vec::new());
        self.channel
            .call_etc(
                deadline,
                &bytes,
                &mut handles,
                &mut reply,
                &mut reply_handles,
            )
            .map_err(self.map_status)?;
        decode_reply::<R, E>(ordinal, &reply, reply_handles)
    }

    pub(super) fn sync(&self, deadline: zx::MonotonicInstant) -> Result<(), ClientError> {
        self.call_method(methods::NodeSync, deadline)
    }

    pub(super) fn release(self) -> Result<(), ClientError> {
        self.send_empty(ordinals::NODE_RELEASE)
    }

    pub(super) fn set_name(&self, priority: u32, name: &str) -> Result<(), ClientError> {
        let request = messages::SetNameRequest {
            priority: Some(priority),
            name: Some(name.into()),
        };
        self.send(ordinals::NODE_SET_NAME, request)
    }

    pub(super) fn set_debug_client_info(
        &self,
        ordinal: u64,
        name: &str,
        id: u64,
    ) -> Result<(), ClientError> {
        let request = messages::SetDebugClientInfoRequest {
            name: Some(name.into()),
            id: Some(id),
        };
        self.send(ordinal, request)
    }
}

/// A connection to `fuchsia.sysmem2.Allocator`.
#[derive(Debug)]
pub struct Allocator(Proxy);

/// The path of the allocator service in a component's namespace.
pub const ALLOCATOR_SERVICE_PATH: &str = "/svc/fuchsia.sysmem2.Allocator";

impl Allocator {
    /// Connects to sysmem at [`ALLOCATOR_SERVICE_PATH`] (the component must `use` the
    /// `fuchsia.sysmem2.Allocator` protocol). On a Linux host this reaches the host sysmem
    /// service serving the host's `/svc` directory, the same way.
    ///
    /// Wraps `zx_channel_create` and `fdio_service_connect` ([`crate::fdio`]).
    ///
    /// # Errors
    /// [`ClientError::NotServed`] when nothing serves the path; [`ClientError::Transport`]
    /// with the status of either call otherwise.
    pub fn connect() -> Result<Allocator, ClientError> {
        match crate::fdio::connect_at_path(ALLOCATOR_SERVICE_PATH) {
            Ok(client) => Ok(Allocator::from_channel(client)),
            Err(zx::Status::NOT_FOUND) => Err(ClientError::NotServed(ALLOCATOR_SERVICE_PATH)),
            Err(status) => Err(ClientError::Transport(status)),
        }
    }

    /// An allocator speaking over `channel` (the client end of an `Allocator` connection, e.g.
    /// from `HostSysmem::connect` on the host).
    pub fn from_channel(channel: zx::Channel) -> Allocator {
        Allocator(Proxy::allocator(channel))
    }

    /// The client end of the connection.
    pub fn into_channel(self) -> zx::Channel {
        self.0.channel
    }

    /// Creates a shared collection and returns its root token: duplicate it for every other
    /// participant, then turn it in with [`Allocator::bind_shared_collection`].
    ///
    /// Sends `Allocator.AllocateSharedCollection` (one-way).
    ///
    /// # Errors
    /// [`ClientError::AllocatorClosed`], [`ClientError::Transport`].
    pub fn allocate_shared_collection(&self) -> Result<BufferCollectionToken, ClientError> {
        let client = self.0.allocate_shared_collection()?;
        Ok(BufferCollectionToken::from_channel(client))
    }

    /// Creates a collection with this client as its only participant.
    ///
    /// Sends `Allocator.AllocateNonSharedCollection` (one-way).
    ///
    /// # Errors
    /// [`ClientError::AllocatorClosed`], [`ClientError::Transport`].
    pub fn allocate_non_shared_collection(&self) -> Result<BufferCollection, ClientError> {
        let client = self.0.allocate_non_shared_collection()?;
        Ok(BufferCollection(Proxy::new_collection(client)))
    }

    /// Turns `token` in for a [`BufferCollection`] through which this participant sets its
    /// constraints and receives its buffers. The token must already be known to the server
    /// (made by `DuplicateSync`, or by `Duplicate` followed by a `Sync`); an unknown token
    /// gives a collection whose first call fails with [`ClientError::CollectionFailed`].
    ///
    /// Sends `Allocator.BindSharedCollection` (one-way).
    ///
    /// # Errors
    /// [`ClientError::AllocatorClosed`], [`ClientError::Transport`].
    pub fn bind_shared_collection(
        &self,
        token: BufferCollectionToken,
    ) -> Result<BufferCollection, ClientError> {
        let client = self.0.bind_shared_collection(token.into_channel())?;
        Ok(BufferCollection(Proxy::new_collection(client)))
    }

    /// Whether sysmem knows the token whose server end has koid `token_server_koid` (the
    /// `related_koid` of the token's client end, from `zx_object_get_info`): a participant
    /// can check a token received from elsewhere before trusting it.
    ///
    /// Calls `Allocator.ValidateBufferCollectionToken`.
    ///
    /// # Errors
    /// [`ClientError::AllocatorClosed`], [`ClientError::TimedOut`],
    /// [`ClientError::MissingField`] (a reply without `is_known`).
    pub fn validate_buffer_collection_token(
        &self,
        token_server_koid: zx::Koid,
        deadline: zx::MonotonicInstant,
    ) -> Result<bool, ClientError> {
        self.0.call_method(
            methods::ValidateBufferCollectionToken(token_server_koid),
            deadline,
        )
    }

    /// Names this client in sysmem's diagnostics; nodes created afterwards inherit it.
    ///
    /// Sends `Allocator.SetDebugClientInfo` (one-way).
    ///
    /// # Errors
    /// [`ClientError::Encode`] (`name` over 256 bytes), [`ClientError::AllocatorClosed`].
    pub fn set_debug_client_info(&self, name: &str, id: u64) -> Result<(), ClientError> {
        self.0
            .set_debug_client_info(ordinals::ALLOCATOR_SET_DEBUG_CLIENT_INFO, name, id)
    }
}

/// The `Node` methods, shared by tokens and collections.
macro_rules! node_methods {
    () => {
        /// Waits until the server has processed every message sent on this node before it
        /// (for example so that a token made by `Duplicate` is known before it is handed out).
        ///
        /// Calls `Node.Sync`.
        ///
        /// # Errors
        /// [`ClientError::CollectionFailed`], [`ClientError::TimedOut`].
        pub fn sync(&self, deadline: zx::MonotonicInstant) -> Result<(), ClientError> {
            self.0.sync(deadline)
        }

        methods::node_one_way_methods!();

        /// The client end of the node's channel (closing it without
        /// [`release`](Self::release) fails the collection).
        pub fn into_channel(self) -> zx::Channel {
            self.0.channel
        }
    };
}

/// A participant's right to take part in a shared collection, before it binds.
///
/// **Drop fails the collection** (the channel closes without `Release`); call
/// [`release`](Self::release) to leave cleanly, or turn it in with
/// [`Allocator::bind_shared_collection`].
#[derive(Debug)]
pub struct BufferCollectionToken(Proxy);

impl BufferCollectionToken {
    /// A token speaking over `channel` (e.g. one received from another process).
    pub fn from_channel(channel: zx::Channel) -> BufferCollectionToken {
        BufferCollectionToken(Proxy::node(channel))
    }

    node_methods!();

    /// Creates a token for another participant whose VMO rights are further limited by
    /// `rights_attenuation_mask` (a zero bit removes that right; [`zx::Rights::SAME_RIGHTS`]
    /// removes none). Masks combine along a chain of duplicates. Call [`sync`](Self::sync)
    /// before handing the new token out, or use [`duplicate_sync`](Self::duplicate_sync).
    ///
    /// Sends `BufferCollectionToken.Duplicate` (one-way).
    ///
    /// # Errors
    /// [`ClientError::CollectionFailed`], [`ClientError::Transport`].
    pub fn duplicate(
        &self,
        rights_attenuation_mask: zx::Rights,
    ) -> Result<BufferCollectionToken, ClientError> {
        let client = self.0.duplicate(rights_attenuation_mask)?;
        Ok(BufferCollectionToken::from_channel(client))
    }

    /// Creates one token per mask, already known to the server when this returns.
    ///
    /// Calls `BufferCollectionToken.DuplicateSync`.
    ///
    /// # Errors
    /// [`ClientError::Encode`] (more than 64 masks), [`ClientError::CollectionFailed`],
    /// [`ClientError::TimedOut`], [`ClientError::MissingField`] (a reply without tokens).
    pub fn duplicate_sync(
        &self,
        rights_attenuation_masks: &[zx::Rights],
        deadline: zx::MonotonicInstant,
    ) -> Result<Vec<BufferCollectionToken>, ClientError> {
        let tokens = self
            .0
            .call_method(methods::DuplicateSync(rights_attenuation_masks), deadline)?;
        Ok(tokens
            .into_iter()
            .map(BufferCollectionToken::from_channel)
            .collect())
    }
}

/// A participant's view of a collection: it sets constraints once and receives its own VMO
/// handles.
///
/// **Drop fails the collection** unless [`release`](Self::release) was called first, as
/// sysmem does.
#[derive(Debug)]
pub struct BufferCollection(pub(super) Proxy);

impl BufferCollection {
    /// A collection speaking over `channel`.
    pub fn from_channel(channel: zx::Channel) -> BufferCollection {
        BufferCollection(Proxy::node(channel))
    }

    node_methods!();

    /// Sets this participant's constraints, once. `None` takes part without constraints: the
    /// participant receives no VMOs. A second call, for which sysmem would fail the whole
    /// collection, is refused here and not sent ([`ClientError::ProtocolMisuse`]).
    ///
    /// Sends `BufferCollection.SetConstraints` (one-way).
    ///
    /// # Errors
    /// [`ClientError::Encode`] (a list over its bound), [`ClientError::CollectionFailed`].
    pub fn set_constraints(
        &self,
        constraints: Option<BufferCollectionConstraints>,
    ) -> Result<(), ClientError> {
        self.0.set_constraints(constraints)
    }

    /// Waits until every participant has set constraints and the buffers are allocated, and
    /// returns this participant's view: settings, its own VMO handles, and the collection id.
    ///
    /// Calls `BufferCollection.WaitForAllBuffersAllocated`.
    ///
    /// # Errors
    /// - [`ClientError::Sysmem`]: `CONSTRAINTS_INTERSECTION_EMPTY` or `NO_MEMORY`; the
    ///   collection has failed.
    /// - [`ClientError::ProtocolMisuse`]: called before
    ///   [`set_constraints`](Self::set_constraints) (sysmem2 would fail the collection); not
    ///   sent.
    /// - [`ClientError::CollectionFailed`]: the collection failed (e.g. a participant closed
    ///   without `Release`, or broke the protocol).
    /// - [`ClientError::TimedOut`]: a participant has not set its constraints yet.
    /// - [`ClientError::MissingField`]: a reply without `buffer_collection_info`.
    pub fn wait_for_all_buffers_allocated(
        &self,
        deadline: zx::MonotonicInstant,
    ) -> Result<BufferCollectionInfo, ClientError> {
        self.0
            .call_method(methods::WaitForAllBuffersAllocated, deadline)
    }

    /// Whether the buffers are allocated, without waiting for allocation: `Ok(false)` while
    /// sysmem has not attempted it yet (`Error::PENDING`).
    ///
    /// Calls `BufferCollection.CheckAllBuffersAllocated`.
    ///
    /// # Errors
    /// As [`wait_for_all_buffers_allocated`](Self::wait_for_all_buffers_allocated).
    pub fn check_all_buffers_allocated(
        &self,
        deadline: zx::MonotonicInstant,
    ) -> Result<bool, ClientError> {
        self.0
            .call_method(methods::CheckAllBuffersAllocated, deadline)
    }
}
