//! The few kernel calls the layer makes, through the `zx_*` C ABI only (the host kernel,
//! `host/zircon`, resolves them), with the small owners the layer needs around them.
//!
//! The signatures are `fuchsia-zircon-sys` 0.4's; the types and constants `fuchsia-zircon-types`'.

use fuchsia_zircon_types::{
    zx_handle_t, zx_info_handle_basic_t, zx_info_vmo_t, zx_koid_t, zx_rights_t, zx_status_t,
    zx_vaddr_t, zx_vm_option_t, ZX_HANDLE_INVALID, ZX_INFO_HANDLE_BASIC, ZX_INFO_VMO,
    ZX_INFO_VMO_RESIZABLE, ZX_OK,
};
pub(crate) use fuchsia_zircon_types::{
    ZX_ERR_NO_MEMORY, ZX_RIGHT_MAP, ZX_RIGHT_READ, ZX_RIGHT_SAME_RIGHTS, ZX_RIGHT_WRITE,
    ZX_VM_PERM_READ, ZX_VM_PERM_WRITE,
};

// Linking only: the `zx_*` symbols below come from the host kernel.
extern crate host_zircon as _;

extern "C" {
    fn zx_vmar_root_self() -> zx_handle_t;
    fn zx_handle_close(handle: zx_handle_t) -> zx_status_t;
    fn zx_handle_duplicate(
        handle: zx_handle_t,
        rights: zx_rights_t,
        out: *mut zx_handle_t,
    ) -> zx_status_t;
    fn zx_object_get_info(
        handle: zx_handle_t,
        topic: u32,
        buffer: *mut u8,
        buffer_size: usize,
        actual: *mut usize,
        avail: *mut usize,
    ) -> zx_status_t;
    fn zx_vmo_create(size: u64, options: u32, out: *mut zx_handle_t) -> zx_status_t;
    fn zx_system_get_page_size() -> u32;
    fn zx_vmar_map(
        handle: zx_handle_t,
        options: zx_vm_option_t,
        vmar_offset: usize,
        vmo: zx_handle_t,
        vmo_offset: u64,
        len: usize,
        mapped_addr: *mut zx_vaddr_t,
    ) -> zx_status_t;
    fn zx_vmar_unmap(handle: zx_handle_t, addr: zx_vaddr_t, len: usize) -> zx_status_t;
}

/// The root VMAR (`zx_vmar_root_self`).
fn root_vmar() -> zx_handle_t {
    // SAFETY: a query without arguments.
    unsafe { zx_vmar_root_self() }
}

/// A kernel status other than `ZX_OK`.
pub(crate) type Status = zx_status_t;

fn ok(status: zx_status_t) -> Result<(), Status> {
    if status == ZX_OK {
        Ok(())
    } else {
        Err(status)
    }
}

/// The page size (`zx_system_get_page_size`).
pub(crate) fn page_size() -> u64 {
    // SAFETY: a vDSO query without arguments.
    u64::from(unsafe { zx_system_get_page_size() })
}

/// `zx_object_get_info(ZX_INFO_HANDLE_BASIC)` of any handle value (borrowed, never consumed).
pub(crate) fn basic_info(handle: zx_handle_t) -> Result<zx_info_handle_basic_t, Status> {
    let mut info = zx_info_handle_basic_t::default();
    let (mut actual, mut avail) = (0usize, 0usize);
    // SAFETY: the buffer is one `zx_info_handle_basic_t`, as the topic writes; the counts are
    // valid out pointers; any handle value may be queried.
    let status = unsafe {
        zx_object_get_info(
            handle,
            ZX_INFO_HANDLE_BASIC,
            (&mut info as *mut zx_info_handle_basic_t).cast(),
            std::mem::size_of::<zx_info_handle_basic_t>(),
            &mut actual,
            &mut avail,
        )
    };
    ok(status).map(|()| info)
}

/// What `ZX_INFO_VMO` says of a VMO handle.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VmoFacts {
    pub(crate) koid: u64,
    pub(crate) rights: zx_rights_t,
    /// The size in bytes (a whole number of pages).
    pub(crate) size: u64,
    /// Created RESIZABLE: the layer refuses to import it, since it imports a mapping, which
    /// shrinking the VMO would pull from under the device.
    pub(crate) resizable: bool,
}

/// A handle value that names a VMO, borrowed from the application for the length of a call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UnownedVmo(zx_handle_t);

impl UnownedVmo {
    /// Checks that `handle` is a live VMO handle, and says what the layer needs of it, in one
    /// kernel call (`zx_object_get_info(ZX_INFO_VMO)`).
    ///
    /// # Errors
    /// The kernel's status: `ZX_ERR_BAD_HANDLE`, or `ZX_ERR_WRONG_TYPE` for a live handle to
    /// another object.
    pub(crate) fn check(handle: zx_handle_t) -> Result<(Self, VmoFacts), Status> {
        let mut info = zx_info_vmo_t::default();
        let (mut actual, mut avail) = (0usize, 0usize);
        // SAFETY: the buffer is one `zx_info_vmo_t`, as the topic writes; the counts are valid
        // out pointers; any handle value may be queried.
        let status = unsafe {
            zx_object_get_info(
                handle,
                ZX_INFO_VMO,
                (&mut info as *mut zx_info_vmo_t).cast(),
                std::mem::size_of::<zx_info_vmo_t>(),
                &mut actual,
                &mut avail,
            )
        };
        ok(status)?;
        let facts = VmoFacts {
            koid: info.koid,
            rights: info.handle_rights,
            size: info.size_bytes,
            resizable: info.flags & ZX_INFO_VMO_RESIZABLE != 0,
        };
        Ok((Self(handle), facts))
    }

    /// The handle value.
    pub(crate) fn raw(self) -> zx_handle_t {
        self.0
    }

    /// `zx_vmar_map` of `[offset, offset + len)` in the root VMAR with `options`.
    pub(crate) fn map(self, offset: u64, len: usize, options: u32) -> Result<Mapping, Status> {
        let mut addr: zx_vaddr_t = 0;
        // SAFETY: the root VMAR chooses the address (no SPECIFIC flag is ever passed), so no
        // existing mapping is replaced; `addr` is a valid out pointer.
        let status = unsafe {
            zx_vmar_map(
                root_vmar(),
                options & (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE),
                0,
                self.0,
                offset,
                len,
                &mut addr,
            )
        };
        ok(status).map(|()| Mapping { addr, len })
    }

    /// `zx_handle_duplicate`: a new handle to the same VMO with `rights`.
    pub(crate) fn duplicate(self, rights: zx_rights_t) -> Result<Vmo, Status> {
        let mut out = ZX_HANDLE_INVALID;
        // SAFETY: `out` is a valid out pointer; the original handle is only borrowed.
        ok(unsafe { zx_handle_duplicate(self.0, rights, &mut out) }).map(|()| Vmo(out))
    }
}

/// An owned VMO handle; closed on drop.
#[derive(Debug)]
pub(crate) struct Vmo(zx_handle_t);

impl Vmo {
    /// `zx_vmo_create` of `size` bytes.
    pub(crate) fn create(size: u64) -> Result<Self, Status> {
        let mut out = ZX_HANDLE_INVALID;
        // SAFETY: `out` is a valid out pointer.
        ok(unsafe { zx_vmo_create(size, 0, &mut out) }).map(|()| Self(out))
    }

    /// Takes ownership of the handle value `raw`.
    ///
    /// # Safety
    /// `raw` is a live handle nothing else owns (or closes).
    pub(crate) unsafe fn from_raw(raw: zx_handle_t) -> Self {
        Self(raw)
    }

    /// Gives up ownership.
    pub(crate) fn into_raw(self) -> zx_handle_t {
        let this = std::mem::ManuallyDrop::new(self);
        this.0
    }

    /// Borrows the handle.
    pub(crate) fn unowned(&self) -> UnownedVmo {
        UnownedVmo(self.0)
    }
}

impl Drop for Vmo {
    fn drop(&mut self) {
        // SAFETY: the handle is ours and closed once; nothing in the layer uses it afterwards.
        let _ = unsafe { zx_handle_close(self.0) };
    }
}

/// A mapping in the root VMAR; unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mapping {
    addr: zx_vaddr_t,
    len: usize,
}

impl Mapping {
    /// The first byte.
    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.addr as *mut u8
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Mappings of at least this many bytes are advised to use huge pages.
const HUGE_PAGE_ADVICE_MIN: usize = 2 << 20;

/// One mapping per VMO (and access), shared by every import of it in this process: the
/// driver pins a host-pointer import's pages, and pinning pages that are already mapped (and,
/// where the system offers them, huge) is what makes a second and later import cheap. Keyed by
/// koid and writability; a mapping lives while an import uses it.
static SHARED: std::sync::Mutex<Vec<(zx_koid_t, bool, std::sync::Weak<Mapping>)>> =
    std::sync::Mutex::new(Vec::new());

/// Whether the system backs shared memory with transparent huge pages when asked
/// (`/sys/kernel/mm/transparent_hugepage/shmem_enabled` says `[advise]`, `[always]` or
/// `[within_size]`): the mode in brackets, or `None` when huge pages are off or unknown.
pub fn shmem_huge_page_mode() -> Option<String> {
    let mode = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/shmem_enabled").ok()?;
    let chosen = mode.split_whitespace().find(|m| m.starts_with('['))?;
    let chosen = chosen.trim_matches(|c| c == '[' || c == ']');
    matches!(chosen, "advise" | "always" | "within_size").then(|| chosen.to_owned())
}

impl UnownedVmo {
    /// The mapping of the whole VMO (`size` bytes, `koid`) that imports share: the live one if
    /// there is one, else a new one, advised to use huge pages when it is large.
    pub(crate) fn shared_mapping(
        self,
        koid: zx_koid_t,
        size: u64,
        options: u32,
    ) -> Result<std::sync::Arc<Mapping>, Status> {
        let writable = options & ZX_VM_PERM_WRITE != 0;
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        shared.retain(|(_, _, weak)| weak.strong_count() > 0);
        let len = usize::try_from(size).map_err(|_| ZX_ERR_NO_MEMORY)?;
        if let Some(mapping) = shared
            .iter()
            .filter(|(k, w, _)| *k == koid && *w == writable)
            .filter_map(|(_, _, weak)| weak.upgrade())
            .find(|mapping| mapping.len >= len)
        {
            return Ok(mapping);
        }
        let mapping = std::sync::Arc::new(self.map(0, len, options)?);
        if len >= HUGE_PAGE_ADVICE_MIN {
            // SAFETY: the range is exactly a mapping this layer just made; advice changes how
            // the kernel backs it, never its contents. A refusal (no THP) is harmless.
            let _ = unsafe {
                rustix::mm::madvise(
                    mapping.as_ptr().cast(),
                    len,
                    rustix::mm::Advice::LinuxHugepage,
                )
            };
        }
        shared.push((koid, writable, std::sync::Arc::downgrade(&mapping)));
        Ok(mapping)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the layer made this mapping and unmaps it once, after the driver's memory
        // that imported it was freed (the owners' field order and `free_memory` see to it).
        let _ = unsafe { zx_vmar_unmap(root_vmar(), self.addr, self.len) };
    }
}
