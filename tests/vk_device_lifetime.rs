//! Who destroys a device that memory still uses (issue 10 §3, last bullet).
//!
//! - `Interop::with_owned_device`: ownership holds by construction. Every `Memory`, `Buffer`
//!   and `Image` holds the interop, which holds the device; the last one dropped destroys it.
//! - `Interop::new` borrows the device under an `unsafe` contract (the device outlives the
//!   interop and everything made from it). Breaking it is the caller's bug; on the host the
//!   layer turns the late `vkFreeMemory` into a no-op instead of a call through a dead dispatch
//!   table (the crash the issue measured), and the validation layer reports the leak at
//!   `vkDestroyDevice`.

mod common;

use std::sync::atomic::Ordering;

use ash::vk;
use common::{live, raw_gpu, Gpu};
use vmo_interop::vk::{required_device_extensions, AllocationInfo, Interop};
use vmo_interop::zx::{self, AsHandleRef};

/// A second device with the interop's extensions on `gpu`'s instance.
fn create_device(gpu: &Gpu) -> ash::Device {
    let priorities = [1.0f32];
    let queues = [vk::DeviceQueueCreateInfo::default()
        .queue_family_index(gpu.queue_family_index)
        .queue_priorities(&priorities)];
    let extensions: Vec<_> = required_device_extensions()
        .iter()
        .map(|e| e.as_ptr())
        .collect();
    let info = vk::DeviceCreateInfo::default()
        .queue_create_infos(&queues)
        .enabled_extension_names(&extensions);
    // SAFETY: a valid create info on a physical device of this instance.
    unsafe { gpu.instance.create_device(gpu.physical_device, &info, None) }.unwrap()
}

#[test]
fn an_owned_device_lives_until_the_last_memory_made_from_it() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = raw_gpu();
        let device = create_device(&gpu);
        // SAFETY: the device came from this instance's physical device without callbacks, the
        // interop owns it from here on, and the instance (the Gpu) outlives it.
        let interop =
            unsafe { Interop::with_owned_device(&gpu.instance, gpu.physical_device, device) }
                .map_err(|(error, _device)| error)
                .unwrap();
        let exported = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let vmo = interop
            .get_memory_zircon_handle(&exported, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let koid = vmo.get_koid().unwrap();
        let imported = interop.import_memory(vmo, &AllocationInfo::new()).unwrap();
        // The application lets go of the interop first: the memory keeps the device alive.
        drop(interop);
        let device = imported.interop().device().clone();
        // SAFETY: host-visible memory of the live device (every type the host layer imports
        // is), mapped once.
        unsafe {
            let ptr = device
                .map_memory(imported.as_raw(), 0, 4, vk::MemoryMapFlags::empty())
                .unwrap();
            ptr.cast::<u32>().write(0xfeed_f00d);
            device.unmap_memory(imported.as_raw());
        }
        let again = exported
            .interop()
            .get_memory_zircon_handle(&exported, zx::Rights::SAME_RIGHTS)
            .unwrap();
        assert_eq!(again.get_koid().unwrap(), koid);
        let mut word = [0u8; 4];
        again.read(&mut word, 0).unwrap();
        assert_eq!(u32::from_ne_bytes(word), 0xfeed_f00d);
        // The last memory drops: the device goes with it, after the memory. Were the device
        // destroyed first, the validation layer would report the live memory at
        // vkDestroyDevice; were it never destroyed, it would report the device at
        // vkDestroyInstance (the Gpu's drop asserts that it reported nothing).
        drop((again, imported, exported));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn a_borrowed_device_destroyed_first_makes_the_late_free_a_no_op_on_the_host() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = raw_gpu();
        let device = create_device(&gpu);
        // SAFETY: the device came from this instance's physical device; the contract that it
        // outlives the memory is broken below on purpose, which is what this test is about.
        let interop = unsafe { Interop::new(&gpu.instance, gpu.physical_device, &device) }.unwrap();
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        drop(interop);
        // SAFETY: breaks `Interop::new`'s contract on purpose: `memory` still lives. Nothing
        // else uses the device.
        unsafe { device.destroy_device(None) };
        let at_destroy = gpu.messages.count.load(Ordering::SeqCst);
        // The late vkFreeMemory reaches the layer, which no longer knows the device: nothing is
        // called below it, and the process lives on.
        drop(memory);
        assert_eq!(
            gpu.messages.count.load(Ordering::SeqCst),
            at_destroy,
            "the late free reached nothing below the layer"
        );
        let log = std::mem::take(&mut *gpu.messages.log.lock().unwrap());
        assert!(
            !log.is_empty()
                && log
                    .iter()
                    .all(|m| m.contains("VUID-vkDestroyDevice-device-00378")),
            "the validation layer reports the memory left at vkDestroyDevice (00378), and \
             nothing else: {log:#?}"
        );
    }
    // The layer released the memory's VMO and mapping with the device.
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}
