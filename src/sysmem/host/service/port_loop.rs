//! The service's event loop: one port, one one-shot async wait per channel it serves (the
//! control channel, the `/svc` listener, every allocator connection and node), re-armed after
//! each turn, as the Fuchsia async executors do. No limit on the number of channels.
//!
//! **Fairness.** A turn handles at most [`BUDGET`] messages of one channel. A channel that
//! used its whole budget (it may have more) is not re-armed but goes to the back of a backlog, and
//! the loop alternates: one port packet, then one backlogged channel. So a client flooding a
//! channel gets one turn in two at most and every other ready channel its turn in between;
//! none starves. (Re-arming a readable channel would not do: the host kernel's port delivers
//! packets queued at arm time before it looks at its epoll set, so an always-readable channel
//! would be served forever and the others never.)
//!
//! **Keys.** A wait's key is the source's id (0 for the control channel, 1 for the listener;
//! node and allocator ids are unique and never reused). A closed channel's wait ends with it;
//! a packet it queued before closing names an id that no longer exists and is ignored. The one
//! channel that is replaced under a live id, a token's when it is bound, has its wait and
//! queued packet cancelled first ([`Watches::unwatch`]).
//!
//! **Stats.** Published when the port has nothing more to deliver (before blocking), so a
//! burst of work costs one snapshot, and an idle service's snapshot is current.

use std::collections::{HashSet, VecDeque};

use super::{Service, Source};
use crate::zx::{self, AsHandleRef};

/// Messages of one channel handled per turn.
pub(super) const BUDGET: usize = 16;

/// Connection requests taken per turn of the control channel or listener: they are cheap, and
/// on a Linux host the listener's socket holds only about ten unread.
const ACCEPT_BUDGET: usize = 256;

const KEY_CONTROL: u64 = 0;
const KEY_LISTENER: u64 = 1;

/// The port, and the channels added since the last turn, to watch once it ends.
#[derive(Debug)]
pub(super) struct Watches {
    port: zx::Port,
    fresh: Vec<Source>,
    /// Channels whose last turn spent its budget (they may have more), not armed, in turn
    /// order.
    backlog: VecDeque<Source>,
    in_backlog: HashSet<Source>,
    /// Set by a turn that handled its whole budget (its channel may have more).
    pub(super) budget_spent: bool,
}

fn key(source: Source) -> u64 {
    match source {
        Source::Control => KEY_CONTROL,
        Source::Listener => KEY_LISTENER,
        Source::Allocator(id) | Source::Node(id) => id,
    }
}

impl Watches {
    pub(super) fn new() -> Result<Watches, zx::Status> {
        Ok(Watches {
            port: zx::Port::create()?,
            fresh: Vec::new(),
            backlog: VecDeque::new(),
            in_backlog: HashSet::new(),
            budget_spent: false,
        })
    }

    /// Watches `source`'s channel from the end of this turn on.
    pub(super) fn watch(&mut self, source: Source) {
        self.fresh.push(source);
    }

    /// Ends the wait on `channel` made for `source`, and removes the packet it queued.
    pub(super) fn unwatch(&self, channel: &zx::Channel, source: Source) {
        // NOT_FOUND: the wait had fired and its packet was taken (this is that turn).
        let _ = self.port.cancel(channel, key(source));
    }
}

/// Whether the loop goes on after a step.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// A packet or a backlogged channel was served.
    Served,
    /// Nothing was ready (only when the step may not block).
    Idle,
    /// The control channel closed (or the port broke): the service must stop.
    Stop,
}

impl Service {
    /// Serves until the control channel closes, then drops everything.
    pub(in crate::sysmem::host) fn run(mut self) {
        while self.step(true) != Step::Stop {}
    }

    /// Serves until nothing is ready, without blocking: the service on the caller's thread
    /// (the fuzzing entry drives it so, one input after another, with no thread to wake).
    /// `false` when the service must stop.
    #[cfg(target_os = "linux")]
    pub(in crate::sysmem::host) fn run_until_idle(&mut self) -> bool {
        loop {
            match self.step(false) {
                Step::Served => {}
                Step::Idle => return true,
                Step::Stop => return false,
            }
        }
    }

    /// Arms what the last turn added, then serves one port packet and one backlogged channel;
    /// with nothing ready it publishes the stats and, when `block`, waits for a packet.
    fn step(&mut self, block: bool) -> Step {
        if !self.arm_fresh() {
            return Step::Stop;
        }
        let packet = match self.watches.port.wait(zx::MonotonicInstant::INFINITE_PAST) {
            Ok(packet) => Some(packet),
            Err(zx::Status::TIMED_OUT) if !self.watches.backlog.is_empty() => None,
            Err(zx::Status::TIMED_OUT) => {
                self.publish_stats();
                if !block {
                    return Step::Idle;
                }
                match self.watches.port.wait(zx::MonotonicInstant::INFINITE) {
                    Ok(packet) => Some(packet),
                    Err(_) => return Step::Stop, // Only a broken port handle can get here.
                }
            }
            Err(_) => return Step::Stop,
        };
        // A packet of a channel closed since names nothing.
        if let Some(source) = packet.and_then(|p| self.source_of(p.key())) {
            if !self.turn(source) {
                return Step::Stop;
            }
        }
        if let Some(source) = self.watches.backlog.pop_front() {
            self.watches.in_backlog.remove(&source);
            if self.exists(source) && !self.turn(source) {
                return Step::Stop;
            }
        }
        Step::Served
    }

    /// Serves `source` once, then re-arms it or, with its budget spent, backlogs it; `false`
    /// when the service must stop.
    fn turn(&mut self, source: Source) -> bool {
        self.watches.budget_spent = false;
        if !self.serve(source) {
            return false;
        }
        if self.exists(source) {
            // A turn that stopped short of its budget read the channel empty.
            if self.watches.budget_spent {
                self.watches.backlog.push_back(source);
                self.watches.in_backlog.insert(source);
            } else {
                self.watches.watch(source);
            }
        }
        true
    }

    /// The source a packet's key names, if it still exists.
    fn source_of(&self, key: u64) -> Option<Source> {
        let source = match key {
            KEY_CONTROL => Source::Control,
            KEY_LISTENER => Source::Listener,
            id if self.nodes.contains_key(&id) => Source::Node(id),
            id => Source::Allocator(id),
        };
        self.exists(source).then_some(source)
    }

    fn exists(&self, source: Source) -> bool {
        match source {
            Source::Control => true,
            Source::Listener => self.listener.is_some(),
            Source::Allocator(id) => self.allocators.contains_key(&id),
            Source::Node(id) => self.nodes.contains_key(&id),
        }
    }

    /// One turn of `source`; `false` when the service must stop.
    fn serve(&mut self, source: Source) -> bool {
        match source {
            Source::Control => return self.serve_control(Source::Control, ACCEPT_BUDGET),
            Source::Listener => {
                if !self.serve_control(Source::Listener, ACCEPT_BUDGET) {
                    // The listener broke: existing clients keep their service.
                    self.listener = None;
                }
            }
            Source::Allocator(id) => self.serve_allocator(id, BUDGET),
            Source::Node(id) => {
                let collection = self.nodes.get(&id).map(|node| node.collection);
                self.serve_node(id, BUDGET);
                if let Some(collection) = collection {
                    self.allocate_if_ready(collection);
                }
            }
        }
        true
    }

    /// Arms a wait for every source added or re-armed this turn; `false` when the control
    /// channel cannot be watched.
    fn arm_fresh(&mut self) -> bool {
        let mut fresh = std::mem::take(&mut self.watches.fresh);
        // A token added and bound in one turn was queued twice: one wait per channel.
        fresh.sort_unstable_by_key(|&source| key(source));
        fresh.dedup_by_key(|source| key(*source));
        for source in fresh {
            // A backlogged channel is served from the backlog, not armed.
            if !self.exists(source) || self.watches.in_backlog.contains(&source) {
                continue;
            }
            if self.arm(source).is_err() {
                // Only the kernel running out of memory can get here: admission checked the
                // rights. The channel is dropped as if its client had closed it.
                match source {
                    Source::Control => return false,
                    Source::Listener => self.listener = None,
                    Source::Allocator(id) => drop(self.allocators.remove(&id)),
                    Source::Node(id) => self.node_closed(id),
                }
            }
        }
        true
    }

    fn arm(&self, source: Source) -> Result<(), zx::Status> {
        let signals = zx::Signals::CHANNEL_READABLE | zx::Signals::CHANNEL_PEER_CLOSED;
        let channel = match source {
            Source::Control => &self.control,
            Source::Listener => self.listener.as_ref().ok_or(zx::Status::BAD_HANDLE)?,
            Source::Allocator(id) => self.allocators.get(&id).ok_or(zx::Status::BAD_HANDLE)?,
            Source::Node(id) => &self.nodes.get(&id).ok_or(zx::Status::BAD_HANDLE)?.channel,
        };
        channel.wait_async_handle(
            &self.watches.port,
            key(source),
            signals,
            zx::WaitAsyncOpts::empty(),
        )
    }
}
