//! Import: `zx::Vmo` → `VkDeviceMemory`, validated before Vulkan sees it; and the properties
//! query that import relies on.

use ash::vk;

use super::allocation::{AllocationInfo, Dedicated, ResolvedResource};
use super::error::{
    map_allocate_memory_err, map_get_memory_zircon_handle_properties_err, ImportError,
    ImportErrorKind, PropertiesError,
};
use super::memory::{Backing, Memory};
use super::Interop;
use crate::external_memory::ExternalHandleType;
use crate::external_memory::{
    select_memory_type, validate_allocation_size, validate_dedicated_import,
    validate_dedicated_size, validate_suballocation, Direction, MemoryTypeMasks, ValidationError,
};
use crate::zx::{self, AsHandleRef, HandleBased};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;

/// The rights Fuchsia's Vulkan drivers need to import (map) a VMO; a VMO lacking any of them
/// reports 0 `memoryTypeBits` (the magma rule).
pub const IMPORT_RIGHTS: zx::Rights = zx::Rights::MAP
    .union(zx::Rights::READ)
    .union(zx::Rights::WRITE);

/// The rights [`Interop::import_memory`] requires: [`IMPORT_RIGHTS`] and DUPLICATE, because the
/// import goes through a duplicate (see `import_checked`).
const REQUIRED_RIGHTS: zx::Rights = IMPORT_RIGHTS.union(zx::Rights::DUPLICATE);

/// The rights [`Interop::import_memory_read_only`] requires: READ and MAP (to map the VMO at all)
/// and DUPLICATE.
const READ_ONLY_RIGHTS: zx::Rights = zx::Rights::READ
    .union(zx::Rights::MAP)
    .union(zx::Rights::DUPLICATE);

/// What validation settled.
struct CheckedImport {
    koid: zx::Koid,
    allocation_size: u64,
    memory_type_index: u32,
    dedicated: Option<Dedicated>,
    /// Chain `VkExportMemoryAllocateInfo{ZIRCON_VMO}` too (exportFromImported).
    exportable: bool,
    /// The rights of the duplicate handed to the driver: SAME_RIGHTS, or the VMO's rights less
    /// WRITE for a read-only import.
    duplicate_rights: zx::Rights,
    read_only: bool,
}

impl Interop {
    /// The memory types `vmo` can be imported as (`vkGetMemoryZirconHandlePropertiesFUCHSIA`).
    /// The handle is borrowed, never consumed.
    ///
    /// A live VMO the implementation cannot import gives `Ok(0)`: it is a VMO, but no type can
    /// import it. Fuchsia's drivers report 0 for a VMO lacking MAP, READ or WRITE; the host layer
    /// for one lacking MAP or READ (without WRITE it imports read-only: see
    /// [`Self::import_memory_read_only`]).
    ///
    /// # Errors
    /// - [`PropertiesError::InvalidExternalHandle`] for anything that is not a live VMO handle
    ///   (a closed or forged handle value, a channel);
    /// - [`PropertiesError::Vulkan`] for other failures.
    pub fn get_memory_zircon_handle_properties(
        &self,
        vmo: &impl AsHandleRef,
    ) -> Result<u32, PropertiesError> {
        // SAFETY: ZIRCON_VMO is the required handle type (04773); any handle value is allowed
        // and it is only borrowed.
        unsafe {
            self.shared
                .table
                .get_memory_zircon_handle_properties(ZIRCON_VMO, vmo.raw_handle())
        }
        .map_err(
            |result| match map_get_memory_zircon_handle_properties_err(result) {
                super::VulkanError::InvalidExternalHandle { .. } => {
                    PropertiesError::InvalidExternalHandle
                }
                other => PropertiesError::Vulkan(other),
            },
        )
    }

    /// Imports `vmo` as device memory: `vkAllocateMemory` with
    /// `VkImportMemoryZirconHandleInfoFUCHSIA`, and `VkMemoryDedicatedAllocateInfo` for a
    /// dedicated resource.
    ///
    /// Validated before Vulkan sees it: a live VMO handle (04772) with MAP, READ and WRITE, and
    /// DUPLICATE (the driver is handed a duplicate, so that a driver that closes the handle when
    /// the import fails cannot take the caller's);
    /// `0 < allocationSize <= zx_vmo_get_size` (07902 / 07903); a VMO whose `memoryTypeBits`
    /// are not 0 (on the host a RESIZABLE VMO reports 0: it cannot be mapped) and a memory type
    /// within them (04749) and the resource's requirements; for a dedicated import, the
    /// requirements size (02964 / 02965) and an exporter dedicated to an identical resource
    /// (04751 / 04752, enforced where the exporter is known: memory exported by this interop's
    /// device); for a suballocated [`Resource::Buffer`](super::Resource::Buffer)
    /// / [`Resource::Image`](super::Resource::Image), that the resource does not require a
    /// dedicated allocation (vkBindBufferMemory-buffer-01444 / vkBindImageMemory-image-01445).
    ///
    /// On success Vulkan owns the handle (closed when the memory is freed). Importing one
    /// payload several times gives distinct memory objects aliasing the same bytes.
    ///
    /// # Errors
    /// Every [`ImportError`] hands `vmo` back untouched ([`ImportError::into_vmo`]).
    pub fn import_memory(
        &self,
        vmo: zx::Vmo,
        info: &AllocationInfo<'_>,
    ) -> Result<Memory, ImportError> {
        match self.validate_import(&vmo, info, false) {
            Ok(checked) => self.import_checked(vmo, checked),
            Err(kind) => Err(ImportError::new(kind, vmo)),
        }
    }

    /// Imports `vmo` read-only: the driver is handed a duplicate without WRITE, so the memory
    /// can only be read, as a compositor that samples needs (sysmem grants WRITE only for
    /// write usages). Validated as [`Self::import_memory`], except that WRITE is not needed
    /// (READ, MAP and DUPLICATE are).
    ///
    /// What the GPU may do with the memory is the implementation's to say. On the host, the
    /// Vulkan layer maps it read-only and refuses every binding that could write it (only
    /// buffers with read usages, and LINEAR images with TRANSFER_SRC / SAMPLED /
    /// INPUT_ATTACHMENT usages, may be bound) and `vkMapMemory` of it: read the bytes through
    /// the VMO. A Fuchsia driver that cannot import a VMO without WRITE reports 0
    /// `memoryTypeBits` for it, and this import fails with
    /// [`ValidationError::HandleNotImportable`].
    ///
    /// # Errors
    /// As [`Self::import_memory`]; every [`ImportError`] hands `vmo` back.
    pub fn import_memory_read_only(
        &self,
        vmo: zx::Vmo,
        info: &AllocationInfo<'_>,
    ) -> Result<Memory, ImportError> {
        match self.validate_import(&vmo, info, true) {
            Ok(checked) => self.import_checked(vmo, checked),
            Err(kind) => Err(ImportError::new(kind, vmo)),
        }
    }

    /// [`Self::import_memory`] for memory that can be exported again: the import also chains
    /// `VkExportMemoryAllocateInfo{ZIRCON_VMO}`, as `exportFromImportedHandleTypes` allows
    /// (check [`Interop::get_physical_device_external_buffer_properties`] /
    /// [`Interop::get_physical_device_image_format_properties2`] for the resource). An export of
    /// the memory ([`Interop::get_memory_zircon_handle`]) is a new handle to the imported
    /// payload: the imported VMO's koid.
    ///
    /// # Errors
    /// As [`Self::import_memory`]; every [`ImportError`] hands `vmo` back.
    pub fn import_exportable_memory(
        &self,
        vmo: zx::Vmo,
        info: &AllocationInfo<'_>,
    ) -> Result<Memory, ImportError> {
        match self.validate_import(&vmo, info, false) {
            Ok(checked) => self.import_checked(
                vmo,
                CheckedImport {
                    exportable: true,
                    ..checked
                },
            ),
            Err(kind) => Err(ImportError::new(kind, vmo)),
        }
    }

    /// [`Self::import_memory`] without validation.
    ///
    /// # Errors
    /// [`ImportErrorKind::Zircon`] if the koid cannot be read or the handle cannot be duplicated; [`ImportErrorKind::Vulkan`] with `vkAllocateMemory`'s code. All hand `vmo`
    /// back.
    ///
    /// # Safety
    /// Valid iff the checked call would succeed with these values: `vmo` is a VMO with MAP,
    /// READ, WRITE and DUPLICATE, `0 < allocation_size <= its size`, `memory_type_index` within its
    /// `memoryTypeBits`, and a dedicated resource is live on this device, sized
    /// `allocation_size`, and identical to the exporter's if the payload was exported dedicated.
    pub unsafe fn import_memory_unchecked(
        &self,
        vmo: zx::Vmo,
        allocation_size: u64,
        memory_type_index: u32,
        dedicated: Option<Dedicated>,
    ) -> Result<Memory, ImportError> {
        let koid = match vmo.get_koid() {
            Ok(koid) => koid,
            Err(status) => return Err(ImportError::new(ImportErrorKind::Zircon(status), vmo)),
        };
        self.import_checked(
            vmo,
            CheckedImport {
                koid,
                allocation_size,
                memory_type_index,
                dedicated,
                exportable: false,
                duplicate_rights: zx::Rights::SAME_RIGHTS,
                read_only: false,
            },
        )
    }

    #[inline(never)]
    fn validate_import(
        &self,
        vmo: &zx::Vmo,
        info: &AllocationInfo<'_>,
        read_only: bool,
    ) -> Result<CheckedImport, ImportErrorKind> {
        let AllocationInfo {
            allocation_size,
            memory_type,
            resource,
        } = *info;
        // One kernel call (ZX_INFO_VMO) answers that it is a VMO, its rights and its size; only
        // a refusal looks further, to name what the handle is instead.
        let vmo_info = match vmo.info() {
            Ok(vmo_info) => vmo_info,
            Err(zx::Status::WRONG_TYPE) => {
                let basic = vmo
                    .basic_info()
                    .map_err(|status| ImportErrorKind::InvalidHandle { status })?;
                return Err(ImportErrorKind::NotAVmo {
                    object_type: basic.object_type,
                });
            }
            Err(status) => return Err(ImportErrorKind::InvalidHandle { status }),
        };
        let required = if read_only {
            READ_ONLY_RIGHTS
        } else {
            REQUIRED_RIGHTS
        };
        let missing = required - vmo_info.rights;
        if !missing.is_empty() {
            return Err(ImportErrorKind::MissingRights {
                rights: vmo_info.rights,
                missing,
            });
        }
        let payload_size = vmo_info.size_bytes;
        let resolved = resource.resolve();
        if let Some(resolved) = &resolved {
            resolved.check_device(self)?;
        }
        let allocation_size = allocation_size.unwrap_or(match &resolved {
            Some(ResolvedResource {
                requirements,
                dedicated: Some(_),
                ..
            }) => requirements.size,
            _ => payload_size,
        });
        validate_allocation_size(ExternalHandleType::ZirconVmo, allocation_size, payload_size)?;
        let handle_bits = self
            .get_memory_zircon_handle_properties(vmo)
            .map_err(ImportErrorKind::Properties)?;
        if handle_bits == 0 {
            // Rights were checked above: the VMO itself cannot be imported (on the host, a
            // RESIZABLE VMO); say so rather than blame the requested memory type.
            return Err(ImportErrorKind::Validation(
                ValidationError::HandleNotImportable {
                    handle_type: ExternalHandleType::ZirconVmo,
                },
            ));
        }
        let masks = MemoryTypeMasks {
            handle_type: ExternalHandleType::ZirconVmo,
            direction: Direction::Import,
            handle_bits,
            resource: resolved
                .as_ref()
                .map(|r| (r.kind, r.requirements.memory_type_bits)),
        };
        let memory_type_index =
            select_memory_type(&self.shared.memory_properties, memory_type, masks)?;
        let dedicated = match resolved {
            Some(ResolvedResource {
                kind,
                requires_dedicated,
                dedicated: None,
                ..
            }) => {
                validate_suballocation(kind, requires_dedicated, Direction::Import)?;
                None
            }
            Some(ResolvedResource {
                kind,
                requirements,
                dedicated: Some((dedicated, description)),
                ..
            }) => {
                validate_dedicated_size(kind, allocation_size, requirements.size)?;
                validate_dedicated_import(
                    ExternalHandleType::ZirconVmo,
                    kind,
                    Some(description),
                    &self.exported_dedication(vmo_info.koid),
                )?;
                Some(dedicated)
            }
            None => None,
        };
        Ok(CheckedImport {
            koid: vmo_info.koid,
            allocation_size,
            memory_type_index,
            dedicated,
            exportable: false,
            duplicate_rights: if read_only {
                vmo_info.rights - zx::Rights::WRITE
            } else {
                zx::Rights::SAME_RIGHTS
            },
            read_only,
        })
    }

    /// `vkAllocateMemory` importing the handle value `raw` as `checked` says.
    fn allocate_import(
        &self,
        raw: u32,
        checked: &CheckedImport,
    ) -> Result<vk::DeviceMemory, vk::Result> {
        let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
            .handle_type(ZIRCON_VMO)
            .handle(raw);
        let mut dedicated_info = checked.dedicated.map(Dedicated::allocate_info);
        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(ZIRCON_VMO);
        let mut allocate_info = vk::MemoryAllocateInfo::default()
            .allocation_size(checked.allocation_size)
            .memory_type_index(checked.memory_type_index)
            .push_next(&mut import);
        if let Some(dedicated_info) = dedicated_info.as_mut() {
            allocate_info = allocate_info.push_next(dedicated_info);
        }
        if checked.exportable {
            allocate_info = allocate_info.push_next(&mut export);
        }
        // SAFETY: the values were validated (or vouched for by the `_unchecked` caller); the
        // chain is built with push_next from locals that outlive the call; the callers own
        // `raw` until the call succeeds.
        unsafe { self.shared.table.allocate_memory(&allocate_info) }
    }

    /// Imports the validated `vmo`; every failure hands it back.
    ///
    /// A driver may close the handle when `vkAllocateMemory` fails (SwiftShader does
    /// when its map fails), so handing back the value it was given could hand back a dead
    /// handle, or one the kernel has since reissued for another object. As Scenic and Escher
    /// do, a duplicate (SAME_RIGHTS) is imported instead: on success the original is closed
    /// (Vulkan owns the duplicate), on failure the original comes back and the duplicate is
    /// closed only if it is still ours (see [`close_if_still_ours`]). Costs one
    /// `zx_handle_duplicate` and one `zx_handle_close` per import. (The host Vulkan layer never
    /// consumes a handle on failure, but the library does not know which implementation it
    /// talks to, so it takes the one path that is safe with all of them.)
    fn import_checked(&self, vmo: zx::Vmo, checked: CheckedImport) -> Result<Memory, ImportError> {
        let duplicate = match vmo.duplicate_handle(checked.duplicate_rights) {
            Ok(duplicate) => duplicate,
            Err(status) => return Err(ImportError::new(ImportErrorKind::Zircon(status), vmo)),
        };
        // From here the value's fate is the driver's until the call returns.
        let raw = duplicate.into_handle().into_raw();
        match self.allocate_import(raw, &checked) {
            Ok(handle) => {
                // Vulkan owns the duplicate now; the caller's original is no longer needed.
                drop(vmo);
                Ok(self.imported(handle, checked))
            }
            Err(result) => {
                close_if_still_ours(raw, checked.koid);
                Err(ImportError::new(
                    ImportErrorKind::Vulkan(map_allocate_memory_err(result)),
                    vmo,
                ))
            }
        }
    }

    fn imported(&self, handle: vk::DeviceMemory, checked: CheckedImport) -> Memory {
        let CheckedImport {
            koid,
            allocation_size,
            memory_type_index,
            dedicated,
            exportable,
            duplicate_rights: _,
            read_only,
        } = checked;
        let memory = Memory::new(
            self,
            handle,
            allocation_size,
            memory_type_index,
            Backing::ImportedVmo {
                koid,
                dedicated,
                exportable,
                read_only,
            },
        );
        // Memory of a payload this device exported keeps what is known about its exporter.
        let holds_export = match self.exports().get_mut(&koid) {
            Some(export) => {
                export.memories += 1;
                true
            }
            None => false,
        };
        if holds_export {
            memory.with_export(koid)
        } else {
            memory
        }
    }
}

/// Closes the handle value `raw` that a failed import may or may not have consumed, if it still
/// names the VMO `koid`.
///
/// A driver that consumed it leaves the value dead (`zx_object_get_info` fails: nothing to
/// close) or reissued by the kernel for another object (another koid: not ours to close). The
/// koid is compared, not merely whether the value is live, because a dead value may have been
/// reused. One case stays indistinguishable: a value the driver closed and the kernel reissued,
/// in between, for another handle to this same VMO; Zircon randomizes handle values, which
/// makes that unlikely, and the alternative (never closing) would leak a handle on every
/// failure of a driver that keeps it.
pub(super) fn close_if_still_ours(raw: u32, koid: zx::Koid) {
    // SAFETY: any value may be inspected; it is only borrowed for the query.
    let still_ours = unsafe { zx::Unowned::<zx::Vmo>::from_raw_handle(raw) }.get_koid() == Ok(koid);
    if still_ours {
        // SAFETY: the value names our duplicate, which the driver did not take.
        drop(unsafe { zx::Handle::from_raw(raw) });
    }
}
