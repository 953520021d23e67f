//! Conformance suite of the host kernel's channels and waits (`zx_channel_*`,
//! `zx_object_wait_*`): §7 of `shared/reference/zircon.md` and the syscall docs it cites.
#![cfg(not(target_os = "fuchsia"))]

mod zx_common;

#[path = "zx_channel/call.rs"]
mod call;
#[path = "zx_channel/core_rules.rs"]
mod core_rules;
#[path = "zx_channel/waits.rs"]
mod waits;
#[path = "zx_channel/write_etc.rs"]
mod write_etc;

use std::thread;
use std::time::Duration;

use vmo_interop::zx::{
    object_wait_many, sys, AsHandleRef, Channel, Handle, HandleBased, HandleInfo, MessageBuf,
    MonotonicInstant, ObjectType, Rights, Signals, Status, Unowned, Vmo, WaitItem,
};
use zx_common::raw;
use zx_common::{is_live, serial, until_a_waiter_blocks};

/// The signals asserted on `channel` now, of those in `signals`: a wait that does not block
/// (`TIMED_OUT` when none is asserted).
fn poll(channel: &Channel, signals: Signals) -> Result<Signals, Status> {
    channel
        .wait_handle(signals, MonotonicInstant::INFINITE_PAST)
        .to_result()
}

/// Blocks until one of `signals` is asserted on `channel`.
fn wait_forever(channel: &Channel, signals: Signals) -> Result<Signals, Status> {
    channel
        .wait_handle(signals, MonotonicInstant::INFINITE)
        .to_result()
}

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
        poll(d, Signals::CHANNEL_PEER_CLOSED)
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
