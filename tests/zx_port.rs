//! Ports, events, event pairs and async waits, through the safe `zx` API, one test per rule of
//! the syscall reference (`zx_port_*`, `zx_object_wait_async`, `zx_object_signal*`,
//! `zx_event*_create`), so the suite runs unchanged against the real kernel.

#[path = "zx_common/mod.rs"]
mod zx_common;

use std::thread;
use std::time::Duration;

use vmo_interop::zx::{
    self, AsHandleRef, Channel, Event, EventPair, HandleBased, MonotonicInstant, ObjectType,
    Packet, PacketContents, Peered, Port, Rights, Signals, Status, Vmo, WaitAsyncOpts,
};
use zx_common::{serial, until_a_waiter_blocks};

const POLL: MonotonicInstant = MonotonicInstant::INFINITE_PAST;

fn soon() -> MonotonicInstant {
    MonotonicInstant::after(Duration::from_millis(50))
}

fn signal_packet(packet: &Packet) -> zx::SignalPacket {
    match packet.contents() {
        PacketContents::SignalOne(signal) => signal,
        other => panic!("expected a signal packet, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Creation and rights
// ---------------------------------------------------------------------------------------------

#[test]
fn objects_are_created_with_the_default_rights_of_rights_h() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    let (a, b) = EventPair::create().unwrap();
    let port_info = port.basic_info().unwrap();
    assert_eq!(port_info.object_type, ObjectType::PORT);
    // ZX_DEFAULT_PORT_RIGHTS: BASIC without WAIT, plus READ and WRITE.
    assert_eq!(port_info.rights.bits(), 0x800F);
    let event_info = event.basic_info().unwrap();
    assert_eq!(event_info.object_type, ObjectType::EVENT);
    assert_eq!(event_info.rights.bits(), 0xD003, "ZX_DEFAULT_EVENT_RIGHTS");
    let (a_info, b_info) = (a.basic_info().unwrap(), b.basic_info().unwrap());
    assert_eq!(a_info.object_type, ObjectType::EVENTPAIR);
    assert_eq!(a_info.rights.bits(), 0xF003, "ZX_DEFAULT_EVENTPAIR_RIGHTS");
    assert_eq!(a_info.related_koid, b_info.koid);
    assert_eq!(b_info.related_koid, a_info.koid);
    assert!(a_info.koid.raw_koid() >= 1024 && b_info.koid.raw_koid() >= 1024);
    drop((port, event, a, b));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// zx_object_signal, zx_object_signal_peer
// ---------------------------------------------------------------------------------------------

#[test]
fn signal_sets_and_clears_user_signals_and_signaled() {
    let s = serial();
    let event = Event::create().unwrap();
    event
        .signal_handle(Signals::NONE, Signals::USER_0 | Signals::EVENT_SIGNALED)
        .unwrap();
    assert_eq!(
        event.wait_handle(Signals::all(), POLL).to_result(),
        Ok(Signals::USER_0 | Signals::EVENT_SIGNALED)
    );
    event
        .signal_handle(Signals::USER_0, Signals::USER_7)
        .unwrap();
    assert_eq!(
        event.wait_handle(Signals::all(), POLL).to_result(),
        Ok(Signals::USER_7 | Signals::EVENT_SIGNALED)
    );
    drop(event);
    s.assert_no_leaks();
}

#[test]
fn signal_of_a_bit_outside_the_user_signals_is_invalid_args() {
    let s = serial();
    let event = Event::create().unwrap();
    assert_eq!(
        event.signal_handle(Signals::NONE, Signals::OBJECT_READABLE),
        Err(Status::INVALID_ARGS)
    );
    assert_eq!(
        event.wait_handle(Signals::all(), POLL).to_result(),
        Err(Status::TIMED_OUT)
    );
    drop(event);
    s.assert_no_leaks();
}

#[test]
fn signal_without_the_signal_right_is_access_denied() {
    let s = serial();
    let event = Event::create().unwrap();
    let no_signal = event.duplicate_handle(Rights::BASIC).unwrap();
    assert_eq!(
        no_signal.signal_handle(Signals::NONE, Signals::USER_1),
        Err(Status::ACCESS_DENIED)
    );
    drop((event, no_signal));
    s.assert_no_leaks();
}

#[test]
fn signal_peer_reaches_the_other_end_and_needs_signal_peer() {
    let s = serial();
    let (a, b) = EventPair::create().unwrap();
    a.signal_peer(Signals::NONE, Signals::USER_2).unwrap();
    assert_eq!(
        b.wait_handle(Signals::USER_2, POLL).to_result(),
        Ok(Signals::USER_2)
    );
    assert_eq!(
        a.wait_handle(Signals::all(), POLL).to_result(),
        Err(Status::TIMED_OUT)
    );
    let weak = a.duplicate_handle(Rights::BASIC | Rights::SIGNAL).unwrap();
    assert_eq!(
        weak.signal_peer(Signals::NONE, Signals::USER_3),
        Err(Status::ACCESS_DENIED)
    );
    drop((a, b, weak));
    s.assert_no_leaks();
}

#[test]
fn closing_one_end_asserts_peer_closed_and_signal_peer_is_peer_closed() {
    let s = serial();
    let (a, b) = EventPair::create().unwrap();
    drop(a);
    assert_eq!(
        b.wait_handle(Signals::EVENTPAIR_PEER_CLOSED, POLL)
            .to_result(),
        Ok(Signals::EVENTPAIR_PEER_CLOSED)
    );
    assert_eq!(
        b.signal_peer(Signals::NONE, Signals::USER_0),
        Err(Status::PEER_CLOSED)
    );
    drop(b);
    s.assert_no_leaks();
}

#[test]
fn signal_peer_on_an_event_is_access_denied_for_lack_of_signal_peer() {
    let s = serial();
    // An event has no peer, and its default rights lack SIGNAL_PEER: the rights lookup comes
    // first.
    let handle = Event::create().unwrap().into_handle();
    assert_eq!(
        Status::ok(unsafe_signal_peer(&handle)),
        Err(Status::ACCESS_DENIED)
    );
    drop(handle);
    s.assert_no_leaks();
}

/// `zx_object_signal_peer` on any handle, through the C ABI (the safe API offers it only on
/// peered types).
fn unsafe_signal_peer(handle: &zx::Handle) -> zx::sys::zx_status_t {
    // SAFETY: no memory is passed.
    unsafe { zx::sys::zx_object_signal_peer(handle.raw_handle(), 0, zx::sys::ZX_USER_SIGNAL_0) }
}

// ---------------------------------------------------------------------------------------------
// Blocking waits on events
// ---------------------------------------------------------------------------------------------

#[test]
fn a_waiter_on_an_event_wakes_when_another_thread_signals() {
    let s = serial();
    let event = Event::create().unwrap();
    let signaler = event.duplicate_handle(Rights::SAME_RIGHTS).unwrap();
    let waiter = thread::spawn(move || {
        event
            .wait_handle(Signals::USER_4, MonotonicInstant::INFINITE)
            .to_result()
            .map(|observed| (observed, event))
    });
    until_a_waiter_blocks();
    signaler
        .signal_handle(Signals::NONE, Signals::USER_4)
        .unwrap();
    let (observed, event) = waiter.join().unwrap().unwrap();
    assert!(observed.contains(Signals::USER_4));
    drop((event, signaler));
    s.assert_no_leaks();
}

#[test]
fn wait_many_mixes_events_and_channels() {
    let s = serial();
    let event = Event::create().unwrap();
    let (a, b) = Channel::create().unwrap();
    let mut items = [
        zx::WaitItem {
            handle: event.as_handle_ref(),
            waitfor: Signals::USER_0,
            pending: Signals::NONE,
        },
        zx::WaitItem {
            handle: b.as_handle_ref(),
            waitfor: Signals::CHANNEL_READABLE,
            pending: Signals::NONE,
        },
    ];
    assert_eq!(
        zx::object_wait_many(&mut items, POLL),
        Err(Status::TIMED_OUT)
    );
    a.write(b"x", &mut vec![]).unwrap();
    zx::object_wait_many(&mut items, MonotonicInstant::INFINITE).unwrap();
    assert!(items[1].pending.contains(Signals::CHANNEL_READABLE));
    assert!(!items[0].pending.contains(Signals::USER_0));
    drop((event, a, b));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// Ports: queue, wait, cancel
// ---------------------------------------------------------------------------------------------

#[test]
fn port_wait_returns_queued_user_packets_in_order() {
    let s = serial();
    let port = Port::create().unwrap();
    for key in [1, 2, 3] {
        let mut payload = [0u8; 32];
        payload[0] = key as u8;
        port.queue(&Packet::from_user_packet(
            key,
            Status::from_raw(-7),
            payload,
        ))
        .unwrap();
    }
    for key in [1, 2, 3] {
        let packet = port.wait(POLL).unwrap();
        assert_eq!(packet.key(), key);
        assert_eq!(packet.status(), Status::from_raw(-7));
        match packet.contents() {
            PacketContents::User(payload) => assert_eq!(payload[0], key as u8),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(port.wait(POLL), Err(Status::TIMED_OUT));
    drop(port);
    s.assert_no_leaks();
}

#[test]
fn port_wait_times_out_at_the_deadline() {
    let s = serial();
    let port = Port::create().unwrap();
    let start = MonotonicInstant::get();
    assert_eq!(port.wait(soon()), Err(Status::TIMED_OUT));
    assert!(MonotonicInstant::get().into_nanos() - start.into_nanos() >= 40_000_000);
    drop(port);
    s.assert_no_leaks();
}

#[test]
fn port_wait_needs_read_and_queue_needs_write() {
    let s = serial();
    let port = Port::create().unwrap();
    let read_only = port
        .duplicate_handle(Rights::TRANSFER | Rights::DUPLICATE | Rights::READ)
        .unwrap();
    let write_only = port
        .duplicate_handle(Rights::TRANSFER | Rights::DUPLICATE | Rights::WRITE)
        .unwrap();
    let packet = Packet::from_user_packet(9, Status::OK, [0; 32]);
    assert_eq!(read_only.queue(&packet), Err(Status::ACCESS_DENIED));
    assert_eq!(write_only.wait(POLL), Err(Status::ACCESS_DENIED));
    write_only.queue(&packet).unwrap();
    assert_eq!(read_only.wait(POLL).map(|p| p.key()), Ok(9));
    drop((port, read_only, write_only));
    s.assert_no_leaks();
}

#[test]
fn port_operations_on_another_object_are_wrong_type() {
    let s = serial();
    let event = Event::create().unwrap();
    let not_a_port = Port::from_handle(event.into_handle());
    assert_eq!(not_a_port.wait(POLL), Err(Status::WRONG_TYPE));
    drop(not_a_port);
    s.assert_no_leaks();
}

#[test]
fn a_port_cannot_be_waited_on() {
    let s = serial();
    let port = Port::create().unwrap();
    let other = Port::create().unwrap();
    // A port's default rights lack WAIT, so the wait is refused before the type.
    assert_eq!(
        port.wait_handle(Signals::all(), POLL).to_result(),
        Err(Status::ACCESS_DENIED)
    );
    assert_eq!(
        port.wait_async_handle(&other, 1, Signals::all(), WaitAsyncOpts::empty()),
        Err(Status::ACCESS_DENIED)
    );
    drop((port, other));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// zx_object_wait_async
// ---------------------------------------------------------------------------------------------

#[test]
fn wait_async_on_an_asserted_signal_queues_a_packet_at_once() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    event.signal_handle(Signals::NONE, Signals::USER_1).unwrap();
    event
        .wait_async_handle(
            &port,
            42,
            Signals::USER_1 | Signals::USER_2,
            WaitAsyncOpts::empty(),
        )
        .unwrap();
    let packet = port.wait(POLL).unwrap();
    assert_eq!(packet.key(), 42);
    assert_eq!(packet.status(), Status::OK);
    let signal = signal_packet(&packet);
    assert_eq!(signal.trigger(), Signals::USER_1 | Signals::USER_2);
    assert_eq!(signal.observed(), Signals::USER_1);
    assert_eq!(signal.count(), 1);
    assert_eq!(signal.timestamp().into_nanos(), 0, "no TIMESTAMP asked for");
    drop((port, event));
    s.assert_no_leaks();
}

#[test]
fn wait_async_delivers_one_packet_per_wait() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    event
        .wait_async_handle(&port, 1, Signals::USER_0, WaitAsyncOpts::empty())
        .unwrap();
    assert_eq!(port.wait(POLL), Err(Status::TIMED_OUT), "not asserted yet");
    event.signal_handle(Signals::NONE, Signals::USER_0).unwrap();
    assert_eq!(port.wait(POLL).map(|p| p.key()), Ok(1));
    event.signal_handle(Signals::USER_0, Signals::NONE).unwrap();
    event.signal_handle(Signals::NONE, Signals::USER_0).unwrap();
    assert_eq!(
        port.wait(POLL),
        Err(Status::TIMED_OUT),
        "the wait ended with its packet"
    );
    drop((port, event));
    s.assert_no_leaks();
}

#[test]
fn wait_async_with_timestamp_records_when_the_trigger_was_met() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    event
        .wait_async_handle(&port, 1, Signals::USER_0, WaitAsyncOpts::TIMESTAMP)
        .unwrap();
    let before = MonotonicInstant::get();
    event.signal_handle(Signals::NONE, Signals::USER_0).unwrap();
    let after = MonotonicInstant::get();
    let stamp = signal_packet(&port.wait(POLL).unwrap()).timestamp();
    assert!(
        stamp >= before && stamp <= after,
        "{stamp:?} in {before:?}..{after:?}"
    );
    drop((port, event));
    s.assert_no_leaks();
}

#[test]
fn wait_async_edge_triggered_ignores_signals_already_asserted() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    event.signal_handle(Signals::NONE, Signals::USER_0).unwrap();
    event
        .wait_async_handle(&port, 5, Signals::USER_0, WaitAsyncOpts::EDGE_TRIGGERED)
        .unwrap();
    assert_eq!(
        port.wait(POLL),
        Err(Status::TIMED_OUT),
        "already asserted: no packet"
    );
    event.signal_handle(Signals::USER_0, Signals::NONE).unwrap();
    assert_eq!(port.wait(POLL), Err(Status::TIMED_OUT));
    event.signal_handle(Signals::NONE, Signals::USER_0).unwrap();
    assert_eq!(
        port.wait(POLL).map(|p| p.key()),
        Ok(5),
        "inactive to active"
    );
    drop((port, event));
    s.assert_no_leaks();
}

#[test]
fn wait_async_with_unknown_options_is_invalid_args() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    let status = zx::Status::ok(
        // SAFETY: no memory is passed.
        unsafe {
            zx::sys::zx_object_wait_async(event.raw_handle(), port.raw_handle(), 1, 1, 1 << 7)
        },
    );
    assert_eq!(status, Err(Status::INVALID_ARGS));
    drop((port, event));
    s.assert_no_leaks();
}

#[test]
fn wait_async_needs_wait_on_the_object_and_write_on_the_port() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    let no_wait = event
        .duplicate_handle(Rights::TRANSFER | Rights::DUPLICATE | Rights::SIGNAL)
        .unwrap();
    assert_eq!(
        no_wait.wait_async_handle(&port, 1, Signals::USER_0, WaitAsyncOpts::empty()),
        Err(Status::ACCESS_DENIED)
    );
    let read_only_port = port
        .duplicate_handle(Rights::TRANSFER | Rights::DUPLICATE | Rights::READ)
        .unwrap();
    assert_eq!(
        event.wait_async_handle(&read_only_port, 1, Signals::USER_0, WaitAsyncOpts::empty()),
        Err(Status::ACCESS_DENIED)
    );
    drop((port, event, no_wait, read_only_port));
    s.assert_no_leaks();
}

#[test]
fn closing_the_handle_ends_its_async_wait_but_queued_packets_stay() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    let watched = event.duplicate_handle(Rights::SAME_RIGHTS).unwrap();
    watched
        .wait_async_handle(&port, 1, Signals::USER_0, WaitAsyncOpts::empty())
        .unwrap();
    watched
        .wait_async_handle(&port, 2, Signals::USER_1, WaitAsyncOpts::empty())
        .unwrap();
    event.signal_handle(Signals::NONE, Signals::USER_1).unwrap();
    drop(watched);
    event.signal_handle(Signals::NONE, Signals::USER_0).unwrap();
    assert_eq!(
        port.wait(POLL).map(|p| p.key()),
        Ok(2),
        "queued before the close"
    );
    assert_eq!(
        port.wait(POLL),
        Err(Status::TIMED_OUT),
        "key 1 ended with its handle"
    );
    drop((port, event));
    s.assert_no_leaks();
}

#[test]
fn port_cancel_ends_pending_waits_and_removes_queued_packets() {
    let s = serial();
    let port = Port::create().unwrap();
    let event = Event::create().unwrap();
    event
        .wait_async_handle(&port, 7, Signals::USER_0, WaitAsyncOpts::empty())
        .unwrap();
    port.cancel(&event, 7).unwrap();
    event.signal_handle(Signals::NONE, Signals::USER_0).unwrap();
    assert_eq!(
        port.wait(POLL),
        Err(Status::TIMED_OUT),
        "canceled before it fired"
    );
    event
        .wait_async_handle(&port, 8, Signals::USER_0, WaitAsyncOpts::empty())
        .unwrap();
    port.cancel(&event, 8).unwrap();
    assert_eq!(
        port.wait(POLL),
        Err(Status::TIMED_OUT),
        "its queued packet was removed"
    );
    assert_eq!(port.cancel(&event, 8), Err(Status::NOT_FOUND));
    drop((port, event));
    s.assert_no_leaks();
}

#[test]
fn wait_async_on_a_channel_fires_when_another_thread_writes() {
    let s = serial();
    let port = Port::create().unwrap();
    let (a, b) = Channel::create().unwrap();
    b.wait_async_handle(&port, 3, Signals::CHANNEL_READABLE, WaitAsyncOpts::empty())
        .unwrap();
    assert_eq!(port.wait(POLL), Err(Status::TIMED_OUT));
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        a.write(b"hi", &mut vec![]).unwrap();
        a
    });
    let packet = port.wait(MonotonicInstant::INFINITE).unwrap();
    assert_eq!(packet.key(), 3);
    assert!(signal_packet(&packet)
        .observed()
        .contains(Signals::CHANNEL_READABLE));
    let a = writer.join().unwrap();
    drop((port, a, b));
    s.assert_no_leaks();
}

#[test]
fn wait_async_on_a_channel_sees_peer_closed() {
    let s = serial();
    let port = Port::create().unwrap();
    let (a, b) = Channel::create().unwrap();
    b.wait_async_handle(
        &port,
        4,
        Signals::CHANNEL_PEER_CLOSED,
        WaitAsyncOpts::empty(),
    )
    .unwrap();
    drop(a);
    let packet = port.wait(soon()).unwrap();
    assert!(signal_packet(&packet)
        .observed()
        .contains(Signals::CHANNEL_PEER_CLOSED));
    drop((port, b));
    s.assert_no_leaks();
}

#[test]
fn one_port_watches_more_objects_than_wait_many_can() {
    let s = serial();
    let port = Port::create().unwrap();
    let channels: Vec<(Channel, Channel)> = (0..200).map(|_| Channel::create().unwrap()).collect();
    for (key, (_, b)) in channels.iter().enumerate() {
        b.wait_async_handle(
            &port,
            key as u64,
            Signals::CHANNEL_READABLE,
            WaitAsyncOpts::empty(),
        )
        .unwrap();
    }
    for key in [0usize, 63, 64, 199] {
        channels[key].0.write(b"x", &mut vec![]).unwrap();
    }
    let mut keys: Vec<u64> = (0..4).map(|_| port.wait(soon()).unwrap().key()).collect();
    keys.sort();
    assert_eq!(keys, vec![0, 63, 64, 199]);
    assert_eq!(port.wait(POLL), Err(Status::TIMED_OUT));
    drop((port, channels));
    s.assert_no_leaks();
}

#[test]
fn a_port_waiter_wakes_for_a_packet_queued_by_another_thread() {
    let s = serial();
    let port = Port::create().unwrap();
    let queuer = port.duplicate_handle(Rights::SAME_RIGHTS).unwrap();
    let waiter = thread::spawn(move || {
        port.wait(MonotonicInstant::INFINITE)
            .map(|p| (p.key(), port))
    });
    until_a_waiter_blocks();
    queuer
        .queue(&Packet::from_user_packet(11, Status::OK, [0; 32]))
        .unwrap();
    let (key, port) = waiter.join().unwrap().unwrap();
    assert_eq!(key, 11);
    drop((port, queuer));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// What cannot leave the process on the host
// ---------------------------------------------------------------------------------------------

#[test]
fn events_and_ports_written_into_a_channel_are_not_supported_on_the_host_and_closed() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let event = Event::create().unwrap();
    assert_eq!(
        a.write(b"event", &mut vec![event.into_handle()]),
        Err(Status::NOT_SUPPORTED)
    );
    let port = Port::create().unwrap();
    assert_eq!(
        a.write(
            b"port",
            &mut vec![port.into_handle(), Vmo::create(1).unwrap().into_handle()]
        ),
        Err(Status::NOT_SUPPORTED)
    );
    assert_eq!(
        b.wait_handle(Signals::CHANNEL_READABLE, POLL).to_result(),
        Err(Status::TIMED_OUT)
    );
    drop((a, b));
    s.assert_no_leaks();
}
