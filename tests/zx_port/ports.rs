//! Ports: queue, wait, cancel.

use super::*;

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
