//! [`Vmo`]: virtual memory objects, and [`Mapping`]: a VMO mapped into the root VMAR.

use std::ptr::NonNull;

use super::handle::impl_handle_based;
use super::{kernel, sys, AsHandleRef, Handle, Status, VmarFlags, VmoOptions};

/// An owned handle to a virtual memory object (VMO).
///
/// Sizes are rounded up to the page size; the content size (`ZX_PROP_VMO_CONTENT_SIZE`) keeps
/// the size asked for. Contents start zero-filled.
#[repr(transparent)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Vmo(Handle);

impl_handle_based!(Vmo);

/// What `zx_object_get_info(ZX_INFO_VMO)` reports ([`Vmo::info`]): the fields callers use.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VmoInfo {
    /// The VMO's koid.
    pub koid: super::Koid,
    /// The size in bytes, as [`Vmo::get_size`] reports it.
    pub size_bytes: u64,
    /// How the VMO was made.
    pub flags: VmoInfoFlags,
    /// The rights of the handle the query was made through.
    pub rights: super::Rights,
    /// Mappings of the VMO in this process.
    pub num_mappings: usize,
}

bitflags::bitflags! {
    /// `zx_info_vmo_t.flags`.
    #[repr(transparent)]
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
    pub struct VmoInfoFlags: u32 {
        /// `ZX_INFO_VMO_TYPE_PAGED`: backed by ordinary pages.
        const PAGED = 1 << 0;
        /// `ZX_INFO_VMO_RESIZABLE`: created with [`VmoOptions::RESIZABLE`].
        const RESIZABLE = sys::ZX_INFO_VMO_RESIZABLE;
        /// `ZX_INFO_VMO_IS_COW_CLONE`: a copy-on-write child.
        const IS_COW_CLONE = sys::ZX_INFO_VMO_IS_COW_CLONE;
        /// `ZX_INFO_VMO_PAGER_BACKED`: backed by a user pager.
        const PAGER_BACKED = sys::ZX_INFO_VMO_PAGER_BACKED;
        /// `ZX_INFO_VMO_CONTIGUOUS`: physically contiguous.
        const CONTIGUOUS = sys::ZX_INFO_VMO_CONTIGUOUS;
    }
}

impl Vmo {
    /// Creates a VMO of `size` bytes (rounded up to the page size) with rights
    /// [`Rights::VMO_DEFAULT`](super::Rights::VMO_DEFAULT).
    ///
    /// Wraps the `zx_vmo_create` syscall with options 0.
    ///
    /// # Errors
    ///
    /// - [`Status::OUT_OF_RANGE`]: `size` is too large.
    /// - [`Status::NO_MEMORY`]: the kernel could not allocate the VMO.
    pub fn create(size: u64) -> Result<Vmo, Status> {
        Vmo::create_with_opts(VmoOptions::empty(), size)
    }

    /// Creates a VMO of `size` bytes with `opts`
    /// ([`VmoOptions::RESIZABLE`] allows [`Vmo::set_size`]).
    ///
    /// Wraps the `zx_vmo_create` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::INVALID_ARGS`]: unknown option bits.
    /// - [`Status::OUT_OF_RANGE`]: `size` is too large.
    /// - [`Status::NO_MEMORY`]: the kernel could not allocate the VMO.
    pub fn create_with_opts(opts: VmoOptions, size: u64) -> Result<Vmo, Status> {
        let mut out = sys::ZX_HANDLE_INVALID;
        Status::ok(kernel::vmo_create(size, opts.bits(), &mut out))?;
        // SAFETY: the kernel returned a fresh handle value that nothing else owns.
        Ok(Vmo(unsafe { Handle::from_raw(out) }))
    }

    /// Reads exactly `data.len()` bytes at `offset`. Needs READ.
    ///
    /// Wraps the `zx_vmo_read` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`], [`Status::ACCESS_DENIED`] (no READ),
    ///   in that order.
    /// - [`Status::OUT_OF_RANGE`]: `offset + data.len()` is past the (page-rounded) size.
    pub fn read(&self, data: &mut [u8], offset: u64) -> Result<(), Status> {
        Status::ok(kernel::vmo_read(self.raw_handle(), data, offset))
    }

    /// Writes all of `data` at `offset`. Needs WRITE. The content size does not change.
    ///
    /// Wraps the `zx_vmo_write` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`], [`Status::ACCESS_DENIED`] (no WRITE),
    ///   in that order.
    /// - [`Status::OUT_OF_RANGE`]: `offset + data.len()` is past the (page-rounded) size.
    pub fn write(&self, data: &[u8], offset: u64) -> Result<(), Status> {
        Status::ok(kernel::vmo_write(self.raw_handle(), data, offset))
    }

    /// What the kernel knows of this VMO and handle, in one call: koid, size, flags (resizable),
    /// this handle's rights and the number of mappings. Needs no rights.
    ///
    /// Wraps the `zx_object_get_info` syscall with `ZX_INFO_VMO`.
    ///
    /// # Errors
    ///
    /// [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`].
    pub fn info(&self) -> Result<VmoInfo, Status> {
        let mut info = sys::zx_info_vmo_t::default();
        Status::ok(kernel::object_get_info_vmo(self.raw_handle(), &mut info))?;
        Ok(VmoInfo {
            koid: super::Koid::from_raw(info.koid),
            size_bytes: info.size_bytes,
            flags: VmoInfoFlags::from_bits_retain(info.flags),
            rights: super::Rights::from_bits_retain(info.handle_rights),
            num_mappings: info.num_mappings,
        })
    }

    /// The size in bytes (a multiple of the page size). Needs no rights.
    ///
    /// Wraps the `zx_vmo_get_size` syscall.
    ///
    /// # Errors
    ///
    /// [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`].
    pub fn get_size(&self) -> Result<u64, Status> {
        let mut size = 0;
        Status::ok(kernel::vmo_get_size(self.raw_handle(), &mut size)).map(|()| size)
    }

    /// Resizes the VMO to `size` (rounded up to the page size; the content size becomes
    /// `size`). Needs WRITE, and the VMO must have been created [`VmoOptions::RESIZABLE`].
    ///
    /// Wraps the `zx_vmo_set_size` syscall.
    ///
    /// # Errors
    ///
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`], [`Status::ACCESS_DENIED`] (no WRITE),
    ///   in that order.
    /// - [`Status::UNAVAILABLE`]: the VMO is not resizable.
    /// - [`Status::OUT_OF_RANGE`]: `size` is too large.
    pub fn set_size(&self, size: u64) -> Result<(), Status> {
        Status::ok(kernel::vmo_set_size(self.raw_handle(), size))
    }

    /// The content size: the size asked for at creation or by the last
    /// [`set_size`](Vmo::set_size), not rounded. Needs GET_PROPERTY.
    ///
    /// Wraps the `zx_object_get_property` syscall with `ZX_PROP_VMO_CONTENT_SIZE`.
    ///
    /// # Errors
    ///
    /// - [`Status::BAD_HANDLE`], [`Status::ACCESS_DENIED`] (no GET_PROPERTY),
    ///   [`Status::WRONG_TYPE`], in that order (the kernel checks the right before the type
    ///   for properties).
    pub fn get_content_size(&self) -> Result<u64, Status> {
        let mut value = [0u8; 8];
        Status::ok(kernel::object_get_property(
            self.raw_handle(),
            sys::ZX_PROP_VMO_CONTENT_SIZE,
            &mut value,
        ))?;
        Ok(u64::from_ne_bytes(value))
    }

    /// Maps `len` bytes of the VMO, from `offset`, into the root VMAR with `flags`. The
    /// [`Mapping`] keeps the VMO object alive (even after every handle to it is closed) and
    /// unmaps on drop.
    ///
    /// Wraps the `zx_vmar_map` syscall on `zx_vmar_root_self()`.
    ///
    /// # Errors
    ///
    /// - [`Status::INVALID_ARGS`]: `flags` holds a bit [`VmarFlags`] does not name (this
    ///   wrapper maps only where the kernel chooses, never over existing memory).
    ///
    /// Then in the kernel's order:
    /// - [`Status::BAD_HANDLE`], [`Status::WRONG_TYPE`].
    /// - [`Status::ACCESS_DENIED`]: no MAP right.
    /// - [`Status::INVALID_ARGS`]: [`VmarFlags::PERM_WRITE`] without
    ///   [`VmarFlags::PERM_READ`] (Zircon has no write-only pages).
    /// - [`Status::ACCESS_DENIED`]: no READ / WRITE / EXECUTE for a `PERM_*` flag asked.
    /// - [`Status::INVALID_ARGS`]: `offset` is not page-aligned, `len` is 0, or unknown flags.
    /// - [`Status::BUFFER_TOO_SMALL`]: the range goes past the end of the VMO (without
    ///   [`VmarFlags::ALLOW_FAULTS`]).
    /// - [`Status::OUT_OF_RANGE`]: `offset + len` overflows.
    pub fn map(&self, offset: u64, len: usize, flags: VmarFlags) -> Result<Mapping, Status> {
        // Only the flags `VmarFlags` names reach the kernel: bits such as ZX_VM_SPECIFIC or
        // ZX_VM_SPECIFIC_OVERWRITE (which could replace live memory) are refused, whatever a
        // caller built with `from_bits_retain`.
        if !VmarFlags::all().contains(flags) {
            return Err(Status::INVALID_ARGS);
        }
        let mut addr = 0;
        Status::ok(kernel::vmar_map(
            flags.bits(),
            self.raw_handle(),
            offset,
            len,
            &mut addr,
        ))?;
        let ptr = NonNull::new(addr as *mut u8).ok_or(Status::INTERNAL)?;
        Ok(Mapping {
            ptr: MappedPtr(ptr),
            len,
        })
    }
}

/// A pointer into a mapping owned by a [`Mapping`].
#[derive(Debug)]
struct MappedPtr(NonNull<u8>);

// SAFETY: the pointer is the base of a mapping that belongs to the whole process (the root
// VMAR), not to one thread; `Mapping` only hands it out as a raw pointer, so every access to
// the bytes is the caller's own (unsafe) responsibility and no Rust reference is shared.
unsafe impl Send for MappedPtr {}
// SAFETY: as above: `&Mapping` exposes only the address and the length.
unsafe impl Sync for MappedPtr {}

/// A VMO mapped into the root VMAR: **unmaps on drop**, and keeps the VMO object alive until
/// then.
///
/// The bytes are shared memory: other handles to the VMO (in this or another process) and
/// Vulkan may change them at any time, so the mapping hands out only a raw pointer.
#[derive(Debug)]
pub struct Mapping {
    ptr: MappedPtr,
    len: usize,
}

impl Mapping {
    /// The base address of the mapping (page-aligned).
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.0.as_ptr()
    }

    /// The length asked for in [`Vmo::map`] (the mapping itself covers whole pages).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether [`len`](Mapping::len) is 0 (never, for a mapping `Vmo::map` returned).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Mapping {
    /// Wraps the `zx_vmar_unmap` syscall on `zx_vmar_root_self()`.
    fn drop(&mut self) {
        let page = kernel::system_get_page_size();
        let mapped_len = self.len.div_ceil(page) * page;
        // Unmapping a range this type mapped cannot fail; a destructor has no one to tell.
        let _ = kernel::vmar_unmap(self.ptr.0.as_ptr() as sys::zx_vaddr_t, mapped_len);
    }
}
