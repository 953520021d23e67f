//! Blocking waits on events.

use super::*;

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
