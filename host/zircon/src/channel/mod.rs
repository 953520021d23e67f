//! Channels: each end is a connected `SOCK_SEQPACKET` socket, so an end sent to another process
//! keeps working there, and a message's handles travel with it (see [`wire`]).
//!
//! A message the socket delivered but no one has read yet (a read whose buffer was too small,
//! or a message that arrived while a `zx_channel_call` waited for its reply) waits in the end's
//! inbox in this process; reads take from the inbox first, so order is kept.

pub(crate) mod wire;

use std::collections::VecDeque;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use fuchsia_zircon_types as sys;
use rustix::event::{PollFd, PollFlags};

use crate::object::KernelHandle;
use crate::signal::Watchers;
use crate::transfer;

/// One message received from the socket and not read yet: bytes and the handles it carries
/// (alive, counted, not in the table).
pub(crate) struct Message {
    pub(crate) bytes: Vec<u8>,
    pub(crate) handles: Vec<KernelHandle>,
}

impl Message {
    fn txid(&self) -> Option<u32> {
        let prefix: [u8; 4] = self.bytes.get(..4)?.try_into().ok()?;
        Some(u32::from_le_bytes(prefix))
    }
}

/// A `zx_channel_call` waiting on this end for the reply with its txid.
struct PendingCall {
    txid: u32,
    reply: Option<Message>,
}

#[derive(Default)]
struct Inbox {
    queue: VecDeque<Message>,
    calls: Vec<PendingCall>,
    /// The socket reported the end of the stream: the peer is closed.
    peer_closed: bool,
}

/// What kind of socket an end is.
pub(crate) enum Socket {
    /// One end of a channel.
    Channel,
    /// A service's listening socket (`SOCK_DGRAM`, bound in the `/svc` directory): each
    /// datagram is a connection request carrying one channel end. `_lock` holds the
    /// service's lock file for as long as the service is bound.
    Listener {
        path: std::path::PathBuf,
        _lock: OwnedFd,
    },
}

/// One end.
pub(crate) struct ChannelEnd {
    /// The socket; `None` once the end has lost its last handle in this process.
    fd: RwLock<Option<OwnedFd>>,
    inbox: Mutex<Inbox>,
    pub(crate) socket: Socket,
    /// Set while the end's last handle is being written into a message: closing it then
    /// only closes this process's copy of the socket.
    transferring: AtomicBool,
}

/// Why a read found no message.
pub(crate) enum ReadError {
    Status(sys::zx_status_t),
    /// `ZX_ERR_BUFFER_TOO_SMALL`, with the sizes the next message needs.
    TooSmall {
        bytes: usize,
        handles: usize,
    },
}

impl ChannelEnd {
    pub(crate) fn new(fd: OwnedFd, socket: Socket) -> ChannelEnd {
        ChannelEnd {
            fd: RwLock::new(Some(fd)),
            inbox: Mutex::new(Inbox::default()),
            socket,
            transferring: AtomicBool::new(false),
        }
    }

    fn inbox(&self) -> MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The socket for a thread about to sleep on it in `poll(2)`: `None` when the end is
    /// leaving (its last handle is being written into a message) or its socket is about to
    /// close, so that a sleeper never holds up the close. The closer wakes every sleeper
    /// first; a sleeper that finds the socket gone or going waits on its wake-up fd alone.
    pub(crate) fn fd_to_sleep_on(&self) -> Option<RwLockReadGuard<'_, Option<OwnedFd>>> {
        if self.transferring() {
            return None;
        }
        self.fd.try_read().ok()
    }

    /// The socket, while the end is open here (held for the duration of one OS call).
    pub(crate) fn fd(&self) -> RwLockReadGuard<'_, Option<OwnedFd>> {
        self.fd.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_listener(&self) -> bool {
        matches!(self.socket, Socket::Listener { .. })
    }

    /// The signals asserted now: READABLE while a message is queued (here or in the
    /// socket), PEER_CLOSED once the peer is gone, WRITABLE until then.
    pub(crate) fn signals(&self) -> sys::zx_signals_t {
        let guard = self.fd();
        let revents = guard.as_ref().map(|fd| poll_now(fd.as_fd()));
        drop(guard);
        self.signals_from(revents)
    }

    /// The signals asserted, given what `poll(2)` just reported for the socket (`None` once
    /// the end is closed here).
    pub(crate) fn signals_from(&self, revents: Option<PollFlags>) -> sys::zx_signals_t {
        let inbox = self.inbox();
        let mut signals = 0;
        if !inbox.queue.is_empty() {
            signals |= sys::ZX_CHANNEL_READABLE;
        }
        let mut peer_closed = inbox.peer_closed;
        drop(inbox);
        if let Some(revents) = revents {
            let hangup = revents.intersects(PollFlags::HUP | PollFlags::RDHUP);
            // After a hang-up the socket reads as readable (the end of the stream) whether or
            // not messages are left: only a peek tells.
            if revents.contains(PollFlags::IN) && (!hangup || self.has_datagram()) {
                signals |= sys::ZX_CHANNEL_READABLE;
            }
            peer_closed |= hangup;
        }
        if self.is_listener() {
            return signals & sys::ZX_CHANNEL_READABLE;
        }
        if peer_closed {
            signals | sys::ZX_CHANNEL_PEER_CLOSED
        } else {
            signals | sys::ZX_CHANNEL_WRITABLE
        }
    }

    /// Whether a datagram (not the end of the stream) is queued in the socket.
    fn has_datagram(&self) -> bool {
        let guard = self.fd();
        let Some(fd) = guard.as_ref() else {
            return false;
        };
        let mut byte = [0u8; 1];
        matches!(
            rustix::net::recv(fd, &mut byte, rustix::net::RecvFlags::PEEK | rustix::net::RecvFlags::DONTWAIT),
            Ok((_, n)) if n > 0
        )
    }

    /// Sends `datagram` with the file descriptions of its handles.
    pub(crate) fn send(
        &self,
        datagram: &[u8],
        fds: &[BorrowedFd<'_>],
    ) -> Result<(), sys::zx_status_t> {
        let guard = self.fd();
        let fd = guard.as_ref().ok_or(sys::ZX_ERR_BAD_HANDLE)?;
        wire::send(fd.as_fd(), datagram, fds, None)
    }

    /// Moves one datagram from the socket into the inbox (or into the reply slot of the call
    /// it answers). Returns whether it moved one.
    fn pull(&self, inbox: &mut Inbox, watchers: &Watchers) -> Result<bool, sys::zx_status_t> {
        let guard = self.fd();
        let Some(fd) = guard.as_ref() else {
            return Ok(false);
        };
        match transfer::receive_message(fd.as_fd())? {
            transfer::Pulled::Message(message) => {
                drop(guard);
                // Another thread may wait for this message (a call for its reply).
                watchers.wake_all();
                if let Some(txid) = message.txid() {
                    if let Some(call) = inbox
                        .calls
                        .iter_mut()
                        .find(|call| call.txid == txid && call.reply.is_none())
                    {
                        call.reply = Some(message);
                        return Ok(true);
                    }
                }
                inbox.queue.push_back(message);
                Ok(true)
            }
            transfer::Pulled::Empty => Ok(false),
            transfer::Pulled::Closed => {
                inbox.peer_closed = true;
                Ok(false)
            }
        }
    }

    /// Takes the next message if it fits in `max_bytes` / `max_handles`. With `may_discard`
    /// a message that does not fit is dropped (`ZX_CHANNEL_READ_MAY_DISCARD`).
    pub(crate) fn read(
        &self,
        watchers: &Watchers,
        max_bytes: usize,
        max_handles: usize,
        may_discard: bool,
    ) -> Result<Message, ReadError> {
        let mut inbox = self.inbox();
        while inbox.queue.is_empty() {
            if !self.pull(&mut inbox, watchers).map_err(ReadError::Status)? {
                // An open peer's empty socket says EAGAIN; a closed one's, end of stream.
                return Err(ReadError::Status(
                    if inbox.peer_closed && !self.is_listener() {
                        sys::ZX_ERR_PEER_CLOSED
                    } else {
                        sys::ZX_ERR_SHOULD_WAIT
                    },
                ));
            }
        }
        let front = inbox
            .queue
            .front()
            .ok_or(ReadError::Status(sys::ZX_ERR_INTERNAL))?;
        let (bytes, handles) = (front.bytes.len(), front.handles.len());
        if bytes > max_bytes || handles > max_handles {
            if may_discard {
                let discarded = inbox.queue.pop_front();
                drop(inbox);
                drop(discarded);
            }
            return Err(ReadError::TooSmall { bytes, handles });
        }
        inbox
            .queue
            .pop_front()
            .ok_or(ReadError::Status(sys::ZX_ERR_INTERNAL))
    }

    /// Registers a call waiting for the reply with `txid`.
    pub(crate) fn register_call(&self, txid: u32) -> bool {
        let mut inbox = self.inbox();
        if inbox.calls.iter().any(|call| call.txid == txid) {
            return false;
        }
        inbox.calls.push(PendingCall { txid, reply: None });
        true
    }

    /// Checks on the call `txid`: its reply, or `PEER_CLOSED`, or `None` to keep waiting
    /// (the caller decides about deadlines). A reply or `PEER_CLOSED` unregisters the call.
    pub(crate) fn poll_call(
        &self,
        watchers: &Watchers,
        txid: u32,
    ) -> Option<Result<Message, sys::zx_status_t>> {
        let mut inbox = self.inbox();
        loop {
            let index = inbox.calls.iter().position(|call| call.txid == txid)?;
            if inbox.calls[index].reply.is_some() {
                return inbox.calls.swap_remove(index).reply.map(Ok);
            }
            match self.pull(&mut inbox, watchers) {
                Ok(true) => continue,
                Ok(false) => {}
                Err(status) => return Some(Err(status)),
            }
            if inbox.peer_closed {
                inbox.calls.swap_remove(index);
                return Some(Err(sys::ZX_ERR_PEER_CLOSED));
            }
            return None;
        }
    }

    /// Ends the call `txid` without a reply (deadline or cancellation).
    pub(crate) fn end_call(&self, txid: u32) {
        let mut inbox = self.inbox();
        inbox.calls.retain(|call| call.txid != txid);
    }

    /// The end lost its last handle here. When it is `transferred`, its socket now lives in a
    /// message and only this process's copy closes; otherwise the end is destroyed: the
    /// messages queued for it (with their handles) are closed, and the peer sees
    /// PEER_CLOSED.
    pub(crate) fn close(&self) {
        let fd = self
            .fd
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let queued = std::mem::take(&mut *self.inbox());
        drop(queued);
        if let (Some(fd), false) = (fd.as_ref(), self.transferring()) {
            // Destroying the end destroys its queue: read out what the socket still holds so
            // the handles in it close now (and waits on them end), not at the OS's leisure.
            while let Ok(transfer::Pulled::Message(message)) = transfer::receive_message(fd.as_fd())
            {
                drop(message);
            }
        }
        if let Socket::Listener { path, .. } = &self.socket {
            let _ = std::fs::remove_file(path);
        }
        drop(fd);
    }

    fn transferring(&self) -> bool {
        self.transferring.load(Ordering::SeqCst)
    }

    /// Marks (or unmarks, after a failed write) the end as leaving in a message.
    pub(crate) fn set_transferring(&self, transferring: bool) {
        self.transferring.store(transferring, Ordering::SeqCst);
    }
}

/// What `poll(2)` reports for `fd` right now (no timeout).
pub(crate) fn poll_now(fd: BorrowedFd<'_>) -> PollFlags {
    let mut fds = [PollFd::new(&fd, PollFlags::IN | PollFlags::RDHUP)];
    match rustix::event::poll(
        &mut fds,
        Some(&rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        }),
    ) {
        Ok(_) => fds[0].revents(),
        Err(_) => PollFlags::empty(),
    }
}
