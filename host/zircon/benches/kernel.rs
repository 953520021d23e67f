//! The host kernel beside the OS primitives it is built from, measured side by side in one run
//! (`cargo bench -p vmo-interop-host-zircon --bench kernel`).
//!
//! | row | host kernel | OS baseline |
//! |---|---|---|
//! | channel ping-pong across processes, 64 B + one VMO each way | `zx_channel_write` + `zx_channel_read` | `sendmsg` + `recvmsg` with `SCM_RIGHTS` of a memfd on a `SOCK_SEQPACKET` pair |
//! | the same within one process | as above, both ends here | as above |
//! | VMO create + close | `zx_vmo_create` + `zx_handle_close` | `memfd_create` + `ftruncate` + `close` |
//! | handle duplicate + close | `zx_handle_duplicate` + `zx_handle_close` | `dup` + `close` |
//!
//! Each figure is the median of 7 rounds; the child process of the cross-process rows is this
//! binary, re-executed as an echo server.

use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Instant;

use fuchsia_zircon_types::zx_handle_t;
use host_zircon::abi::*;
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, SocketFlags, SocketType,
};

const ROLE: &str = "KERNEL_BENCH_ROLE";
const ROUNDS: usize = 7;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

/// Nanoseconds per iteration of `f`, the median of [`ROUNDS`] rounds of `n` iterations.
fn time(n: u32, mut f: impl FnMut()) -> f64 {
    median(
        (0..ROUNDS)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..n {
                    f();
                }
                start.elapsed().as_nanos() as f64 / f64::from(n)
            })
            .collect(),
    )
}

// ------------------------------------------------------------------------------------------
// zx: one message of 64 bytes and one VMO handle, written then read back.
// ------------------------------------------------------------------------------------------

fn zx_write(channel: zx_handle_t, handle: zx_handle_t) {
    let bytes = [7u8; 64];
    // SAFETY: `bytes` and `handle` are valid for the lengths passed.
    let status = unsafe { zx_channel_write(channel, 0, bytes.as_ptr(), 64, &handle, 1) };
    assert_eq!(status, 0, "zx_channel_write");
}

/// A blocking read, as a blocking client makes it: wait for READABLE, then read.
fn zx_read(channel: zx_handle_t) -> zx_handle_t {
    let mut bytes = [0u8; 64];
    let mut handle = 0;
    let (mut nb, mut nh) = (0, 0);
    let mut observed = 0;
    let signals =
        fuchsia_zircon_types::ZX_CHANNEL_READABLE | fuchsia_zircon_types::ZX_CHANNEL_PEER_CLOSED;
    // SAFETY: `observed` is writable.
    unsafe { zx_object_wait_one(channel, signals, i64::MAX, &mut observed) };
    // SAFETY: the buffers are valid for the lengths passed.
    let status = unsafe {
        zx_channel_read(
            channel,
            0,
            bytes.as_mut_ptr(),
            &mut handle,
            64,
            1,
            &mut nb,
            &mut nh,
        )
    };
    assert_eq!(status, 0, "zx_channel_read");
    handle
}

fn zx_vmo() -> zx_handle_t {
    let mut vmo = 0;
    // SAFETY: `vmo` is writable.
    assert_eq!(unsafe { zx_vmo_create(4096, 0, &mut vmo) }, 0);
    vmo
}

fn zx_channel() -> (zx_handle_t, zx_handle_t) {
    let (mut a, mut b) = (0, 0);
    // SAFETY: `a` and `b` are writable.
    assert_eq!(unsafe { zx_channel_create(0, &mut a, &mut b) }, 0);
    (a, b)
}

// ------------------------------------------------------------------------------------------
// The OS: the same message as one datagram with the memfd attached.
// ------------------------------------------------------------------------------------------

fn os_send(socket: &OwnedFd, fd: &OwnedFd) {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let fds = [fd.as_fd()];
    assert!(control.push(SendAncillaryMessage::ScmRights(&fds)));
    let bytes = [7u8; 64];
    rustix::net::sendmsg(
        socket,
        &[IoSlice::new(&bytes)],
        &mut control,
        SendFlags::empty(),
    )
    .expect("sendmsg");
}

fn os_recv(socket: &OwnedFd) -> OwnedFd {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut bytes = [0u8; 64];
    rustix::net::recvmsg(
        socket,
        &mut [IoSliceMut::new(&mut bytes)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )
    .expect("recvmsg");
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(mut fds) = message {
            if let Some(fd) = fds.next() {
                return fd;
            }
        }
    }
    panic!("no fd received")
}

fn os_pair() -> (OwnedFd, OwnedFd) {
    rustix::net::socketpair(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    )
    .expect("socketpair")
}

fn os_memfd() -> OwnedFd {
    let fd =
        rustix::fs::memfd_create("bench", rustix::fs::MemfdFlags::CLOEXEC).expect("memfd_create");
    rustix::fs::ftruncate(&fd, 4096).expect("ftruncate");
    fd
}

// ------------------------------------------------------------------------------------------
// Cross-process: the child echoes every message back with its handle.
// ------------------------------------------------------------------------------------------

fn child(role: &str) {
    match role {
        "zx" => {
            // Connect to the parent's service: the parent reads our channel's server end.
            let (listener, server) = zx_channel();
            let path = std::ffi::CString::new("/svc/kernel-bench").unwrap();
            // SAFETY: `path` is NUL-terminated; `server` is ours to give.
            assert_eq!(unsafe { fdio_service_connect(path.as_ptr(), server) }, 0);
            loop {
                let mut bytes = [0u8; 64];
                let mut handle = 0;
                let (mut nb, mut nh) = (0, 0);
                let mut observed = 0;
                // SAFETY: `observed` is writable.
                unsafe {
                    zx_object_wait_one(
                        listener,
                        fuchsia_zircon_types::ZX_CHANNEL_READABLE
                            | fuchsia_zircon_types::ZX_CHANNEL_PEER_CLOSED,
                        i64::MAX,
                        &mut observed,
                    )
                };
                // SAFETY: the buffers are valid for the lengths passed.
                let status = unsafe {
                    zx_channel_read(
                        listener,
                        0,
                        bytes.as_mut_ptr(),
                        &mut handle,
                        64,
                        1,
                        &mut nb,
                        &mut nh,
                    )
                };
                if status != 0 {
                    return;
                }
                zx_write(listener, handle);
            }
        }
        _ => {
            // The raw child gets its socket as fd 3 (inherited).
            // SAFETY: the parent passed the socket as fd 3 and nothing else owns it here.
            let socket = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(3) };
            loop {
                let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
                let mut control = RecvAncillaryBuffer::new(&mut space);
                let mut bytes = [0u8; 64];
                match rustix::net::recvmsg(
                    &socket,
                    &mut [IoSliceMut::new(&mut bytes)],
                    &mut control,
                    RecvFlags::CMSG_CLOEXEC,
                ) {
                    Ok(msg) if msg.bytes > 0 => {}
                    _ => return,
                }
                let mut fd = None;
                for message in control.drain() {
                    if let RecvAncillaryMessage::ScmRights(mut fds) = message {
                        fd = fds.next();
                    }
                }
                let Some(fd) = fd else { return };
                os_send(&socket, &fd);
            }
        }
    }
}

fn main() {
    if let Ok(role) = std::env::var(ROLE) {
        return child(&role);
    }
    let exe = std::env::current_exe().expect("own path");
    let svc = std::env::temp_dir().join(format!("kernel-bench-{}", std::process::id()));
    std::fs::create_dir_all(&svc).unwrap();
    std::env::set_var("VMO_INTEROP_SVC_DIR", &svc);
    let n = 20_000;

    // Across processes, zx.
    let name = std::ffi::CString::new("kernel-bench").unwrap();
    let mut listener = 0;
    // SAFETY: `name` is NUL-terminated and `listener` writable.
    assert_eq!(
        unsafe { zx_host_service_bind(name.as_ptr(), &mut listener) },
        0
    );
    let mut zx_child = std::process::Command::new(&exe)
        .env(ROLE, "zx")
        .spawn()
        .unwrap();
    let channel = zx_read(listener);
    let mut vmo = zx_vmo();
    let zx_cross = time(n, || {
        zx_write(channel, vmo);
        vmo = zx_read(channel);
    }) / 2.0;
    // SAFETY: the bench owns `channel` and closes it once.
    unsafe { zx_handle_close(channel) };
    // SAFETY: the bench owns `vmo` and closes it once.
    unsafe { zx_handle_close(vmo) };
    // SAFETY: the bench owns `listener` and closes it once.
    unsafe { zx_handle_close(listener) };
    let _ = zx_child.wait();

    // Across processes, the OS.
    let (mine, theirs) = os_pair();
    let theirs_raw = std::os::fd::AsRawFd::as_raw_fd(&theirs);
    let mut command = std::process::Command::new(&exe);
    command.env(ROLE, "os");
    // SAFETY: between fork and exec only dup2 (async-signal-safe) runs.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, move || {
            if libc_dup2(theirs_raw, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut os_child = command.spawn().unwrap();
    drop(theirs);
    let mut memfd = os_memfd();
    let os_cross = time(n, || {
        os_send(&mine, &memfd);
        memfd = os_recv(&mine);
    }) / 2.0;
    drop(mine);
    let _ = os_child.wait();

    // Within one process.
    let (a, b) = zx_channel();
    let mut vmo = zx_vmo();
    let zx_local = time(n, || {
        zx_write(a, vmo);
        vmo = zx_read(b);
    });
    // SAFETY: the bench owns `a` and closes it once.
    unsafe { zx_handle_close(a) };
    // SAFETY: the bench owns `b` and closes it once.
    unsafe { zx_handle_close(b) };
    // SAFETY: the bench owns `vmo` and closes it once.
    unsafe { zx_handle_close(vmo) };
    let (x, y) = os_pair();
    let mut memfd = os_memfd();
    let os_local = time(n, || {
        os_send(&x, &memfd);
        memfd = os_recv(&y);
    });

    // Creation and duplication.
    let zx_create = time(n, || {
        let vmo = zx_vmo();
        // SAFETY: the bench owns `vmo` and closes it once.
        unsafe { zx_handle_close(vmo) };
    });
    let os_create = time(n, || drop(os_memfd()));
    let vmo = zx_vmo();
    let zx_dup = time(n * 10, || {
        let mut out = 0;
        // SAFETY: `out` is writable.
        unsafe { zx_handle_duplicate(vmo, 0x8000_0000, &mut out) };
        // SAFETY: the bench owns `out` and closes it once.
        unsafe { zx_handle_close(out) };
    });
    let os_dup = time(n * 10, || drop(memfd.try_clone().unwrap()));
    let _ = std::fs::remove_dir_all(&svc);

    println!("| operation | host kernel | OS | ratio |");
    println!("|---|---|---|---|");
    for (label, ours, os) in [
        (
            "64 B + 1 VMO, write + read, across processes",
            zx_cross,
            os_cross,
        ),
        (
            "64 B + 1 VMO, write + read, one process",
            zx_local,
            os_local,
        ),
        ("VMO create + close (4 KiB)", zx_create, os_create),
        ("handle duplicate + close", zx_dup, os_dup),
    ] {
        println!("| {label} | {ours:.0} ns | {os:.0} ns | {:.2} |", ours / os);
    }
}

extern "C" {
    #[link_name = "dup2"]
    fn libc_dup2_raw(old: i32, new: i32) -> i32;
}

fn libc_dup2(old: i32, new: i32) -> i32 {
    // SAFETY: dup2 takes two integers and touches no memory.
    unsafe { libc_dup2_raw(old, new) }
}
