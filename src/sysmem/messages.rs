//! Method ordinals and request / response payloads of the `fuchsia.sysmem2` methods this crate
//! uses. Every payload is a table; every method is flexible, so every two-way reply is a
//! [`FlexibleResult`](crate::fidl::FlexibleResult).

use super::types::BufferCollectionConstraints;
use super::types::BufferCollectionInfo;
use crate::fidl::fidl_table;
use crate::zx;

/// Method ordinals, as fidlc computes them from each selector (see [`crate::fidl`]; recomputed
/// by `tests/fidl_codec.rs`); composed `Node` methods keep the `Node` ordinal on every protocol.
pub mod ordinals {
    /// `Allocator.AllocateNonSharedCollection`.
    pub const ALLOCATOR_ALLOCATE_NON_SHARED_COLLECTION: u64 = 0x5ca6_81f0_25a8_0e44;
    /// `Allocator.AllocateSharedCollection`.
    pub const ALLOCATOR_ALLOCATE_SHARED_COLLECTION: u64 = 0x11a1_9ff5_1f0b_49c1;
    /// `Allocator.BindSharedCollection`.
    pub const ALLOCATOR_BIND_SHARED_COLLECTION: u64 = 0x5509_16b0_dc1d_5b4e;
    /// `Allocator.ValidateBufferCollectionToken`.
    pub const ALLOCATOR_VALIDATE_BUFFER_COLLECTION_TOKEN: u64 = 0x4c5e_e91b_02a7_e68d;
    /// `Allocator.SetDebugClientInfo`.
    pub const ALLOCATOR_SET_DEBUG_CLIENT_INFO: u64 = 0x6f68_f19a_3f50_9c4d;

    /// `Node.Sync`.
    pub const NODE_SYNC: u64 = 0x11ac_2555_cf57_5b54;
    /// `Node.Release`.
    pub const NODE_RELEASE: u64 = 0x6a5c_ae7d_6d6e_04c6;
    /// `Node.SetName`.
    pub const NODE_SET_NAME: u64 = 0x0b41_f162_4f48_c1e9;
    /// `Node.SetDebugClientInfo`.
    pub const NODE_SET_DEBUG_CLIENT_INFO: u64 = 0x5cde_8914_608d_99b1;

    /// `BufferCollectionToken.DuplicateSync`.
    pub const TOKEN_DUPLICATE_SYNC: u64 = 0x1c1a_f991_9d1c_a45c;
    /// `BufferCollectionToken.Duplicate`.
    pub const TOKEN_DUPLICATE: u64 = 0x73e7_8f92_ee7f_b887;

    /// `BufferCollection.SetConstraints`.
    pub const COLLECTION_SET_CONSTRAINTS: u64 = 0x1fde_0f19_d650_197b;
    /// `BufferCollection.WaitForAllBuffersAllocated`.
    pub const COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED: u64 = 0x0623_0034_4b61_404e;
    /// `BufferCollection.CheckAllBuffersAllocated`.
    pub const COLLECTION_CHECK_ALL_BUFFERS_ALLOCATED: u64 = 0x35a5_fe77_ce93_9c10;

    /// Every ordinal above with its FIDL selector.
    pub const SELECTORS: &[(&str, u64)] = &[
        (
            "fuchsia.sysmem2/Allocator.AllocateNonSharedCollection",
            ALLOCATOR_ALLOCATE_NON_SHARED_COLLECTION,
        ),
        (
            "fuchsia.sysmem2/Allocator.AllocateSharedCollection",
            ALLOCATOR_ALLOCATE_SHARED_COLLECTION,
        ),
        (
            "fuchsia.sysmem2/Allocator.BindSharedCollection",
            ALLOCATOR_BIND_SHARED_COLLECTION,
        ),
        (
            "fuchsia.sysmem2/Allocator.ValidateBufferCollectionToken",
            ALLOCATOR_VALIDATE_BUFFER_COLLECTION_TOKEN,
        ),
        (
            "fuchsia.sysmem2/Allocator.SetDebugClientInfo",
            ALLOCATOR_SET_DEBUG_CLIENT_INFO,
        ),
        ("fuchsia.sysmem2/Node.Sync", NODE_SYNC),
        ("fuchsia.sysmem2/Node.Release", NODE_RELEASE),
        ("fuchsia.sysmem2/Node.SetName", NODE_SET_NAME),
        (
            "fuchsia.sysmem2/Node.SetDebugClientInfo",
            NODE_SET_DEBUG_CLIENT_INFO,
        ),
        (
            "fuchsia.sysmem2/BufferCollectionToken.DuplicateSync",
            TOKEN_DUPLICATE_SYNC,
        ),
        (
            "fuchsia.sysmem2/BufferCollectionToken.Duplicate",
            TOKEN_DUPLICATE,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.SetConstraints",
            COLLECTION_SET_CONSTRAINTS,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.WaitForAllBuffersAllocated",
            COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED,
        ),
        (
            "fuchsia.sysmem2/BufferCollection.CheckAllBuffersAllocated",
            COLLECTION_CHECK_ALL_BUFFERS_ALLOCATED,
        ),
    ];
}

fidl_table! {
    /// `Allocator.AllocateNonSharedCollection` request.
    #[derive(Debug, Default)]
    pub struct AllocateNonSharedCollectionRequest {
        /// Server end of the new `BufferCollection`.
        1 => collection_request: zx::Channel,
    }
}

fidl_table! {
    /// `Allocator.AllocateSharedCollection` request.
    #[derive(Debug, Default)]
    pub struct AllocateSharedCollectionRequest {
        /// Server end of the root `BufferCollectionToken`.
        1 => token_request: zx::Channel,
    }
}

fidl_table! {
    /// `Allocator.BindSharedCollection` request.
    #[derive(Debug, Default)]
    pub struct BindSharedCollectionRequest {
        /// Client end of the token being turned in.
        1 => token: zx::Channel,
        /// Server end of the `BufferCollection` that replaces it.
        2 => buffer_collection_request: zx::Channel,
    }
}

fidl_table! {
    /// `Allocator.ValidateBufferCollectionToken` request.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct ValidateBufferCollectionTokenRequest {
        /// The koid of the token's server end: the `related_koid` of its client end.
        1 => token_server_koid: u64,
    }
}

fidl_table! {
    /// `Allocator.ValidateBufferCollectionToken` response.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct ValidateBufferCollectionTokenResponse {
        /// Whether sysmem knows a live token with that server koid.
        1 => is_known: bool,
    }
}

fidl_table! {
    /// `Allocator.SetDebugClientInfo` and `Node.SetDebugClientInfo` request.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct SetDebugClientInfoRequest {
        /// The client's name, for sysmem's diagnostics.
        1 => name: String [max 256],
        /// The client's id (usually its process koid).
        2 => id: u64,
    }
}

fidl_table! {
    /// `Node.SetName` request.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct SetNameRequest {
        /// The highest priority wins; a tie keeps the old name.
        1 => priority: u32,
        /// The collection's name, for diagnostics.
        2 => name: String [max 64],
    }
}

fidl_table! {
    /// `BufferCollectionToken.Duplicate` request.
    #[derive(Debug, Default)]
    pub struct DuplicateRequest {
        /// Rights removed from the new token's VMOs (a zero bit removes that right);
        /// `ZX_RIGHT_SAME_RIGHTS` removes none.
        1 => rights_attenuation_mask: zx::Rights,
        /// Server end of the new token.
        2 => token_request: zx::Channel,
    }
}

fidl_table! {
    /// `BufferCollectionToken.DuplicateSync` request.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct DuplicateSyncRequest {
        /// One mask per new token.
        1 => rights_attenuation_masks: Vec<zx::Rights> [max 64],
    }
}

fidl_table! {
    /// `BufferCollectionToken.DuplicateSync` response.
    #[derive(Debug, Default)]
    pub struct DuplicateSyncResponse {
        /// Client ends of the new tokens, one per mask, already known to the server.
        1 => tokens: Vec<zx::Channel> [max 64],
    }
}

fidl_table! {
    /// `BufferCollection.SetConstraints` request.
    #[derive(Debug, Default)]
    pub struct SetConstraintsRequest {
        /// The participant's constraints; unset = no constraints and no VMOs.
        1 => constraints: BufferCollectionConstraints,
    }
}

fidl_table! {
    /// `BufferCollection.WaitForAllBuffersAllocated` response.
    #[derive(Debug, Default)]
    pub struct WaitForAllBuffersAllocatedResponse {
        /// The allocated collection.
        1 => buffer_collection_info: BufferCollectionInfo,
    }
}
