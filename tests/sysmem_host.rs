//! The sysmem2 client against the host sysmem service: participants, rights, aggregation,
//! protocol deviations, failures, unknown methods, and no leaks.

mod fidl_ordinal;
mod sysmem_common;

#[path = "sysmem_host/failures.rs"]
mod failures;
#[path = "sysmem_host/participants.rs"]
mod participants;
#[path = "sysmem_host/protocol_deviations.rs"]
mod protocol_deviations;
#[path = "sysmem_host/service_lifetime.rs"]
mod service_lifetime;
#[path = "sysmem_host/unknown_methods.rs"]
mod unknown_methods;

use fidl_ordinal::method_ordinal;

use std::thread;
use std::time::Duration;

use sysmem_common::{
    assert_closed_with_internal_epitaph, consumer_tokens, cpu_constraints, deadline,
    shared_collection as shared, until, with_service,
};
use vmo_interop::fidl::{self, Empty, FlexibleResult, FrameworkErr, TransactionHeader};
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{
    messages::ordinals, Allocator, BufferCollection, BufferCollectionToken, ClientError, HostSysmem,
};
use vmo_interop::zx::{self, AsHandleRef, Rights};

fn reader() -> BufferCollectionConstraints {
    cpu_constraints(usage::CPU_USAGE_READ, 4096, 1)
}

fn spawn_wait(
    collection: BufferCollection,
) -> thread::JoinHandle<(BufferCollection, Result<BufferCollectionInfo, ClientError>)> {
    thread::spawn(move || {
        let result = collection.wait_for_all_buffers_allocated(deadline());
        (collection, result)
    })
}

fn rights_of(vmo: &zx::Vmo) -> Rights {
    vmo.basic_info().unwrap().rights
}

/// Sends a raw request and returns the raw reply.
fn raw_call(channel: &zx::Channel, header: TransactionHeader) -> Result<Vec<u8>, zx::Status> {
    let (mut bytes, mut handles) = (Vec::new(), Vec::new());
    channel.call_etc(
        deadline(),
        &fidl::encode_header_only(header),
        &mut Vec::new(),
        &mut bytes,
        &mut handles,
    )?;
    Ok(bytes)
}

#[test]
fn client_and_service_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<HostSysmem>();
    send_sync::<Allocator>();
    send_sync::<BufferCollectionToken>();
    send_sync::<BufferCollection>();
    send_sync::<ClientError>();
}
