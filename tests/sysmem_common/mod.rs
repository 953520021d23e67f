//! What the sysmem client tests share: a fresh service checked for leaks, a bounded deadline,
//! a shared collection's tokens, waiting for the service's state, and CPU-usage constraints.
#![allow(dead_code)]

use std::thread;
use std::time::{Duration, Instant};

use vmo_interop::sysmem::types::BufferCollectionConstraints;
use vmo_interop::sysmem::{Allocator, BufferCollectionToken, HostSysmem, HostSysmemStats};
use vmo_interop::zx;

mod constraints;
pub use constraints::cpu_constraints;

/// A generous bound: every call here completes at once unless the service is broken.
pub fn deadline() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(Duration::from_secs(10))
}

/// Runs `f` with a fresh service, then stops it and checks the host kernel is back where it
/// was: no handle, VMO or channel left by the client or the service.
pub fn with_service(f: impl FnOnce(&HostSysmem)) {
    with_service_after(|| {}, f)
}

/// [`with_service`], with `setup` run under the counter lock before the baseline is taken: for
/// what lives as long as the process (the async reactor's port).
pub fn with_service_after(setup: impl FnOnce(), f: impl FnOnce(&HostSysmem)) {
    let _lock = vmo_interop::platform::host::counters_lock();
    setup();
    let before = vmo_interop::platform::host::counters();
    {
        let service = HostSysmem::start().unwrap();
        f(&service);
    }
    let after = vmo_interop::platform::host::counters();
    assert_eq!(after.live_handles, before.live_handles, "handles leaked");
    assert_eq!(after.live_vmos, before.live_vmos, "VMOs leaked");
    assert_eq!(after.live_channels, before.live_channels, "channels leaked");
}

/// A shared collection with `n` tokens besides the root, all known to the service.
pub fn shared_collection(
    allocator: &Allocator,
    n: usize,
) -> (BufferCollectionToken, Vec<BufferCollectionToken>) {
    let root = allocator.allocate_shared_collection().unwrap();
    let others = root
        .duplicate_sync(&vec![zx::Rights::SAME_RIGHTS; n], deadline())
        .unwrap();
    (root, others)
}

/// Tokens for consumers A and B of `root`'s collection, known to the service: A's with the
/// root's rights, B's attenuated by `b_mask` one `Duplicate` further down the chain (from an
/// intermediate token, released once B's is known).
pub fn consumer_tokens(
    root: &BufferCollectionToken,
    b_mask: zx::Rights,
) -> (BufferCollectionToken, BufferCollectionToken) {
    let mut tokens = root
        .duplicate_sync(&[zx::Rights::SAME_RIGHTS; 2], deadline())
        .unwrap();
    let (b_parent, a_token) = (tokens.pop().unwrap(), tokens.pop().unwrap());
    let b_token = b_parent.duplicate(b_mask).unwrap();
    b_parent.sync(deadline()).unwrap();
    b_parent.release().unwrap();
    (a_token, b_token)
}

/// Waits (bounded) until the service's state satisfies `done`: lets a test know that calls
/// made on other threads have reached the service.
pub fn until(service: &HostSysmem, done: impl Fn(HostSysmemStats) -> bool) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while !done(service.stats()) {
        assert!(
            Instant::now() < give_up,
            "service never reached the state: {:?}",
            service.stats()
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// A participant with CPU usage `bits`, camping on one buffer of at least 4 KiB.
pub fn cpu(bits: u32) -> BufferCollectionConstraints {
    cpu_constraints(bits, 4096, 1)
}

/// Reads what is left on a channel the service closed: its `ZX_ERR_INTERNAL` epitaph, then
/// nothing (PEER_CLOSED).
pub fn assert_closed_with_internal_epitaph(channel: &zx::Channel) {
    use vmo_interop::zx::AsHandleRef;
    channel
        .wait_handle(zx::Signals::CHANNEL_PEER_CLOSED, deadline())
        .to_result()
        .unwrap();
    let (mut bytes, mut handles) = (Vec::new(), Vec::new());
    channel.read_etc(&mut bytes, &mut handles).unwrap();
    let header = vmo_interop::fidl::TransactionHeader::decode(&bytes).unwrap();
    assert_eq!(
        (header.txid, header.ordinal),
        (0, vmo_interop::fidl::EPITAPH_ORDINAL)
    );
    let status = i32::from_le_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(zx::Status::from_raw(status), zx::Status::INTERNAL);
    assert_eq!(
        channel.read_etc(&mut bytes, &mut handles),
        Err(zx::Status::PEER_CLOSED),
        "nothing after the epitaph"
    );
}
