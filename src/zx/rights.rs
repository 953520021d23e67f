//! Bit sets passed to and returned by syscalls: [`Rights`], [`Signals`], [`VmoOptions`],
//! [`VmarFlags`]. Values are those of `zircon/rights.h` and `zircon/types.h`.

use super::sys;

bitflags::bitflags! {
    /// The rights of one handle (`zx_rights_t`, `zircon/rights.h`).
    ///
    /// [`Rights::SAME_RIGHTS`] is a sentinel for `zx_handle_duplicate` / `zx_handle_replace`,
    /// not a right: it matches only when it is the whole value.
    #[repr(transparent)]
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Rights: sys::zx_rights_t {
        /// No rights.
        const NONE = sys::ZX_RIGHT_NONE;
        /// Duplicate the handle (`zx_handle_duplicate`).
        const DUPLICATE = sys::ZX_RIGHT_DUPLICATE;
        /// Send the handle over a channel.
        const TRANSFER = sys::ZX_RIGHT_TRANSFER;
        /// Read data (`zx_vmo_read`, `zx_channel_read`).
        const READ = sys::ZX_RIGHT_READ;
        /// Write data (`zx_vmo_write`, `zx_vmo_set_size`, `zx_channel_write`).
        const WRITE = sys::ZX_RIGHT_WRITE;
        /// Map as executable.
        const EXECUTE = sys::ZX_RIGHT_EXECUTE;
        /// Map into an address space (`zx_vmar_map`).
        const MAP = sys::ZX_RIGHT_MAP;
        /// Read properties (`zx_object_get_property`).
        const GET_PROPERTY = sys::ZX_RIGHT_GET_PROPERTY;
        /// Set properties (`zx_object_set_property`).
        const SET_PROPERTY = sys::ZX_RIGHT_SET_PROPERTY;
        /// Enumerate children.
        const ENUMERATE = sys::ZX_RIGHT_ENUMERATE;
        /// Destroy the object.
        const DESTROY = sys::ZX_RIGHT_DESTROY;
        /// Set policy.
        const SET_POLICY = sys::ZX_RIGHT_SET_POLICY;
        /// Get policy.
        const GET_POLICY = sys::ZX_RIGHT_GET_POLICY;
        /// Assert user signals on the object.
        const SIGNAL = sys::ZX_RIGHT_SIGNAL;
        /// Assert user signals on the peer.
        const SIGNAL_PEER = sys::ZX_RIGHT_SIGNAL_PEER;
        /// Wait on signals (`zx_object_wait_one`, `zx_object_wait_many`).
        const WAIT = sys::ZX_RIGHT_WAIT;
        /// Inspect the object.
        const INSPECT = sys::ZX_RIGHT_INSPECT;
        /// Manage a job.
        const MANAGE_JOB = sys::ZX_RIGHT_MANAGE_JOB;
        /// Manage a process.
        const MANAGE_PROCESS = sys::ZX_RIGHT_MANAGE_PROCESS;
        /// Manage a thread.
        const MANAGE_THREAD = sys::ZX_RIGHT_MANAGE_THREAD;
        /// Apply a scheduler profile.
        const APPLY_PROFILE = sys::ZX_RIGHT_APPLY_PROFILE;
        /// Manage a socket.
        const MANAGE_SOCKET = sys::ZX_RIGHT_MANAGE_SOCKET;
        /// Operate on children.
        const OP_CHILDREN = sys::ZX_RIGHT_OP_CHILDREN;
        /// Resize.
        const RESIZE = sys::ZX_RIGHT_RESIZE;
        /// Attach a VMO.
        const ATTACH_VMO = sys::ZX_RIGHT_ATTACH_VMO;
        /// Manage a VMO.
        const MANAGE_VMO = sys::ZX_RIGHT_MANAGE_VMO;
        /// Sentinel: "the rights of the source handle". Only the exact value 0x8000_0000.
        const SAME_RIGHTS = sys::ZX_RIGHT_SAME_RIGHTS;

        /// `ZX_RIGHTS_BASIC`: TRANSFER, DUPLICATE, WAIT, INSPECT (0xC003).
        const BASIC = Self::TRANSFER.bits() | Self::DUPLICATE.bits() | Self::WAIT.bits()
            | Self::INSPECT.bits();
        /// `ZX_RIGHTS_IO`: READ, WRITE (0xC).
        const IO = Self::READ.bits() | Self::WRITE.bits();
        /// `ZX_RIGHTS_PROPERTY`: GET_PROPERTY, SET_PROPERTY (0xC0).
        const PROPERTY = Self::GET_PROPERTY.bits() | Self::SET_PROPERTY.bits();
        /// `ZX_RIGHTS_POLICY`: GET_POLICY, SET_POLICY (0xC00).
        const POLICY = Self::GET_POLICY.bits() | Self::SET_POLICY.bits();
        /// `ZX_DEFAULT_VMO_RIGHTS`: BASIC, IO, PROPERTY, MAP, SIGNAL (0xD0EF); no EXECUTE.
        const VMO_DEFAULT = Self::BASIC.bits() | Self::IO.bits() | Self::PROPERTY.bits()
            | Self::MAP.bits() | Self::SIGNAL.bits();
        /// `ZX_DEFAULT_CHANNEL_RIGHTS`: BASIC without DUPLICATE, IO, SIGNAL, SIGNAL_PEER
        /// (0xF00E).
        const CHANNEL_DEFAULT = (Self::BASIC.bits() & !Self::DUPLICATE.bits()) | Self::IO.bits()
            | Self::SIGNAL.bits() | Self::SIGNAL_PEER.bits();
    }
}

bitflags::bitflags! {
    /// Object signals (`zx_signals_t`, `zircon/types.h`).
    #[repr(transparent)]
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Signals: sys::zx_signals_t {
        /// No signal.
        const NONE = sys::ZX_SIGNAL_NONE;
        /// `ZX_OBJECT_READABLE` (1 << 0).
        const OBJECT_READABLE = sys::ZX_OBJECT_READABLE;
        /// `ZX_OBJECT_WRITABLE` (1 << 1).
        const OBJECT_WRITABLE = sys::ZX_OBJECT_WRITABLE;
        /// `ZX_OBJECT_PEER_CLOSED` (1 << 2).
        const OBJECT_PEER_CLOSED = sys::ZX_OBJECT_PEER_CLOSED;
        /// `ZX_CHANNEL_READABLE`: at least one message is queued.
        const CHANNEL_READABLE = sys::ZX_CHANNEL_READABLE;
        /// `ZX_CHANNEL_WRITABLE`: the peer is open.
        const CHANNEL_WRITABLE = sys::ZX_CHANNEL_WRITABLE;
        /// `ZX_CHANNEL_PEER_CLOSED`: the last handle to the peer has closed.
        const CHANNEL_PEER_CLOSED = sys::ZX_CHANNEL_PEER_CLOSED;
        /// `ZX_EVENT_SIGNALED`: an event's (or event pair end's) own signal (1 << 3).
        const EVENT_SIGNALED = sys::ZX_EVENT_SIGNALED;
        /// `ZX_EVENTPAIR_PEER_CLOSED`: the last handle to the other end has closed.
        const EVENTPAIR_PEER_CLOSED = sys::ZX_EVENTPAIR_PEER_CLOSED;
        /// `ZX_VMO_ZERO_CHILDREN`: the VMO has no children.
        const VMO_ZERO_CHILDREN = sys::ZX_VMO_ZERO_CHILDREN;
        /// `ZX_SIGNAL_HANDLE_CLOSED`: the waited handle was closed during the wait.
        const HANDLE_CLOSED = sys::ZX_SIGNAL_HANDLE_CLOSED;
        /// `ZX_USER_SIGNAL_0`.
        const USER_0 = sys::ZX_USER_SIGNAL_0;
        /// `ZX_USER_SIGNAL_1`.
        const USER_1 = sys::ZX_USER_SIGNAL_1;
        /// `ZX_USER_SIGNAL_2`.
        const USER_2 = sys::ZX_USER_SIGNAL_2;
        /// `ZX_USER_SIGNAL_3`.
        const USER_3 = sys::ZX_USER_SIGNAL_3;
        /// `ZX_USER_SIGNAL_4`.
        const USER_4 = sys::ZX_USER_SIGNAL_4;
        /// `ZX_USER_SIGNAL_5`.
        const USER_5 = sys::ZX_USER_SIGNAL_5;
        /// `ZX_USER_SIGNAL_6`.
        const USER_6 = sys::ZX_USER_SIGNAL_6;
        /// `ZX_USER_SIGNAL_7`.
        const USER_7 = sys::ZX_USER_SIGNAL_7;
        /// `ZX_USER_SIGNAL_ALL`: the eight user signals.
        const USER_ALL = sys::ZX_USER_SIGNAL_ALL;
    }
}

bitflags::bitflags! {
    /// Options of `zx_vmo_create`.
    #[repr(transparent)]
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
    pub struct VmoOptions: u32 {
        /// `ZX_VMO_RESIZABLE`: the VMO may be resized with `zx_vmo_set_size`.
        const RESIZABLE = sys::ZX_VMO_RESIZABLE;
    }
}

bitflags::bitflags! {
    /// Options of `zx_vmar_map` (`zx_vm_option_t`).
    #[repr(transparent)]
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
    pub struct VmarFlags: sys::zx_vm_option_t {
        /// `ZX_VM_PERM_READ`: map readable; the VMO handle needs READ.
        const PERM_READ = sys::ZX_VM_PERM_READ;
        /// `ZX_VM_PERM_WRITE`: map writable; the VMO handle needs WRITE.
        const PERM_WRITE = sys::ZX_VM_PERM_WRITE;
        /// `ZX_VM_PERM_EXECUTE`: map executable; the VMO handle needs EXECUTE.
        const PERM_EXECUTE = sys::ZX_VM_PERM_EXECUTE;
        /// `ZX_VM_ALLOW_FAULTS`: allow the mapping to extend past the VMO's end, and allow
        /// mapping resizable VMOs.
        const ALLOW_FAULTS = sys::ZX_VM_ALLOW_FAULTS;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composites_match_rights_h() {
        assert_eq!(Rights::BASIC.bits(), 0xC003);
        assert_eq!(Rights::IO.bits(), 0x000C);
        assert_eq!(Rights::PROPERTY.bits(), 0x00C0);
        assert_eq!(Rights::POLICY.bits(), 0x0C00);
        assert_eq!(Rights::VMO_DEFAULT.bits(), 0xD0EF);
        assert_eq!(Rights::CHANNEL_DEFAULT.bits(), 0xF00E);
        assert_eq!(Rights::SAME_RIGHTS.bits(), 0x8000_0000);
        assert!(!Rights::VMO_DEFAULT.contains(Rights::EXECUTE));
        assert!(!Rights::CHANNEL_DEFAULT.contains(Rights::DUPLICATE));
    }

    #[test]
    fn signal_and_option_bits_match_types_h() {
        assert_eq!(Signals::CHANNEL_READABLE.bits(), 1 << 0);
        assert_eq!(Signals::CHANNEL_WRITABLE.bits(), 1 << 1);
        assert_eq!(Signals::CHANNEL_PEER_CLOSED.bits(), 1 << 2);
        assert_eq!(Signals::USER_0.bits(), 1 << 24);
        assert_eq!(Signals::USER_7.bits(), 1 << 31);
        assert_eq!(VmoOptions::RESIZABLE.bits(), 1 << 1);
        assert_eq!(VmarFlags::PERM_READ.bits(), 1 << 0);
        assert_eq!(VmarFlags::PERM_WRITE.bits(), 1 << 1);
        assert_eq!(VmarFlags::PERM_EXECUTE.bits(), 1 << 2);
        assert_eq!(VmarFlags::ALLOW_FAULTS.bits(), 1 << 12);
    }
}
