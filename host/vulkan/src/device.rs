//! The layer's device object: what it knows about the memory, buffers and images of one
//! `VkDevice`, and the two ways it backs memory with a VMO (import and export).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use ash::vk;
use fuchsia_zircon_types::zx_koid_t;

use crate::dispatch::Instance;
use crate::resource::{ExportedDedication, Resource, ResourceDescription};
use crate::zx::{self, Mapping, UnownedVmo, Vmo};
use crate::HOST_ALLOCATION;

/// The layer's state for one device created through it.
pub(crate) struct Device {
    /// The device's commands one level down (the layers below and the driver).
    fns: ash::Device,
    /// `vkGetDeviceProcAddr` one level down.
    next_gdpa: vk::PFN_vkGetDeviceProcAddr,
    /// Whether the application enabled `VK_FUCHSIA_external_memory` on it.
    zircon: Option<Zircon>,
    physical_device: vk::PhysicalDevice,
    /// `VK_FUCHSIA_buffer_collection`'s state, if the application enabled it.
    collections: Option<crate::buffer_collection::Collections>,
}

/// What a device with `VK_FUCHSIA_external_memory` enabled needs.
struct Zircon {
    get_memory_host_pointer_properties: vk::PFN_vkGetMemoryHostPointerPropertiesEXT,
    /// `VkPhysicalDeviceExternalMemoryHostPropertiesEXT::minImportedHostPointerAlignment`.
    min_alignment: u64,
    /// What the driver reports (`vkGetMemoryHostPointerPropertiesEXT`) for a mapping of a VMO.
    /// Every host VMO is a shared mapping of the same kind of memory (a memfd), so the driver's
    /// answer for one stands for all and is asked once.
    vmo_memory_type_bits: OnceLock<u32>,
    /// The same for a read-only mapping (a VMO without WRITE).
    read_only_vmo_memory_type_bits: OnceLock<u32>,
    state: Mutex<State>,
}

#[derive(Default)]
pub(crate) struct State {
    /// One record per `VkDeviceMemory` the layer backs with a VMO.
    pub(crate) memories: HashMap<vk::DeviceMemory, Record>,
    /// Payloads exported by this device, by VMO koid: what their exporter was dedicated to.
    pub(crate) payloads: HashMap<zx_koid_t, Payload>,
    /// Descriptions of buffers and images created for ZIRCON_VMO memory.
    pub(crate) resources: HashMap<Resource, ResourceDescription>,
}

/// What the layer holds for one `VkDeviceMemory`.
pub(crate) struct Record {
    pub(crate) koid: zx_koid_t,
    /// Allocated with `VkExportMemoryAllocateInfo{ZIRCON_VMO}`.
    pub(crate) exportable: bool,
    /// Imported from a VMO without WRITE: mapped read-only, so the GPU may only read it (see
    /// `bind`).
    pub(crate) read_only: bool,
    /// Unmapped before the VMO handle closes (fields drop in declaration order); the driver's
    /// memory is freed before the record is dropped.
    pub(crate) _mapping: std::sync::Arc<Mapping>,
    pub(crate) vmo: Vmo,
}

/// A payload exported by this device.
pub(crate) struct Payload {
    pub(crate) dedication: ExportedDedication,
    /// Live memory objects (the exporter and imports on this device) of this payload.
    pub(crate) memories: usize,
}

/// Structures of a `VkMemoryAllocateInfo` chain the layer forwards to the driver.
#[derive(Default)]
pub(crate) struct Forwarded {
    pub(crate) flags: Option<vk::MemoryAllocateFlagsInfo<'static>>,
    pub(crate) priority: Option<vk::MemoryPriorityAllocateInfoEXT<'static>>,
}

/// The driver's `minImportedHostPointerAlignment` if the layer can import page-aligned VMO
/// mappings with it: a power of two that divides the page size (VUID-
/// VkImportMemoryHostPointerInfoEXT-pHostPointer-01749). That also keeps the rounded-up length
/// of an import within the VMO's page-rounded size.
pub(crate) fn min_alignment(
    instance: &Instance,
    physical_device: vk::PhysicalDevice,
) -> Option<u64> {
    let mut host = vk::PhysicalDeviceExternalMemoryHostPropertiesEXT::default();
    let mut properties = vk::PhysicalDeviceProperties2::default().push_next(&mut host);
    // SAFETY: `physical_device` belongs to the live `instance`, whose API version is 1.1 or
    // later (checked by the caller); the chain is built with push_next.
    unsafe {
        instance
            .fns
            .get_physical_device_properties2(physical_device, &mut properties)
    };
    host_pointer_alignment(host.min_imported_host_pointer_alignment, zx::page_size())
}

fn host_pointer_alignment(min_alignment: u64, page_size: u64) -> Option<u64> {
    let min_alignment = min_alignment.max(1);
    (min_alignment.is_power_of_two() && page_size % min_alignment == 0).then_some(min_alignment)
}

impl Device {
    /// The layer's object for a device just created with `fns`; `None` if `zircon` and the
    /// driver lacks what the layer needs after all.
    pub(crate) fn new(
        instance: &Instance,
        physical_device: vk::PhysicalDevice,
        fns: ash::Device,
        next_gdpa: vk::PFN_vkGetDeviceProcAddr,
        zircon: bool,
        buffer_collection: bool,
    ) -> Option<Self> {
        let zircon = if zircon {
            // SAFETY: the device is live and enabled VK_EXT_external_memory_host (the layer
            // enabled it); the name is NUL-terminated.
            let fp = unsafe {
                next_gdpa(
                    fns.handle(),
                    c"vkGetMemoryHostPointerPropertiesEXT".as_ptr(),
                )
            }?;
            // SAFETY: the loader returned this command's pointer, whose signature is the PFN's.
            let get_memory_host_pointer_properties = unsafe {
                std::mem::transmute::<
                    unsafe extern "system" fn(),
                    vk::PFN_vkGetMemoryHostPointerPropertiesEXT,
                >(fp)
            };
            Some(Zircon {
                get_memory_host_pointer_properties,
                min_alignment: min_alignment(instance, physical_device)?,
                vmo_memory_type_bits: OnceLock::new(),
                read_only_vmo_memory_type_bits: OnceLock::new(),
                state: Mutex::new(State::default()),
            })
        } else {
            None
        };
        Some(Self {
            fns,
            next_gdpa,
            zircon,
            physical_device,
            collections: buffer_collection.then(Default::default),
        })
    }

    pub(crate) fn physical_device(&self) -> vk::PhysicalDevice {
        self.physical_device
    }

    /// `VK_FUCHSIA_buffer_collection`'s state, if enabled on this device.
    pub(crate) fn collections(&self) -> Option<&crate::buffer_collection::Collections> {
        self.collections.as_ref()
    }

    pub(crate) fn fns(&self) -> &ash::Device {
        &self.fns
    }

    pub(crate) fn next_gdpa(&self) -> vk::PFN_vkGetDeviceProcAddr {
        self.next_gdpa
    }

    pub(crate) fn zircon_enabled(&self) -> bool {
        self.zircon.is_some()
    }

    /// The Zircon state, if the extension is enabled.
    pub(crate) fn lock(&self) -> Option<MutexGuard<'_, State>> {
        let zircon = self.zircon.as_ref()?;
        // The state stays consistent across panics (every update is a single insert/remove).
        Some(zircon.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn zircon(&self) -> Result<&Zircon, vk::Result> {
        // Commands of the extension reach the layer only on devices that enabled it (its
        // vkGetDeviceProcAddr returns them for no other); a raw caller that forged the call
        // anyway is refused.
        self.zircon
            .as_ref()
            .ok_or(vk::Result::ERROR_EXTENSION_NOT_PRESENT)
    }

    pub(crate) fn round_up(&self, size: u64) -> Option<u64> {
        size.checked_next_multiple_of(self.zircon().ok()?.min_alignment)
    }

    /// What this device knows about the exporter of the payload `koid`.
    pub(crate) fn exported_dedication(&self, koid: zx_koid_t) -> ExportedDedication {
        self.lock()
            .and_then(|s| s.payloads.get(&koid).map(|p| p.dedication.clone()))
            .unwrap_or(ExportedDedication::Unknown)
    }

    pub(crate) fn description(&self, dedicated: Option<Resource>) -> Option<ResourceDescription> {
        self.lock()?.resources.get(&dedicated?).cloned()
    }

    /// The memory types a VMO mapping (read-write, or read-only for a VMO without WRITE) can be
    /// imported as, asked once per kind (see [`Zircon::vmo_memory_type_bits`]) with a mapping of
    /// `vmo`.
    pub(crate) fn vmo_memory_type_bits(
        &self,
        vmo: UnownedVmo,
        size: u64,
        writable: bool,
    ) -> Result<u32, vk::Result> {
        let zircon = self.zircon()?;
        let (cache, flags) = if writable {
            (
                &zircon.vmo_memory_type_bits,
                zx::ZX_VM_PERM_READ | zx::ZX_VM_PERM_WRITE,
            )
        } else {
            (&zircon.read_only_vmo_memory_type_bits, zx::ZX_VM_PERM_READ)
        };
        if let Some(&bits) = cache.get() {
            return Ok(bits);
        }
        // Map one alignment unit (or the whole VMO, if smaller) to ask the driver about it.
        let length = usize::try_from(size.min(zircon.min_alignment))
            .map_err(|_| vk::Result::ERROR_OUT_OF_HOST_MEMORY)?;
        let mapping = vmo
            .map(0, length, flags)
            .map_err(|_| vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)?;
        let mut properties = vk::MemoryHostPointerPropertiesEXT::default();
        // SAFETY: the pointer came from the loader for this device; the mapping is live.
        let result = unsafe {
            (zircon.get_memory_host_pointer_properties)(
                self.fns.handle(),
                HOST_ALLOCATION,
                mapping.as_ptr().cast(),
                &mut properties,
            )
        };
        result.result()?;
        let mut bits = properties.memory_type_bits;
        if !writable && bits != 0 {
            // Report only what can work: some drivers report memory types for a read-only host
            // pointer and then cannot import it (NVIDIA pins host pages writable:
            // vkAllocateMemory gives VK_ERROR_OUT_OF_DEVICE_MEMORY). Import this mapping once,
            // as the smallest type it reports, and report nothing if the driver refuses.
            let index = bits.trailing_zeros();
            // SAFETY: `mapping` stays mapped until the probe memory is freed below; no
            // allocator is used.
            let probe = unsafe {
                self.import_mapping(
                    &mapping,
                    mapping.len(),
                    index,
                    &mut Forwarded::default(),
                    None,
                )
            };
            match probe {
                // SAFETY: the memory was just allocated on this device and nothing uses it.
                Ok(memory) => unsafe { self.fns.free_memory(memory, None) },
                Err(_) => bits = 0,
            }
        }
        Ok(*cache.get_or_init(|| bits))
    }

    /// Imports `mapping` into the driver as host memory, with the forwarded structures.
    ///
    /// # Safety
    /// - `mapping` stays mapped until the memory is freed;
    /// - `allocator`, if any, is valid for `vkAllocateMemory`.
    pub(crate) unsafe fn import_mapping(
        &self,
        mapping: &Mapping,
        len: usize,
        memory_type_index: u32,
        forwarded: &mut Forwarded,
        allocator: Option<&vk::AllocationCallbacks<'_>>,
    ) -> Result<vk::DeviceMemory, vk::Result> {
        let mut host_pointer = vk::ImportMemoryHostPointerInfoEXT::default()
            .handle_type(HOST_ALLOCATION)
            .host_pointer(mapping.as_ptr().cast());
        let mut info = vk::MemoryAllocateInfo::default()
            .allocation_size(len.min(mapping.len()) as u64)
            .memory_type_index(memory_type_index)
            .push_next(&mut host_pointer);
        if let Some(flags) = forwarded.flags.as_mut() {
            info = info.push_next(flags);
        }
        if let Some(priority) = forwarded.priority.as_mut() {
            info = info.push_next(priority);
        }
        // SAFETY: the chain is built with push_next from live locals; the mapping is
        // page-aligned and `min_alignment` divides the page size (checked when the device was
        // created), so the pointer meets VUID-VkImportMemoryHostPointerInfoEXT-pHostPointer-01749;
        // its length is a multiple of `min_alignment` (VUID-VkMemoryAllocateInfo-01745); the
        // caller vouches for `allocator`.
        unsafe { self.fns.allocate_memory(&info, allocator) }
    }

    /// Records a `VkDeviceMemory` the layer backs; `exported` for a new exportable payload.
    pub(crate) fn insert_record(
        &self,
        memory: vk::DeviceMemory,
        record: Record,
        exported: Option<ExportedDedication>,
    ) {
        let Some(mut state) = self.lock() else {
            return;
        };
        let koid = record.koid;
        match exported {
            Some(dedication) => {
                state.payloads.insert(
                    koid,
                    Payload {
                        dedication,
                        memories: 1,
                    },
                );
            }
            None => {
                if let Some(payload) = state.payloads.get_mut(&koid) {
                    payload.memories += 1;
                }
            }
        }
        state.memories.insert(memory, record);
    }

    /// Forgets `memory` (after the driver freed it); its record, to drop outside the lock.
    pub(crate) fn remove_record(&self, memory: vk::DeviceMemory) -> Option<Record> {
        let mut state = self.lock()?;
        let record = state.memories.remove(&memory)?;
        if let Some(payload) = state.payloads.get_mut(&record.koid) {
            payload.memories -= 1;
            if payload.memories == 0 {
                state.payloads.remove(&record.koid);
            }
        }
        Some(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_pointer_alignment_must_divide_the_page() {
        assert_eq!(host_pointer_alignment(4096, 4096), Some(4096));
        assert_eq!(host_pointer_alignment(64, 4096), Some(64));
        assert_eq!(host_pointer_alignment(0, 4096), Some(1));
        for bad in [8192, 65536, 3000] {
            assert_eq!(host_pointer_alignment(bad, 4096), None, "{bad}");
        }
    }
}
