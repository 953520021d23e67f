//! Conformance suite of the host kernel's channels and waits (`zx_channel_*`,
//! `zx_object_wait_*`): §7 of `shared/reference/zircon.md` and the syscall docs it cites.
#![cfg(not(target_os = "fuchsia"))]

mod zx_common;

use std::thread;
use std::time::Duration;

use vmo_interop::zx::{
    object_wait_many, sys, AsHandleRef, Channel, Handle, HandleBased, HandleInfo, MessageBuf,
    MonotonicInstant, ObjectType, Rights, Signals, Status, Unowned, Vmo, WaitItem,
};
use zx_common::raw;
use zx_common::{is_live, serial, until_a_waiter_blocks};

fn read_bytes(channel: &Channel) -> Result<Vec<u8>, Status> {
    let mut buf = MessageBuf::new();
    channel.read(&mut buf)?;
    assert!(buf.handles.is_empty());
    Ok(buf.split().0)
}

#[test]
fn channel_create_gives_both_ends_the_default_channel_rights_0xf00e() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    assert_eq!(a.basic_info().unwrap().rights.bits(), 0xF00E);
    assert_eq!(b.basic_info().unwrap().rights.bits(), 0xF00E);
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn channel_create_with_options_is_invalid_args() {
    let s = serial();
    let (mut out0, mut out1) = (0, 0);
    assert_eq!(
        raw::channel_create(1, &mut out0, &mut out1),
        sys::ZX_ERR_INVALID_ARGS
    );
    s.assert_no_leaks();
}

#[test]
fn messages_arrive_in_fifo_order_in_each_direction() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    for i in 0..10u8 {
        a.write(&[i], &mut vec![]).unwrap();
        b.write(&[100 + i], &mut vec![]).unwrap();
    }
    for i in 0..10u8 {
        assert_eq!(read_bytes(&b).unwrap(), vec![i]);
        assert_eq!(read_bytes(&a).unwrap(), vec![100 + i]);
    }
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn read_of_an_empty_channel_is_should_wait() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    assert_eq!(read_bytes(&a), Err(Status::SHOULD_WAIT));
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn queued_messages_stay_readable_after_the_peer_closes_then_peer_closed() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    a.write(b"one", &mut vec![]).unwrap();
    a.write(b"two", &mut vec![]).unwrap();
    drop(a);
    assert_eq!(read_bytes(&b).unwrap(), b"one");
    assert_eq!(read_bytes(&b).unwrap(), b"two");
    assert_eq!(read_bytes(&b), Err(Status::PEER_CLOSED));
    drop(b);
    s.assert_no_leaks();
}

#[test]
fn write_after_the_peer_closed_is_peer_closed_and_closes_the_handles() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    drop(b);
    let vmo = Vmo::create(1).unwrap();
    let value = vmo.raw_handle();
    let mut handles = vec![vmo.into_handle()];
    assert_eq!(a.write(b"lost", &mut handles), Err(Status::PEER_CLOSED));
    assert!(handles.is_empty(), "the handles always leave the caller");
    assert!(!is_live(value));
    drop(a);
    s.assert_no_leaks();
}

#[test]
fn write_without_write_right_is_access_denied() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let a = a
        .replace_handle(Rights::CHANNEL_DEFAULT - Rights::WRITE)
        .unwrap();
    assert_eq!(a.write(b"x", &mut vec![]), Err(Status::ACCESS_DENIED));
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn read_without_read_right_is_access_denied() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    b.write(b"x", &mut vec![]).unwrap();
    let a = a
        .replace_handle(Rights::CHANNEL_DEFAULT - Rights::READ)
        .unwrap();
    assert_eq!(read_bytes(&a), Err(Status::ACCESS_DENIED));
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn write_on_a_vmo_handle_is_wrong_type() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let not_a_channel = Channel::from(vmo.into_handle());
    assert_eq!(
        not_a_channel.write(b"x", &mut vec![]),
        Err(Status::WRONG_TYPE)
    );
    drop(not_a_channel);
    s.assert_no_leaks();
}

#[test]
fn write_of_a_handle_without_transfer_is_access_denied_and_closes_every_handle() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let movable = Vmo::create(1).unwrap();
    let pinned = Vmo::create(1)
        .unwrap()
        .replace_handle(Rights::VMO_DEFAULT - Rights::TRANSFER)
        .unwrap();
    let values = [movable.raw_handle(), pinned.raw_handle()];
    let mut handles = vec![movable.into_handle(), pinned.into_handle()];
    assert_eq!(a.write(b"x", &mut handles), Err(Status::ACCESS_DENIED));
    assert!(handles.is_empty());
    assert!(
        !is_live(values[0]) && !is_live(values[1]),
        "a failed write closes its handles"
    );
    assert_eq!(read_bytes(&b), Err(Status::SHOULD_WAIT), "nothing was sent");
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn write_of_a_repeated_handle_is_bad_handle() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let vmo = Vmo::create(1).unwrap();
    let value = vmo.raw_handle();
    assert_eq!(
        raw::channel_write(a.raw_handle(), 0, b"x", &[value, value]),
        sys::ZX_ERR_BAD_HANDLE
    );
    assert!(!is_live(value), "the first copy was consumed and closed");
    let _ = vmo.into_handle().into_raw(); // already closed by the kernel
    assert_eq!(read_bytes(&b), Err(Status::SHOULD_WAIT));
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn write_of_the_channels_own_handle_is_not_supported() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let own = a.raw_handle();
    assert_eq!(
        raw::channel_write(own, 0, b"x", &[own]),
        sys::ZX_ERR_NOT_SUPPORTED
    );
    // The kernel consumed the handle with the message.
    assert!(!is_live(own));
    let _ = a.into_handle().into_raw();
    assert_eq!(read_bytes(&b), Err(Status::PEER_CLOSED));
    drop(b);
    s.assert_no_leaks();
}

#[test]
fn write_of_a_stale_handle_is_bad_handle_and_closes_the_others() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let stale = Vmo::create(1).unwrap().raw_handle();
    // `stale` was closed when the temporary dropped.
    let good = Vmo::create(1).unwrap().into_handle().into_raw();
    assert_eq!(
        raw::channel_write(a.raw_handle(), 0, b"x", &[stale, good]),
        sys::ZX_ERR_BAD_HANDLE
    );
    assert!(!is_live(good));
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn write_of_more_than_64_handles_is_out_of_range() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let vmo = Vmo::create(1).unwrap();
    let mut handles: Vec<Handle> = (0..65)
        .map(|_| {
            vmo.duplicate_handle(Rights::SAME_RIGHTS)
                .unwrap()
                .into_handle()
        })
        .collect();
    assert_eq!(a.write(b"x", &mut handles), Err(Status::OUT_OF_RANGE));
    assert!(handles.is_empty());
    let mut handles: Vec<Handle> = (0..64)
        .map(|_| {
            vmo.duplicate_handle(Rights::SAME_RIGHTS)
                .unwrap()
                .into_handle()
        })
        .collect();
    assert_eq!(a.write(b"x", &mut handles), Ok(()));
    drop((a, b, vmo));
    s.assert_no_leaks();
}

#[test]
fn write_of_more_than_65536_bytes_is_out_of_range() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    assert_eq!(
        a.write(&vec![0; 65_537], &mut vec![]),
        Err(Status::OUT_OF_RANGE)
    );
    assert_eq!(a.write(&vec![1; 65_536], &mut vec![]), Ok(()));
    assert_eq!(read_bytes(&b).unwrap().len(), 65_536);
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn received_handles_get_new_values_with_the_same_koid_and_rights() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let vmo = Vmo::create(1)
        .unwrap()
        .replace_handle(Rights::TRANSFER | Rights::READ)
        .unwrap();
    let (sent_value, sent_info) = (vmo.raw_handle(), vmo.basic_info().unwrap());
    a.write(b"vmo", &mut vec![vmo.into_handle()]).unwrap();
    assert!(!is_live(sent_value), "the handle left the writer");
    let mut buf = MessageBuf::new();
    b.read(&mut buf).unwrap();
    let received = buf.handles.pop().unwrap();
    assert_ne!(received.raw_handle(), sent_value);
    assert_eq!(received.basic_info().unwrap(), sent_info);
    drop((a, b, buf, received));
    s.assert_no_leaks();
}

#[test]
fn read_etc_reports_each_handles_type_and_rights() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let (c, d) = Channel::create().unwrap();
    let vmo = Vmo::create(1).unwrap();
    a.write(b"etc", &mut vec![vmo.into_handle(), c.into_handle()])
        .unwrap();
    let (mut bytes, mut handles) = (Vec::new(), Vec::<HandleInfo>::new());
    b.read_etc(&mut bytes, &mut handles).unwrap();
    assert_eq!(bytes, b"etc");
    let kinds: Vec<_> = handles.iter().map(|h| (h.object_type, h.rights)).collect();
    assert_eq!(
        kinds,
        [
            (ObjectType::VMO, Rights::VMO_DEFAULT),
            (ObjectType::CHANNEL, Rights::CHANNEL_DEFAULT)
        ]
    );
    assert_eq!(
        handles[1].handle.basic_info().unwrap().related_koid,
        d.get_koid().unwrap()
    );
    drop((a, b, d, handles));
    s.assert_no_leaks();
}

#[test]
fn read_with_a_small_buffer_is_buffer_too_small_and_keeps_the_message() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    a.write(
        b"twelve bytes",
        &mut vec![Vmo::create(1).unwrap().into_handle()],
    )
    .unwrap();
    assert_eq!(
        raw::channel_read_counts(b.raw_handle(), 0, 4, 0),
        (sys::ZX_ERR_BUFFER_TOO_SMALL, 12, 1),
        "the status and the sizes of the message that did not fit"
    );
    let mut buf = MessageBuf::new();
    b.read(&mut buf).unwrap();
    assert_eq!((buf.bytes(), buf.handles.len()), (&b"twelve bytes"[..], 1));
    drop((a, b, buf));
    s.assert_no_leaks();
}

#[test]
fn read_may_discard_drops_a_message_that_does_not_fit() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    a.write(
        b"too long",
        &mut vec![Vmo::create(1).unwrap().into_handle()],
    )
    .unwrap();
    let (status, _, _) = raw::channel_read_counts(b.raw_handle(), 1, 0, 0);
    assert_eq!(status, sys::ZX_ERR_BUFFER_TOO_SMALL);
    assert_eq!(
        read_bytes(&b),
        Err(Status::SHOULD_WAIT),
        "the message was discarded"
    );
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn handles_in_flight_are_closed_when_the_receiving_end_closes() {
    let s = serial();
    let open_fds = zx_common::open_fds;
    let (a, b) = Channel::create().unwrap();
    let (c, d) = Channel::create().unwrap();
    let peer_closed = |d: &Channel| {
        d.wait_handle(
            Signals::CHANNEL_PEER_CLOSED,
            MonotonicInstant::INFINITE_PAST,
        )
        .to_result()
        .map(|signals| signals.contains(Signals::CHANNEL_PEER_CLOSED))
    };
    a.write(b"vmo", &mut vec![Vmo::create(1).unwrap().into_handle()])
        .unwrap();
    a.write(b"c end", &mut vec![c.into_handle()]).unwrap();
    // a, b and d. The VMO and c are in flight: they live in the OS's socket buffer now,
    // not in this process's handle table (the receiving end may be in any process).
    assert_eq!(s.live_delta(), (3, 0, 3, 0));
    assert_eq!(
        peer_closed(&d),
        Err(Status::TIMED_OUT),
        "a handle in flight keeps c open"
    );
    let fds_before = open_fds();
    drop(b);
    // b's queue is destroyed with b: the VMO and c close, and d learns it.
    assert_eq!(s.live_delta(), (2, 0, 2, 0));
    assert_eq!(
        open_fds(),
        fds_before - 1,
        "b's socket closed, and nothing it held stayed open"
    );
    assert_eq!(peer_closed(&d), Ok(true));
    drop((a, d));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// Signals and waits
// ---------------------------------------------------------------------------------------------

#[test]
fn channel_signals_follow_the_queue_and_the_peer() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let poll = |c: &Channel| {
        c.wait_handle(Signals::all(), MonotonicInstant::INFINITE_PAST)
            .to_result()
            .unwrap()
    };
    assert_eq!(poll(&b), Signals::CHANNEL_WRITABLE);
    a.write(b"x", &mut vec![]).unwrap();
    assert_eq!(
        poll(&b),
        Signals::CHANNEL_WRITABLE | Signals::CHANNEL_READABLE
    );
    drop(a);
    assert_eq!(
        poll(&b),
        Signals::CHANNEL_READABLE | Signals::CHANNEL_PEER_CLOSED
    );
    read_bytes(&b).unwrap();
    assert_eq!(poll(&b), Signals::CHANNEL_PEER_CLOSED);
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
    assert_eq!(
        a.wait_handle(Signals::CHANNEL_READABLE, MonotonicInstant::INFINITE_PAST)
            .to_result(),
        Err(Status::TIMED_OUT)
    );
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
        a.wait_handle(Signals::CHANNEL_READABLE, MonotonicInstant::INFINITE_PAST)
            .to_result(),
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
        let signals = b
            .wait_handle(Signals::CHANNEL_READABLE, MonotonicInstant::INFINITE)
            .to_result()
            .unwrap();
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
        let signals = b
            .wait_handle(Signals::CHANNEL_PEER_CLOSED, MonotonicInstant::INFINITE)
            .to_result();
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
        borrowed
            .wait_handle(Signals::CHANNEL_READABLE, MonotonicInstant::INFINITE)
            .to_result()
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
        WaitItem {
            handle: b.as_handle_ref(),
            waitfor: Signals::CHANNEL_READABLE,
            pending: Signals::NONE,
        },
        WaitItem {
            handle: d.as_handle_ref(),
            waitfor: Signals::CHANNEL_READABLE,
            pending: Signals::NONE,
        },
        WaitItem {
            handle: vmo.as_handle_ref(),
            waitfor: Signals::NONE,
            pending: Signals::NONE,
        },
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
    let mut items = [WaitItem {
        handle: b.as_handle_ref(),
        waitfor: Signals::CHANNEL_READABLE,
        pending: Signals::NONE,
    }];
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
            WaitItem {
                handle: b.as_handle_ref(),
                waitfor: Signals::CHANNEL_READABLE,
                pending: Signals::NONE,
            },
            WaitItem {
                handle: d.as_handle_ref(),
                waitfor: Signals::CHANNEL_READABLE,
                pending: Signals::NONE,
            },
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
    let mut items: Vec<WaitItem<'_>> = (0..65)
        .map(|_| WaitItem {
            handle: vmo.as_handle_ref(),
            waitfor: Signals::USER_0,
            pending: Signals::NONE,
        })
        .collect();
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

// ---------------------------------------------------------------------------------------------
// zx_channel_call_etc
// ---------------------------------------------------------------------------------------------

/// Serves one request on `server`: replies with the request's txid, `reply` bytes and a VMO,
/// after first sending an unrelated event (which must stay queued for the client's reads).
fn serve_one(server: Channel, reply: &'static [u8]) -> thread::JoinHandle<Channel> {
    thread::spawn(move || {
        server
            .wait_handle(Signals::CHANNEL_READABLE, MonotonicInstant::INFINITE)
            .to_result()
            .unwrap();
        let mut request = MessageBuf::new();
        server.read(&mut request).unwrap();
        let txid = &request.bytes()[..4];
        assert_ne!(
            u32::from_le_bytes(txid.try_into().unwrap()) & 0x8000_0000,
            0
        );
        server
            .write(&[0, 0, 0, 0, b'e', b'v'], &mut vec![])
            .unwrap();
        let mut message = txid.to_vec();
        message.extend_from_slice(reply);
        server
            .write(&message, &mut vec![Vmo::create(1).unwrap().into_handle()])
            .unwrap();
        server
    })
}

#[test]
fn call_etc_returns_the_reply_with_the_matching_txid() {
    let s = serial();
    let (client, server) = Channel::create().unwrap();
    let server = serve_one(server, b"pong");
    let (mut bytes, mut handles) = (Vec::new(), Vec::new());
    client
        .call_etc(
            MonotonicInstant::INFINITE,
            b"\0\0\0\0ping",
            &mut vec![],
            &mut bytes,
            &mut handles,
        )
        .unwrap();
    assert_eq!(&bytes[4..], b"pong");
    assert_eq!(handles.len(), 1);
    assert_eq!(handles[0].object_type, ObjectType::VMO);
    // The unrelated message stayed queued for an ordinary read.
    let server = server.join().unwrap();
    assert_eq!(read_bytes(&client).unwrap(), [0, 0, 0, 0, b'e', b'v']);
    drop((client, server, handles));
    s.assert_no_leaks();
}

#[test]
fn call_etc_without_a_reply_times_out() {
    let s = serial();
    let (client, server) = Channel::create().unwrap();
    let deadline = MonotonicInstant::after(Duration::from_millis(10));
    let result = client.call_etc(
        deadline,
        b"\0\0\0\0req",
        &mut vec![],
        &mut Vec::new(),
        &mut Vec::new(),
    );
    assert_eq!(result, Err(Status::TIMED_OUT));
    drop((client, server));
    s.assert_no_leaks();
}

#[test]
fn call_etc_when_the_peer_closes_is_peer_closed() {
    let s = serial();
    let (client, server) = Channel::create().unwrap();
    let closer = thread::spawn(move || {
        server
            .wait_handle(Signals::CHANNEL_READABLE, MonotonicInstant::INFINITE)
            .to_result()
            .unwrap();
        drop(server);
    });
    let result = client.call_etc(
        MonotonicInstant::INFINITE,
        b"\0\0\0\0req",
        &mut vec![Vmo::create(1).unwrap().into_handle()],
        &mut Vec::new(),
        &mut Vec::new(),
    );
    assert_eq!(result, Err(Status::PEER_CLOSED));
    closer.join().unwrap();
    drop(client);
    s.assert_no_leaks();
}

#[test]
fn call_etc_with_fewer_bytes_than_a_txid_is_invalid_args() {
    let s = serial();
    let (client, server) = Channel::create().unwrap();
    let vmo = Vmo::create(1).unwrap();
    let value = vmo.raw_handle();
    let result = client.call_etc(
        MonotonicInstant::INFINITE,
        b"abc",
        &mut vec![vmo.into_handle()],
        &mut Vec::new(),
        &mut Vec::new(),
    );
    assert_eq!(result, Err(Status::INVALID_ARGS));
    assert!(
        !is_live(value),
        "call_etc consumes its handles on failure too"
    );
    drop((client, server));
    s.assert_no_leaks();
}

#[test]
fn call_etc_needs_read_as_well_as_write() {
    let s = serial();
    let (client, server) = Channel::create().unwrap();
    let client = client
        .replace_handle(Rights::CHANNEL_DEFAULT - Rights::READ)
        .unwrap();
    let result = client.call_etc(
        MonotonicInstant::INFINITE,
        b"\0\0\0\0x",
        &mut vec![],
        &mut Vec::new(),
        &mut Vec::new(),
    );
    assert_eq!(result, Err(Status::ACCESS_DENIED));
    drop((client, server));
    s.assert_no_leaks();
}

#[test]
fn write_to_a_full_channel_is_should_wait_and_closes_the_handles() {
    // The peer's socket buffer is finite: once it is full a write is SHOULD_WAIT, as a full
    // channel's is, and nothing is half-sent: the message is not queued and its handles close.
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let big = vec![0u8; vmo_interop::zx::MAX_MSG_BYTES];
    let mut written = 0;
    let status = loop {
        match a.write(&big, &mut vec![]) {
            Ok(()) => written += 1,
            Err(status) => break status,
        }
        assert!(written < 10_000, "the channel never filled");
    };
    assert_eq!(status, Status::SHOULD_WAIT);
    let vmo = Vmo::create(1).unwrap();
    assert_eq!(
        a.write(b"one more", &mut vec![vmo.into_handle()]),
        Err(Status::SHOULD_WAIT)
    );
    assert_eq!(
        s.live_delta(),
        (2, 0, 2, 0),
        "the VMO of the refused write closed"
    );
    let mut read = 0;
    while read_bytes(&b).is_ok() {
        read += 1;
    }
    assert_eq!(
        read, written,
        "every accepted message, and no half of the refused one"
    );
    drop((a, b));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// Rules from the kernel's own core tests (channel, call_etc, handle-transfer)
// ---------------------------------------------------------------------------------------------

#[test]
fn read_with_unknown_options_looks_the_handle_up_first_then_is_not_supported() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let (mut nb, mut nh) = (0, 0);
    let read = |handle, options, nb: &mut u32, nh: &mut u32| {
        raw::channel_read(handle, options, &mut [0u8; 8], &mut [], nb, nh)
    };
    // An invalid handle is BAD_HANDLE whatever the options; a handle without READ is
    // ACCESS_DENIED; only then are unknown options NOT_SUPPORTED.
    assert_eq!(
        read(0x7ff3, 1 << 5, &mut nb, &mut nh),
        sys::ZX_ERR_BAD_HANDLE
    );
    let no_read = b.duplicate_handle(Rights::WRITE | Rights::WAIT);
    // Channel ends have no DUPLICATE right: make a READ-less end by replacing instead.
    assert_eq!(no_read.unwrap_err(), Status::ACCESS_DENIED);
    let b = b
        .replace_handle(Rights::WRITE | Rights::WAIT | Rights::TRANSFER)
        .unwrap();
    assert_eq!(
        read(b.raw_handle(), 1 << 5, &mut nb, &mut nh),
        sys::ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(
        read(a.raw_handle(), 1 << 5, &mut nb, &mut nh),
        sys::ZX_ERR_NOT_SUPPORTED
    );
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn call_etc_with_fewer_bytes_than_a_txid_looks_the_handle_up_first() {
    let s = serial();
    let (client, server) = Channel::create().unwrap();
    let stale = client.raw_handle();
    drop(client);
    let mut args = sys::zx_channel_call_etc_args_t {
        wr_bytes: b"ab".as_ptr(),
        wr_handles: std::ptr::null_mut(),
        rd_bytes: std::ptr::null_mut(),
        rd_handles: std::ptr::null_mut(),
        wr_num_bytes: 2,
        wr_num_handles: 0,
        rd_num_bytes: 0,
        rd_num_handles: 0,
    };
    let (mut nb, mut nh) = (0, 0);
    // SAFETY: every pointer in `args` is valid for the length beside it (0 for the nulls).
    let status = unsafe {
        sys::zx_channel_call_etc(stale, 0, sys::ZX_TIME_INFINITE, &mut args, &mut nb, &mut nh)
    };
    assert_eq!(
        status,
        sys::ZX_ERR_BAD_HANDLE,
        "the lookup comes before the length check"
    );
    drop(server);
    s.assert_no_leaks();
}

#[test]
fn a_wait_on_a_handle_written_into_a_channel_ends_when_it_is_read_out() {
    // The kernel's handle-transfer test: writing the handle a thread waits on into a channel
    // does not end the wait; reading it out of the channel does, with CANCELED.
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let (watched, peer) = Channel::create().unwrap();
    let raw = watched.raw_handle();
    let waiter = thread::spawn(move || {
        let mut observed = 0;
        let status = raw::object_wait_one(
            raw,
            sys::ZX_CHANNEL_READABLE,
            sys::ZX_TIME_INFINITE,
            &mut observed,
        );
        (status, observed)
    });
    until_a_waiter_blocks();
    a.write(b"watched end", &mut vec![watched.into_handle()])
        .unwrap();
    thread::sleep(Duration::from_millis(50));
    assert!(!waiter.is_finished(), "the write did not end the wait");
    let mut buf = MessageBuf::new();
    b.read(&mut buf).unwrap();
    let (status, observed) = waiter.join().unwrap();
    assert_eq!(
        status,
        sys::ZX_ERR_CANCELED,
        "reading the handle out ended the wait"
    );
    assert_ne!(observed & sys::ZX_SIGNAL_HANDLE_CLOSED, 0);
    drop((a, b, peer, buf));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// zx_channel_write_etc, zx_handle_close_many
// ---------------------------------------------------------------------------------------------

#[test]
fn write_etc_moves_with_reduced_rights_and_duplicates_without_consuming() {
    use vmo_interop::zx::{HandleDisposition, HandleOp};
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let moved = Vmo::create(1).unwrap();
    let moved_koid = moved.get_koid().unwrap();
    let kept = Vmo::create(1).unwrap();
    let reduced = Rights::READ | Rights::MAP | Rights::TRANSFER;
    let mut dispositions = [
        HandleDisposition {
            object_type: ObjectType::VMO,
            rights: reduced,
            ..HandleDisposition::new(HandleOp::Move(moved.into_handle()))
        },
        HandleDisposition::new(HandleOp::Duplicate(kept.as_handle_ref())),
    ];
    a.write_etc(b"etc", &mut dispositions).unwrap();
    assert!(dispositions.iter().all(|d| d.result == Status::OK));
    assert!(
        matches!(&dispositions[0].handle_op, HandleOp::Move(h) if h.is_invalid()),
        "a moved handle is consumed"
    );
    drop(dispositions);
    assert!(kept.basic_info().is_ok(), "a duplicated handle stays");
    let mut buf = MessageBuf::new();
    b.read(&mut buf).unwrap();
    let (_, handles) = buf.split();
    let infos: Vec<_> = handles.iter().map(|h| h.basic_info().unwrap()).collect();
    assert_eq!((infos[0].koid, infos[0].rights), (moved_koid, reduced));
    assert_eq!(infos[1].koid, kept.get_koid().unwrap());
    assert_eq!(infos[1].rights, Rights::VMO_DEFAULT, "SAME_RIGHTS");
    drop((a, b, kept, handles));
    s.assert_no_leaks();
}

#[test]
fn write_etc_of_the_wrong_type_or_rights_fails_naming_the_handle_and_consumes_the_moves() {
    use vmo_interop::zx::{HandleDisposition, HandleOp};
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let vmo = Vmo::create(1).unwrap();
    let raw = vmo.raw_handle();
    let mut wrong_type = [HandleDisposition {
        object_type: ObjectType::CHANNEL,
        ..HandleDisposition::new(HandleOp::Move(vmo.into_handle()))
    }];
    assert_eq!(a.write_etc(b"x", &mut wrong_type), Err(Status::WRONG_TYPE));
    assert_eq!(wrong_type[0].result, Status::WRONG_TYPE);
    assert!(
        !is_live(raw),
        "the move was consumed although the write failed"
    );
    let kept = Vmo::create(1).unwrap();
    let mut too_many_rights = [HandleDisposition {
        rights: Rights::VMO_DEFAULT | Rights::EXECUTE,
        ..HandleDisposition::new(HandleOp::Duplicate(kept.as_handle_ref()))
    }];
    assert_eq!(
        a.write_etc(b"x", &mut too_many_rights),
        Err(Status::INVALID_ARGS)
    );
    assert_eq!(too_many_rights[0].result, Status::INVALID_ARGS);
    assert!(
        kept.basic_info().is_ok(),
        "a duplicate's source is never consumed"
    );
    assert_eq!(read_bytes(&b), Err(Status::SHOULD_WAIT), "nothing was sent");
    drop((a, b, kept));
    s.assert_no_leaks();
}

#[test]
fn close_many_closes_every_handle_and_reports_a_bad_one() {
    let s = serial();
    let values: Vec<_> = (0..3)
        .map(|_| Vmo::create(1).unwrap().into_handle().into_raw())
        .collect();
    let mut with_a_stale = values.clone();
    with_a_stale.push(values[0]);
    // SAFETY: the values were given up above; the repeated one is stale by the time it is read.
    let status = unsafe { sys::zx_handle_close_many(with_a_stale.as_ptr(), with_a_stale.len()) };
    assert_eq!(status, sys::ZX_ERR_BAD_HANDLE);
    assert!(
        values.iter().all(|&v| !is_live(v)),
        "every live handle was closed"
    );
    s.assert_no_leaks();
}
