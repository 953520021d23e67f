//! Device setup: the [`Interop`] object and the extensions it needs.

use std::collections::HashMap;
use std::ffi::CStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ash::vk;

use super::error::{map_get_memory_zircon_handle_properties_err, DeviceError};
use super::raw::{ExternalMemoryFn, ExternalMemoryTable};
use crate::external_memory::ExportedDedication;
use crate::zx::{self, AsHandleRef};

/// Size of the VMO probed for the memory types a VMO can use: one page.
const PROBE_VMO_SIZE: u64 = 4096;

/// The device extensions the application must enable on its `VkDevice` for [`Interop`]:
/// `VK_FUCHSIA_external_memory`, on every platform (and Vulkan 1.1, where external memory and
/// dedicated allocations are core).
///
/// On Fuchsia the driver provides it. Elsewhere the host Vulkan layer does: create the instance
/// from the `ash::Entry` that [`crate::platform::vulkan_entry`] returns, and the layer offers
/// the extension on every device whose driver has `VK_EXT_external_memory_host`.
pub fn required_device_extensions() -> &'static [&'static CStr] {
    &[ash::fuchsia::external_memory::NAME]
}

/// The device extensions the library uses where the application enabled them and says so
/// ([`Interop::with_enabled_extensions`]):
///
/// - `VK_EXT_image_drm_format_modifier`, with `VK_KHR_image_format_list`, which it needs on a
///   Vulkan 1.1 device: sysmem images are imported with the layout sysmem chose
///   (`VkImageDrmFormatModifierExplicitCreateInfoEXT`) instead of a linear image whose driver
///   layout must happen to be sysmem's ([`crate::sysmem::vulkan_image`]).
pub fn optional_device_extensions() -> &'static [&'static CStr] {
    &[
        ash::ext::image_drm_format_modifier::NAME,
        ash::khr::image_format_list::NAME,
    ]
}

/// `VK_FUCHSIA_external_memory` for one `VkDevice`: export, import, properties and capability
/// queries, and helpers that create buffers and images for external memory.
///
/// Cheap to clone (an `Arc`). Every [`super::Memory`], [`super::Buffer`] and [`super::Image`]
/// holds a clone, so the interop lives as long as anything made from it.
#[derive(Clone)]
pub struct Interop {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Interop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interop")
            .field("device", &self.shared.device.handle())
            .field("physical_device", &self.shared.physical_device)
            .field(
                "exportable_memory_type_bits",
                &format_args!("{:#b}", self.shared.exportable_memory_type_bits),
            )
            .finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    pub(crate) device: ash::Device,
    pub(crate) physical_device: vk::PhysicalDevice,
    pub(crate) memory_properties: vk::PhysicalDeviceMemoryProperties,
    pub(crate) table: ExternalMemoryTable,
    /// The memory types a fresh VMO can be imported as: exportable memory is allocated within
    /// them so that its payload can be imported again anywhere.
    pub(crate) exportable_memory_type_bits: u32,
    /// What this device exported, by payload koid: the dedication of the exporting memory, for
    /// the dedicated-import rules (04751 / 04752), and how many of this device's memory objects
    /// hold the payload (the entry goes with the last).
    pub(crate) exports: Mutex<HashMap<zx::Koid, Export>>,
    /// Whether the application enabled `VK_EXT_image_drm_format_modifier` on the device, as it
    /// stated ([`Interop::with_enabled_extensions`]).
    pub(crate) image_drm_format_modifier: bool,
    /// Whether the interop owns the device ([`Interop::with_owned_device`]): then the last
    /// reference destroys it, after everything made from it.
    owns_device: bool,
}

impl Interop {
    /// Builds the interop for the application's device.
    ///
    /// Checks that the physical device is Vulkan 1.1 or later and offers
    /// `VK_FUCHSIA_external_memory`, and that the device enabled it; then loads the extension's
    /// entry points (`vkGetDeviceProcAddr`) and probes the memory types a fresh VMO can use
    /// (`vkGetMemoryZirconHandlePropertiesFUCHSIA` on a one-page VMO).
    ///
    /// # Errors
    /// - [`DeviceError::ApiVersionTooLow`];
    /// - [`DeviceError::ExtensionNotSupported`]: the physical device does not offer the
    ///   extension; off Fuchsia, the instance did not come from
    ///   [`crate::platform::vulkan_entry`] (the message says so);
    /// - [`DeviceError::ExtensionNotEnabled`]: the device was created without it;
    /// - [`DeviceError::Vulkan`] / [`DeviceError::Zircon`] when the probe fails.
    ///
    /// # Safety
    /// - `instance` was created with `VkApplicationInfo::apiVersion` 1.1 or later (the
    ///   capability queries are Vulkan 1.1 instance commands);
    /// - `device` was created from `physical_device`, which belongs to `instance`;
    /// - **`instance` and `device` outlive the returned interop and everything made from it**
    ///   (every clone, [`super::Memory`], [`super::Buffer`], [`super::Image`]): destroy the
    ///   device only after dropping them all.
    pub unsafe fn new(
        instance: &ash::Instance,
        physical_device: vk::PhysicalDevice,
        device: &ash::Device,
    ) -> Result<Self, DeviceError> {
        // SAFETY: forwarded from the caller; no optional extension is claimed.
        unsafe { Self::with_enabled_extensions(instance, physical_device, device, &[]) }
    }

    /// [`Self::new`], told which device extensions the application enabled
    /// (`VkDeviceCreateInfo::ppEnabledExtensionNames`), so that the interop uses those of
    /// [`optional_device_extensions`] it finds there. Names it does not use are ignored.
    ///
    /// Vulkan has no query for the extensions a device was created with, and
    /// `vkGetDeviceProcAddr` of an extension's command is not a reliable test of one on every
    /// loader and driver, so the application says so. What can be checked is: the physical
    /// device offers each extension used, and `vkGetDeviceProcAddr` of its command is not null
    /// (null means not enabled).
    ///
    /// # Errors
    /// As [`Self::new`], and [`DeviceError::StatedExtensionUnavailable`] for a used extension
    /// that the physical device does not offer or whose command the device does not have.
    ///
    /// # Safety
    /// As [`Self::new`], and every name in `enabled_extension_names` was enabled on `device`.
    pub unsafe fn with_enabled_extensions(
        instance: &ash::Instance,
        physical_device: vk::PhysicalDevice,
        device: &ash::Device,
        enabled_extension_names: &[&CStr],
    ) -> Result<Self, DeviceError> {
        // SAFETY: `physical_device` belongs to `instance` (caller).
        let properties = unsafe { instance.get_physical_device_properties(physical_device) };
        let (major, minor) = (
            vk::api_version_major(properties.api_version),
            vk::api_version_minor(properties.api_version),
        );
        if (major, minor) < (1, 1) {
            return Err(DeviceError::ApiVersionTooLow { major, minor });
        }
        // SAFETY: as above.
        let extensions = unsafe { instance.enumerate_device_extension_properties(physical_device) }
            .map_err(|result| {
                DeviceError::Vulkan(crate::external_memory::VulkanError::Unexpected {
                    command: "vkEnumerateDeviceExtensionProperties",
                    result,
                })
            })?;
        let supported = |name: &CStr| {
            extensions
                .iter()
                .any(|e| e.extension_name_as_c_str().is_ok_and(|n| n == name))
        };
        for &name in required_device_extensions() {
            let extension = name.to_str().unwrap_or("(unnamed extension)");
            if !supported(name) {
                return Err(DeviceError::ExtensionNotSupported { extension });
            }
        }
        let drm_format_modifier = ash::ext::image_drm_format_modifier::NAME;
        let image_drm_format_modifier = enabled_extension_names.contains(&drm_format_modifier);
        if image_drm_format_modifier {
            let extension = "VK_EXT_image_drm_format_modifier";
            if !supported(drm_format_modifier) {
                return Err(DeviceError::StatedExtensionUnavailable {
                    extension,
                    offered: false,
                });
            }
            // SAFETY: `device` came from `instance` (caller); the name is NUL-terminated.
            let fp = unsafe {
                instance.get_device_proc_addr(
                    device.handle(),
                    c"vkGetImageDrmFormatModifierPropertiesEXT".as_ptr(),
                )
            };
            if fp.is_none() {
                return Err(DeviceError::StatedExtensionUnavailable {
                    extension,
                    offered: true,
                });
            }
        }
        // SAFETY: `device` came from `instance` (caller).
        let memory_properties =
            unsafe { instance.get_physical_device_memory_properties(physical_device) };
        // SAFETY: forwarded from the caller.
        let table = unsafe { load_table(instance, physical_device, device) }?;

        let probe = zx::Vmo::create(PROBE_VMO_SIZE)?;
        // SAFETY: ZIRCON_VMO is the only valid handle type (04773); the handle is borrowed.
        let exportable_memory_type_bits = unsafe {
            table.get_memory_zircon_handle_properties(
                vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA,
                probe.raw_handle(),
            )
        }
        .map_err(map_get_memory_zircon_handle_properties_err)?;

        Ok(Self {
            shared: Arc::new(Shared {
                device: device.clone(),
                physical_device,
                memory_properties,
                table,
                exportable_memory_type_bits,
                exports: Mutex::new(HashMap::new()),
                image_drm_format_modifier,
                owns_device: false,
            }),
        })
    }

    /// [`Self::new`] for a device the interop takes ownership of: the device is destroyed
    /// (`vkDestroyDevice`, after `vkDeviceWaitIdle`) when the interop, every clone and
    /// everything made from it ([`super::Memory`], [`super::Buffer`], [`super::Image`]) are
    /// gone. So no memory can outlive its device: each holds the interop, which holds the
    /// device. Use [`Self::device`] for the application's own commands.
    ///
    /// # Errors
    /// As [`Self::new`]; the device is handed back with the error, still the caller's.
    ///
    /// # Safety
    /// - as [`Self::new`], except that the device's lifetime is now the interop's: the caller
    ///   never destroys it (nor any clone of the `ash::Device`), and destroys everything else it
    ///   made from the device before the last interop reference drops;
    /// - the device was created without allocation callbacks;
    /// - `instance` outlives the interop and everything made from it.
    pub unsafe fn with_owned_device(
        instance: &ash::Instance,
        physical_device: vk::PhysicalDevice,
        device: ash::Device,
    ) -> Result<Self, (DeviceError, Box<ash::Device>)> {
        // SAFETY: forwarded from the caller; the interop keeps `device` alive from here on.
        match unsafe { Self::new(instance, physical_device, &device) } {
            Ok(mut interop) => {
                if let Some(shared) = Arc::get_mut(&mut interop.shared) {
                    shared.owns_device = true;
                }
                Ok(interop)
            }
            Err(error) => Err((error, Box::new(device))),
        }
    }

    /// The application's device.
    pub fn device(&self) -> &ash::Device {
        &self.shared.device
    }

    /// The physical device the interop was built for.
    pub fn physical_device(&self) -> vk::PhysicalDevice {
        self.shared.physical_device
    }

    /// `VkPhysicalDeviceMemoryProperties` of the physical device.
    pub fn memory_properties(&self) -> &vk::PhysicalDeviceMemoryProperties {
        &self.shared.memory_properties
    }

    /// The memory types exportable memory is allocated within: those a fresh VMO can be
    /// imported as (`vkGetMemoryZirconHandlePropertiesFUCHSIA` on a probe VMO).
    pub fn exportable_memory_type_bits(&self) -> u32 {
        self.shared.exportable_memory_type_bits
    }

    /// Whether the application stated that it enabled `VK_EXT_image_drm_format_modifier` on the
    /// device ([`Self::with_enabled_extensions`]).
    pub fn image_drm_format_modifier(&self) -> bool {
        self.shared.image_drm_format_modifier
    }

    /// Whether `other` is (a clone of) this interop.
    pub fn same_device(&self, other: &Interop) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The raw extension table, for callers that build their own chains. Borrowed: the table
    /// is valid only while this interop lives (it is neither `Clone` nor `Copy`).
    pub fn table(&self) -> &ExternalMemoryTable {
        &self.shared.table
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if !self.owns_device {
            return;
        }
        // The last reference: every memory, buffer and image made from the interop holds one,
        // so all of them are gone. Errors (a lost device) leave nothing to wait for.
        // SAFETY: the interop owns the device (`with_owned_device`'s contract): nothing else
        // destroys it or uses it any more.
        let _ = unsafe { self.device.device_wait_idle() };
        // SAFETY: as above; created without allocation callbacks (the contract).
        unsafe { self.device.destroy_device(None) };
    }
}

/// A payload this device exported (see [`Shared::exports`]).
pub(crate) struct Export {
    pub(crate) dedication: ExportedDedication,
    pub(crate) memories: usize,
}

impl Interop {
    pub(crate) fn exports(&self) -> MutexGuard<'_, HashMap<zx::Koid, Export>> {
        // Every update is a single insert, remove or count change: consistent across panics.
        self.shared
            .exports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// What this device knows about the dedication of the memory that exported `koid`.
    pub(crate) fn exported_dedication(&self, koid: zx::Koid) -> ExportedDedication {
        self.exports()
            .get(&koid)
            .map_or(ExportedDedication::Unknown, |e| e.dedication.clone())
    }
}

/// The extension's entry points (`vkGetDeviceProcAddr`) and the commands whose chains may carry
/// its structures, as the application's `ash::Device` and `ash::Instance` call them.
///
/// # Safety
/// As [`Interop::new`].
unsafe fn load_table(
    instance: &ash::Instance,
    physical_device: vk::PhysicalDevice,
    device: &ash::Device,
) -> Result<ExternalMemoryTable, DeviceError> {
    for name in [
        c"vkGetMemoryZirconHandleFUCHSIA",
        c"vkGetMemoryZirconHandlePropertiesFUCHSIA",
    ] {
        // SAFETY: `device` came from `instance` (caller); `name` is NUL-terminated.
        let fp = unsafe { instance.get_device_proc_addr(device.handle(), name.as_ptr()) };
        if fp.is_none() {
            return Err(DeviceError::ExtensionNotEnabled {
                extension: "VK_FUCHSIA_external_memory",
            });
        }
    }
    let fuchsia = ash::fuchsia::external_memory::Device::new(instance, device);
    let fp = ExternalMemoryFn {
        get_memory_zircon_handle: fuchsia.fp().get_memory_zircon_handle_fuchsia,
        get_memory_zircon_handle_properties: fuchsia
            .fp()
            .get_memory_zircon_handle_properties_fuchsia,
        allocate_memory: device.fp_v1_0().allocate_memory,
        free_memory: device.fp_v1_0().free_memory,
        create_buffer: device.fp_v1_0().create_buffer,
        destroy_buffer: device.fp_v1_0().destroy_buffer,
        create_image: device.fp_v1_0().create_image,
        destroy_image: device.fp_v1_0().destroy_image,
        get_physical_device_external_buffer_properties: instance
            .fp_v1_1()
            .get_physical_device_external_buffer_properties,
        get_physical_device_image_format_properties2: instance
            .fp_v1_1()
            .get_physical_device_image_format_properties2,
        get_physical_device_format_properties: instance
            .fp_v1_0()
            .get_physical_device_format_properties,
        get_physical_device_format_properties2: instance
            .fp_v1_1()
            .get_physical_device_format_properties2,
    };
    // SAFETY: every pointer is the one the application's own ash objects call for these very
    // handles (checked present above), which outlive the interop (caller).
    Ok(unsafe { ExternalMemoryTable::new(fp, device.handle(), physical_device) })
}
