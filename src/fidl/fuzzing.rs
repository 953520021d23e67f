//! Fuzzing entry for the FIDL decoder. Not part of the API: `fuzz/fuzz_targets/fidl_decode.rs`
//! and the replay test (`tests/fuzz_replay.rs`) call [`decode`] with the same bytes.
//!
//! The first byte chooses how many channel handles travel with the message (0-3), so handle
//! matching and closing are exercised too; the rest is decoded as every message type the
//! sysmem client and the host service decode. Nothing may panic, and every handle must be
//! closed whatever the outcome. Callers that share the process with other kernel users hold
//! `platform::host::counters_lock()`.

use super::{decode_message, Empty, FlexibleResult, TransactionHeader};
use crate::sysmem::messages;
use crate::sysmem::types::Error;
use crate::zx::{self, HandleBased};

/// `count` live channel handles, as `zx_channel_read_etc` would report them.
fn handles(count: u8) -> Vec<zx::HandleInfo> {
    (0..count % 4)
        .filter_map(|_| zx::Channel::create().ok())
        .map(|(end, _peer)| zx::HandleInfo {
            handle: end.into_handle(),
            object_type: zx::ObjectType::CHANNEL,
            rights: zx::Rights::CHANNEL_DEFAULT,
        })
        .collect()
}

/// One fuzz input (see the module documentation).
///
/// # Panics
/// When a decode leaks a handle (or the decoder panics).
#[doc(hidden)]
pub fn decode(data: &[u8]) {
    let Some((&count, bytes)) = data.split_first() else {
        return;
    };
    let before = crate::platform::host::counters().live_handles;
    let _ = TransactionHeader::decode(bytes);
    let _ = decode_message::<messages::AllocateSharedCollectionRequest>(bytes, handles(count));
    let _ = decode_message::<messages::BindSharedCollectionRequest>(bytes, handles(count));
    let _ = decode_message::<messages::DuplicateRequest>(bytes, handles(count));
    let _ = decode_message::<messages::DuplicateSyncRequest>(bytes, handles(count));
    let _ = decode_message::<messages::DuplicateSyncResponse>(bytes, handles(count));
    let _ = decode_message::<messages::SetConstraintsRequest>(bytes, handles(count));
    let _ = decode_message::<messages::SetNameRequest>(bytes, handles(count));
    let _ = decode_message::<messages::SetDebugClientInfoRequest>(bytes, handles(count));
    let _ = decode_message::<FlexibleResult<Empty>>(bytes, handles(count));
    let _ = decode_message::<FlexibleResult<messages::WaitForAllBuffersAllocatedResponse, Error>>(
        bytes,
        handles(count),
    );
    assert_eq!(
        crate::platform::host::counters().live_handles,
        before,
        "a decode leaked a handle"
    );
}
