//! Rules from the Zircon kernel's own core tests (channel, call_etc, handle transfer).

use super::*;

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
