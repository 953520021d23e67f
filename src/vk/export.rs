//! Export: `VkDeviceMemory` → `zx::Vmo` with exactly the requested rights.

use ash::vk;

use super::error::{map_get_memory_zircon_handle_err, ExportError};
use super::memory::{Backing, Memory};
use super::Interop;
use crate::zx::{self, AsHandleRef, HandleBased};

impl Interop {
    /// Exports `memory` as a new VMO handle with exactly `rights`
    /// (`vkGetMemoryZirconHandleFUCHSIA`, then `zx_handle_replace` unless `rights` is
    /// `SAME_RIGHTS`).
    ///
    /// Every call returns a new handle to the same payload (the same koid), owned by the caller.
    /// The cost is the Vulkan call plus at most one kernel call (none for `SAME_RIGHTS`); only
    /// when the driver's handle lacks a requested right are more calls spent, to name them.
    ///
    /// # Errors
    /// - [`ExportError::NotExportable`] (VUID-VkMemoryGetZirconHandleInfoFUCHSIA-handleType-04776)
    ///   for memory not allocated by [`Interop::allocate_exportable_memory`] nor imported by
    ///   [`Interop::import_exportable_memory`];
    /// - [`ExportError::OtherDevice`] for memory of another interop;
    /// - [`ExportError::RightsNotAvailable`] naming the rights the driver's handle lacks;
    /// - [`ExportError::Vulkan`] / [`ExportError::Zircon`] when a call fails.
    ///
    /// No handle is leaked on any path.
    pub fn get_memory_zircon_handle(
        &self,
        memory: &Memory,
        rights: zx::Rights,
    ) -> Result<zx::Vmo, ExportError> {
        if !memory.interop().same_device(self) {
            return Err(ExportError::OtherDevice);
        }
        if !matches!(
            memory.backing(),
            Backing::Exportable { .. }
                | Backing::ImportedVmo {
                    exportable: true,
                    ..
                }
        ) {
            return Err(ExportError::NotExportable);
        }
        // SAFETY: the memory is this interop's, exportable as ZIRCON_VMO (both checked above)
        // and alive (borrowed).
        unsafe { self.get_memory_zircon_handle_unchecked(memory.as_raw(), rights) }
    }

    /// [`Self::get_memory_zircon_handle`] for a raw `VkDeviceMemory`, without checking that it
    /// is exportable.
    ///
    /// # Errors
    /// As [`Self::get_memory_zircon_handle`], less [`ExportError::NotExportable`].
    ///
    /// # Safety
    /// `memory` is a live allocation of this interop's device, allocated with
    /// `VkExportMemoryAllocateInfo` including `ZIRCON_VMO` (valid iff the checked call would
    /// succeed).
    pub unsafe fn get_memory_zircon_handle_unchecked(
        &self,
        memory: vk::DeviceMemory,
        rights: zx::Rights,
    ) -> Result<zx::Vmo, ExportError> {
        let vmo = self.export_same_rights(memory)?;
        if rights == zx::Rights::SAME_RIGHTS {
            return Ok(vmo);
        }
        match vmo.replace_handle(rights) {
            Ok(vmo) => Ok(vmo),
            // zx_handle_replace consumed the handle (it always does); only now spend calls to
            // learn which rights the driver's handle lacks.
            Err(zx::Status::INVALID_ARGS) => {
                // SAFETY: the caller's contract, as above.
                let available = self.export_same_rights(memory)?.basic_info()?.rights;
                Err(ExportError::RightsNotAvailable {
                    requested: rights,
                    available,
                    missing: rights - available,
                })
            }
            Err(status) => Err(ExportError::Zircon(status)),
        }
    }

    /// `vkGetMemoryZirconHandleFUCHSIA` with the driver's rights, as an owned VMO.
    fn export_same_rights(&self, memory: vk::DeviceMemory) -> Result<zx::Vmo, ExportError> {
        let info = vk::MemoryGetZirconHandleInfoFUCHSIA::default()
            .memory(memory)
            .handle_type(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA);
        // SAFETY: the callers guarantee `memory` is live and exportable as ZIRCON_VMO.
        let raw = unsafe { self.shared.table.get_memory_zircon_handle(&info) }
            .map_err(map_get_memory_zircon_handle_err)?;
        // SAFETY: the command returned a new handle that the caller owns (VK_FUCHSIA_external_memory:
        // "each call … creates a new handle").
        Ok(zx::Vmo::from(unsafe { zx::Handle::from_raw(raw) }))
    }
}
