//! Channels: two endpoints, each with a FIFO queue of messages from its peer.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::object::KernelHandle;
use crate::wait;
use fuchsia_zircon_types as sys;

/// One message in flight: bytes and the handles it carries (alive until read or destroyed).
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

/// A `zx_channel_call` waiting on one endpoint for the reply with its txid.
struct PendingCall {
    txid: u32,
    reply: Option<Message>,
}

/// Both endpoints' state, under one lock.
struct PairState {
    /// `inbox[side]`: messages written by the other side, for `side` to read.
    inbox: [VecDeque<Message>; 2],
    /// `open[side]`: the endpoint still has handles.
    open: [bool; 2],
    /// `calls[side]`: calls made on `side` that wait for a reply.
    calls: [Vec<PendingCall>; 2],
}

pub(crate) struct Pair {
    state: Mutex<PairState>,
}

impl Pair {
    pub(crate) fn new() -> Arc<Pair> {
        Arc::new(Pair {
            state: Mutex::new(PairState {
                inbox: [VecDeque::new(), VecDeque::new()],
                open: [true, true],
                calls: [Vec::new(), Vec::new()],
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, PairState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One endpoint: the shared pair and which side this is.
pub(crate) struct ChannelEnd {
    pair: Arc<Pair>,
    side: usize,
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

/// What a call waiter found.
pub(crate) enum CallOutcome {
    Reply(Message),
    Status(sys::zx_status_t),
}

impl ChannelEnd {
    pub(crate) fn new(pair: Arc<Pair>, side: usize) -> ChannelEnd {
        ChannelEnd { pair, side }
    }

    fn peer(&self) -> usize {
        1 - self.side
    }

    pub(crate) fn signals(&self) -> sys::zx_signals_t {
        let state = self.pair.lock();
        let mut signals = 0;
        if !state.inbox[self.side].is_empty() {
            signals |= sys::ZX_CHANNEL_READABLE;
        }
        if state.open[self.peer()] {
            signals |= sys::ZX_CHANNEL_WRITABLE;
        } else {
            signals |= sys::ZX_CHANNEL_PEER_CLOSED;
        }
        signals
    }

    /// Queues `message` for the peer (or hands it to the peer's call waiting for its txid).
    /// On `PEER_CLOSED` the message is dropped, closing its handles.
    pub(crate) fn write(&self, message: Message) -> sys::zx_status_t {
        let refused = {
            let mut state = self.pair.lock();
            deliver(&mut state, self.peer(), message)
        };
        match refused {
            None => {
                wait::notify();
                sys::ZX_OK
            }
            Some(message) => {
                drop(message);
                sys::ZX_ERR_PEER_CLOSED
            }
        }
    }

    /// Takes the next message if it fits in `max_bytes` / `max_handles`. With `may_discard`
    /// a message that does not fit is dropped (`ZX_CHANNEL_READ_MAY_DISCARD`).
    pub(crate) fn read(
        &self,
        max_bytes: usize,
        max_handles: usize,
        may_discard: bool,
    ) -> Result<Message, ReadError> {
        let mut state = self.pair.lock();
        let peer_open = state.open[self.peer()];
        let inbox = &mut state.inbox[self.side];
        let Some(front) = inbox.front() else {
            return Err(ReadError::Status(if peer_open {
                sys::ZX_ERR_SHOULD_WAIT
            } else {
                sys::ZX_ERR_PEER_CLOSED
            }));
        };
        let (bytes, handles) = (front.bytes.len(), front.handles.len());
        if bytes > max_bytes || handles > max_handles {
            if may_discard {
                let discarded = inbox.pop_front();
                drop(state);
                drop(discarded);
                wait::notify();
            }
            return Err(ReadError::TooSmall { bytes, handles });
        }
        let message = inbox
            .pop_front()
            .ok_or(ReadError::Status(sys::ZX_ERR_INTERNAL))?;
        drop(state);
        wait::notify();
        Ok(message)
    }

    /// Stamps `message` with a fresh txid (high bit set, unique among this endpoint's calls in
    /// progress), registers the call and queues the message for the peer.
    pub(crate) fn start_call(&self, mut message: Message) -> Result<u32, sys::zx_status_t> {
        static NEXT_TXID: AtomicU32 = AtomicU32::new(0);
        let refused = {
            let mut state = self.pair.lock();
            let txid = loop {
                let txid = 0x8000_0000 | NEXT_TXID.fetch_add(1, Ordering::Relaxed);
                if !state.calls[self.side].iter().any(|call| call.txid == txid) {
                    break txid;
                }
            };
            message.bytes[..4].copy_from_slice(&txid.to_le_bytes());
            match deliver(&mut state, self.peer(), message) {
                None => {
                    state.calls[self.side].push(PendingCall { txid, reply: None });
                    Ok(txid)
                }
                Some(message) => Err(message),
            }
        };
        match refused {
            Ok(txid) => {
                wait::notify();
                Ok(txid)
            }
            Err(message) => {
                drop(message);
                Err(sys::ZX_ERR_PEER_CLOSED)
            }
        }
    }

    /// Checks on the call `txid`: its reply, `PEER_CLOSED`, `TIMED_OUT` (when `expired`),
    /// `CANCELED` (the endpoint lost its last handle), or `None` to keep waiting. Every
    /// outcome unregisters the call.
    pub(crate) fn poll_call(&self, txid: u32, expired: bool) -> Option<CallOutcome> {
        let mut state = self.pair.lock();
        let peer_open = state.open[self.peer()];
        let calls = &mut state.calls[self.side];
        let Some(index) = calls.iter().position(|call| call.txid == txid) else {
            return Some(CallOutcome::Status(sys::ZX_ERR_CANCELED));
        };
        let outcome = if calls[index].reply.is_some() {
            calls.swap_remove(index).reply.map(CallOutcome::Reply)
        } else if !peer_open {
            Some(CallOutcome::Status(sys::ZX_ERR_PEER_CLOSED))
        } else if expired {
            Some(CallOutcome::Status(sys::ZX_ERR_TIMED_OUT))
        } else {
            None
        };
        if matches!(outcome, Some(CallOutcome::Status(_))) {
            calls.swap_remove(index);
        }
        outcome
    }

    /// The endpoint's last handle closed: the peer sees `PEER_CLOSED`; messages queued here
    /// and replies to calls made here are destroyed (closing their handles).
    pub(crate) fn on_zero_handles(&self) {
        let (inbox, calls) = {
            let mut state = self.pair.lock();
            state.open[self.side] = false;
            (
                std::mem::take(&mut state.inbox[self.side]),
                std::mem::take(&mut state.calls[self.side]),
            )
        };
        // Dropped with the pair unlocked: the handles may be the last ones of other channels,
        // even of this channel's peer.
        drop(inbox);
        drop(calls);
        wait::notify();
    }
}

/// Puts `message` in `to`'s inbox, or in the reply slot of `to`'s call with the same txid.
/// Returns the message when `to` is closed.
fn deliver(state: &mut PairState, to: usize, message: Message) -> Option<Message> {
    if !state.open[to] {
        return Some(message);
    }
    if let Some(txid) = message.txid() {
        if let Some(call) = state.calls[to]
            .iter_mut()
            .find(|call| call.txid == txid && call.reply.is_none())
        {
            call.reply = Some(message);
            return None;
        }
    }
    state.inbox[to].push_back(message);
    None
}
