//! The Vulkan setup the examples share: an instance from `vulkan_entry()`, one device with
//! `VK_FUCHSIA_external_memory`, its first queue, and a one-shot command submission.
//!
//! Each example uses part of it.
#![allow(dead_code)]

use std::error::Error;

use ash::vk;
use vmo_interop::vk::{required_device_extensions, Interop};

/// An instance and an `Interop` that owns its device.
pub struct Vulkan {
    /// Owns the device: it is destroyed after the last memory, buffer or image made from it.
    interop: Option<Interop>,
    pub queue: vk::Queue,
    pub queue_family: u32,
    pub instance: ash::Instance,
    _entry: ash::Entry,
}

impl Vulkan {
    pub fn new() -> Result<Self, Box<dyn Error>> {
        // On Fuchsia the loader; elsewhere the host Vulkan layer over it.
        let entry = vmo_interop::platform::vulkan_entry()?;
        let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_1);
        // SAFETY: valid create infos; the instance is destroyed in Drop, after the device.
        unsafe {
            let instance = entry.create_instance(
                &vk::InstanceCreateInfo::default().application_info(&app),
                None,
            )?;
            let physical_device = instance.enumerate_physical_devices()?[0];
            let queue_family = instance
                .get_physical_device_queue_family_properties(physical_device)
                .iter()
                .position(|f| {
                    f.queue_flags
                        .intersects(vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE)
                })
                .ok_or("no graphics or compute queue")? as u32;
            let extensions: Vec<_> = required_device_extensions()
                .iter()
                .map(|e| e.as_ptr())
                .collect();
            let queues = [vk::DeviceQueueCreateInfo::default()
                .queue_family_index(queue_family)
                .queue_priorities(&[1.0])];
            let info = vk::DeviceCreateInfo::default()
                .queue_create_infos(&queues)
                .enabled_extension_names(&extensions);
            let device = instance.create_device(physical_device, &info, None)?;
            let queue = device.get_device_queue(queue_family, 0);
            let interop = Interop::with_owned_device(&instance, physical_device, device).map_err(
                |(error, device)| {
                    device.destroy_device(None);
                    error
                },
            )?;
            Ok(Self {
                interop: Some(interop),
                queue,
                queue_family,
                instance,
                _entry: entry,
            })
        }
    }

    pub fn interop(&self) -> &Interop {
        self.interop.as_ref().expect("dropped only in Drop")
    }

    /// Records commands with `record`, submits them and waits until they are done.
    pub fn submit(
        &self,
        record: impl FnOnce(&ash::Device, vk::CommandBuffer),
    ) -> Result<(), vk::Result> {
        let device = self.interop().device();
        // SAFETY: valid calls on our device; everything is destroyed after the fence signals.
        unsafe {
            let pool = device.create_command_pool(
                &vk::CommandPoolCreateInfo::default().queue_family_index(self.queue_family),
                None,
            )?;
            let cmd = device.allocate_command_buffers(
                &vk::CommandBufferAllocateInfo::default()
                    .command_pool(pool)
                    .command_buffer_count(1),
            )?[0];
            device.begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default())?;
            record(device, cmd);
            device.end_command_buffer(cmd)?;
            let fence = device.create_fence(&vk::FenceCreateInfo::default(), None)?;
            let cmds = [cmd];
            device.queue_submit(
                self.queue,
                &[vk::SubmitInfo::default().command_buffers(&cmds)],
                fence,
            )?;
            device.wait_for_fences(&[fence], true, u64::MAX)?;
            device.destroy_fence(fence, None);
            device.destroy_command_pool(pool, None);
        }
        Ok(())
    }
}

impl Drop for Vulkan {
    fn drop(&mut self) {
        // The examples drop their memories, buffers and images first (they are declared after
        // the `Vulkan`), so this is the last reference to the device, which it destroys.
        self.interop = None;
        // SAFETY: the instance's only device was just destroyed; created without callbacks.
        unsafe { self.instance.destroy_instance(None) };
    }
}
