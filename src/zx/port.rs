//! [`Port`]: a packet queue that threads wait on, fed by [`Port::queue`] and by async waits
//! ([`AsHandleRef::wait_async_handle`](super::AsHandleRef::wait_async_handle)), and the
//! [`Packet`]s it delivers.
//!
//! A port watches any number of objects; each async wait delivers one packet (Zircon has no
//! repeating waits any more: wait again after each packet, as the Fuchsia async executors do).

use super::handle::impl_handle_based;
use super::{kernel, sys, AsHandleRef, Handle, MonotonicInstant, Signals, Status};

/// An owned handle to a port.
#[repr(transparent)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Port(Handle);

impl_handle_based!(Port);

bitflags::bitflags! {
    /// Options of `zx_object_wait_async`.
    #[repr(transparent)]
    #[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
    pub struct WaitAsyncOpts: u32 {
        /// `ZX_WAIT_ASYNC_TIMESTAMP`: the packet records when the trigger was met.
        const TIMESTAMP = sys::ZX_WAIT_ASYNC_TIMESTAMP;
        /// `ZX_WAIT_ASYNC_EDGE`: no packet for signals already asserted at the call; only a
        /// transition from inactive to active triggers.
        const EDGE_TRIGGERED = sys::ZX_WAIT_ASYNC_EDGE;
    }
}

/// The 32-byte payload of a user packet.
pub type UserPacket = [u8; 32];

/// The payload of a `ZX_PKT_TYPE_SIGNAL_ONE` packet (`zx_packet_signal_t`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SignalPacket {
    trigger: Signals,
    observed: Signals,
    count: u64,
    timestamp: i64,
}

impl SignalPacket {
    /// The signals the wait was for.
    pub fn trigger(&self) -> Signals {
        self.trigger
    }

    /// Every signal asserted when the packet was queued.
    pub fn observed(&self) -> Signals {
        self.observed
    }

    /// How many times the trigger was met (1).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// When the trigger was met, with [`WaitAsyncOpts::TIMESTAMP`]; otherwise 0.
    pub fn timestamp(&self) -> MonotonicInstant {
        MonotonicInstant::from_nanos(self.timestamp)
    }
}

/// What a packet carries.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketContents {
    /// Queued by [`Port::queue`].
    User(UserPacket),
    /// Delivered by an async wait.
    SignalOne(SignalPacket),
    /// A packet type this crate does not decode (its raw type).
    Other(u32),
}

/// One packet (`zx_port_packet_t`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    key: u64,
    status: Status,
    contents: PacketContents,
}

impl Packet {
    /// A user packet to [`queue`](Port::queue).
    pub fn from_user_packet(key: u64, status: Status, user: UserPacket) -> Packet {
        Packet {
            key,
            status,
            contents: PacketContents::User(user),
        }
    }

    /// The key given to the wait or the queue call.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// The packet's status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// What the packet carries.
    pub fn contents(&self) -> PacketContents {
        self.contents
    }

    fn from_raw(raw: &sys::zx_port_packet_t) -> Packet {
        let u32_at = |at: usize| {
            u32::from_le_bytes([
                raw.union[at],
                raw.union[at + 1],
                raw.union[at + 2],
                raw.union[at + 3],
            ])
        };
        let u64_at = |at: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&raw.union[at..at + 8]);
            u64::from_le_bytes(bytes)
        };
        let contents = match raw.packet_type {
            sys::zx_packet_type_t::ZX_PKT_TYPE_USER => PacketContents::User(raw.union),
            sys::zx_packet_type_t::ZX_PKT_TYPE_SIGNAL_ONE => {
                PacketContents::SignalOne(SignalPacket {
                    trigger: Signals::from_bits_retain(u32_at(0)),
                    observed: Signals::from_bits_retain(u32_at(4)),
                    count: u64_at(8),
                    timestamp: u64_at(16) as i64,
                })
            }
            other => PacketContents::Other(other as u32),
        };
        Packet {
            key: raw.key,
            status: Status::from_raw(raw.status),
            contents,
        }
    }
}

impl Port {
    /// Creates a port with rights `ZX_DEFAULT_PORT_RIGHTS`.
    ///
    /// Wraps the `zx_port_create` syscall with options 0.
    ///
    /// # Errors
    ///
    /// [`Status::NO_MEMORY`], [`Status::NO_RESOURCES`].
    pub fn create() -> Result<Port, Status> {
        let mut out = sys::ZX_HANDLE_INVALID;
        Status::ok(kernel::port_create(0, &mut out))?;
        // SAFETY: the kernel returned a fresh handle value that nothing else owns.
        Ok(Port(unsafe { Handle::from_raw(out) }))
    }

    /// Queues a user packet (only [`PacketContents::User`] packets can be queued). Needs
    /// WRITE.
    ///
    /// Wraps the `zx_port_queue` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::INVALID_ARGS`]: not a user packet.
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`], [`Status::ACCESS_DENIED`].
    pub fn queue(&self, packet: &Packet) -> Result<(), Status> {
        let PacketContents::User(union) = packet.contents else {
            return Err(Status::INVALID_ARGS);
        };
        let raw = sys::zx_port_packet_t {
            key: packet.key,
            packet_type: sys::zx_packet_type_t::ZX_PKT_TYPE_USER,
            status: packet.status.into_raw(),
            union,
        };
        Status::ok(kernel::port_queue(self.raw_handle(), &raw))
    }

    /// Waits for the next packet until `deadline`. Needs READ.
    ///
    /// Wraps the `zx_port_wait` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::TIMED_OUT`]: no packet before the deadline.
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`], [`Status::ACCESS_DENIED`].
    pub fn wait(&self, deadline: MonotonicInstant) -> Result<Packet, Status> {
        let mut raw = sys::zx_port_packet_t::default();
        Status::ok(kernel::port_wait(
            self.raw_handle(),
            deadline.into_nanos(),
            &mut raw,
        ))?;
        Ok(Packet::from_raw(&raw))
    }

    /// Cancels the async waits made on `source` with `key`, and removes their queued packets.
    /// Needs WRITE.
    ///
    /// Wraps the `zx_port_cancel` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::NOT_FOUND`]: no such wait or packet.
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`], [`Status::ACCESS_DENIED`].
    pub fn cancel(&self, source: &impl AsHandleRef, key: u64) -> Result<(), Status> {
        Status::ok(kernel::port_cancel(
            self.raw_handle(),
            source.raw_handle(),
            key,
        ))
    }
}
