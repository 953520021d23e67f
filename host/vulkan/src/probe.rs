//! What can really work: a small device of the layer's own per physical device, on which the
//! capability queries create the resource they ask about and check that its memory types
//! overlap those a VMO mapping can be imported as.
//!
//! Without this, a `HOST_ALLOCATION` answer of "importable" is reported for resources whose
//! memory types no host pointer can have (on NVIDIA an optimal-tiling image allows types 0b11,
//! a host VMO only 0b1100): a feature bit that no allocation, export or import can back.

use std::sync::Mutex;

use ash::vk;

use crate::dispatch::{supports, Instance};
use crate::loader;
use crate::zx::{self, Vmo};
use crate::HOST_ALLOCATION;

/// The layer's own device on one physical device.
pub(crate) struct Probe {
    fns: ash::Device,
    /// Where the loader loaded the layer, the loader made the device (through the layers below
    /// this one) and destroys it.
    loader_made: Option<loader::LayerDeviceCallbacks>,
    /// The memory types a VMO mapping can be imported as on this physical device.
    vmo_memory_type_bits: u32,
    /// Whether the probe device has `VK_EXT_image_drm_format_modifier`.
    drm_format_modifier: bool,
    /// Serializes the probes (each creates and destroys one resource).
    lock: Mutex<()>,
}

impl Probe {
    /// Creates the probe device; `None` if the layer does not offer the extension here.
    pub(crate) fn new(instance: &Instance, physical_device: vk::PhysicalDevice) -> Option<Self> {
        if !supports(instance, physical_device) {
            return None;
        }
        let priorities = [1.0f32];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(0)
            .queue_priorities(&priorities)];
        // VK_EXT_image_drm_format_modifier where offered (with VK_KHR_image_format_list, which
        // it needs on a Vulkan 1.1 device), so that DRM-modifier images can be probed too.
        let drm_format_modifier = supports_drm_format_modifier(instance, physical_device);
        let mut extensions = vec![ash::ext::external_memory_host::NAME.as_ptr()];
        extensions.extend(drm_format_modifier.iter().map(|name| name.as_ptr()));
        let info = vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_extension_names(&extensions);
        // A valid create info (queue family 0 always exists; the extension is supported,
        // checked above) on a physical device of the live instance; destroyed in `destroy`,
        // before the instance.
        let fns = match instance.layer_device {
            // The loader loaded the layer: it creates the device through the layers below this
            // one, each of which sees a complete vkCreateDevice.
            Some(callbacks) => {
                let mut device = vk::Device::null();
                let mut next_gdpa = None;
                // SAFETY: as above; the loader's callback for this instance, called with this
                // layer's vkGetInstanceProcAddr as the interface specifies.
                let result = unsafe {
                    (callbacks.create)(
                        instance.fns.handle(),
                        physical_device,
                        &info,
                        std::ptr::null(),
                        &mut device,
                        crate::dispatch::get_instance_proc_addr,
                        &mut next_gdpa,
                    )
                };
                result.result().ok()?;
                let next_gdpa = next_gdpa?;
                let load = |name: &std::ffi::CStr| {
                    // SAFETY: a live device of that level; a NUL-terminated name.
                    let f = unsafe { next_gdpa(device, name.as_ptr()) };
                    f.map_or(std::ptr::null(), |f| f as *const std::ffi::c_void)
                };
                // SAFETY: each name is loaded as its own command, for this live device.
                unsafe { ash::Device::load_with(load, device) }
            }
            // SAFETY: as above; the commands below the layer are the loader's.
            None => unsafe { instance.fns.create_device(physical_device, &info, None) }.ok()?,
        };
        let this = Self {
            vmo_memory_type_bits: 0,
            drm_format_modifier: !drm_format_modifier.is_empty(),
            fns,
            loader_made: instance.layer_device,
            lock: Mutex::new(()),
        };
        let bits = this.query_vmo_bits(instance);
        match bits {
            Some(bits) => Some(Self {
                vmo_memory_type_bits: bits,
                ..this
            }),
            None => {
                // SAFETY: nothing else uses the device.
                unsafe { this.destroy() };
                None
            }
        }
    }

    fn query_vmo_bits(&self, instance: &Instance) -> Option<u32> {
        // SAFETY: a live device with VK_EXT_external_memory_host; a NUL-terminated name.
        let fp = unsafe {
            instance.fns.get_device_proc_addr(
                self.fns.handle(),
                c"vkGetMemoryHostPointerPropertiesEXT".as_ptr(),
            )
        }?;
        // SAFETY: the loader returned this command's pointer, whose signature is the PFN's.
        let get = unsafe {
            std::mem::transmute::<
                unsafe extern "system" fn(),
                vk::PFN_vkGetMemoryHostPointerPropertiesEXT,
            >(fp)
        };
        let page = zx::page_size();
        let vmo = Vmo::create(page).ok()?;
        let mapping = vmo
            .unowned()
            .map(
                0,
                usize::try_from(page).ok()?,
                zx::ZX_VM_PERM_READ | zx::ZX_VM_PERM_WRITE,
            )
            .ok()?;
        let mut properties = vk::MemoryHostPointerPropertiesEXT::default();
        // SAFETY: a live mapping, asked about on the device the pointer came from.
        let result = unsafe {
            get(
                self.fns.handle(),
                HOST_ALLOCATION,
                mapping.as_ptr().cast(),
                &mut properties,
            )
        };
        result.result().ok()?;
        Some(properties.memory_type_bits)
    }

    /// Destroys the probe device.
    ///
    /// # Safety
    /// Once, with nothing else using the device.
    pub(crate) unsafe fn destroy(&self) {
        match self.loader_made {
            // SAFETY: the caller's contract; the loader made the device, created without
            // callbacks, and destroys it with the next layer's vkDestroyDevice.
            Some(callbacks) => unsafe {
                (callbacks.destroy)(
                    self.fns.handle(),
                    std::ptr::null(),
                    self.fns.fp_v1_0().destroy_device,
                )
            },
            // SAFETY: the caller's contract; created without callbacks.
            None => unsafe { self.fns.destroy_device(None) },
        }
    }

    /// Whether a buffer with `flags` and `usage` gets memory types a VMO can have.
    pub(crate) fn buffer_is_backed(
        &self,
        flags: vk::BufferCreateFlags,
        usage: vk::BufferUsageFlags,
    ) -> bool {
        if !flags.is_empty() {
            // Sparse and protected buffers need features the probe device lacks, and host
            // memory backs neither: not reported.
            return false;
        }
        let mut external =
            vk::ExternalMemoryBufferCreateInfo::default().handle_types(HOST_ALLOCATION);
        let info = vk::BufferCreateInfo::default()
            .size(4096)
            .usage(usage)
            .push_next(&mut external);
        let _guard = self.lock.lock();
        // SAFETY: a valid create info for usages the driver reported as host-importable;
        // destroyed below.
        let Ok(buffer) = (unsafe { self.fns.create_buffer(&info, None) }) else {
            return false;
        };
        // SAFETY: a live buffer of this device.
        let requirements = unsafe { self.fns.get_buffer_memory_requirements(buffer) };
        // SAFETY: created above, unused, destroyed once.
        unsafe { self.fns.destroy_buffer(buffer, None) };
        requirements.memory_type_bits & self.vmo_memory_type_bits != 0
    }

    /// Whether an image like `info` (at most `max_extent`; of DRM format modifier `modifier`
    /// for tiling `DRM_FORMAT_MODIFIER_EXT`) gets memory types a VMO can have.
    pub(crate) fn image_is_backed(
        &self,
        info: &vk::PhysicalDeviceImageFormatInfo2<'_>,
        formats: &[vk::Format],
        modifier: Option<u64>,
        max: &vk::ImageFormatProperties,
    ) -> bool {
        let drm_tiling = info.tiling == vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT;
        if drm_tiling && (modifier.is_none() || !self.drm_format_modifier) {
            // A DRM-modifier image the probe device cannot make (or a query without its
            // modifier, which the driver refused already): not reported.
            return false;
        }
        let modifiers = [modifier.unwrap_or_default()];
        let known = vk::ImageCreateFlags::MUTABLE_FORMAT
            | vk::ImageCreateFlags::EXTENDED_USAGE
            | vk::ImageCreateFlags::CUBE_COMPATIBLE;
        if !known.contains(info.flags) {
            return false;
        }
        let cube = info.flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE);
        let side = 64.min(max.max_extent.width).min(max.max_extent.height);
        let extent = match info.ty {
            vk::ImageType::TYPE_1D => vk::Extent3D {
                width: 64.min(max.max_extent.width),
                height: 1,
                depth: 1,
            },
            vk::ImageType::TYPE_3D => vk::Extent3D {
                width: 64.min(max.max_extent.width),
                height: 64.min(max.max_extent.height),
                depth: 4.min(max.max_extent.depth),
            },
            _ if cube => vk::Extent3D {
                width: side,
                height: side,
                depth: 1,
            },
            _ => vk::Extent3D {
                width: 64.min(max.max_extent.width),
                height: 64.min(max.max_extent.height),
                depth: 1,
            },
        };
        let layers = if cube { 6 } else { 1 };
        if layers > max.max_array_layers || extent.width == 0 {
            return false;
        }
        let mut external =
            vk::ExternalMemoryImageCreateInfo::default().handle_types(HOST_ALLOCATION);
        let mut format_list = vk::ImageFormatListCreateInfo::default().view_formats(formats);
        let mut create = vk::ImageCreateInfo::default()
            .flags(info.flags)
            .image_type(info.ty)
            .format(info.format)
            .extent(extent)
            .mip_levels(1)
            .array_layers(layers)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(info.tiling)
            .usage(info.usage)
            .initial_layout(vk::ImageLayout::UNDEFINED)
            .push_next(&mut external);
        if !formats.is_empty() {
            create = create.push_next(&mut format_list);
        }
        // Exactly one of the modifier list and the explicit layout
        // (VUID-VkImageCreateInfo-tiling-02261): the list of the one modifier asked about.
        let mut modifier_list =
            vk::ImageDrmFormatModifierListCreateInfoEXT::default().drm_format_modifiers(&modifiers);
        if drm_tiling {
            create = create.push_next(&mut modifier_list);
        }
        let _guard = self.lock.lock();
        // SAFETY: a create info within the limits the driver just reported for this very
        // combination with HOST_ALLOCATION; destroyed below.
        let Ok(image) = (unsafe { self.fns.create_image(&create, None) }) else {
            return false;
        };
        // SAFETY: a live image of this device.
        let requirements = unsafe { self.fns.get_image_memory_requirements(image) };
        // SAFETY: created above, unused, destroyed once.
        unsafe { self.fns.destroy_image(image, None) };
        requirements.memory_type_bits & self.vmo_memory_type_bits != 0
    }
}

/// `VK_EXT_image_drm_format_modifier`, and `VK_KHR_image_format_list` if offered (which it
/// needs on a Vulkan 1.1 device), where the physical device offers the former; else nothing.
fn supports_drm_format_modifier(
    instance: &Instance,
    physical_device: vk::PhysicalDevice,
) -> Vec<&'static std::ffi::CStr> {
    // SAFETY: `physical_device` belongs to the live `instance`.
    let Ok(extensions) = (unsafe {
        instance
            .fns
            .enumerate_device_extension_properties(physical_device)
    }) else {
        return Vec::new();
    };
    let offered = |name: &std::ffi::CStr| {
        extensions
            .iter()
            .any(|e| e.extension_name_as_c_str() == Ok(name))
    };
    let drm = ash::ext::image_drm_format_modifier::NAME;
    let format_list = ash::khr::image_format_list::NAME;
    if !offered(drm) {
        return Vec::new();
    }
    let mut names = vec![drm];
    if offered(format_list) {
        names.push(format_list);
    }
    names
}
