//! The benchmarks' Vulkan device: an instance and a device with vmo-interop's extensions and an
//! `Interop`, without layers (the validation layer would dominate every timing).
//!
//! `VMO_INTEROP_DEVICE=<index>` picks the physical device (default: the first one).
#![allow(dead_code)]

use ash::vk;
use vmo_interop::vk::{required_device_extensions, Interop};

/// An instance, one device on the chosen physical device, and the interop on it.
pub struct BenchDevice {
    interop: Option<Interop>,
    pub device: ash::Device,
    pub instance: ash::Instance,
    _entry: ash::Entry,
}

impl BenchDevice {
    /// The device, or `None` when this machine has no Vulkan driver (or no such device).
    pub fn try_new() -> Option<Self> {
        // SAFETY: loader, instance and device creation with valid structures; every object is
        // destroyed in Drop, in reverse order, or here on the early return.
        unsafe {
            let entry = vmo_interop::platform::vulkan_entry().ok()?;
            let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_1);
            let instance = entry
                .create_instance(
                    &vk::InstanceCreateInfo::default().application_info(&app),
                    None,
                )
                .ok()?;
            let index: usize = std::env::var("VMO_INTEROP_DEVICE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let devices = instance.enumerate_physical_devices().unwrap_or_default();
            let Some(&physical_device) = devices.get(index) else {
                instance.destroy_instance(None);
                return None;
            };
            let properties = instance.get_physical_device_properties(physical_device);
            eprintln!(
                "vulkan device {index}: {}",
                properties
                    .device_name_as_c_str()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
            let priorities = [1.0f32];
            let queues = [vk::DeviceQueueCreateInfo::default()
                .queue_family_index(0)
                .queue_priorities(&priorities)];
            let extensions: Vec<_> = required_device_extensions()
                .iter()
                .map(|e| e.as_ptr())
                .collect();
            let device = instance
                .create_device(
                    physical_device,
                    &vk::DeviceCreateInfo::default()
                        .queue_create_infos(&queues)
                        .enabled_extension_names(&extensions),
                    None,
                )
                .expect("vkCreateDevice");
            let interop = Interop::new(&instance, physical_device, &device).expect("Interop::new");
            Some(Self {
                interop: Some(interop),
                device,
                instance,
                _entry: entry,
            })
        }
    }

    /// The device; panics with what is missing when there is none.
    pub fn new() -> Self {
        Self::try_new().expect(
            "no Vulkan device: these benchmarks need a driver (Debian: mesa-vulkan-drivers)",
        )
    }

    pub fn interop(&self) -> &Interop {
        self.interop.as_ref().expect("interop")
    }
}

impl Drop for BenchDevice {
    fn drop(&mut self) {
        self.interop = None;
        // SAFETY: every object the benchmarks made from the device is gone.
        unsafe {
            self.device.destroy_device(None);
            self.instance.destroy_instance(None);
        }
    }
}
