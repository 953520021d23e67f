//! Bounded stress: 8 threads of mixed kernel operations (VMOs written, read, mapped; channels
//! carrying VMOs and channel ends; events and event pairs signalled and waited on; ports
//! woken by waits and by queued packets; handles duplicated and replaced) beside 8 threads
//! allocating shared sysmem collections of two participants from one service, for a few
//! seconds (`STRESS_SECONDS`, default 2). Every operation's result is checked; afterwards the
//! kernel's counters are back at their baseline and the service holds nothing. A deadlock
//! fails the test when the watchdog's deadline passes instead of hanging CI.

#[path = "sysmem_common/constraints.rs"]
mod sysmem_constraints;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use sysmem_constraints::cpu_constraints;
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::HostSysmem;
use vmo_interop::zx::{self, AsHandleRef, HandleBased, Peered, Rights, Signals};

const THREADS: usize = 8;

fn seconds() -> f64 {
    std::env::var("STRESS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0)
}

fn soon() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(Duration::from_secs(10))
}

/// One round of kernel operations; returns how many kernel objects it exercised (each one
/// created, used and closed).
fn kernel_round(seed: u64) -> u64 {
    // A VMO: written, read back, mapped and read through the mapping.
    let vmo = zx::Vmo::create(8192).unwrap();
    let pattern = seed.to_le_bytes();
    vmo.write(&pattern, 4096).unwrap();
    let mut back = [0u8; 8];
    vmo.read(&mut back, 4096).unwrap();
    assert_eq!(back, pattern);
    let mapping = vmo
        .map(
            0,
            8192,
            zx::VmarFlags::PERM_READ | zx::VmarFlags::PERM_WRITE,
        )
        .unwrap();
    // SAFETY: the mapping is 8192 bytes long and lives until the end of this block.
    let seen = unsafe { std::ptr::read_volatile(mapping.as_ptr().add(4096).cast::<[u8; 8]>()) };
    assert_eq!(seen, pattern);
    drop(mapping);

    // A channel carrying a read-only duplicate of the VMO and a channel end.
    let (a, b) = zx::Channel::create().unwrap();
    let (c, d) = zx::Channel::create().unwrap();
    let read_only = vmo
        .duplicate_handle(Rights::BASIC | Rights::READ | Rights::MAP)
        .unwrap();
    a.write(
        &pattern,
        &mut vec![read_only.into_handle(), c.into_handle()],
    )
    .unwrap();
    let mut buf = zx::MessageBuf::new();
    b.read(&mut buf).unwrap();
    assert_eq!(buf.bytes(), pattern);
    let (_, mut handles) = buf.split();
    let got_c = zx::Channel::from_handle(handles.pop().unwrap());
    let got_vmo = zx::Vmo::from_handle(handles.pop().unwrap());
    assert!(
        got_vmo.write(&pattern, 0).is_err(),
        "the duplicate lacks WRITE"
    );
    got_c.write(b"x", &mut Vec::new()).unwrap();
    let mut buf = zx::MessageBuf::new();
    d.read(&mut buf).unwrap();
    drop((a, got_c));
    assert!(b
        .wait_handle(Signals::CHANNEL_PEER_CLOSED, soon())
        .to_result()
        .unwrap()
        .contains(Signals::CHANNEL_PEER_CLOSED));

    // An event and an event pair, signalled and waited on; a port woken by both.
    let port = zx::Port::create().unwrap();
    let event = zx::Event::create().unwrap();
    let (left, right) = zx::EventPair::create().unwrap();
    event
        .wait_async_handle(
            &port,
            1,
            Signals::EVENT_SIGNALED,
            zx::WaitAsyncOpts::empty(),
        )
        .unwrap();
    right
        .wait_async_handle(&port, 2, Signals::USER_0, zx::WaitAsyncOpts::empty())
        .unwrap();
    event
        .signal_handle(Signals::NONE, Signals::EVENT_SIGNALED)
        .unwrap();
    left.signal_peer(Signals::NONE, Signals::USER_0).unwrap();
    let mut keys = [
        port.wait(soon()).unwrap().key(),
        port.wait(soon()).unwrap().key(),
    ];
    keys.sort();
    assert_eq!(keys, [1, 2]);
    port.queue(&zx::Packet::from_user_packet(3, zx::Status::OK, [0; 32]))
        .unwrap();
    assert_eq!(port.wait(soon()).unwrap().key(), 3);
    let replaced = event.replace_handle(Rights::WAIT).unwrap();
    assert!(replaced
        .signal_handle(Signals::NONE, Signals::EVENT_SIGNALED)
        .is_err());
    9
}

/// One shared collection of two participants, allocated and released.
fn sysmem_round(service: &HostSysmem) {
    let constraints = cpu_constraints(usage::CPU_USAGE_READ | usage::CPU_USAGE_WRITE, 4096, 1);
    let allocator = service.connect().unwrap();
    let token = allocator.allocate_shared_collection().unwrap();
    let other = token
        .duplicate_sync(&[Rights::SAME_RIGHTS], soon())
        .unwrap();
    let collections = [token]
        .into_iter()
        .chain(other)
        .map(|t| allocator.bind_shared_collection(t).unwrap())
        .collect::<Vec<_>>();
    for c in &collections {
        c.set_constraints(Some(constraints.clone())).unwrap();
    }
    for c in &collections {
        let info = c.wait_for_all_buffers_allocated(soon()).unwrap();
        assert_eq!(info.buffers.unwrap().len(), 2);
    }
    for c in collections {
        c.release().unwrap();
    }
}

#[test]
fn kernel_and_sysmem_under_sixteen_threads_leak_nothing_and_never_deadlock() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = vmo_interop::platform::host::counters();
    let duration = Duration::from_secs_f64(seconds());
    let service = Arc::new(HostSysmem::start().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let kernel_ops = Arc::new(AtomicU64::new(0));
    let collections = Arc::new(AtomicU64::new(0));
    let (done, finished) = mpsc::channel();
    let started = Instant::now();
    for i in 0..THREADS {
        let (halt, ops, sender) = (Arc::clone(&stop), Arc::clone(&kernel_ops), done.clone());
        thread::spawn(move || {
            let mut round = i as u64;
            while !halt.load(Ordering::Relaxed) {
                ops.fetch_add(kernel_round(round), Ordering::Relaxed);
                round += THREADS as u64;
            }
            sender.send(()).unwrap();
        });
        let (halt, count, sender) = (Arc::clone(&stop), Arc::clone(&collections), done.clone());
        let service = Arc::clone(&service);
        thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                sysmem_round(&service);
                count.fetch_add(1, Ordering::Relaxed);
            }
            // The service goes back to the test before the thread says it is done.
            drop(service);
            sender.send(()).unwrap();
        });
    }
    drop(done);
    thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    // The watchdog: every thread finishes its round soon after `stop`, or something is stuck
    // (a thread that panicked drops its sender without sending: that fails below too).
    let give_up = Instant::now() + Duration::from_secs(30);
    for n in 0..2 * THREADS {
        let left = give_up.saturating_duration_since(Instant::now());
        assert!(
            finished.recv_timeout(left).is_ok(),
            "{} of {} threads did not finish within 30 s of the stop: a deadlock or a panic",
            2 * THREADS - n,
            2 * THREADS
        );
    }
    let elapsed = started.elapsed().as_secs_f64();
    let service = Arc::try_unwrap(service).unwrap();
    // The service publishes its stats after each round of work.
    let settle = Instant::now() + Duration::from_secs(10);
    while service.stats().nodes != 0 || service.stats().collections != 0 {
        assert!(
            Instant::now() < settle,
            "the service still holds {:?}",
            service.stats()
        );
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(service.stats().pending_waits, 0);
    drop(service);
    let after = vmo_interop::platform::host::counters();
    let live = |c: &vmo_interop::platform::host::Counters| {
        (
            c.live_handles,
            c.live_vmos,
            c.live_channels,
            c.live_mappings,
            c.live_events,
            c.live_ports,
        )
    };
    assert_eq!(
        live(&after),
        live(&before),
        "leaked (handles, VMOs, channels, mappings, events, ports)"
    );
    let (ops, colls) = (
        kernel_ops.load(Ordering::Relaxed),
        collections.load(Ordering::Relaxed),
    );
    assert!(ops > 0 && colls > 0, "every kind of thread made progress");
    eprintln!(
        "stress: {:.1} s, {} kernel objects exercised ({:.0}/s), {} kernel calls ({:.0}/s), \
         {} sysmem collections ({:.0}/s), nothing leaked",
        elapsed,
        ops,
        ops as f64 / elapsed,
        after.kernel_calls - before.kernel_calls,
        (after.kernel_calls - before.kernel_calls) as f64 / elapsed,
        colls,
        colls as f64 / elapsed
    );
}
