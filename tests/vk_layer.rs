//! The host Vulkan layer as an application that uses ash directly sees it: the extension's
//! commands from `vkGetDeviceProcAddr`, Zircon structures chained to ash's own calls, the spec's
//! error codes for misuse, a clear refusal for a device that did not come through the layer,
//! and who destroys a device that memory still uses.

mod common;

use ash::vk;
use common::{live, raw_gpu, read_mapped, write_mapped, zircon_handle_properties, Gpu, GpuOptions};
use vmo_interop::vk::{DeviceError, Interop};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;

/// The commands of `VK_FUCHSIA_external_memory`.
const COMMANDS: [&std::ffi::CStr; 2] = [
    c"vkGetMemoryZirconHandleFUCHSIA",
    c"vkGetMemoryZirconHandlePropertiesFUCHSIA",
];

/// Whether `vkGetDeviceProcAddr` resolves `name` on `gpu`'s device.
fn resolves(gpu: &Gpu, name: &std::ffi::CStr) -> bool {
    // SAFETY: a live device of this instance; a NUL-terminated name.
    unsafe {
        gpu.instance
            .get_device_proc_addr(gpu.device.handle(), name.as_ptr())
    }
    .is_some()
}

/// The extension's commands, loaded the way any ash application loads them.
fn fuchsia(gpu: &Gpu) -> ash::fuchsia::external_memory::Device {
    for name in COMMANDS {
        assert!(resolves(gpu, name), "vkGetDeviceProcAddr({name:?}) is null");
    }
    ash::fuchsia::external_memory::Device::new(&gpu.instance, &gpu.device)
}

/// `vkGetMemoryZirconHandleFUCHSIA`.
///
/// # Safety
/// As the command; the caller owns the returned handle.
unsafe fn get_handle(
    ext: &ash::fuchsia::external_memory::Device,
    info: &vk::MemoryGetZirconHandleInfoFUCHSIA<'_>,
) -> Result<u32, vk::Result> {
    let mut handle = 0u32;
    // SAFETY: the caller's contract; `handle` is a valid out pointer.
    unsafe { (ext.fp().get_memory_zircon_handle_fuchsia)(ext.device(), info, &mut handle) }
        .result_with_success(handle)
}

/// The first memory type in `bits` that is host-visible and host-coherent.
fn host_coherent_type(gpu: &Gpu, bits: u32) -> u32 {
    let wanted = vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
    (0..gpu.memory_properties.memory_type_count)
        .find(|&i| {
            bits & (1 << i) != 0
                && gpu.memory_properties.memory_types[i as usize]
                    .property_flags
                    .contains(wanted)
        })
        .expect("a host-coherent memory type a VMO can be imported as")
}

#[test]
fn raw_ash_exports_and_imports_without_this_crates_vulkan_helpers() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = raw_gpu();
        let ext = fuchsia(&gpu);
        let size = 16384u64;

        // A buffer for external memory, created with ash's own call.
        let mut external = vk::ExternalMemoryBufferCreateInfo::default().handle_types(ZIRCON_VMO);
        let info = vk::BufferCreateInfo::default()
            .size(size)
            .usage(vk::BufferUsageFlags::TRANSFER_DST)
            .push_next(&mut external);
        // SAFETY: a valid create info built with ash's builders.
        let buffer = unsafe { gpu.device.create_buffer(&info, None) }.unwrap();
        // SAFETY: a live buffer.
        let requirements = unsafe { gpu.device.get_buffer_memory_requirements(buffer) };

        // Which types can a VMO be imported as? Ask about a fresh one.
        let probe = zx::Vmo::create(size).unwrap();
        // SAFETY: ZIRCON_VMO and a live handle, borrowed.
        let vmo_bits =
            unsafe { zircon_handle_properties(&ext, ZIRCON_VMO, probe.raw_handle()) }.unwrap();
        assert_ne!(vmo_bits, 0);
        let memory_type = host_coherent_type(&gpu, vmo_bits & requirements.memory_type_bits);

        // Exportable memory: vkAllocateMemory with VkExportMemoryAllocateInfo{ZIRCON_VMO}.
        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(ZIRCON_VMO);
        let allocate = vk::MemoryAllocateInfo::default()
            .allocation_size(requirements.size)
            .memory_type_index(memory_type)
            .push_next(&mut export);
        // SAFETY: a valid allocate info built with ash's builders.
        let exporter = unsafe { gpu.device.allocate_memory(&allocate, None) }.unwrap();
        // SAFETY: both live objects of this device; the type fits the buffer.
        unsafe { gpu.device.bind_buffer_memory(buffer, exporter, 0) }.unwrap();
        write_mapped(&gpu, exporter, 0, b"written through Vulkan");

        // Export: vkGetMemoryZirconHandleFUCHSIA.
        let get = vk::MemoryGetZirconHandleInfoFUCHSIA::default()
            .memory(exporter)
            .handle_type(ZIRCON_VMO);
        // SAFETY: exportable memory of this device; the returned handle is ours.
        let raw = unsafe { get_handle(&ext, &get) }.unwrap();
        // SAFETY: a new handle, owned by the caller.
        let vmo = zx::Vmo::from(unsafe { zx::Handle::from_raw(raw) });
        let koid = vmo.get_koid().unwrap();
        let mut seen = [0u8; 22];
        vmo.read(&mut seen, 0).unwrap();
        assert_eq!(&seen, b"written through Vulkan", "the VMO holds the bytes");

        // Import: vkAllocateMemory with VkImportMemoryZirconHandleInfoFUCHSIA chained.
        let handle = vmo.into_handle().into_raw();
        let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
            .handle_type(ZIRCON_VMO)
            .handle(handle);
        let allocate = vk::MemoryAllocateInfo::default()
            .allocation_size(size)
            .memory_type_index(memory_type)
            .push_next(&mut import);
        // SAFETY: a valid allocate info; the handle moves into Vulkan on success.
        let importer = unsafe { gpu.device.allocate_memory(&allocate, None) }.unwrap();
        assert_eq!(
            read_mapped(&gpu, importer, 22),
            b"written through Vulkan",
            "the import aliases the exporter's bytes"
        );
        write_mapped(&gpu, importer, 0, b"written through import");
        assert_eq!(read_mapped(&gpu, exporter, 22), b"written through import");
        // A second export names the same payload.
        // SAFETY: as above.
        let again = zx::Vmo::from(unsafe { zx::Handle::from_raw(get_handle(&ext, &get).unwrap()) });
        assert_eq!(again.get_koid().unwrap(), koid);
        drop((again, probe));

        // SAFETY: unused by the GPU; freed and destroyed once with ash's own calls.
        unsafe {
            gpu.device.free_memory(importer, None);
            gpu.device.destroy_buffer(buffer, None);
            gpu.device.free_memory(exporter, None);
        }
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn an_interop_on_a_device_that_did_not_come_through_the_layer_names_vulkan_entry() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    // SAFETY: the system loader; kept alive (the entry) past every object made from it.
    let entry = unsafe { ash::Entry::load() }.unwrap();
    let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_1);
    // The loader's instance-level calls are serialized across the harness (common::Gpu::with).
    let _loader = common::loader_lock();
    // SAFETY: valid creation calls; every object is destroyed below, in reverse order.
    unsafe {
        let instance = entry
            .create_instance(
                &vk::InstanceCreateInfo::default().application_info(&app),
                None,
            )
            .unwrap();
        let physical_device = instance.enumerate_physical_devices().unwrap()[0];
        let extensions = instance
            .enumerate_device_extension_properties(physical_device)
            .unwrap();
        let name = ash::fuchsia::external_memory::NAME;
        assert!(
            !extensions
                .iter()
                .any(|e| e.extension_name_as_c_str() == Ok(name)),
            "the plain loader does not offer {name:?}"
        );
        let priorities = [1.0f32];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(0)
            .queue_priorities(&priorities)];
        // Asking the plain loader for the extension fails as for any unknown extension.
        let names = [name.as_ptr()];
        let with_extension = vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_extension_names(&names);
        assert_eq!(
            instance
                .create_device(physical_device, &with_extension, None)
                .err(),
            Some(vk::Result::ERROR_EXTENSION_NOT_PRESENT)
        );
        let plain = vk::DeviceCreateInfo::default().queue_create_infos(&queues);
        let device = instance
            .create_device(physical_device, &plain, None)
            .unwrap();
        let err = Interop::new(&instance, physical_device, &device).unwrap_err();
        assert!(
            matches!(err, DeviceError::ExtensionNotSupported { extension } if extension == "VK_FUCHSIA_external_memory"),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("vmo_interop::platform::vulkan_entry()"),
            "the error names the call to use: {message}"
        );
        device.destroy_device(None);
        instance.destroy_instance(None);
    }
    assert_eq!(live(), before, "the failed Interop::new leaked its probe");
}

#[test]
fn the_extensions_commands_are_absent_on_a_device_that_did_not_enable_it() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let gpu = Gpu::with(GpuOptions {
        enable_interop_extensions: false,
        interop: false,
        ..GpuOptions::default()
    });
    for name in COMMANDS {
        assert!(
            !resolves(&gpu, name),
            "{name:?} is not enabled on this device"
        );
    }
}
