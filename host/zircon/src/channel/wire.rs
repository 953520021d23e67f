//! How a channel message travels between processes: one datagram on a connected
//! `SOCK_SEQPACKET` socket (or, for a service connection, a `SOCK_DGRAM` one), with every
//! handle's file description attached as `SCM_RIGHTS`, in order.
//!
//! ```text
//! header      magic "ZXCH" (u32) | num_bytes (u32) | num_handles (u32) | reserved (u32)
//! handles     num_handles x 56 bytes: type (u32) | rights (u32) | koid (u64) |
//!             related_koid (u64) | origin (u64) | handle id (u64) | vmo size (u64) |
//!             vmo content size (u64; the top bit: resizable)
//! bytes       num_bytes
//! ```
//!
//! Everything an object's handles report (type, koid, related koid, rights, a VMO's sizes)
//! travels in its record, so the receiver's new handle reports exactly what the sender's did.
//! The OS enforces what it can: a VMO record without WRITE comes with a read-only file
//! description. `origin` and `handle id` let a process that reads its own handle back end the
//! waits made on it (see `crate::wait`).

use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{BorrowedFd, OwnedFd};

use fuchsia_zircon_types as sys;
use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

use rustix::event::PollFlags;

use crate::vmo::VmoMeta;

pub(crate) const MAGIC: u32 = u32::from_le_bytes(*b"ZXCH");
pub(crate) const HEADER_LEN: usize = 16;
pub(crate) const RECORD_LEN: usize = 56;
pub(crate) const MAX_BYTES: usize = sys::ZX_CHANNEL_MAX_MSG_BYTES as usize;
pub(crate) const MAX_HANDLES: usize = sys::ZX_CHANNEL_MAX_MSG_HANDLES as usize;
/// The largest datagram a message can take.
pub(crate) const MAX_DATAGRAM: usize = HEADER_LEN + MAX_HANDLES * RECORD_LEN + MAX_BYTES;

/// What travels for one handle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) object_type: sys::zx_obj_type_t,
    pub(crate) rights: sys::zx_rights_t,
    pub(crate) koid: sys::zx_koid_t,
    pub(crate) related_koid: sys::zx_koid_t,
    /// The process that wrote the handle (its platform-unique token) and the handle's id
    /// there.
    pub(crate) origin: u64,
    pub(crate) handle_id: u64,
    /// For a VMO: its sizes and flags.
    pub(crate) vmo: VmoMeta,
}

impl Record {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.object_type.to_le_bytes());
        out.extend_from_slice(&self.rights.to_le_bytes());
        for word in [
            self.koid,
            self.related_koid,
            self.origin,
            self.handle_id,
            self.vmo.size,
            self.vmo.content_size,
        ] {
            out.extend_from_slice(&word.to_le_bytes());
        }
    }

    fn decode(bytes: &[u8]) -> Option<Record> {
        let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        let u64_at = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
        let content_size = u64_at(48)?;
        Some(Record {
            object_type: u32_at(0)?,
            rights: u32_at(4)?,
            koid: u64_at(8)?,
            related_koid: u64_at(16)?,
            origin: u64_at(24)?,
            handle_id: u64_at(32)?,
            vmo: VmoMeta {
                size: u64_at(40)?,
                content_size: content_size & !(1 << 63),
                resizable: content_size & (1 << 63) != 0,
            },
        })
    }
}

/// Encodes a message into `out` (cleared first).
pub(crate) fn encode(out: &mut Vec<u8>, bytes: &[u8], records: &[Record]) {
    out.clear();
    out.extend_from_slice(&MAGIC.to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for record in records {
        let mut record = *record;
        // The resizable flag rides in the top bit of the content size (sizes are < 2^63).
        if record.vmo.resizable {
            record.vmo.content_size |= 1 << 63;
        }
        record.encode(out);
    }
    out.extend_from_slice(bytes);
}

/// A received datagram, decoded: the byte range of its payload and its records.
pub(crate) struct Decoded {
    pub(crate) payload: std::ops::Range<usize>,
    pub(crate) records: Vec<Record>,
}

/// Decodes a datagram; `None` if it is not a well-formed message.
pub(crate) fn decode(datagram: &[u8]) -> Option<Decoded> {
    let header = datagram.get(..HEADER_LEN)?;
    let word = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    if word(0) != MAGIC {
        return None;
    }
    let (num_bytes, num_handles) = (word(4) as usize, word(8) as usize);
    if num_bytes > MAX_BYTES || num_handles > MAX_HANDLES {
        return None;
    }
    let records_end = HEADER_LEN + num_handles * RECORD_LEN;
    if datagram.len() != records_end + num_bytes {
        return None;
    }
    let records = datagram[HEADER_LEN..records_end]
        .chunks_exact(RECORD_LEN)
        .map(Record::decode)
        .collect::<Option<Vec<_>>>()?;
    Some(Decoded {
        payload: records_end..datagram.len(),
        records,
    })
}

/// Why a send failed.
pub(crate) fn send_status(err: rustix::io::Errno) -> sys::zx_status_t {
    use rustix::io::Errno;
    match err {
        Errno::AGAIN => sys::ZX_ERR_SHOULD_WAIT,
        Errno::PIPE | Errno::CONNRESET | Errno::NOTCONN | Errno::CONNREFUSED => {
            sys::ZX_ERR_PEER_CLOSED
        }
        Errno::NOENT => sys::ZX_ERR_NOT_FOUND,
        Errno::TOOMANYREFS | Errno::NOBUFS | Errno::NOMEM | Errno::MFILE | Errno::NFILE => {
            sys::ZX_ERR_NO_RESOURCES
        }
        Errno::MSGSIZE => sys::ZX_ERR_OUT_OF_RANGE,
        _ => sys::ZX_ERR_INTERNAL,
    }
}

/// Sends one datagram with `fds` attached, without blocking.
pub(crate) fn send(
    socket: BorrowedFd<'_>,
    datagram: &[u8],
    fds: &[BorrowedFd<'_>],
    to: Option<&rustix::net::SocketAddrUnix>,
) -> Result<(), sys::zx_status_t> {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_HANDLES))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
        return Err(sys::ZX_ERR_INTERNAL);
    }
    let iov = [IoSlice::new(datagram)];
    // A channel write never blocks (SHOULD_WAIT when the peer's socket is full). A
    // connection request may: a service's socket queues only `net.unix.max_dgram_qlen`
    // requests (10 by default) until the service reads them, and fdio_service_connect does not
    // fail for that on Fuchsia; the requester's socket has a send timeout instead.
    let flags = if to.is_some() {
        SendFlags::NOSIGNAL
    } else {
        SendFlags::DONTWAIT | SendFlags::NOSIGNAL
    };
    let sent = match to {
        None => rustix::net::sendmsg(socket, &iov, &mut control, flags),
        Some(addr) => rustix::net::sendmsg_addr(socket, addr, &iov, &mut control, flags),
    };
    match sent {
        Ok(n) if n == datagram.len() => Ok(()),
        Ok(_) => Err(sys::ZX_ERR_INTERNAL),
        Err(err) => Err(send_status(err)),
    }
}

/// What a receive found.
pub(crate) enum Received {
    /// A datagram of `len` bytes in the buffer, with these file descriptions.
    Message { len: usize, fds: Vec<OwnedFd> },
    /// Nothing queued.
    Empty,
    /// The peer closed and nothing is queued.
    Closed,
    /// An empty datagram from a peer still connected: not a message (every message has a
    /// header), so only a foreign program sends one; it is dropped.
    Malformed,
    /// A datagram arrived but its file descriptions could not all be received (this
    /// process is at its fd limit): the message is lost.
    Truncated,
}

/// Receives one datagram into `buf` (at least [`MAX_DATAGRAM`] long), without blocking.
pub(crate) fn receive(
    socket: BorrowedFd<'_>,
    buf: &mut [u8],
) -> Result<Received, sys::zx_status_t> {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_HANDLES))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut iov = [IoSliceMut::new(buf)];
    let received = loop {
        match rustix::net::recvmsg(
            socket,
            &mut iov,
            &mut control,
            RecvFlags::DONTWAIT | RecvFlags::CMSG_CLOEXEC,
        ) {
            Err(rustix::io::Errno::INTR) => continue,
            other => break other,
        }
    };
    let msg = match received {
        Ok(msg) => msg,
        Err(rustix::io::Errno::AGAIN) => return Ok(Received::Empty),
        Err(rustix::io::Errno::CONNRESET) => return Ok(Received::Closed),
        Err(_) => return Err(sys::ZX_ERR_INTERNAL),
    };
    let mut fds = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    if msg.flags.contains(ReturnFlags::CTRUNC) || msg.flags.contains(ReturnFlags::TRUNC) {
        return Ok(Received::Truncated);
    }
    if msg.bytes == 0 {
        // Every message has a header, so an empty read is the end of the stream, unless the
        // peer is still connected (or a datagram is still queued behind it): then it was an
        // empty datagram, which must not read as PEER_CLOSED.
        let hangup = super::poll_now(socket).intersects(PollFlags::HUP | PollFlags::RDHUP);
        let mut byte = [0u8; 1];
        let queued = matches!(
            rustix::net::recv(socket, &mut byte, RecvFlags::PEEK | RecvFlags::DONTWAIT),
            Ok((_, n)) if n > 0
        );
        return Ok(if hangup && !queued {
            Received::Closed
        } else {
            Received::Malformed
        });
    }
    Ok(Received::Message {
        len: msg.bytes,
        fds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_round_trips_through_the_wire_format() {
        let record = Record {
            object_type: sys::ZX_OBJ_TYPE_VMO,
            rights: 0x2f,
            koid: 1030,
            related_koid: 0,
            origin: 7,
            handle_id: 9,
            vmo: VmoMeta {
                size: 8192,
                content_size: 5000,
                resizable: true,
            },
        };
        let mut out = Vec::new();
        encode(&mut out, b"hello", &[record]);
        assert_eq!(out.len(), HEADER_LEN + RECORD_LEN + 5);
        let decoded = decode(&out).unwrap();
        assert_eq!(decoded.records, vec![record]);
        assert_eq!(&out[decoded.payload], b"hello");
    }

    #[test]
    fn malformed_datagrams_are_refused() {
        let mut out = Vec::new();
        encode(&mut out, b"x", &[]);
        assert!(decode(&out[..out.len() - 1]).is_none(), "truncated");
        let mut bad = out.clone();
        bad[0] ^= 1;
        assert!(decode(&bad).is_none(), "wrong magic");
        assert!(decode(&[]).is_none());
    }
}
