//! Signals and waits on channels (`zx_object_wait_one`, `zx_object_wait_many`).

use super::*;

/// A `zx_wait_item_t` for `object` waiting for `waitfor`, nothing pending yet.
fn item(object: &impl AsHandleRef, waitfor: Signals) -> WaitItem<'_> {
    WaitItem {
        handle: object.as_handle_ref(),
        waitfor,
        pending: Signals::NONE,
    }
}

// ---------------------------------------------------------------------------------------------
// Signals and waits
// ---------------------------------------------------------------------------------------------

#[test]
fn channel_signals_follow_the_queue_and_the_peer() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let all = |c: &Channel| poll(c, Signals::all()).unwrap();
    assert_eq!(all(&b), Signals::CHANNEL_WRITABLE);
    a.write(b"x", &mut vec![]).unwrap();
    assert_eq!(
        all(&b),
        Signals::CHANNEL_WRITABLE | Signals::CHANNEL_READABLE
    );
    drop(a);
    assert_eq!(
        all(&b),
        Signals::CHANNEL_READABLE | Signals::CHANNEL_PEER_CLOSED
    );
    read_bytes(&b).unwrap();
    assert_eq!(all(&b), Signals::CHANNEL_PEER_CLOSED);
    drop(b);
    s.assert_no_leaks();
}

#[test]
fn wait_with_a_deadline_times_out() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let deadline = MonotonicInstant::after(Duration::from_millis(20));
    assert_eq!(
        a.wait_handle(Signals::CHANNEL_READABLE, deadline)
            .to_result(),
        Err(Status::TIMED_OUT)
    );
    assert!(
        MonotonicInstant::get() >= deadline,
        "returned before the deadline"
    );
    assert_eq!(poll(&a, Signals::CHANNEL_READABLE), Err(Status::TIMED_OUT));
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn wait_without_wait_right_is_access_denied() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let a = a
        .replace_handle(Rights::CHANNEL_DEFAULT - Rights::WAIT)
        .unwrap();
    assert_eq!(
        poll(&a, Signals::CHANNEL_READABLE),
        Err(Status::ACCESS_DENIED)
    );
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn a_waiter_on_another_thread_wakes_on_write() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let waiter = thread::spawn(move || {
        let signals = wait_forever(&b, Signals::CHANNEL_READABLE).unwrap();
        (signals, read_bytes(&b).unwrap())
    });
    until_a_waiter_blocks();
    a.write(b"wake", &mut vec![]).unwrap();
    let (signals, bytes) = waiter.join().unwrap();
    assert!(signals.contains(Signals::CHANNEL_READABLE));
    assert_eq!(bytes, b"wake");
    drop(a);
    s.assert_no_leaks();
}

#[test]
fn a_waiter_on_another_thread_wakes_on_peer_close() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let waiter = thread::spawn(move || {
        let signals = wait_forever(&b, Signals::CHANNEL_PEER_CLOSED);
        drop(b);
        signals
    });
    until_a_waiter_blocks();
    drop(a);
    assert_eq!(waiter.join().unwrap(), Ok(Signals::CHANNEL_PEER_CLOSED));
    s.assert_no_leaks();
}

#[test]
fn closing_a_handle_during_a_wait_is_canceled() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let value = b.into_handle().into_raw();
    let waiter = thread::spawn(move || {
        // SAFETY: `value` stays live until this thread's wait returns or the main thread
        // closes it; the borrow never closes it.
        let borrowed = unsafe { Unowned::<Channel>::from_raw_handle(value) };
        wait_forever(&borrowed, Signals::CHANNEL_READABLE)
    });
    until_a_waiter_blocks();
    assert_eq!(raw::handle_close(value), sys::ZX_OK);
    assert_eq!(waiter.join().unwrap(), Err(Status::CANCELED));
    drop(a);
    s.assert_no_leaks();
}

#[test]
fn object_wait_many_fills_pending_for_every_item() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let (c, d) = Channel::create().unwrap();
    let vmo = Vmo::create(1).unwrap();
    c.write(b"ready", &mut vec![]).unwrap();
    let mut items = [
        item(&b, Signals::CHANNEL_READABLE),
        item(&d, Signals::CHANNEL_READABLE),
        item(&vmo, Signals::NONE),
    ];
    assert_eq!(
        object_wait_many(&mut items, MonotonicInstant::INFINITE),
        Ok(())
    );
    assert_eq!(items[0].pending, Signals::CHANNEL_WRITABLE);
    assert_eq!(
        items[1].pending,
        Signals::CHANNEL_WRITABLE | Signals::CHANNEL_READABLE
    );
    assert_eq!(items[2].pending, Signals::VMO_ZERO_CHILDREN);
    drop((a, b, c, d, vmo));
    s.assert_no_leaks();
}

#[test]
fn object_wait_many_times_out_and_still_fills_pending() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let mut items = [item(&b, Signals::CHANNEL_READABLE)];
    let deadline = MonotonicInstant::after(Duration::from_millis(5));
    assert_eq!(
        object_wait_many(&mut items, deadline),
        Err(Status::TIMED_OUT)
    );
    assert_eq!(items[0].pending, Signals::CHANNEL_WRITABLE);
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn object_wait_many_wakes_on_any_item_from_another_thread() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let (c, d) = Channel::create().unwrap();
    let waiter = thread::spawn(move || {
        let mut items = [
            item(&b, Signals::CHANNEL_READABLE),
            item(&d, Signals::CHANNEL_READABLE),
        ];
        let status = object_wait_many(&mut items, MonotonicInstant::INFINITE);
        let pending = [items[0].pending, items[1].pending];
        drop((b, d));
        (status, pending)
    });
    until_a_waiter_blocks();
    c.write(b"second", &mut vec![]).unwrap();
    let (status, pending) = waiter.join().unwrap();
    assert_eq!(status, Ok(()));
    assert!(!pending[0].contains(Signals::CHANNEL_READABLE));
    assert!(pending[1].contains(Signals::CHANNEL_READABLE));
    drop((a, c));
    s.assert_no_leaks();
}

#[test]
fn object_wait_many_with_more_than_64_items_is_out_of_range() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let mut items: Vec<WaitItem<'_>> = (0..65).map(|_| item(&vmo, Signals::USER_0)).collect();
    assert_eq!(
        object_wait_many(&mut items, MonotonicInstant::INFINITE_PAST),
        Err(Status::OUT_OF_RANGE)
    );
    items.truncate(64);
    assert_eq!(
        object_wait_many(&mut items, MonotonicInstant::INFINITE_PAST),
        Err(Status::TIMED_OUT)
    );
    drop(items);
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn object_wait_many_with_a_stale_handle_is_bad_handle() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let stale = b.into_handle().into_raw();
    assert_eq!(raw::handle_close(stale), sys::ZX_OK);
    let mut items = [sys::zx_wait_item_t {
        handle: stale,
        waitfor: 1,
        pending: 0,
    }];
    assert_eq!(
        raw::object_wait_many(&mut items, sys::ZX_TIME_INFINITE),
        sys::ZX_ERR_BAD_HANDLE
    );
    drop(a);
    s.assert_no_leaks();
}
