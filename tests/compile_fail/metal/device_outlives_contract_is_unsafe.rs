// `metal::Device::new` holds the application's device under a contract the compiler cannot
// check (the device outlives it and every `Memory` made from it): calling it is unsafe.
use ash::vk;
use vmo_interop::metal::Device;

fn build(instance: &ash::Instance, physical_device: vk::PhysicalDevice, device: &ash::Device) {
    let _ = Device::new(instance, physical_device, device);
}

fn main() {}
