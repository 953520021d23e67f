//! Shared by tests/vk_buffer_collection*.rs: the host sysmem service in this process's `/svc`
//! (where the host Vulkan layer's sysmem client, the library's, reaches it), devices with
//! `VK_FUCHSIA_buffer_collection`, and the leak check.

#![allow(dead_code)] // Each test crate uses a part.

use std::ffi::CStr;
use std::time::{Duration, Instant};

use ash::vk;
use vmo_interop::sysmem::{Allocator, HostSysmem};
use vmo_interop::vk::Interop;
use vmo_interop::zx;

use crate::common::{Gpu, GpuOptions};

pub const BUFFER_COLLECTION: &CStr = ash::fuchsia::buffer_collection::NAME;

pub fn deadline() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(Duration::from_secs(10))
}

/// The process's sysmem service, in a `/svc` of this process's own
/// ([`crate::zx_common::host_sysmem`]).
pub fn service() -> &'static HostSysmem {
    crate::zx_common::host_sysmem()
}

/// A device with `VK_FUCHSIA_external_memory` and `VK_FUCHSIA_buffer_collection`, validation on.
pub fn gpu() -> Gpu {
    service();
    Gpu::with(GpuOptions {
        extra_device_extensions: &[BUFFER_COLLECTION],
        ..GpuOptions::default()
    })
}

/// The allocator, as an application connects to it.
pub fn allocator() -> Allocator {
    service();
    Allocator::connect().expect("sysmem is served in /svc")
}

/// Another device of `gpu`'s physical device, with both extensions; destroyed on drop.
pub struct OtherDevice {
    pub interop: Option<Interop>,
    pub device: ash::Device,
}

impl OtherDevice {
    pub fn new(gpu: &Gpu) -> OtherDevice {
        let priorities = [1.0f32];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(gpu.queue_family_index)
            .queue_priorities(&priorities)];
        let extensions = [
            ash::fuchsia::external_memory::NAME.as_ptr(),
            BUFFER_COLLECTION.as_ptr(),
        ];
        let info = vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_extension_names(&extensions);
        // SAFETY: a valid create info on the gpu's instance; the interop is dropped first.
        unsafe {
            let device = gpu
                .instance
                .create_device(gpu.physical_device, &info, None)
                .unwrap();
            let interop = Interop::new(&gpu.instance, gpu.physical_device, &device).unwrap();
            OtherDevice {
                interop: Some(interop),
                device,
            }
        }
    }

    pub fn interop(&self) -> &Interop {
        self.interop.as_ref().unwrap()
    }
}

impl Drop for OtherDevice {
    fn drop(&mut self) {
        self.interop = None;
        // SAFETY: everything made from this device is gone (tests drop it first).
        unsafe { self.device.destroy_device(None) };
    }
}

/// What this process's kernel holds (handles, VMOs, mappings).
pub fn live() -> (u64, u64, u64) {
    let c = vmo_interop::platform::host::counters();
    (c.live_handles, c.live_vmos, c.live_mappings)
}

/// Waits until the service has closed every collection and connection, and the counters are
/// back at `before` (the service thread closes its ends asynchronously); asserts they are.
pub fn assert_back_to(before: (u64, u64, u64)) {
    let start = Instant::now();
    loop {
        let stats = service().stats();
        let idle = stats.collections == 0 && stats.nodes == 0 && stats.allocator_connections == 0;
        if idle && live() == before {
            return;
        }
        if start.elapsed() > Duration::from_secs(10) {
            panic!(
                "not back to the baseline: {:?} now, {before:?} before; service {stats:?}",
                live()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `body` with a device of [`gpu`], holding the counters lock from before the device is
/// made (the host layer's first capability query on an instance probes the driver with a
/// short-lived VMO and mapping of its own, which must not land in another test's count), then
/// asserts that the kernel's counters and the sysmem service are back at
/// their baseline ([`assert_back_to`]) and that the validation layer reported nothing.
pub fn collection_leak_checked(body: impl FnOnce(&Gpu)) {
    let _lock = vmo_interop::platform::host::counters_lock();
    let gpu = gpu();
    let before = live();
    body(&gpu);
    assert_back_to(before);
    gpu.assert_no_messages();
}

/// A linear 2D image description.
pub fn linear_image(
    format: vk::Format,
    width: u32,
    height: u32,
    usage: vk::ImageUsageFlags,
) -> vk::ImageCreateInfo<'static> {
    crate::common::image_info_2d(format, (width, height), vk::ImageTiling::LINEAR, usage)
}

/// Clears `image` (whole, color) to `rgba` (8-bit values) on the GPU and makes the writes
/// visible to the host ([`Gpu::clear_color_image`]).
pub fn clear(gpu: &Gpu, image: vk::Image, rgba: [u8; 4]) {
    gpu.clear_color_image(image, rgba.map(|c| f32::from(c) / 255.0));
}
