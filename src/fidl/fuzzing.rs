//! Fuzzing entry for the FIDL decoder. Not part of the API: `fuzz/fuzz_targets/fidl_decode.rs`
//! and the replay test (`tests/fuzz_replay.rs`) call [`decode`] with the same bytes.
//!
//! The first byte says which handles travel with the message, as `zx_channel_read_etc` reports
//! them: bits 0-1 how many (0-3), then two bits per handle for the object type it is reported
//! as (a channel, a VMO, an event, or `ZX_OBJ_TYPE_NONE`), with that type's default rights, so
//! handle matching, type and rights checks, rights reduction and closing are exercised. The
//! decoder trusts the reported type and rights, as bindings trust the kernel's report, so
//! every handle is a duplicate of one event of this input's: a handle costs no system call,
//! and a wrong-type report is a decode error, as it must be. The rest of the input is decoded
//! as every message type the sysmem client and the host service decode. Nothing may panic,
//! and every handle must be closed whatever the outcome. Callers that share the process with
//! other kernel users hold `platform::host::counters_lock()`.

use super::{decode_message, Empty, FlexibleResult, TransactionHeader};
use crate::sysmem::messages;
use crate::sysmem::types::Error;
use crate::zx::{self, HandleBased};

/// The handles the first byte describes, each a duplicate of `event`.
fn handles(event: &zx::Event, first: u8) -> Vec<zx::HandleInfo> {
    (0..first % 4)
        .filter_map(|i| {
            let (object_type, rights) = match (first >> (2 + 2 * i)) & 3 {
                0 => (zx::ObjectType::CHANNEL, zx::Rights::CHANNEL_DEFAULT),
                1 => (zx::ObjectType::VMO, zx::Rights::VMO_DEFAULT),
                2 => (
                    zx::ObjectType::EVENT,
                    zx::Rights::BASIC | zx::Rights::SIGNAL,
                ),
                _ => (zx::ObjectType::NONE, zx::Rights::BASIC),
            };
            let handle = event.duplicate_handle(zx::Rights::SAME_RIGHTS).ok()?;
            Some(zx::HandleInfo {
                handle: handle.into_handle(),
                object_type,
                rights,
            })
        })
        .collect()
}

/// One fuzz input (see the module documentation).
///
/// # Panics
/// When a decode leaks a handle (or the decoder panics).
#[doc(hidden)]
pub fn decode(data: &[u8]) {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let before = crate::platform::host::counters().live_handles;
    let Ok(event) = zx::Event::create() else {
        return;
    };
    let travelling = || handles(&event, first);
    let _ = TransactionHeader::decode(bytes);
    let _ = decode_message::<messages::AllocateSharedCollectionRequest>(bytes, travelling());
    let _ = decode_message::<messages::BindSharedCollectionRequest>(bytes, travelling());
    let _ = decode_message::<messages::DuplicateRequest>(bytes, travelling());
    let _ = decode_message::<messages::DuplicateSyncRequest>(bytes, travelling());
    let _ = decode_message::<messages::DuplicateSyncResponse>(bytes, travelling());
    let _ = decode_message::<messages::SetConstraintsRequest>(bytes, travelling());
    let _ = decode_message::<messages::SetNameRequest>(bytes, travelling());
    let _ = decode_message::<messages::SetDebugClientInfoRequest>(bytes, travelling());
    let _ = decode_message::<FlexibleResult<Empty>>(bytes, travelling());
    let _ = decode_message::<FlexibleResult<messages::WaitForAllBuffersAllocatedResponse, Error>>(
        bytes,
        travelling(),
    );
    drop(event);
    assert_eq!(
        crate::platform::host::counters().live_handles,
        before,
        "a decode leaked a handle"
    );
}
