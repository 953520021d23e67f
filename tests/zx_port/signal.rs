//! `zx_object_signal` and `zx_object_signal_peer`.

use super::*;

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
