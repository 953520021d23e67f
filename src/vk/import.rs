//! Import: `zx::Vmo` → `VkDeviceMemory`, validated before Vulkan sees it; and the properties
//! query that import relies on.

use ash::vk;

use super::error::{
    map_allocate_memory_err, map_get_memory_zircon_handle_properties_err, ImportError,
    PropertiesError,
};
use super::handle_type::ExternalHandleType;
use super::memory::{AllocationInfo, Backing, Dedicated, Memory, ResolvedResource};
use super::validate::{
    select_memory_type, validate_allocation_size, validate_dedicated_import,
    validate_dedicated_size, validate_suballocation, Direction, ExportedDedication,
    MemoryTypeMasks, ValidationError,
};
use super::Interop;
use crate::zx::{self, AsHandleRef, HandleBased};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;

/// The rights Fuchsia's Vulkan drivers need to import (map) a VMO; a VMO lacking any of them
/// reports 0 `memoryTypeBits` (the magma rule).
pub const IMPORT_RIGHTS: zx::Rights = zx::Rights::MAP
    .union(zx::Rights::READ)
    .union(zx::Rights::WRITE);

/// Why validation refused an import (the VMO is attached afterwards).
enum Refusal {
    InvalidHandle(zx::Status),
    NotAVmo(zx::ObjectType),
    MissingRights {
        rights: zx::Rights,
        missing: zx::Rights,
    },
    Validation(ValidationError),
    Properties(PropertiesError),
    Zircon(zx::Status),
}

impl From<ValidationError> for Refusal {
    fn from(e: ValidationError) -> Self {
        Self::Validation(e)
    }
}

impl Refusal {
    fn with_vmo(self, vmo: zx::Vmo) -> ImportError {
        match self {
            Self::InvalidHandle(status) => ImportError::InvalidHandle { status, vmo },
            Self::NotAVmo(object_type) => ImportError::NotAVmo { object_type, vmo },
            Self::MissingRights { rights, missing } => ImportError::MissingRights {
                rights,
                missing,
                vmo,
            },
            Self::Validation(error) => ImportError::Validation { error, vmo },
            Self::Properties(error) => ImportError::Properties { error, vmo },
            Self::Zircon(status) => ImportError::Zircon { status, vmo },
        }
    }
}

/// What validation settled.
struct CheckedImport {
    koid: zx::Koid,
    allocation_size: u64,
    memory_type_index: u32,
    dedicated: Option<Dedicated>,
}

impl Interop {
    /// The memory types `vmo` can be imported as (`vkGetMemoryZirconHandlePropertiesFUCHSIA`).
    /// The handle is borrowed, never consumed.
    ///
    /// A live VMO lacking MAP, READ or WRITE gives `Ok(0)`: it is a VMO, but no type can import
    /// it.
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
    /// Validated before Vulkan sees it: a live VMO handle (04772) with MAP, READ and WRITE;
    /// `0 < allocationSize <= zx_vmo_get_size` (07902 / 07903); a VMO whose `memoryTypeBits`
    /// are not 0 (on the host a RESIZABLE VMO reports 0: it cannot be mapped) and a memory type
    /// within them (04749) and the resource's requirements; for a dedicated import, the
    /// requirements size (02964 / 02965) and an exporter dedicated to an identical resource
    /// (04751 / 04752, enforced where the exporter is known: on the host, memory exported by
    /// this interop's device); for a suballocated [`Resource::Buffer`](super::Resource::Buffer)
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
        match self.validate_import(&vmo, info) {
            Ok(checked) => self.import_checked(vmo, checked),
            Err(refusal) => Err(refusal.with_vmo(vmo)),
        }
    }

    /// [`Self::import_memory`] without validation.
    ///
    /// # Errors
    /// [`ImportError::Zircon`] if the koid cannot be read; [`ImportError::Vulkan`] with
    /// `vkAllocateMemory`'s code. Both hand `vmo` back.
    ///
    /// # Safety
    /// Valid iff the checked call would succeed with these values: `vmo` is a VMO with MAP,
    /// READ and WRITE, `0 < allocation_size <= its size`, `memory_type_index` within its
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
            Err(status) => return Err(ImportError::Zircon { status, vmo }),
        };
        self.import_checked(
            vmo,
            CheckedImport {
                koid,
                allocation_size,
                memory_type_index,
                dedicated,
            },
        )
    }

    #[inline(never)]
    fn validate_import(
        &self,
        vmo: &zx::Vmo,
        info: &AllocationInfo<'_>,
    ) -> Result<CheckedImport, Refusal> {
        let AllocationInfo {
            allocation_size,
            memory_type,
            resource,
        } = *info;
        let basic = vmo.basic_info().map_err(Refusal::InvalidHandle)?;
        if basic.object_type != zx::ObjectType::VMO {
            return Err(Refusal::NotAVmo(basic.object_type));
        }
        let missing = IMPORT_RIGHTS - basic.rights;
        if !missing.is_empty() {
            return Err(Refusal::MissingRights {
                rights: basic.rights,
                missing,
            });
        }
        let payload_size = vmo.get_size().map_err(Refusal::Zircon)?;
        let resolved = resource.resolve();
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
            .map_err(Refusal::Properties)?;
        if handle_bits == 0 {
            // Rights were checked above: the VMO itself cannot be imported (on the host, a
            // RESIZABLE VMO); say so rather than blame the requested memory type.
            return Err(Refusal::Validation(ValidationError::HandleNotImportable {
                handle_type: ExternalHandleType::ZirconVmo,
            }));
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
                    &self.exported_dedication(basic.koid),
                )?;
                Some(dedicated)
            }
            None => None,
        };
        Ok(CheckedImport {
            koid: basic.koid,
            allocation_size,
            memory_type_index,
            dedicated,
        })
    }

    /// What this device knows about the dedication of the memory that exported `koid`.
    fn exported_dedication(&self, koid: zx::Koid) -> ExportedDedication {
        #[cfg(not(target_os = "fuchsia"))]
        {
            self.shared.host.exported_dedication(koid)
        }
        #[cfg(target_os = "fuchsia")]
        {
            // The driver holds that knowledge and enforces 04751/04752 itself.
            let _ = koid;
            ExportedDedication::Unknown
        }
    }

    fn import_checked(&self, vmo: zx::Vmo, checked: CheckedImport) -> Result<Memory, ImportError> {
        let CheckedImport {
            koid,
            allocation_size,
            memory_type_index,
            dedicated,
        } = checked;
        let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
            .handle_type(ZIRCON_VMO)
            .handle(vmo.raw_handle());
        let mut dedicated_info = dedicated.map(Dedicated::allocate_info);
        let mut allocate_info = vk::MemoryAllocateInfo::default()
            .allocation_size(allocation_size)
            .memory_type_index(memory_type_index)
            .push_next(&mut import);
        if let Some(dedicated_info) = dedicated_info.as_mut() {
            allocate_info = allocate_info.push_next(dedicated_info);
        }
        // SAFETY: the values were validated (or vouched for by the `_unchecked` caller); the
        // chain is built with push_next from locals that outlive the call; `vmo` stays owned
        // by us until the call succeeds.
        match unsafe { self.shared.table.allocate_memory(&allocate_info) } {
            Ok(handle) => {
                // Vulkan owns the handle now and closes it when the memory is freed.
                let _owned_by_vulkan = vmo.into_handle().into_raw();
                Ok(Memory::new(
                    self,
                    handle,
                    allocation_size,
                    memory_type_index,
                    Backing::ImportedVmo { koid, dedicated },
                ))
            }
            Err(result) => Err(ImportError::Vulkan {
                error: map_allocate_memory_err(result),
                vmo,
            }),
        }
    }
}
