//! VMO and VMAR syscalls.

use std::sync::Arc;

use fuchsia_zircon_types::{
    self as sys, zx_handle_t, zx_info_vmo_t, zx_rights_t, zx_status_t, zx_vaddr_t,
};

use super::{insert, status};
use crate::object::{KernelHandle, Kind, Object};
use crate::vmo::{round_to_page, VmoObject};
use crate::{count_call, koid, table, vmo, PAGE_SIZE};

/// `ZX_INFO_VMO_TYPE_PAGED` (not in fuchsia-zircon-types 0.4).
const INFO_VMO_TYPE_PAGED: u32 = 1;

/// The options `zx_vmar_map` accepts on the host.
const VMAR_MAP_OPTIONS: u32 = sys::ZX_VM_PERM_READ
    | sys::ZX_VM_PERM_WRITE
    | sys::ZX_VM_PERM_EXECUTE
    | sys::ZX_VM_ALLOW_FAULTS;

/// Emulates `zx_vmo_create`: options 0 or `ZX_VMO_RESIZABLE` (else `INVALID_ARGS`); the size
/// rounds up to the page (`OUT_OF_RANGE` when that overflows); rights `ZX_DEFAULT_VMO_RIGHTS`.
pub(crate) fn vmo_create(size: u64, options: u32, out: &mut zx_handle_t) -> zx_status_t {
    count_call();
    status((|| {
        if options & !sys::ZX_VMO_RESIZABLE != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let vmo = VmoObject::new(size, options & sys::ZX_VMO_RESIZABLE != 0)?;
        let resizable = vmo.is_resizable();
        let object = Object::new(koid::allocate(1), sys::ZX_KOID_INVALID, Kind::Vmo(vmo));
        // A resizable VMO's handle also carries ZX_RIGHT_RESIZE.
        let rights = crate::DEFAULT_VMO_RIGHTS | if resizable { sys::ZX_RIGHT_RESIZE } else { 0 };
        insert(KernelHandle::new(object, rights), out)
    })())
}

/// Looks up a VMO handle that has `rights`.
fn vmo_checked(handle: zx_handle_t, rights: zx_rights_t) -> Result<Arc<Object>, zx_status_t> {
    table::object_checked(handle, Some(sys::ZX_OBJ_TYPE_VMO), rights).map(|(object, _)| object)
}

/// The VMO state of an object that passed a VMO type check.
fn as_vmo(object: &Object) -> Result<&VmoObject, zx_status_t> {
    object.as_vmo().ok_or(sys::ZX_ERR_WRONG_TYPE)
}

/// Emulates `zx_vmo_read`: `BAD_HANDLE` → `WRONG_TYPE` → `ACCESS_DENIED` (no READ) →
/// `OUT_OF_RANGE` (past the page-rounded size).
pub(crate) fn vmo_read(handle: zx_handle_t, data: &mut [u8], offset: u64) -> zx_status_t {
    count_call();
    status(
        vmo_checked(handle, sys::ZX_RIGHT_READ)
            .and_then(|object| as_vmo(&object)?.read(data, offset)),
    )
}

/// Emulates `zx_vmo_write`: `BAD_HANDLE` → `WRONG_TYPE` → `ACCESS_DENIED` (no WRITE) →
/// `OUT_OF_RANGE` (past the page-rounded size).
pub(crate) fn vmo_write(handle: zx_handle_t, data: &[u8], offset: u64) -> zx_status_t {
    count_call();
    status(
        vmo_checked(handle, sys::ZX_RIGHT_WRITE)
            .and_then(|object| as_vmo(&object)?.write(data, offset)),
    )
}

/// Emulates `zx_vmo_get_size`: needs no rights; the page-rounded size.
pub(crate) fn vmo_get_size(handle: zx_handle_t, size: &mut u64) -> zx_status_t {
    count_call();
    // "Anyone should be able to get the size": no rights needed.
    status(vmo_checked(handle, sys::ZX_RIGHT_NONE).and_then(|object| {
        *size = as_vmo(&object)?.size();
        Ok(())
    }))
}

/// Emulates `zx_vmo_set_size`: `BAD_HANDLE` → `WRONG_TYPE` → `ACCESS_DENIED` (no WRITE, or no
/// RESIZE: only a VMO created RESIZABLE has it) → `UNAVAILABLE` (not resizable) →
/// `OUT_OF_RANGE`.
pub(crate) fn vmo_set_size(handle: zx_handle_t, size: u64) -> zx_status_t {
    count_call();
    status(
        vmo_checked(handle, sys::ZX_RIGHT_WRITE | sys::ZX_RIGHT_RESIZE).and_then(|object| {
            let vmo = as_vmo(&object)?;
            if !vmo.is_resizable() {
                return Err(sys::ZX_ERR_UNAVAILABLE);
            }
            vmo.set_size(size)
        }),
    )
}

/// Emulates `zx_object_get_info(ZX_INFO_VMO)`: needs no rights; koid, size, flags
/// (`ZX_INFO_VMO_RESIZABLE`, `ZX_INFO_VMO_TYPE_PAGED`), this handle's rights, and the
/// number of mappings in this process.
pub(crate) fn object_get_info_vmo(handle: zx_handle_t, info: &mut zx_info_vmo_t) -> zx_status_t {
    count_call();
    status((|| {
        let (object, rights) = table::object_checked(handle, None, sys::ZX_RIGHT_NONE)?;
        let vmo = as_vmo(&object)?;
        let meta = vmo.meta();
        let mut out = zx_info_vmo_t::default();
        out.koid = object.koid;
        out.size_bytes = meta.size;
        out.flags = INFO_VMO_TYPE_PAGED
            | if meta.resizable {
                sys::ZX_INFO_VMO_RESIZABLE
            } else {
                0
            };
        out.handle_rights = rights;
        out.num_mappings = vmo::mappings_of(&object);
        out.name[..6].copy_from_slice(b"zx-vmo");
        *info = out;
        Ok(())
    })())
}

/// Emulates `zx_system_get_page_size` (a vDSO call: not counted).
pub(crate) fn system_get_page_size() -> usize {
    PAGE_SIZE as usize
}

/// Emulates `zx_vmar_map` on the root VMAR: VMO lookup (`BAD_HANDLE`, `WRONG_TYPE`) →
/// `ACCESS_DENIED` (no MAP) → `INVALID_ARGS` (PERM_WRITE without PERM_READ) →
/// `ACCESS_DENIED` (a PERM flag without its right) → `INVALID_ARGS` (unknown options,
/// `len` 0, unaligned offset) → `OUT_OF_RANGE` (overflow) → `BUFFER_TOO_SMALL` (past the end without ALLOW_FAULTS).
/// A resizable VMO maps without ALLOW_FAULTS, as on the current kernel.
pub(crate) fn vmar_map(
    options: u32,
    vmo: zx_handle_t,
    vmo_offset: u64,
    len: usize,
    mapped_addr: &mut zx_vaddr_t,
) -> zx_status_t {
    count_call();
    status((|| {
        // MAP first; then writable-but-not-readable is INVALID_ARGS (Zircon cannot express
        // it), before the right each PERM flag needs.
        let (object, rights) =
            table::object_checked(vmo, Some(sys::ZX_OBJ_TYPE_VMO), sys::ZX_RIGHT_MAP)?;
        if options & sys::ZX_VM_PERM_WRITE != 0 && options & sys::ZX_VM_PERM_READ == 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        for (perm, right) in [
            (sys::ZX_VM_PERM_READ, sys::ZX_RIGHT_READ),
            (sys::ZX_VM_PERM_WRITE, sys::ZX_RIGHT_WRITE),
            (sys::ZX_VM_PERM_EXECUTE, sys::ZX_RIGHT_EXECUTE),
        ] {
            if options & perm != 0 && rights & right == 0 {
                return Err(sys::ZX_ERR_ACCESS_DENIED);
            }
        }
        if options & !VMAR_MAP_OPTIONS != 0 || len == 0 || vmo_offset % PAGE_SIZE != 0 {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let mapped_len = round_to_page(len as u64)?;
        let end = vmo_offset
            .checked_add(mapped_len)
            .ok_or(sys::ZX_ERR_OUT_OF_RANGE)?;
        let vmo_state = as_vmo(&object)?;
        let allow_faults = options & sys::ZX_VM_ALLOW_FAULTS != 0;
        if !allow_faults && end > vmo_state.size() {
            return Err(sys::ZX_ERR_BUFFER_TOO_SMALL);
        }
        let mapped_len = usize::try_from(mapped_len).map_err(|_| sys::ZX_ERR_OUT_OF_RANGE)?;
        *mapped_addr = vmo::map(object, options, vmo_offset, mapped_len)?;
        Ok(())
    })())
}

/// Emulates `zx_vmar_unmap` on the root VMAR. The host unmaps whole mappings only:
/// `NOT_FOUND` when no mapping starts at `addr`, `NOT_SUPPORTED` for a partial length.
pub(crate) fn vmar_unmap(addr: zx_vaddr_t, len: usize) -> zx_status_t {
    count_call();
    vmo::unmap(addr, len)
}
