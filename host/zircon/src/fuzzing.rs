//! Fuzzing entry for the channel read path: what a foreign process can put on a channel's
//! socket. Not part of the ABI; `fuzz/fuzz_targets/kernel_channel.rs` and the replay test
//! (`tests/fuzz_replay.rs`) call it with the same bytes.
//!
//! The input is a sequence of datagrams, each `spec (u8) | fix (u8) | len (u16 LE) | bytes`.
//! `spec` picks up to three file descriptions to attach as `SCM_RIGHTS` (memfds of several
//! sizes, read-only reopened memfds, channel sockets, eventfds, `/dev/null`, datagram
//! sockets, stream sockets); with the low bit of `fix` set the wire header and the records' types are made
//! consistent with the bytes and the descriptions (so most inputs reach the record decoder and
//! `materialize`), other bits of `fix` choose the record types. Every datagram goes onto the
//! peer socket of a channel end in this process's table; then the end is read (first with
//! buffers too small, then with room), every handle received is used (basic info; a VMO's size,
//! reads at its start and end, a mapping read at its first and last byte; a channel written and
//! read), everything is closed, and the kernel's counters and the process's open file
//! descriptions must be back where they were.

use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use fuchsia_zircon_types::{self as sys, zx_handle_info_t, zx_handle_t};
use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};

use crate::channel::wire::{HEADER_LEN, MAGIC, MAX_BYTES, MAX_HANDLES, RECORD_LEN};
use crate::channel::{ChannelEnd, Socket};
use crate::object::{KernelHandle, Kind, Object};
use crate::syscalls::{self, socket_pair};

/// Open file descriptions of this process (entries of `/proc/self/fd`, less the one the listing
/// itself holds).
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count().saturating_sub(1))
}

/// A file description of the kind `kind` (0-7) for a datagram, with `size` choosing a memfd's
/// length; what must stay open meanwhile (a socket's peer) goes to `keep`.
fn description(kind: u8, size: u8, keep: &mut Vec<OwnedFd>) -> Option<OwnedFd> {
    use rustix::fs::{memfd_create, MemfdFlags};
    let memfd = |len: u64| {
        let fd = memfd_create("fuzz", MemfdFlags::CLOEXEC).ok()?;
        rustix::fs::ftruncate(&fd, len).ok()?;
        Some(fd)
    };
    match kind % 8 {
        0 => memfd(u64::from(size) * 4096),
        1 => memfd(u64::from(size)),
        2 => {
            // A read-only description of a memfd, as a VMO sent without WRITE arrives.
            let fd = memfd(4096)?;
            let path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
            rustix::fs::open(
                path.as_str(),
                rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )
            .ok()
        }
        3 => socket_pair().ok().map(|(end, _peer)| end),
        4 => socket_pair().ok().map(|(end, peer)| {
            // The end arrives with its peer open.
            keep.push(peer);
            end
        }),
        5 => rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::STREAM,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .ok()
        .map(|(end, _peer)| end),
        6 => rustix::event::eventfd(0, rustix::event::EventfdFlags::CLOEXEC).ok(),
        _ => rustix::fs::open(
            "/dev/null",
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .ok(),
    }
}

/// Sends `datagram` with `fds` on `socket` as another process would.
fn send(socket: BorrowedFd<'_>, datagram: &[u8], fds: &[BorrowedFd<'_>]) {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_HANDLES))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
        return;
    }
    let iov = [IoSlice::new(datagram)];
    // A full socket or a datagram over the socket's limit is the sender's problem.
    let _ = rustix::net::sendmsg(
        socket,
        &iov,
        &mut control,
        SendFlags::DONTWAIT | SendFlags::NOSIGNAL,
    );
}

/// Makes a datagram's header and records agree with its bytes and file descriptions.
fn fix_up(datagram: &mut Vec<u8>, kinds: &[u8], fix: u8) {
    let records = kinds.len();
    let need = HEADER_LEN + records * RECORD_LEN;
    if datagram.len() < need {
        datagram.resize(need, 0);
    }
    let payload = (datagram.len() - need).min(MAX_BYTES);
    datagram.truncate(need + payload);
    datagram[0..4].copy_from_slice(&MAGIC.to_le_bytes());
    datagram[4..8].copy_from_slice(&(payload as u32).to_le_bytes());
    datagram[8..12].copy_from_slice(&(records as u32).to_le_bytes());
    for (i, kind) in kinds.iter().enumerate() {
        // Bits 1-3 of `fix` decide, per record, whether its type follows its description.
        let honest = fix & (2 << (i % 3)) == 0;
        let object_type = match (honest, kind % 8) {
            (true, 0..=2) | (false, 3..=7) => sys::ZX_OBJ_TYPE_VMO,
            _ => sys::ZX_OBJ_TYPE_CHANNEL,
        };
        let at = HEADER_LEN + i * RECORD_LEN;
        datagram[at..at + 4].copy_from_slice(&object_type.to_le_bytes());
    }
}

/// Uses every received handle as a caller would, then closes it.
fn exercise(info: &zx_handle_info_t) {
    let handle = info.handle;
    let mut basic = sys::zx_info_handle_basic_t::default();
    let _ = syscalls::object_get_info_handle_basic(handle, &mut basic);
    let mut size = 0;
    if syscalls::vmo_get_size(handle, &mut size) == sys::ZX_OK {
        let mut bytes = [0u8; 64];
        let _ = syscalls::vmo_read(handle, &mut bytes, 0);
        let _ = syscalls::vmo_read(handle, &mut bytes[..1], size.saturating_sub(1));
        let len = usize::try_from(size).unwrap_or(usize::MAX);
        if len > 0 && len <= 64 << 20 {
            let mut addr = 0;
            let options = sys::ZX_VM_PERM_READ;
            if syscalls::vmar_map(options, handle, 0, len, &mut addr) == sys::ZX_OK {
                let first = addr as *const u8;
                // SAFETY: `zx_vmar_map` mapped `len` readable bytes at `addr` for this VMO and
                // nothing unmaps them before the reads; a VMO's pages are backed up to its size
                // (a page the mapping lacked would fault, which is what this fuzzer looks for).
                let _ = unsafe { std::ptr::read_volatile(first) };
                let last = first.wrapping_add(len - 1);
                // SAFETY: as above; `last` is the mapping's last byte.
                let _ = unsafe { std::ptr::read_volatile(last) };
                let _ = syscalls::vmar_unmap(addr, len);
            }
        }
    }
    if syscalls::channel_write(handle, 0, b"ping", &[]) == sys::ZX_OK {
        drain(handle);
    }
    let _ = syscalls::handle_close(handle);
}

/// Reads `end` until it is empty or closed, exercising and closing every handle read.
fn drain(end: zx_handle_t) {
    let mut bytes = vec![0u8; MAX_BYTES];
    let mut handles = vec![
        zx_handle_info_t {
            handle: sys::ZX_HANDLE_INVALID,
            ty: sys::ZX_OBJ_TYPE_NONE,
            rights: 0,
            unused: 0,
        };
        MAX_HANDLES
    ];
    loop {
        let (mut nb, mut nh) = (0, 0);
        // First too small (the message stays queued and reports its sizes), then with room.
        let status =
            syscalls::channel_read::<zx_handle_info_t>(end, 0, &mut [], &mut [], &mut nb, &mut nh);
        if status != sys::ZX_OK && status != sys::ZX_ERR_BUFFER_TOO_SMALL {
            return;
        }
        let status = syscalls::channel_read(end, 0, &mut bytes, &mut handles, &mut nb, &mut nh);
        if status != sys::ZX_OK {
            return;
        }
        for info in &handles[..nh as usize] {
            exercise(info);
        }
    }
}

/// Splits `data` into datagrams and their descriptions (see the module documentation).
fn datagrams(mut data: &[u8], keep: &mut Vec<OwnedFd>) -> Vec<(Vec<u8>, Vec<OwnedFd>)> {
    let mut out = Vec::new();
    while let [spec, fix, lo, hi, rest @ ..] = data {
        let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(rest.len());
        let (bytes, tail) = rest.split_at(len);
        data = tail;
        let count = usize::from(spec % 4);
        let kinds: Vec<u8> = (0..count)
            .map(|i| (spec >> 2).rotate_right(i as u32 * 2))
            .collect();
        let fds: Vec<OwnedFd> = kinds
            .iter()
            .filter_map(|&kind| description(kind, fix.wrapping_add(kind), keep))
            .collect();
        let mut datagram = bytes.to_vec();
        if fix & 1 != 0 {
            fix_up(&mut datagram, &kinds[..fds.len()], *fix);
        }
        out.push((datagram, fds));
        if out.len() == 8 {
            break;
        }
    }
    out
}

/// A channel end in this process's table whose peer socket is returned raw, as a foreign
/// process would hold it.
fn end_with_foreign_peer() -> Option<(zx_handle_t, OwnedFd)> {
    let (ours, foreign) = socket_pair().ok()?;
    let koid = crate::koid::allocate(2);
    let end = Object::new(
        koid,
        koid + 1,
        Kind::Channel(ChannelEnd::new(ours, Socket::Channel)),
    );
    let mut value = 0;
    syscalls::insert(
        KernelHandle::new(end, crate::DEFAULT_CHANNEL_RIGHTS),
        &mut value,
    )
    .ok()?;
    Some((value, foreign))
}

/// One fuzz input (see the module documentation). Panics if the kernel leaks a handle, an
/// object, a mapping or a file description, or loses the ability to read the channel.
#[doc(hidden)]
pub fn channel_datagrams(data: &[u8]) {
    let before = (crate::counters(), open_fds());
    let Some((value, foreign)) = end_with_foreign_peer() else {
        return;
    };
    let mut keep = Vec::new();
    for (datagram, fds) in datagrams(data, &mut keep) {
        let borrowed: Vec<BorrowedFd<'_>> = fds.iter().map(AsFd::as_fd).collect();
        send(foreign.as_fd(), &datagram, &borrowed);
    }
    drain(value);
    drop(keep);
    // The foreign process goes away: the end reads PEER_CLOSED, and still closes cleanly.
    drop(foreign);
    drain(value);
    let (mut nb, mut nh) = (0, 0);
    let status =
        syscalls::channel_read::<zx_handle_info_t>(value, 0, &mut [], &mut [], &mut nb, &mut nh);
    assert_eq!(
        status,
        sys::ZX_ERR_PEER_CLOSED,
        "a drained end whose peer left"
    );
    assert_eq!(syscalls::handle_close(value), sys::ZX_OK);
    let after = (crate::counters(), open_fds());
    let live = |c: &crate::abi::zx_host_counters_t| {
        (
            c.live_handles,
            c.live_vmos,
            c.live_channels,
            c.live_mappings,
        )
    };
    assert_eq!(
        live(&after.0),
        live(&before.0),
        "handles, VMOs, channels or mappings leaked"
    );
    assert_eq!(after.1, before.1, "file descriptions leaked");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::wire::{self, Record};
    use crate::vmo::VmoMeta;

    /// Sends one record for `fd` and reads the end: the status and the handle's VMO size.
    fn receive(object_type: u32, size: u64, fd: OwnedFd) -> (sys::zx_status_t, u64) {
        let (end, foreign) = end_with_foreign_peer().unwrap();
        let record = Record {
            object_type,
            rights: 0xd0ef,
            koid: 0x7fff_0000_0000,
            related_koid: 0,
            origin: 1,
            handle_id: 1,
            vmo: VmoMeta {
                size,
                content_size: size,
                resizable: false,
            },
        };
        let mut datagram = Vec::new();
        wire::encode(&mut datagram, b"m", &[record]);
        send(foreign.as_fd(), &datagram, &[fd.as_fd()]);
        let mut bytes = [0u8; 8];
        let mut handles = [zx_handle_info_t {
            handle: sys::ZX_HANDLE_INVALID,
            ty: 0,
            rights: 0,
            unused: 0,
        }];
        let (mut nb, mut nh) = (0, 0);
        let status = syscalls::channel_read(end, 0, &mut bytes, &mut handles, &mut nb, &mut nh);
        let mut vmo_size = 0;
        if status == sys::ZX_OK {
            assert_eq!(
                syscalls::vmo_get_size(handles[0].handle, &mut vmo_size),
                sys::ZX_OK
            );
            assert_eq!(syscalls::handle_close(handles[0].handle), sys::ZX_OK);
        }
        assert_eq!(syscalls::handle_close(end), sys::ZX_OK);
        (status, vmo_size)
    }

    fn memfd(len: u64) -> OwnedFd {
        let fd = rustix::fs::memfd_create("t", rustix::fs::MemfdFlags::CLOEXEC).unwrap();
        rustix::fs::ftruncate(&fd, len).unwrap();
        fd
    }

    #[test]
    fn a_vmo_record_longer_than_its_file_is_dropped_not_mapped() {
        // Found by the kernel_channel fuzzer: a mapping of the claimed size read past the
        // memfd's end and the process died of SIGBUS.
        assert_eq!(
            receive(sys::ZX_OBJ_TYPE_VMO, 1 << 20, memfd(4096)),
            (sys::ZX_ERR_SHOULD_WAIT, 0)
        );
        assert_eq!(
            receive(sys::ZX_OBJ_TYPE_VMO, 4096, memfd(4096)),
            (sys::ZX_OK, 4096)
        );
    }

    #[test]
    fn records_of_other_types_or_wrong_descriptions_are_dropped() {
        let (socket, _peer) = socket_pair().unwrap();
        assert_eq!(
            receive(sys::ZX_OBJ_TYPE_VMO, 0, socket).0,
            sys::ZX_ERR_SHOULD_WAIT
        );
        assert_eq!(
            receive(sys::ZX_OBJ_TYPE_CHANNEL, 0, memfd(0)).0,
            sys::ZX_ERR_SHOULD_WAIT
        );
        assert_eq!(
            receive(sys::ZX_OBJ_TYPE_EVENT, 0, memfd(0)).0,
            sys::ZX_ERR_SHOULD_WAIT
        );
    }

    #[test]
    fn an_empty_datagram_does_not_read_as_peer_closed() {
        // Found by the kernel_channel fuzzer: a zero-length datagram read as the end of the
        // stream, so a read said PEER_CLOSED while the peer was open and messages were queued.
        let (end, foreign) = end_with_foreign_peer().unwrap();
        send(foreign.as_fd(), &[], &[]);
        let mut datagram = Vec::new();
        wire::encode(&mut datagram, b"after", &[]);
        send(foreign.as_fd(), &datagram, &[]);
        let (mut bytes, mut none) = ([0u8; 8], [sys::ZX_HANDLE_INVALID; 0]);
        let (mut nb, mut nh) = (0, 0);
        let status = syscalls::channel_read(end, 0, &mut bytes, &mut none, &mut nb, &mut nh);
        assert_eq!((status, &bytes[..nb as usize]), (sys::ZX_OK, &b"after"[..]));
        let status = syscalls::channel_read(end, 0, &mut bytes, &mut none, &mut nb, &mut nh);
        assert_eq!(status, sys::ZX_ERR_SHOULD_WAIT, "the peer is still open");
        drop(foreign);
        let status = syscalls::channel_read(end, 0, &mut bytes, &mut none, &mut nb, &mut nh);
        assert_eq!(status, sys::ZX_ERR_PEER_CLOSED);
        assert_eq!(syscalls::handle_close(end), sys::ZX_OK);
    }
}
