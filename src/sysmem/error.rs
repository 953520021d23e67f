//! The error every sysmem2 client call returns.

use super::types::Error;
use crate::fidl::{DecodeError, EncodeError, FrameworkErr};
use crate::zx;

/// Why a sysmem2 call failed.
///
/// Every call shares one transport, so one enum covers them all; the variants a given call
/// can return are listed in its `# Errors` section.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server closed the token or collection channel (`ZX_ERR_PEER_CLOSED`, no epitaph):
    /// the collection failed. Sysmem does this when any participant closes its channel
    /// without `Release`, breaks the protocol, or allocation fails while this participant was
    /// not waiting. Drop this collection's VMOs and start over.
    #[error("sysmem closed the channel: the buffer collection failed (a participant closed without Release, broke the protocol, or allocation failed; sysmem's log names the cause and the participant, by its SetDebugClientInfo name); drop it and allocate a new one")]
    CollectionFailed,
    /// This call breaks sysmem2's protocol, and sysmem would fail the whole collection for it
    /// (`PROTOCOL_DEVIATION`, seen by every participant): it was refused here, not sent, and the
    /// collection is unaffected.
    #[error("{0}; the call was not sent, and the collection is unaffected")]
    ProtocolMisuse(Misuse),
    /// Nothing serves the allocator's path in this component's (or host's) `/svc`.
    #[error("nothing serves {0}: on Fuchsia, `use` fuchsia.sysmem2.Allocator in the component manifest; on a host, run `vmo-interop-sysmem` with the same VMO_INTEROP_SVC_DIR, or start an in-process HostSysmem")]
    NotServed(&'static str),
    /// The server closed the `Allocator` channel.
    #[error("the sysmem Allocator channel is closed; connect again")]
    AllocatorClosed,
    /// Sysmem answered the call with its `Error` (e.g. `CONSTRAINTS_INTERSECTION_EMPTY`).
    #[error("sysmem failed the request: {0}")]
    Sysmem(Error),
    /// The server's FIDL framework could not run the method (e.g. `UNKNOWN_METHOD`: the
    /// server predates it).
    #[error("the server could not run the method: {0}")]
    Framework(FrameworkErr),
    /// No reply arrived before the deadline.
    #[error("no reply from sysmem before the deadline (ZX_ERR_TIMED_OUT); allocation may still be waiting for another participant")]
    TimedOut,
    /// A channel operation failed for another reason.
    #[error("channel operation failed: {0}")]
    Transport(#[source] zx::Status),
    /// The request could not be encoded (a name or list over its FIDL bound).
    #[error("request could not be encoded: {0}")]
    Encode(#[from] EncodeError),
    /// The reply was malformed.
    #[error("reply could not be decoded: {0}")]
    Decode(#[from] DecodeError),
    /// The reply answers another method.
    #[error("reply has ordinal {actual:#x}, expected {expected:#x}")]
    UnexpectedReply {
        /// The ordinal of the request.
        expected: u64,
        /// The ordinal of the reply.
        actual: u64,
    },
    /// A successful reply lacks a field sysmem always sets.
    #[error("sysmem's reply lacks the required field `{0}`")]
    MissingField(&'static str),
}

impl ClientError {
    /// Maps a channel status: `PEER_CLOSED` means the server closed the channel.
    pub(super) fn from_node_status(status: zx::Status) -> ClientError {
        match status {
            zx::Status::PEER_CLOSED => ClientError::CollectionFailed,
            zx::Status::TIMED_OUT => ClientError::TimedOut,
            status => ClientError::Transport(status),
        }
    }

    /// As [`ClientError::from_node_status`], for the `Allocator` channel.
    pub(super) fn from_allocator_status(status: zx::Status) -> ClientError {
        match status {
            zx::Status::PEER_CLOSED => ClientError::AllocatorClosed,
            status => ClientError::from_node_status(status),
        }
    }
}

/// A call the client refuses because sysmem would fail the collection for it
/// ([`ClientError::ProtocolMisuse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misuse {
    /// A second `SetConstraints` on one `BufferCollection`.
    #[error("SetConstraints was already called on this BufferCollection, and sysmem fails the collection on a second call: set all of this participant's constraints in one call")]
    SetConstraintsTwice,
    /// `WaitForAllBuffersAllocated` before `SetConstraints`.
    #[error("WaitForAllBuffersAllocated before SetConstraints, for which sysmem2 fails the collection: call set_constraints first (None takes part without constraints)")]
    WaitBeforeSetConstraints,
}
