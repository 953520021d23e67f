//! Fuzzes the FIDL decoder with every message type the sysmem client and the host service
//! decode. The first byte chooses how many channel handles travel with the message (0-3), so
//! handle matching and closing are exercised too; nothing may panic, and every handle must be
//! closed whatever the outcome.
//!
//! Run: `cargo +nightly fuzz run fidl_decode` from this directory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vmo_interop::fidl::{decode_message, Empty, FlexibleResult, TransactionHeader};
use vmo_interop::sysmem::messages;
use vmo_interop::sysmem::types::Error;
use vmo_interop::zx::{self, HandleBased};

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

fuzz_target!(|data: &[u8]| {
    let Some((&count, bytes)) = data.split_first() else {
        return;
    };
    let before = zx::host::counters().live_handles;
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
        zx::host::counters().live_handles,
        before,
        "a decode leaked a handle"
    );
});
