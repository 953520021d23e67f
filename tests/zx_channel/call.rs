//! `zx_channel_call_etc`.

use super::*;

// ---------------------------------------------------------------------------------------------
// zx_channel_call_etc
// ---------------------------------------------------------------------------------------------

/// Serves one request on `server`: replies with the request's txid, `reply` bytes and a VMO,
/// after first sending an unrelated event (which must stay queued for the client's reads).
fn serve_one(server: Channel, reply: &'static [u8]) -> thread::JoinHandle<Channel> {
    thread::spawn(move || {
        wait_forever(&server, Signals::CHANNEL_READABLE).unwrap();
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
        wait_forever(&server, Signals::CHANNEL_READABLE).unwrap();
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
