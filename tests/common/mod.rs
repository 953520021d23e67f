//! Shared Vulkan test harness: an instance with the Khronos validation layer and a debug-utils
//! messenger that counts every warning and error, one device with the extensions vmo-interop
//! needs, a queue and a command pool.
//!
//! - `VMO_INTEROP_DEVICE=<index>` picks the physical device (default: the first one); the
//!   chosen device is printed.
//! - No Vulkan driver, no physical device or no validation layer is a test **failure**, never a
//!   skip.
//! - [`Gpu`]'s `Drop` destroys everything and then asserts that the validation layer reported
//!   nothing (warnings included), so every test that builds a `Gpu` checks it.
#![allow(dead_code)]

use std::ffi::{c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ash::vk;
use vmo_interop::vk::{optional_device_extensions, required_device_extensions, Interop};

// The one lock of `zx_common` too. A binary that has both modules loads this file twice
// (`vk_buffer_collection*`, host-only suites): both copies are the host kernel's one lock there.
#[allow(clippy::duplicate_mod)]
#[path = "../zx_common/lock.rs"]
mod lock;
#[allow(unused_imports)] // each binary uses a different subset
pub use lock::counters_lock;

mod image;
mod transfer;
#[allow(unused_imports)] // each binary uses a different subset
pub use image::{color_range, image_info_16x16, image_info_2d};

/// The validation layer every test instance enables.
pub const VALIDATION_LAYER: &CStr = c"VK_LAYER_KHRONOS_validation";

/// Messages the validation layer reported, counted per instance.
#[derive(Default)]
pub struct Messages {
    pub count: AtomicU64,
    pub log: Mutex<Vec<String>>,
}

unsafe extern "system" fn on_message(
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    types: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    user_data: *mut c_void,
) -> vk::Bool32 {
    // SAFETY: the layer passes a valid callback structure and our `Messages` as user data.
    let (data, messages) = unsafe { (&*data, &*(user_data as *const Messages)) };
    // SAFETY: a valid callback structure has a NUL-terminated message (or null).
    let text = unsafe { data.message_as_c_str() }
        .map(|m| m.to_string_lossy().into_owned())
        .unwrap_or_default();
    let line = format!(
        "[severity {:#x} types {:#x}] {text}",
        severity.as_raw(),
        types.as_raw()
    );
    // The loader's own notices (e.g. "layer forced enabled due to env var
    // 'VK_LOADER_LAYERS_ENABLE'") are not validation results; its errors still count.
    // SAFETY: a valid callback structure has a NUL-terminated message id name (or null).
    let id = unsafe { data.message_id_name_as_c_str() };
    if id == Some(c"Loader Message") && severity != vk::DebugUtilsMessageSeverityFlagsEXT::ERROR {
        eprintln!("loader: {line}");
        return vk::FALSE;
    }
    eprintln!("validation: {line}");
    messages.count.fetch_add(1, Ordering::SeqCst);
    messages.log.lock().unwrap().push(line);
    vk::FALSE
}

/// Options for building a [`Gpu`].
#[derive(Clone, Copy, Debug)]
pub struct GpuOptions {
    /// Enable vmo-interop's required device extensions (false to test the missing-extension
    /// error).
    pub enable_interop_extensions: bool,
    /// Build the `Interop` (requires the extensions).
    pub interop: bool,
    /// More device extensions a test needs.
    pub extra_device_extensions: &'static [&'static CStr],
}

impl Default for GpuOptions {
    fn default() -> Self {
        Self {
            enable_interop_extensions: true,
            interop: true,
            extra_device_extensions: &[],
        }
    }
}

/// Where drivers differ, what each is expected to do (written down here, asserted by the tests;
/// never an `if` that skips a check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expectations {
    /// Whether the driver imports a read-only host mapping (`VK_EXT_external_memory_host` on a
    /// `PROT_READ` page): lavapipe does; NVIDIA (580.x) reports memory types for one but then
    /// fails `vkAllocateMemory` with `VK_ERROR_OUT_OF_DEVICE_MEMORY`, so the host layer reports
    /// 0 memory types for a VMO without WRITE there and a read-only import is refused with
    /// VUID 04749.
    pub read_only_import: bool,
    /// Whether sysmem images are imported with `VK_EXT_image_drm_format_modifier`'s explicit
    /// layout (`LayoutSource::DrmFormatModifierExplicit`: tiling `DRM_FORMAT_MODIFIER_EXT`,
    /// sysmem's offsets and row pitches given to the driver) for R8G8B8A8, B8G8R8A8, R5G6B5 and
    /// NV12 transfer images, rather than as checked `LINEAR` images. NVIDIA (580.x) offers the
    /// extension, with `DRM_FORMAT_MOD_LINEAR` for these formats; lavapipe (Mesa 22.3, Debian
    /// 12) does not offer the extension, so there every image is a checked linear one.
    pub drm_format_modifier_explicit_layout: bool,
    /// Whether `vkCreateImage` refuses an explicit DRM plane layout whose row pitch the driver
    /// cannot use (1004 bytes for 250 RGBA pixels) with
    /// `VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT`, as the extension describes.
    /// NVIDIA (580.x) does not: it creates the image and `vkGetImageSubresourceLayout` reports
    /// the driver's own row pitch (1024), so the library's check of the driver's layout refuses
    /// the import (`LayoutMismatch`). Meaningful only where
    /// `drm_format_modifier_explicit_layout` holds.
    pub explicit_layout_refuses_unusable_pitch: bool,
}

impl Expectations {
    /// NVIDIA's vendor id.
    const NVIDIA: u32 = 0x10de;

    pub fn for_vendor(vendor_id: u32) -> Expectations {
        Expectations {
            read_only_import: vendor_id != Self::NVIDIA,
            drm_format_modifier_explicit_layout: vendor_id == Self::NVIDIA,
            explicit_layout_refuses_unusable_pitch: false,
        }
    }
}

/// An instance, a device, a queue and a command pool, with validation on.
pub struct Gpu {
    pub interop: Option<Interop>,
    pub device: ash::Device,
    pub queue: vk::Queue,
    pub queue_family_index: u32,
    pub command_pool: vk::CommandPool,
    pub physical_device: vk::PhysicalDevice,
    pub memory_properties: vk::PhysicalDeviceMemoryProperties,
    pub device_name: String,
    /// What this driver is expected to do where drivers differ.
    pub expect: Expectations,
    /// The device extensions enabled on `device` (the interop's, the optional ones the
    /// physical device offers, and the test's extras); the interop was told them.
    pub enabled_extensions: Vec<&'static CStr>,
    pub instance: ash::Instance,
    debug_utils: ash::ext::debug_utils::Instance,
    messenger: vk::DebugUtilsMessengerEXT,
    pub messages: Box<Messages>,
    pub entry: ash::Entry,
}

impl Gpu {
    /// A device with vmo-interop set up.
    pub fn new() -> Self {
        Self::with(GpuOptions::default())
    }

    /// The interop (panics if built without one).
    pub fn interop(&self) -> &Interop {
        self.interop.as_ref().expect("Gpu built without an Interop")
    }

    pub fn with(options: GpuOptions) -> Self {
        // Workaround (2026-12, Debian 12's Vulkan loader 1.3.239): with tests creating and
        // destroying instances on parallel threads, the loader's vkEnumeratePhysicalDevices
        // trampoline now and then fails to find a live instance and calls abort() (seen about
        // once in 25 runs of tests/metal_device.rs). Instance creation, enumeration and
        // destruction are therefore serialized across the harness; everything else runs in
        // parallel.
        let _loader = loader_lock();
        // The host Vulkan layer over the system loader (on Fuchsia: the loader).
        let entry = vmo_interop::platform::vulkan_entry()
            .expect("no Vulkan loader found: these tests need a Vulkan driver (lavapipe or a GPU)");
        // SAFETY: plain queries and creation calls with valid structures.
        unsafe {
            let layers = entry.enumerate_instance_layer_properties().unwrap();
            assert!(
                layers
                    .iter()
                    .any(|l| l.layer_name_as_c_str().unwrap() == VALIDATION_LAYER),
                "VK_LAYER_KHRONOS_validation is not installed: the tests run with validation on"
            );
            let messages = Box::<Messages>::default();
            let mut messenger_info = vk::DebugUtilsMessengerCreateInfoEXT::default()
                .message_severity(
                    vk::DebugUtilsMessageSeverityFlagsEXT::WARNING
                        | vk::DebugUtilsMessageSeverityFlagsEXT::ERROR,
                )
                .message_type(
                    vk::DebugUtilsMessageTypeFlagsEXT::GENERAL
                        | vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION
                        | vk::DebugUtilsMessageTypeFlagsEXT::PERFORMANCE,
                )
                .pfn_user_callback(Some(on_message))
                .user_data(&*messages as *const Messages as *mut c_void);
            let app = vk::ApplicationInfo::default()
                .application_name(c"vmo-interop tests")
                .api_version(vk::API_VERSION_1_1);
            let layer_names = [VALIDATION_LAYER.as_ptr()];
            let extension_names = [ash::ext::debug_utils::NAME.as_ptr()];
            let instance_info = vk::InstanceCreateInfo::default()
                .application_info(&app)
                .enabled_layer_names(&layer_names)
                .enabled_extension_names(&extension_names)
                .push_next(&mut messenger_info);
            let instance = entry.create_instance(&instance_info, None).unwrap();
            let debug_utils = ash::ext::debug_utils::Instance::new(&entry, &instance);
            let messenger = debug_utils
                .create_debug_utils_messenger(&messenger_info, None)
                .unwrap();

            let physical_devices = instance.enumerate_physical_devices().unwrap();
            assert!(
                !physical_devices.is_empty(),
                "no Vulkan physical device: these tests need a driver (lavapipe or a GPU)"
            );
            let index: usize = std::env::var("VMO_INTEROP_DEVICE")
                .ok()
                .map(|v| v.parse().expect("VMO_INTEROP_DEVICE must be an index"))
                .unwrap_or(0);
            let physical_device = *physical_devices
                .get(index)
                .unwrap_or_else(|| panic!("VMO_INTEROP_DEVICE={index}: no such physical device"));
            let properties = instance.get_physical_device_properties(physical_device);
            let device_name = properties
                .device_name_as_c_str()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            eprintln!(
                "vulkan device {index}: {device_name} (api {}.{}.{}, driver {:#x})",
                vk::api_version_major(properties.api_version),
                vk::api_version_minor(properties.api_version),
                vk::api_version_patch(properties.api_version),
                properties.driver_version
            );

            let families = instance.get_physical_device_queue_family_properties(physical_device);
            let queue_family_index = families
                .iter()
                .position(|f| {
                    f.queue_flags
                        .intersects(vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE)
                })
                .expect("no graphics or compute queue") as u32;
            let priorities = [1.0f32];
            let queue_info = [vk::DeviceQueueCreateInfo::default()
                .queue_family_index(queue_family_index)
                .queue_priorities(&priorities)];
            let mut enabled_extensions: Vec<&'static CStr> = if options.enable_interop_extensions {
                required_device_extensions().to_vec()
            } else {
                Vec::new()
            };
            // The optional extensions the library uses (VK_EXT_image_drm_format_modifier, with
            // VK_KHR_image_format_list), wherever the physical device offers them.
            let offered = instance
                .enumerate_device_extension_properties(physical_device)
                .unwrap();
            let is_offered = |name: &CStr| {
                offered
                    .iter()
                    .any(|e| e.extension_name_as_c_str() == Ok(name))
            };
            if options.enable_interop_extensions
                && is_offered(ash::ext::image_drm_format_modifier::NAME)
            {
                for &name in optional_device_extensions() {
                    if is_offered(name) {
                        enabled_extensions.push(name);
                    }
                }
            }
            for &name in options.extra_device_extensions {
                if !enabled_extensions.contains(&name) {
                    enabled_extensions.push(name);
                }
            }
            let optional: Vec<_> = optional_device_extensions()
                .iter()
                .filter(|name| enabled_extensions.contains(name))
                .map(|name| name.to_string_lossy())
                .collect();
            eprintln!(
                "vulkan device {index}: optional extensions enabled: {}",
                if optional.is_empty() {
                    "none".to_string()
                } else {
                    optional.join(", ")
                }
            );
            let device_extensions: Vec<_> = enabled_extensions.iter().map(|e| e.as_ptr()).collect();
            let device_info = vk::DeviceCreateInfo::default()
                .queue_create_infos(&queue_info)
                .enabled_extension_names(&device_extensions);
            let device = instance
                .create_device(physical_device, &device_info, None)
                .unwrap();
            let queue = device.get_device_queue(queue_family_index, 0);
            let pool_info = vk::CommandPoolCreateInfo::default()
                .queue_family_index(queue_family_index)
                .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER);
            let command_pool = device.create_command_pool(&pool_info, None).unwrap();
            let memory_properties = instance.get_physical_device_memory_properties(physical_device);
            let interop = options.interop.then(|| {
                Interop::with_enabled_extensions(
                    &instance,
                    physical_device,
                    &device,
                    &enabled_extensions,
                )
                .expect("Interop::with_enabled_extensions")
            });
            Gpu {
                interop,
                device,
                queue,
                queue_family_index,
                command_pool,
                physical_device,
                memory_properties,
                device_name,
                expect: Expectations::for_vendor(properties.vendor_id),
                enabled_extensions,
                instance,
                debug_utils,
                messenger,
                messages,
                entry,
            }
        }
    }

    /// A second device on the same physical device and instance (for cross-device tests).
    pub fn second_device(&self) -> SecondDevice {
        // SAFETY: valid creation calls on our instance.
        unsafe {
            let priorities = [1.0f32];
            let queue_info = [vk::DeviceQueueCreateInfo::default()
                .queue_family_index(self.queue_family_index)
                .queue_priorities(&priorities)];
            let device_extensions: Vec<_> = required_device_extensions()
                .iter()
                .map(|e| e.as_ptr())
                .collect();
            let device_info = vk::DeviceCreateInfo::default()
                .queue_create_infos(&queue_info)
                .enabled_extension_names(&device_extensions);
            let device = self
                .instance
                .create_device(self.physical_device, &device_info, None)
                .unwrap();
            let interop = Interop::new(&self.instance, self.physical_device, &device).unwrap();
            SecondDevice {
                interop: Some(interop),
                device,
            }
        }
    }

    /// Records commands into a one-time command buffer, submits it and waits for it.
    pub fn submit(&self, record: impl FnOnce(vk::CommandBuffer)) {
        // SAFETY: valid calls on our device; we wait for completion before freeing.
        unsafe {
            let info = vk::CommandBufferAllocateInfo::default()
                .command_pool(self.command_pool)
                .level(vk::CommandBufferLevel::PRIMARY)
                .command_buffer_count(1);
            let cmd = self.device.allocate_command_buffers(&info).unwrap()[0];
            let begin = vk::CommandBufferBeginInfo::default()
                .flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
            self.device.begin_command_buffer(cmd, &begin).unwrap();
            record(cmd);
            self.device.end_command_buffer(cmd).unwrap();
            let fence = self
                .device
                .create_fence(&vk::FenceCreateInfo::default(), None)
                .unwrap();
            let cmds = [cmd];
            let submit = [vk::SubmitInfo::default().command_buffers(&cmds)];
            self.device
                .queue_submit(self.queue, &submit, fence)
                .unwrap();
            self.device
                .wait_for_fences(&[fence], true, u64::MAX)
                .unwrap();
            self.device.destroy_fence(fence, None);
            self.device.free_command_buffers(self.command_pool, &cmds);
        }
    }

    /// The validation messages so far.
    pub fn message_count(&self) -> u64 {
        self.messages.count.load(Ordering::SeqCst)
    }

    /// Asserts the validation layer has reported nothing so far.
    pub fn assert_no_messages(&self) {
        let log = self.messages.log.lock().unwrap();
        assert!(log.is_empty(), "validation messages:\n{}", log.join("\n"));
    }
}

/// Serializes the loader's instance-level calls (see [`Gpu::with`]).
pub fn loader_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Drop for Gpu {
    fn drop(&mut self) {
        let _loader = loader_lock();
        // SAFETY: tear-down in reverse creation order after the device is idle; everything made
        // from the interop is gone (tests drop it before the Gpu).
        unsafe {
            self.device.device_wait_idle().unwrap();
            self.device.destroy_command_pool(self.command_pool, None);
            self.interop = None;
            self.device.destroy_device(None);
            self.debug_utils
                .destroy_debug_utils_messenger(self.messenger, None);
            self.instance.destroy_instance(None);
        }
        if !std::thread::panicking() {
            self.assert_no_messages();
        }
    }
}

/// A second device (created by [`Gpu::second_device`]); destroyed on drop, before its `Gpu`.
pub struct SecondDevice {
    pub interop: Option<Interop>,
    pub device: ash::Device,
}

impl SecondDevice {
    pub fn interop(&self) -> &Interop {
        self.interop.as_ref().unwrap()
    }
}

impl Drop for SecondDevice {
    fn drop(&mut self) {
        self.interop = None;
        // SAFETY: everything made from this device is gone (tests drop it first).
        unsafe {
            self.device.device_wait_idle().unwrap();
            self.device.destroy_device(None);
        }
    }
}

/// Creates a transfer buffer of `size` bytes for ZIRCON_VMO memory.
pub fn transfer_buffer(interop: &Interop, size: u64) -> vmo_interop::vk::Buffer {
    let info = vk::BufferCreateInfo::default()
        .size(size)
        .usage(vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST)
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    // SAFETY: a valid create info without an external-memory structure.
    unsafe { interop.create_buffer(&info) }.unwrap()
}

/// Binds `buffer` to `memory` at offset 0.
pub fn bind(interop: &Interop, buffer: &vmo_interop::vk::Buffer, memory: &vmo_interop::vk::Memory) {
    // SAFETY: both are live objects of this device; the memory type fits the buffer.
    unsafe {
        interop
            .device()
            .bind_buffer_memory(buffer.as_raw(), memory.as_raw(), 0)
    }
    .unwrap();
}

/// `vkGetMemoryZirconHandlePropertiesFUCHSIA`, called through ash's raw table: the memory type
/// bits, or the error code.
///
/// # Safety
/// As the command (`handle` is any value; it is borrowed).
pub unsafe fn zircon_handle_properties(
    ext: &ash::fuchsia::external_memory::Device,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    handle: u32,
) -> Result<u32, vk::Result> {
    let mut properties = vk::MemoryZirconHandlePropertiesFUCHSIA::default();
    // SAFETY: the caller's contract; `properties` is a valid out structure.
    unsafe {
        (ext.fp().get_memory_zircon_handle_properties_fuchsia)(
            ext.device(),
            handle_type,
            handle,
            &mut properties,
        )
    }
    .result_with_success(properties.memory_type_bits)
}

/// Reads the first `len` bytes of `memory` through `vkMapMemory`. The memory must be
/// host-visible (every memory type the host layer uses is), not mapped elsewhere, and at least
/// `len` bytes long.
pub fn read_mapped(gpu: &Gpu, memory: vk::DeviceMemory, len: usize) -> Vec<u8> {
    // SAFETY: the memory is host-visible (every host-pointer type is) and not mapped elsewhere.
    unsafe {
        let ptr = gpu
            .device
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap();
        let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len).to_vec();
        gpu.device.unmap_memory(memory);
        bytes
    }
}

/// Writes `bytes` at `offset` into `memory` through `vkMapMemory`; as [`read_mapped`], the
/// range lies within the allocation.
pub fn write_mapped(gpu: &Gpu, memory: vk::DeviceMemory, offset: usize, bytes: &[u8]) {
    // SAFETY: as in `read_mapped`; the range lies within the allocation.
    unsafe {
        let ptr = gpu
            .device
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap();
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.cast::<u8>().add(offset), bytes.len());
        gpu.device.unmap_memory(memory);
    }
}

/// A device with the interop's extensions enabled and no `Interop`: for tests that call the
/// extension through ash, or make their own `Interop`.
pub fn raw_gpu() -> Gpu {
    Gpu::with(GpuOptions {
        interop: false,
        ..GpuOptions::default()
    })
}

/// Runs `body` with a fresh device ([`Gpu::new`]), holding [`counters_lock`], and asserts that
/// once the device is gone nothing it made is left ([`live`] is back at its baseline).
pub fn leak_checked(body: impl FnOnce(&Gpu, &Interop)) {
    let _lock = counters_lock();
    let before = live();
    {
        let gpu = Gpu::new();
        body(&gpu, gpu.interop());
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

/// What the process holds, for leak checks: (handles, VMOs, mappings). On the host, the host
/// kernel's counts (VMO objects, with handles in flight); on Fuchsia, the process's handles
/// and VMO handles (`ZX_INFO_PROCESS_HANDLE_STATS`; a process cannot count its mappings, 0).
pub fn live() -> (u64, u64, u64) {
    #[cfg(target_os = "linux")]
    {
        let c = vmo_interop::platform::host::counters();
        (c.live_handles, c.live_vmos, c.live_mappings)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let stats = vmo_interop::zx::process_self()
            .handle_stats()
            .expect("zx_process_self has INSPECT");
        let vmos = stats.of(vmo_interop::zx::ObjectType::VMO);
        (stats.total(), u64::from(vmos), 0)
    }
}
