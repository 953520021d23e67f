//! The program's Vulkan context: an instance (with the Khronos validation layer when it is
//! installed), one device per physical device asked for, a queue, and the few GPU commands the
//! probe, demo and benchmarks record.

use crate::vk_error::VkError;
use std::ffi::{c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use vmo_interop::ash_debug::dbg;

use anyhow::{anyhow, bail, Context as _, Result};
use ash::vk;
use vmo_interop::vk::{required_device_extensions, Interop};

use crate::UsageError;

const VALIDATION_LAYER: &CStr = c"VK_LAYER_KHRONOS_validation";

/// Warnings and errors the validation layer reported.
#[derive(Default)]
pub struct Messages {
    count: AtomicU64,
    first: Mutex<Vec<String>>,
}

impl Messages {
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    pub fn first(&self) -> Vec<String> {
        self.first.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

unsafe extern "system" fn on_message(
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    _types: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    user_data: *mut c_void,
) -> vk::Bool32 {
    // SAFETY: the layer passes a valid callback structure, and `user_data` is the `Messages`
    // that the `Instance` keeps alive for as long as the messenger exists.
    let (data, messages) = unsafe { (&*data, &*(user_data as *const Messages)) };
    // SAFETY: a valid callback structure holds a NUL-terminated message or null.
    let text = unsafe { data.message_as_c_str() }
        .map(|m| m.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The loader's own notices (e.g. "layer forced enabled due to env var
    // 'VK_LOADER_LAYERS_ENABLE'") are not validation results; its errors still count.
    // SAFETY: a valid callback structure has a NUL-terminated message id name or null.
    let id = unsafe { data.message_id_name_as_c_str() };
    if id == Some(c"Loader Message") && severity != vk::DebugUtilsMessageSeverityFlagsEXT::ERROR {
        return vk::FALSE;
    }
    messages.count.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut first) = messages.first.lock() {
        if first.len() < 8 {
            first.push(format!("[{}] {text}", dbg(severity)));
        }
    }
    vk::FALSE
}

/// The Vulkan instance and what the program learned about its physical devices.
pub struct Instance {
    pub instance: ash::Instance,
    pub physical_devices: Vec<PhysicalDevice>,
    pub validation: bool,
    pub messages: Arc<Messages>,
    debug: Option<(ash::ext::debug_utils::Instance, vk::DebugUtilsMessengerEXT)>,
    _entry: ash::Entry,
}

/// One physical device as the probe reports it.
#[derive(Clone)]
pub struct PhysicalDevice {
    pub handle: vk::PhysicalDevice,
    pub name: String,
    pub api_version: u32,
    pub device_type: vk::PhysicalDeviceType,
    pub memory_properties: vk::PhysicalDeviceMemoryProperties,
    pub extensions: Vec<String>,
}

impl PhysicalDevice {
    pub fn supports(&self, extension: &CStr) -> bool {
        extension
            .to_str()
            .is_ok_and(|name| self.extensions.iter().any(|e| e == name))
    }

    pub fn api_version_string(&self) -> String {
        format!(
            "{}.{}.{}",
            vk::api_version_major(self.api_version),
            vk::api_version_minor(self.api_version),
            vk::api_version_patch(self.api_version)
        )
    }
}

impl Instance {
    /// Loads Vulkan and creates an instance. With `validation`, the Khronos validation layer is
    /// enabled when it is installed (its messages are counted); the benchmarks leave it off. A
    /// missing loader or driver is a [`UsageError`] that says what to install.
    pub fn new(validation: bool) -> Result<Self> {
        // The platform's entry: the linked loader on Fuchsia, the host Vulkan layer over the
        // system loader on the host.
        let entry = vmo_interop::platform::vulkan_entry()
            .map_err(|e| UsageError::new(format!("{e}; or run ./x demo, which installs it")))?;
        // SAFETY: a plain query on a loaded entry.
        let layers = unsafe { entry.enumerate_instance_layer_properties() }.unwrap_or_default();
        let validation = validation
            && layers
                .iter()
                .any(|l| l.layer_name_as_c_str() == Ok(VALIDATION_LAYER));
        let messages = Arc::new(Messages::default());
        let mut messenger_info = vk::DebugUtilsMessengerCreateInfoEXT::default()
            .message_severity(
                vk::DebugUtilsMessageSeverityFlagsEXT::WARNING
                    | vk::DebugUtilsMessageSeverityFlagsEXT::ERROR,
            )
            .message_type(
                vk::DebugUtilsMessageTypeFlagsEXT::GENERAL
                    | vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION,
            )
            .pfn_user_callback(Some(on_message))
            .user_data(Arc::as_ptr(&messages) as *mut c_void);
        let app = vk::ApplicationInfo::default()
            .application_name(c"vmo-interop")
            .api_version(vk::API_VERSION_1_1);
        let layer_names = [VALIDATION_LAYER.as_ptr()];
        let extension_names = [ash::ext::debug_utils::NAME.as_ptr()];
        let mut info = vk::InstanceCreateInfo::default().application_info(&app);
        if validation {
            info = info
                .enabled_layer_names(&layer_names)
                .enabled_extension_names(&extension_names)
                .push_next(&mut messenger_info);
        }
        // SAFETY: a valid create info whose pointers outlive the call.
        let instance = unsafe { entry.create_instance(&info, None) }.map_err(|e| {
            UsageError::new(format!(
                "no Vulkan driver could create an instance ({e}): install one (Debian: \
                 apt-get install mesa-vulkan-drivers for lavapipe, or your GPU's driver)"
            ))
        })?;
        let debug = if validation {
            let utils = ash::ext::debug_utils::Instance::new(&entry, &instance);
            // SAFETY: a valid create info; `messages` outlives the messenger (both live in
            // `Self`, and Drop destroys the messenger first).
            let messenger = unsafe { utils.create_debug_utils_messenger(&messenger_info, None) }
                .map_err(VkError)
                .context("vkCreateDebugUtilsMessengerEXT")?;
            Some((utils, messenger))
        } else {
            None
        };
        let mut this = Self {
            instance,
            physical_devices: Vec::new(),
            validation,
            messages,
            debug,
            _entry: entry,
        };
        this.physical_devices = this.enumerate()?;
        if this.physical_devices.is_empty() {
            return Err(UsageError::new(
                "no Vulkan physical device: install a Vulkan driver (Debian: apt-get install \
                 mesa-vulkan-drivers for lavapipe, or your GPU's driver)",
            )
            .into());
        }
        Ok(this)
    }

    fn enumerate(&self) -> Result<Vec<PhysicalDevice>> {
        // SAFETY: plain queries on a live instance.
        unsafe {
            let handles = self
                .instance
                .enumerate_physical_devices()
                .map_err(VkError)
                .context("vkEnumeratePhysicalDevices")?;
            let mut devices = Vec::with_capacity(handles.len());
            for handle in handles {
                let properties = self.instance.get_physical_device_properties(handle);
                let extensions = self
                    .instance
                    .enumerate_device_extension_properties(handle)
                    .map_err(VkError)
                    .context("vkEnumerateDeviceExtensionProperties")?
                    .iter()
                    .filter_map(|e| e.extension_name_as_c_str().ok())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                devices.push(PhysicalDevice {
                    handle,
                    name: properties
                        .device_name_as_c_str()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    api_version: properties.api_version,
                    device_type: properties.device_type,
                    memory_properties: self.instance.get_physical_device_memory_properties(handle),
                    extensions,
                });
            }
            Ok(devices)
        }
    }

    /// The line a demo opens with: which device it runs on and whether validation is on.
    pub fn describe(&self, index: usize, physical: &PhysicalDevice) -> String {
        let validation = if self.validation {
            "on"
        } else {
            "not installed"
        };
        format!(
            "Vulkan device {index}: {} (validation layer {validation})",
            physical.name
        )
    }

    /// The physical device at `index`, or a [`UsageError`] listing the ones that exist.
    pub fn physical_device(&self, index: usize) -> Result<&PhysicalDevice> {
        self.physical_devices.get(index).ok_or_else(|| {
            let list: Vec<String> = self
                .physical_devices
                .iter()
                .enumerate()
                .map(|(i, d)| format!("{i}: {}", d.name))
                .collect();
            UsageError::new(format!(
                "there is no Vulkan device {index}: this machine has {} ({}); pass --device 0..{}",
                self.physical_devices.len(),
                list.join(", "),
                self.physical_devices.len() - 1
            ))
            .into()
        })
    }

    /// Validation messages so far (0 when the layer is not installed).
    pub fn validation_messages(&self) -> u64 {
        self.messages.count()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SAFETY: every device made from this instance is gone (`Device` borrows the instance);
        // the messenger goes before the instance.
        unsafe {
            if let Some((utils, messenger)) = self.debug.take() {
                utils.destroy_debug_utils_messenger(messenger, None);
            }
            self.instance.destroy_instance(None);
        }
    }
}

/// A logical device with vmo-interop's extensions, one queue and a command pool.
pub struct Device<'i> {
    pub interop: Option<Interop>,
    pub device: ash::Device,
    pub physical: &'i PhysicalDevice,
    queue: vk::Queue,
    command_pool: vk::CommandPool,
}

impl<'i> Device<'i> {
    /// Creates a device on `physical` with the extensions vmo-interop needs, and the interop.
    pub fn new(instance: &'i Instance, physical: &'i PhysicalDevice) -> Result<Self> {
        // SAFETY: a query on a live physical device.
        let families = unsafe {
            instance
                .instance
                .get_physical_device_queue_family_properties(physical.handle)
        };
        let family = families
            .iter()
            .position(|f| {
                f.queue_flags
                    .intersects(vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE)
            })
            .ok_or_else(|| anyhow!("{} has no graphics or compute queue", physical.name))?;
        let family = u32::try_from(family)?;
        for &extension in required_device_extensions() {
            if !physical.supports(extension) {
                bail!(
                    "{} does not support {}, which vmo-interop needs",
                    physical.name,
                    extension.to_string_lossy()
                );
            }
        }
        let priorities = [1.0f32];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(family)
            .queue_priorities(&priorities)];
        let extensions: Vec<_> = required_device_extensions()
            .iter()
            .map(|e| e.as_ptr())
            .collect();
        let info = vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_extension_names(&extensions);
        // SAFETY: a valid create info whose pointers outlive the call.
        let device = unsafe {
            instance
                .instance
                .create_device(physical.handle, &info, None)
        }
        .map_err(VkError)
        .context("vkCreateDevice")?;
        // SAFETY: the queue family and index were requested above.
        let queue = unsafe { device.get_device_queue(family, 0) };
        let pool_info = vk::CommandPoolCreateInfo::default()
            .queue_family_index(family)
            .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER);
        // SAFETY: a valid create info on a live device.
        let command_pool = match unsafe { device.create_command_pool(&pool_info, None) } {
            Ok(pool) => pool,
            Err(e) => {
                // SAFETY: nothing was created from the device yet.
                unsafe { device.destroy_device(None) };
                return Err(anyhow!("vkCreateCommandPool: {e}"));
            }
        };
        let mut this = Self {
            interop: None,
            device,
            physical,
            queue,
            command_pool,
        };
        // SAFETY: the device was created from this instance and physical device with the
        // extensions `required_device_extensions` names, and outlives the interop (Drop order).
        this.interop = Some(
            unsafe { Interop::new(&instance.instance, physical.handle, &this.device) }
                .context("setting up vmo-interop on the device")?,
        );
        Ok(this)
    }

    pub fn interop(&self) -> &Interop {
        // The interop is set in `new` and only taken in `drop`.
        self.interop
            .as_ref()
            .unwrap_or_else(|| unreachable!("Device::interop after drop"))
    }

    /// Records commands into a one-time command buffer, submits it and waits for completion.
    pub fn submit(&self, record: impl FnOnce(&ash::Device, vk::CommandBuffer)) -> Result<()> {
        let info = vk::CommandBufferAllocateInfo::default()
            .command_pool(self.command_pool)
            .level(vk::CommandBufferLevel::PRIMARY)
            .command_buffer_count(1);
        // SAFETY: valid calls on our device and pool; the fence wait completes the work before
        // the command buffer and fence are freed.
        unsafe {
            let cmds = self
                .device
                .allocate_command_buffers(&info)
                .map_err(VkError)
                .context("vkAllocateCommandBuffers")?;
            let fence = self
                .device
                .create_fence(&vk::FenceCreateInfo::default(), None)
                .map_err(VkError)
                .context("vkCreateFence");
            let result = fence.and_then(|fence| {
                let run = (|| {
                    let begin = vk::CommandBufferBeginInfo::default()
                        .flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
                    self.device.begin_command_buffer(cmds[0], &begin)?;
                    record(&self.device, cmds[0]);
                    self.device.end_command_buffer(cmds[0])?;
                    let submit = [vk::SubmitInfo::default().command_buffers(&cmds)];
                    self.device.queue_submit(self.queue, &submit, fence)?;
                    self.device.wait_for_fences(&[fence], true, u64::MAX)
                })()
                .map_err(VkError)
                .context("submitting GPU work");
                self.device.destroy_fence(fence, None);
                run
            });
            self.device.free_command_buffers(self.command_pool, &cmds);
            result
        }
    }
}

impl Drop for Device<'_> {
    fn drop(&mut self) {
        self.interop = None;
        // SAFETY: all work finished (every submit waits), and every subcommand drops the
        // `Memory`, `Buffer` and `Image` owners it made (which hold `Interop` clones) before
        // the `Device` they came from, as `Interop::new`'s contract requires.
        unsafe {
            let _ = self.device.device_wait_idle();
            self.device.destroy_command_pool(self.command_pool, None);
            self.device.destroy_device(None);
        }
    }
}

/// Makes transfer writes visible to the host (`VkMemoryBarrier` TRANSFER_WRITE → HOST_READ), so
/// bytes the GPU wrote can be read through a VMO or a mapping once the submission completes.
pub fn transfer_to_host_barrier(device: &ash::Device, cmd: vk::CommandBuffer) {
    let barrier = [vk::MemoryBarrier::default()
        .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
        .dst_access_mask(vk::AccessFlags::HOST_READ)];
    // SAFETY: a command buffer in the recording state, with a valid barrier.
    unsafe {
        device.cmd_pipeline_barrier(
            cmd,
            vk::PipelineStageFlags::TRANSFER,
            vk::PipelineStageFlags::HOST,
            vk::DependencyFlags::empty(),
            &barrier,
            &[],
            &[],
        )
    }
}
