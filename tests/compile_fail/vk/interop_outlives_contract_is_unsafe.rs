// `Interop::new` borrows the application's instance and device under a contract the compiler
// cannot check (they outlive the interop and everything made from it): calling it is unsafe.
use ash::vk;
use vmo_interop::vk::Interop;

fn build(instance: &ash::Instance, physical_device: vk::PhysicalDevice, device: &ash::Device) {
    let _ = Interop::new(instance, physical_device, device);
}

fn main() {}
