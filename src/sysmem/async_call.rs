//! Two-way calls as futures: the request is written with a txid of this client's own, and a
//! [`Reply`] future reads the channel, routes each reply to the call it answers (several calls
//! may be outstanding on one channel) and, when its own has not arrived, waits through the
//! process's [`reactor`](super::reactor).
//!
//! Blocking calls (`zx_channel_call`, txids with the high bit set) and async calls (txids
//! below it) can use one channel, but not at the same time: a read by one may take a message
//! the other waits for.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::client::Proxy;
use super::error::ClientError;
use super::reactor;
use crate::fidl::{self, Encode, TransactionHeader};
use crate::zx;

/// The replies of one channel's outstanding async calls.
#[derive(Debug, Default)]
pub(super) struct Replies {
    next_txid: u32,
    calls: HashMap<u32, Slot>,
}

#[derive(Debug, Default)]
struct Slot {
    reply: Option<(Vec<u8>, Vec<zx::HandleInfo>)>,
    waker: Option<Waker>,
}

/// Async txids stay below the kernel's range for `zx_channel_call`.
const TXID_MASK: u32 = 0x7fff_ffff;

impl Replies {
    /// Starts a call: a fresh txid, not 0 and not in use.
    fn start(&mut self) -> u32 {
        loop {
            self.next_txid = self.next_txid.wrapping_add(1) & TXID_MASK;
            if self.next_txid != 0 && !self.calls.contains_key(&self.next_txid) {
                self.calls.insert(self.next_txid, Slot::default());
                return self.next_txid;
            }
        }
    }
}

impl Proxy {
    fn replies(&self) -> MutexGuard<'_, Replies> {
        self.replies.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes a two-way request; the returned future resolves to the raw reply.
    pub(super) fn start_call<T: Encode>(
        &self,
        ordinal: u64,
        body: Option<T>,
    ) -> Result<Reply<'_>, ClientError> {
        let txid = self.replies().start();
        // From here on the slot is removed by `Reply`'s drop, whatever happens.
        let reply = Reply {
            proxy: self,
            txid,
            armed: None,
        };
        let header = TransactionHeader::flexible(txid, ordinal);
        let (bytes, mut handles) = match body {
            Some(body) => fidl::encode_message(header, body)?,
            None => (fidl::encode_header_only(header), Vec::new()),
        };
        self.channel
            .write(&bytes, &mut handles)
            .map_err(self.map_status)?;
        Ok(reply)
    }

    /// Calls a two-way method without blocking the thread: the async form of `call`.
    pub(super) async fn call_async<T: Encode, R: fidl::Decode, E: super::client::MethodError>(
        &self,
        ordinal: u64,
        body: Option<T>,
    ) -> Result<R, ClientError> {
        let (bytes, handles) = self.start_call(ordinal, body)?.await?;
        super::client::decode_reply::<R, E>(ordinal, &bytes, handles)
    }
}

/// The reply to one async call.
#[derive(Debug)]
pub(super) struct Reply<'a> {
    proxy: &'a Proxy,
    txid: u32,
    /// The key of this call's armed wait in the reactor.
    armed: Option<u64>,
}

impl Future for Reply<'_> {
    type Output = Result<(Vec<u8>, Vec<zx::HandleInfo>), ClientError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let proxy = self.proxy;
        let txid = self.txid;
        let mut replies = proxy.replies();
        loop {
            if let Some(reply) = replies.calls.get_mut(&txid).and_then(|s| s.reply.take()) {
                return Poll::Ready(Ok(reply));
            }
            let (mut bytes, mut handles) = (Vec::new(), Vec::new());
            match proxy.channel.read_etc(&mut bytes, &mut handles) {
                Ok(()) => {
                    // A message that answers no outstanding call (an event, an epitaph, the
                    // reply of a dropped call) is dropped, with its handles.
                    let Ok(header) = TransactionHeader::decode(&bytes) else {
                        continue;
                    };
                    if let Some(slot) = replies.calls.get_mut(&header.txid) {
                        slot.reply = Some((bytes, handles));
                        if let Some(waker) = slot.waker.take() {
                            waker.wake();
                        }
                    }
                }
                Err(zx::Status::SHOULD_WAIT) => break,
                Err(status) => return Poll::Ready(Err((proxy.map_status)(status))),
            }
        }
        if let Some(slot) = replies.calls.get_mut(&txid) {
            slot.waker = Some(cx.waker().clone());
        }
        drop(replies);
        let reactor = match reactor::reactor() {
            Ok(reactor) => reactor,
            Err(status) => return Poll::Ready(Err(ClientError::Transport(status))),
        };
        match reactor.arm(&proxy.channel, self.armed, cx.waker()) {
            Ok(key) => {
                self.armed = Some(key);
                Poll::Pending
            }
            Err(status) => Poll::Ready(Err((proxy.map_status)(status))),
        }
    }
}

impl Drop for Reply<'_> {
    fn drop(&mut self) {
        self.proxy.replies().calls.remove(&self.txid);
        if let (Some(key), Ok(reactor)) = (self.armed, reactor::reactor()) {
            reactor.disarm(&self.proxy.channel, key);
        }
    }
}
