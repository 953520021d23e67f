//! The Rust side of `zx`: ownership (drop closes, `Unowned` never closes, `replace` always
//! consumes), layout, thread safety, and the host kernel's counters.
#![cfg(not(target_os = "fuchsia"))]

mod zx_common;

use std::mem::size_of;
use std::thread;

use vmo_interop::platform::host;
use vmo_interop::zx::{
    self, AsHandleRef, Channel, Handle, HandleBased, HandleRef, Mapping, MonotonicInstant, Rights,
    Status, Unowned, VmarFlags, Vmo,
};
use zx_common::{is_live, serial};

#[test]
fn handle_vmo_and_channel_are_the_size_of_a_zx_handle_t() {
    assert_eq!(size_of::<Handle>(), 4);
    assert_eq!(size_of::<Vmo>(), 4);
    assert_eq!(size_of::<Channel>(), 4);
    assert_eq!(size_of::<HandleRef<'_>>(), 4);
    assert_eq!(size_of::<zx::Status>(), 4);
}

#[test]
fn mapping_and_handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Mapping>();
    assert_send_sync::<Handle>();
    assert_send_sync::<Vmo>();
    assert_send_sync::<Channel>();
    assert_send_sync::<Status>();
}

#[test]
fn dropping_a_handle_closes_it() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let value = vmo.raw_handle();
    assert_eq!(s.live_delta(), (1, 1, 0, 0));
    drop(vmo);
    assert!(!is_live(value));
    s.assert_no_leaks();
}

#[test]
fn into_raw_gives_up_ownership_and_from_raw_takes_it_back() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let value = vmo.into_handle().into_raw();
    assert!(is_live(value), "into_raw must not close");
    // SAFETY: `value` came from into_raw just above and nothing else owns it.
    let handle = unsafe { Handle::from_raw(value) };
    assert_eq!(handle.raw_handle(), value);
    drop(handle);
    assert!(!is_live(value));
    s.assert_no_leaks();
}

#[test]
fn unowned_never_closes() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    {
        // Each borrow goes out of scope here; `Unowned` has no destructor at all.
        let borrowed: Unowned<'_, Vmo> = Unowned::new(&vmo);
        assert_eq!(borrowed.get_size(), Ok(4096));
        let cloned = borrowed.clone();
        assert_eq!(cloned.raw_handle(), vmo.raw_handle());
        let as_ref: HandleRef<'_> = vmo.as_handle_ref();
        assert_eq!(as_ref.raw_handle(), vmo.raw_handle());
        // SAFETY: `vmo` outlives the borrow and is not closed while it exists.
        let from_raw = unsafe { Unowned::<Vmo>::from_raw_handle(vmo.raw_handle()) };
        assert_eq!(from_raw.get_koid(), vmo.get_koid());
    }
    assert!(is_live(vmo.raw_handle()));
    assert_eq!(s.live_delta(), (1, 1, 0, 0));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn unowned_handles_duplicate_into_owned_handles() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let dup: Vmo = Unowned::<Vmo>::new(&vmo)
        .duplicate_handle(Rights::READ)
        .unwrap();
    assert_eq!(dup.basic_info().unwrap().rights, Rights::READ);
    drop((vmo, dup));
    s.assert_no_leaks();
}

#[test]
fn replace_handle_consumes_self_without_a_double_close() {
    let s = serial();
    let calls = host::thread_kernel_calls();
    let vmo = Vmo::create(1).unwrap();
    // Fails (WRITE not a subset of READ after the first replace) and must not close twice.
    let read_only = vmo.replace_handle(Rights::READ).unwrap();
    assert_eq!(
        read_only.replace_handle(Rights::WRITE).unwrap_err(),
        Status::INVALID_ARGS
    );
    // create + replace + replace: a double close would add a fourth call.
    assert_eq!(host::thread_kernel_calls() - calls, 3);
    s.assert_no_leaks();
}

#[test]
fn every_syscall_counts_one_kernel_call_on_the_calling_thread() {
    let s = serial();
    let before = host::thread_kernel_calls();
    let global_before = host::counters().kernel_calls;
    let vmo = Vmo::create(4096).unwrap(); // 1
    vmo.write(b"x", 0).unwrap(); // 2
    let _ = vmo.get_size().unwrap(); // 3
    let _ = vmo.basic_info().unwrap(); // 4
    let mapping = vmo.map(0, 4096, VmarFlags::PERM_READ).unwrap(); // 5
    drop(mapping); // 6: zx_vmar_unmap
    drop(vmo); // 7: zx_handle_close
    let _ = MonotonicInstant::get(); // a vDSO read: not counted
    assert_eq!(host::thread_kernel_calls() - before, 7);
    assert!(host::counters().kernel_calls - global_before >= 7);
    // Other threads' calls do not show up in this thread's count.
    let before = host::thread_kernel_calls();
    thread::spawn(|| drop(Vmo::create(1).unwrap()))
        .join()
        .unwrap();
    assert_eq!(host::thread_kernel_calls(), before);
    s.assert_no_leaks();
}

#[test]
fn eight_threads_duplicate_and_close_100000_handles_and_leave_none_alive() {
    const THREADS: usize = 8;
    const TOTAL: usize = 100_000;
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let koid = vmo.get_koid().unwrap();
    thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for i in 0..TOTAL / THREADS {
                    let dup = vmo.duplicate_handle(Rights::SAME_RIGHTS).unwrap();
                    if i % 1024 == 0 {
                        assert_eq!(dup.get_koid().unwrap(), koid);
                    }
                    drop(dup);
                }
            });
        }
    });
    assert_eq!(s.live_delta(), (1, 1, 0, 0));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn threads_exchange_handles_over_channels_without_leaks() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let sender = thread::spawn(move || {
        for i in 0..1000u32 {
            let vmo = Vmo::create(1).unwrap();
            vmo.write(&i.to_le_bytes(), 0).unwrap();
            a.write(&i.to_le_bytes(), &mut vec![vmo.into_handle()])
                .unwrap();
        }
    });
    let mut buf = zx::MessageBuf::new();
    for i in 0..1000u32 {
        loop {
            match b.read(&mut buf) {
                Ok(()) => break,
                Err(Status::SHOULD_WAIT) => {
                    b.wait_handle(zx::Signals::CHANNEL_READABLE, MonotonicInstant::INFINITE)
                        .to_result()
                        .unwrap();
                }
                Err(status) => panic!("read: {status}"),
            }
        }
        assert_eq!(buf.bytes(), i.to_le_bytes());
        let vmo = Vmo::from(buf.handles.pop().unwrap());
        let mut word = [0u8; 4];
        vmo.read(&mut word, 0).unwrap();
        assert_eq!(word, i.to_le_bytes());
    }
    sender.join().unwrap();
    drop((b, buf));
    s.assert_no_leaks();
}

#[test]
fn monotonic_instants_move_forward_and_saturate() {
    let a = MonotonicInstant::get();
    let b = MonotonicInstant::after(std::time::Duration::from_millis(1));
    assert!(b > a);
    assert!(a.into_nanos() > 0);
    assert_eq!(
        MonotonicInstant::after(std::time::Duration::MAX),
        MonotonicInstant::INFINITE
    );
    assert_eq!(MonotonicInstant::INFINITE.into_nanos(), i64::MAX);
    assert_eq!(MonotonicInstant::INFINITE_PAST.into_nanos(), i64::MIN);
}

#[test]
fn status_errors_convert_to_io_errors() {
    let err: std::io::Error = Status::PEER_CLOSED.into();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    assert_eq!(err.to_string(), "ZX_ERR_PEER_CLOSED (-24)");
}

#[test]
fn every_handle_type_has_a_niche() {
    use vmo_interop::zx::{Event, EventPair, Port};
    assert_eq!(
        size_of::<Option<Handle>>(),
        size_of::<zx::sys::zx_handle_t>()
    );
    assert_eq!(size_of::<Option<Vmo>>(), 4);
    assert_eq!(size_of::<Option<Channel>>(), 4);
    assert_eq!(size_of::<Option<Port>>(), 4);
    assert_eq!(size_of::<Option<Event>>(), 4);
    assert_eq!(size_of::<Option<EventPair>>(), 4);
    assert_eq!(size_of::<Option<Unowned<'_, Vmo>>>(), 4);
}

#[test]
fn raw_values_round_trip_through_a_handle_and_one_is_never_owned() {
    for raw in [0x0000_0003, 0x0010_0007, 0xffff_ffff, 0x7fff_fffb] {
        // SAFETY: `into_raw` gives the value back before anything could close it.
        let handle = unsafe { Handle::from_raw(raw) };
        assert_eq!(handle.raw_handle(), raw);
        assert!(!handle.is_invalid());
        assert_eq!(handle.into_raw(), raw);
    }
    // ZX_HANDLE_INVALID owns nothing; 1 (the niche) lacks the fixed bits of every handle value
    // and reads as ZX_HANDLE_INVALID too, so dropping either closes nothing.
    for raw in [0, 1] {
        // SAFETY: neither value is a handle; dropping the result closes nothing.
        let handle = unsafe { Handle::from_raw(raw) };
        assert!(handle.is_invalid());
        assert_eq!(handle.raw_handle(), 0);
    }
    assert!(Handle::invalid().is_invalid());
}

#[test]
fn a_timed_out_wait_keeps_the_signals_it_observed() {
    use vmo_interop::zx::{Event, Signals, WaitResult};
    // Serial, as every test here: the others count live handles.
    let s = serial();
    let event = Event::create().unwrap();
    event.signal_handle(Signals::NONE, Signals::USER_0).unwrap();
    // USER_1 never comes; the result still says USER_0 was asserted when the wait ended.
    let result = event.wait_handle(Signals::USER_1, MonotonicInstant::INFINITE_PAST);
    let WaitResult::TimedOut(observed) = result else {
        panic!("expected a timed-out wait, got {result:?}");
    };
    assert!(observed.contains(Signals::USER_0), "{observed:?}");
    assert!(!observed.contains(Signals::USER_1), "{observed:?}");
    assert_eq!(result.to_result(), Err(Status::TIMED_OUT));
    assert_eq!(result.signals(), Some(observed));

    let result = event.wait_handle(Signals::USER_0, MonotonicInstant::INFINITE_PAST);
    assert!(result.is_ok(), "{result:?}");
    assert!(result.to_result().unwrap().contains(Signals::USER_0));

    let invalid = Event::from(Handle::invalid());
    let result = invalid.wait_handle(Signals::USER_0, MonotonicInstant::INFINITE_PAST);
    assert_eq!(result, WaitResult::Err(Status::BAD_HANDLE));
    assert_eq!(result.signals(), None);
    drop(event);
    s.assert_no_leaks();
}
