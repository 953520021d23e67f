//! [`Channel`]: bidirectional message transport of bytes and handles.

use super::handle::impl_handle_based;
use super::{
    kernel, sys, AsHandleRef, Handle, HandleRef, MonotonicInstant, ObjectType, Rights, Status,
};

/// `ZX_CHANNEL_MAX_MSG_BYTES`: the most bytes one message carries.
pub const MAX_MSG_BYTES: usize = sys::ZX_CHANNEL_MAX_MSG_BYTES as usize;
/// `ZX_CHANNEL_MAX_MSG_HANDLES`: the most handles one message carries.
pub const MAX_MSG_HANDLES: usize = sys::ZX_CHANNEL_MAX_MSG_HANDLES as usize;

/// An owned handle to one end of a channel.
#[repr(transparent)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Channel(Handle);

impl_handle_based!(Channel);

/// A handle received by [`Channel::read_etc`], with the type and rights the kernel reports.
#[derive(Debug)]
pub struct HandleInfo {
    /// The received handle (a new value in this process; same koid and rights as sent).
    pub handle: Handle,
    /// The object's type.
    pub object_type: ObjectType,
    /// The handle's rights.
    pub rights: Rights,
}

/// What [`Channel::write_etc`] does with one handle.
#[derive(Debug)]
pub enum HandleOp<'a> {
    /// `ZX_HANDLE_OP_MOVE`: the handle moves into the message (needs TRANSFER).
    Move(Handle),
    /// `ZX_HANDLE_OP_DUPLICATE`: a duplicate goes, the handle stays (needs DUPLICATE).
    Duplicate(HandleRef<'a>),
}

/// One handle of [`Channel::write_etc`] (`zx_handle_disposition_t`).
#[derive(Debug)]
pub struct HandleDisposition<'a> {
    /// Move or duplicate.
    pub handle_op: HandleOp<'a>,
    /// The type the object must have, or [`ObjectType::NONE`] for any.
    pub object_type: ObjectType,
    /// The rights the message carries (a subset of the handle's), or
    /// [`Rights::SAME_RIGHTS`].
    pub rights: Rights,
    /// Out: what happened to this handle.
    pub result: Status,
}

impl<'a> HandleDisposition<'a> {
    /// A disposition with `ObjectType::NONE`, `Rights::SAME_RIGHTS` and an OK result.
    pub fn new(handle_op: HandleOp<'a>) -> HandleDisposition<'a> {
        HandleDisposition {
            handle_op,
            object_type: ObjectType::NONE,
            rights: Rights::SAME_RIGHTS,
            result: Status::OK,
        }
    }
}

/// A message read by [`Channel::read`]: bytes and handles. Reuse it across reads to keep its
/// allocations.
#[derive(Debug, Default)]
pub struct MessageBuf {
    bytes: Vec<u8>,
    /// The message's handles, owned by the buffer until taken.
    pub handles: Vec<Handle>,
}

impl MessageBuf {
    /// An empty buffer.
    pub fn new() -> MessageBuf {
        MessageBuf::default()
    }

    /// A buffer built from bytes and handles (e.g. to write it).
    pub fn new_with(bytes: Vec<u8>, handles: Vec<Handle>) -> MessageBuf {
        MessageBuf { bytes, handles }
    }

    /// The message's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes the bytes and handles apart.
    pub fn split(self) -> (Vec<u8>, Vec<Handle>) {
        (self.bytes, self.handles)
    }

    /// Drops the bytes and closes the handles, keeping the allocations.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.handles.clear();
    }
}

impl Channel {
    /// Creates a channel and returns its two ends, each with rights
    /// [`Rights::CHANNEL_DEFAULT`] and the other's koid as `related_koid`.
    ///
    /// Wraps the `zx_channel_create` syscall.
    ///
    /// # Errors
    ///
    /// [`Status::NO_MEMORY`]: the kernel could not allocate the channel.
    pub fn create() -> Result<(Channel, Channel), Status> {
        let (mut out0, mut out1) = (sys::ZX_HANDLE_INVALID, sys::ZX_HANDLE_INVALID);
        Status::ok(kernel::channel_create(0, &mut out0, &mut out1))?;
        // SAFETY: the kernel returned a fresh handle value that nothing else owns.
        let end0 = unsafe { Handle::from_raw(out0) };
        // SAFETY: as above, for the other end.
        let end1 = unsafe { Handle::from_raw(out1) };
        Ok((Channel(end0), Channel(end1)))
    }

    /// Writes one message. `handles` is **always drained**: on success the handles move to the
    /// peer, on failure the kernel closes them. Needs WRITE, and TRANSFER on every handle.
    ///
    /// Wraps the `zx_channel_write` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`], [`Status::ACCESS_DENIED`] for the
    ///   channel.
    /// - [`Status::OUT_OF_RANGE`]: more than [`MAX_MSG_BYTES`] bytes or [`MAX_MSG_HANDLES`]
    ///   handles.
    /// - [`Status::BAD_HANDLE`]: a handle in `handles` is not live or appears twice.
    /// - [`Status::NOT_SUPPORTED`]: `handles` holds this channel's own handle.
    /// - [`Status::ACCESS_DENIED`]: a handle in `handles` lacks TRANSFER.
    /// - [`Status::PEER_CLOSED`]: the other end is closed.
    pub fn write(&self, bytes: &[u8], handles: &mut Vec<Handle>) -> Result<(), Status> {
        let raw: Vec<sys::zx_handle_t> = handles.drain(..).map(Handle::into_raw).collect();
        Status::ok(kernel::channel_write(self.raw_handle(), 0, bytes, &raw))
    }

    /// Writes one message whose handles are each moved or duplicated, checked against an
    /// object type and reduced to the rights given ([`HandleDisposition`]). Every
    /// [`HandleOp::Move`] is **always consumed** (left as an invalid handle), and each
    /// disposition's `result` says what happened to it. Needs WRITE.
    ///
    /// Wraps the `zx_channel_write_etc` syscall.
    ///
    /// # Errors
    ///
    /// As [`write`](Channel::write), plus [`Status::WRONG_TYPE`] (a handle is not of its
    /// disposition's type), [`Status::INVALID_ARGS`] (rights not a subset) and
    /// [`Status::ACCESS_DENIED`] (a duplicate without DUPLICATE).
    pub fn write_etc(
        &self,
        bytes: &[u8],
        handles: &mut [HandleDisposition<'_>],
    ) -> Result<(), Status> {
        let mut raw: Vec<sys::zx_handle_disposition_t> = handles
            .iter_mut()
            .map(|disposition| {
                let (operation, handle) = match &mut disposition.handle_op {
                    HandleOp::Move(handle) => (
                        sys::ZX_HANDLE_OP_MOVE,
                        std::mem::replace(handle, Handle::invalid()).into_raw(),
                    ),
                    HandleOp::Duplicate(handle) => {
                        (sys::ZX_HANDLE_OP_DUPLICATE, handle.raw_handle())
                    }
                };
                sys::zx_handle_disposition_t {
                    operation,
                    handle,
                    type_: disposition.object_type.into_raw(),
                    rights: disposition.rights.bits(),
                    result: sys::ZX_OK,
                }
            })
            .collect();
        let status = kernel::channel_write_etc(self.raw_handle(), 0, bytes, &mut raw);
        for (disposition, raw) in handles.iter_mut().zip(&raw) {
            disposition.result = Status::from_raw(raw.result);
        }
        Status::ok(status)
    }

    /// Reads the next message into `buf` (replacing its contents), growing it as needed.
    /// Needs READ.
    ///
    /// Wraps the `zx_channel_read` syscall (called again with larger buffers after
    /// `ZX_ERR_BUFFER_TOO_SMALL`).
    ///
    /// # Errors
    ///
    /// - [`Status::SHOULD_WAIT`]: no message is queued and the peer is open.
    /// - [`Status::PEER_CLOSED`]: no message is queued and the peer is closed.
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`], [`Status::ACCESS_DENIED`] (no READ).
    pub fn read(&self, buf: &mut MessageBuf) -> Result<(), Status> {
        buf.clear();
        let raw: Vec<sys::zx_handle_t> =
            self.read_growing(&mut buf.bytes, buf.handles.capacity())?;
        buf.handles.extend(raw.into_iter().map(|raw| {
            // SAFETY: the kernel moved these fresh values into this process for us.
            unsafe { Handle::from_raw(raw) }
        }));
        Ok(())
    }

    /// Reads the next message into `bytes` and `handles` (replacing their contents), with
    /// each handle's type and rights. Needs READ.
    ///
    /// Wraps the `zx_channel_read_etc` syscall (called again with larger buffers after
    /// `ZX_ERR_BUFFER_TOO_SMALL`).
    ///
    /// # Errors
    ///
    /// As [`Channel::read`].
    pub fn read_etc(
        &self,
        bytes: &mut Vec<u8>,
        handles: &mut Vec<HandleInfo>,
    ) -> Result<(), Status> {
        handles.clear();
        let raw: Vec<sys::zx_handle_info_t> = self.read_growing(bytes, handles.capacity())?;
        handles.extend(raw.into_iter().map(handle_info));
        Ok(())
    }

    /// Reads the next message into `bytes` and at least `handle_capacity` handle slots of type
    /// `H` (`zx_channel_read` or `zx_channel_read_etc`, as `H` says), growing both after
    /// `ZX_ERR_BUFFER_TOO_SMALL`; returns the slots the kernel filled. On an error `bytes` is
    /// left empty.
    fn read_growing<H: kernel::ReadSlot>(
        &self,
        bytes: &mut Vec<u8>,
        mut handle_capacity: usize,
    ) -> Result<Vec<H>, Status> {
        bytes.clear();
        let mut byte_capacity = bytes.capacity();
        loop {
            bytes.resize(byte_capacity, 0);
            let mut raw = vec![H::EMPTY; handle_capacity];
            let (mut actual_bytes, mut actual_handles) = (0, 0);
            let status = kernel::channel_read(
                self.raw_handle(),
                0,
                bytes,
                &mut raw,
                &mut actual_bytes,
                &mut actual_handles,
            );
            if status == sys::ZX_ERR_BUFFER_TOO_SMALL {
                byte_capacity = actual_bytes as usize;
                handle_capacity = actual_handles as usize;
                continue;
            }
            if let Err(status) = Status::ok(status) {
                bytes.clear();
                return Err(status);
            }
            bytes.truncate(actual_bytes as usize);
            raw.truncate(actual_handles as usize);
            return Ok(raw);
        }
    }

    /// Writes a request and waits for its reply: the kernel stamps the first four bytes
    /// (`zx_txid_t`, little-endian) with a fresh transaction id and returns the first message
    /// from the peer that carries the same id. `handles` is **always drained**, as in
    /// [`Channel::write`]. Needs READ and WRITE.
    ///
    /// Wraps the `zx_channel_call_etc` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::INVALID_ARGS`]: `bytes` is shorter than a `zx_txid_t` (4 bytes).
    /// - [`Status::TIMED_OUT`]: no reply before `deadline`.
    /// - [`Status::PEER_CLOSED`]: the peer closed before replying.
    /// - Any error of [`Channel::write`].
    pub fn call_etc(
        &self,
        deadline: MonotonicInstant,
        bytes: &[u8],
        handles: &mut Vec<Handle>,
        out_bytes: &mut Vec<u8>,
        out_handles: &mut Vec<HandleInfo>,
    ) -> Result<(), Status> {
        let raw: Vec<sys::zx_handle_t> = handles.drain(..).map(Handle::into_raw).collect();
        out_bytes.clear();
        out_handles.clear();
        // Replies that do not fit are discarded by the kernel, so offer the largest message.
        out_bytes.resize(MAX_MSG_BYTES, 0);
        let mut raw_out = vec![kernel::EMPTY_HANDLE_INFO; MAX_MSG_HANDLES];
        let (mut actual_bytes, mut actual_handles) = (0, 0);
        let status = kernel::channel_call_etc(
            self.raw_handle(),
            deadline.into_nanos(),
            bytes,
            &raw,
            out_bytes,
            &mut raw_out,
            &mut actual_bytes,
            &mut actual_handles,
        );
        if let Err(status) = Status::ok(status) {
            out_bytes.clear();
            return Err(status);
        }
        out_bytes.truncate(actual_bytes as usize);
        out_handles.extend(
            raw_out
                .into_iter()
                .take(actual_handles as usize)
                .map(handle_info),
        );
        Ok(())
    }
}

fn handle_info(raw: sys::zx_handle_info_t) -> HandleInfo {
    HandleInfo {
        // SAFETY: the kernel moved this fresh value into this process for us.
        handle: unsafe { Handle::from_raw(raw.handle) },
        object_type: ObjectType::from_raw(raw.ty),
        rights: Rights::from_bits_retain(raw.rights),
    }
}
