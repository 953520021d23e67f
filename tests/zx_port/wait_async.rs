//! `zx_object_wait_async`.

use super::*;

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
