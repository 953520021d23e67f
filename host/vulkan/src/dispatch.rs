//! The layer's dispatch: `vkGetInstanceProcAddr` / `vkGetDeviceProcAddr`, the instance and
//! device objects it keeps, and the commands that create and destroy them.
//!
//! The layer hands the application the loader's own dispatchable handles (it wraps nothing), so
//! it finds its state for a handle in a process-wide registry keyed by the handle.

use std::collections::HashMap;
use std::ffi::{c_char, CStr};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, RwLock};

use ash::vk;

use crate::chain::raw_slice;
use crate::device::Device;
use crate::probe::Probe;
use crate::{
    bind, buffer_collection, caps, loader, memory, resource, BUFFER_COLLECTION_EXTENSION_NAME,
    EXTENSION_NAME,
};

/// What the layer keeps for an instance.
pub(crate) struct Instance {
    /// The instance's commands one level down (the loader and the layers below).
    pub(crate) fns: ash::Instance,
    /// `vkGetInstanceProcAddr` one level down: the loader's (an application reached the layer
    /// through [`crate::entry`]), or the next layer's (the loader loaded the layer).
    next_gipa: vk::PFN_vkGetInstanceProcAddr,
    /// Where the loader loaded the layer: its callbacks for devices the layer creates itself.
    pub(crate) layer_device: Option<loader::LayerDeviceCallbacks>,
    /// `VkApplicationInfo::apiVersion` (1.0 when not given).
    pub(crate) api_version: u32,
    /// The layer's probe device per physical device (made on first use; see [`Probe`]).
    probes: Mutex<HashMap<vk::PhysicalDevice, Option<Arc<Probe>>>>,
}

impl Instance {
    /// The probe device for `physical_device`, made on first use; `None` where the layer does
    /// not offer the extension.
    pub(crate) fn probe(&self, physical_device: vk::PhysicalDevice) -> Option<Arc<Probe>> {
        let mut probes = self.probes.lock().unwrap_or_else(PoisonError::into_inner);
        probes
            .entry(physical_device)
            .or_insert_with(|| Probe::new(self, physical_device).map(Arc::new))
            .clone()
    }
}

#[derive(Default)]
struct Registry {
    instances: HashMap<vk::Instance, Arc<Instance>>,
    physical_devices: HashMap<vk::PhysicalDevice, Arc<Instance>>,
    devices: HashMap<vk::Device, Arc<Device>>,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(RwLock::default);

fn read() -> std::sync::RwLockReadGuard<'static, Registry> {
    // Every update is a single insert or remove: the maps stay consistent across panics.
    REGISTRY.read().unwrap_or_else(PoisonError::into_inner)
}

fn write() -> std::sync::RwLockWriteGuard<'static, Registry> {
    REGISTRY.write().unwrap_or_else(PoisonError::into_inner)
}

/// The layer's object for `device`, if the device was created through the layer and lives.
pub(crate) fn device(device: vk::Device) -> Option<Arc<Device>> {
    read().devices.get(&device).cloned()
}

/// The instance `physical_device` belongs to, if it is one of the layer's instances.
pub(crate) fn instance_of(physical_device: vk::PhysicalDevice) -> Option<Arc<Instance>> {
    if let Some(instance) = read().physical_devices.get(&physical_device) {
        return Some(instance.clone());
    }
    // Not seen yet: ask every instance for its physical devices, and remember them all.
    let instances: Vec<_> = read().instances.values().cloned().collect();
    for instance in instances {
        // SAFETY: the instance is live (it is in the registry until vkDestroyInstance).
        let Ok(devices) = (unsafe { instance.fns.enumerate_physical_devices() }) else {
            continue;
        };
        let mut registry = write();
        for d in devices {
            registry.physical_devices.insert(d, instance.clone());
        }
    }
    read().physical_devices.get(&physical_device).cloned()
}

type Void = vk::PFN_vkVoidFunction;

macro_rules! pfn {
    ($f:expr, $ty:ty) => {{
        let f: $ty = $f;
        // SAFETY: a function pointer to a function pointer of another signature, as
        // vkGet*ProcAddr returns them; the caller casts it back to `$ty` before calling.
        Some(unsafe { std::mem::transmute::<$ty, unsafe extern "system" fn()>(f) })
    }};
}

/// The layer's device-level commands by name.
fn device_command(name: &CStr) -> Void {
    match name.to_bytes() {
        b"vkGetDeviceProcAddr" => pfn!(get_device_proc_addr, vk::PFN_vkGetDeviceProcAddr),
        b"vkDestroyDevice" => pfn!(destroy_device, vk::PFN_vkDestroyDevice),
        b"vkAllocateMemory" => pfn!(memory::allocate_memory, vk::PFN_vkAllocateMemory),
        b"vkFreeMemory" => pfn!(memory::free_memory, vk::PFN_vkFreeMemory),
        b"vkGetMemoryZirconHandleFUCHSIA" => pfn!(
            memory::get_memory_zircon_handle,
            vk::PFN_vkGetMemoryZirconHandleFUCHSIA
        ),
        b"vkGetMemoryZirconHandlePropertiesFUCHSIA" => pfn!(
            memory::get_memory_zircon_handle_properties,
            vk::PFN_vkGetMemoryZirconHandlePropertiesFUCHSIA
        ),
        b"vkCreateBuffer" => pfn!(resource::create_buffer, vk::PFN_vkCreateBuffer),
        b"vkDestroyBuffer" => pfn!(resource::destroy_buffer, vk::PFN_vkDestroyBuffer),
        b"vkCreateImage" => pfn!(resource::create_image, vk::PFN_vkCreateImage),
        b"vkDestroyImage" => pfn!(resource::destroy_image, vk::PFN_vkDestroyImage),
        b"vkBindBufferMemory" => pfn!(bind::bind_buffer_memory, vk::PFN_vkBindBufferMemory),
        b"vkBindImageMemory" => pfn!(bind::bind_image_memory, vk::PFN_vkBindImageMemory),
        b"vkBindBufferMemory2" | b"vkBindBufferMemory2KHR" => {
            pfn!(bind::bind_buffer_memory2, vk::PFN_vkBindBufferMemory2)
        }
        b"vkBindImageMemory2" | b"vkBindImageMemory2KHR" => {
            pfn!(bind::bind_image_memory2, vk::PFN_vkBindImageMemory2)
        }
        b"vkMapMemory" => pfn!(bind::map_memory, vk::PFN_vkMapMemory),
        _ => buffer_collection_command(name),
    }
}

/// `VK_FUCHSIA_buffer_collection`'s commands by name.
fn buffer_collection_command(name: &CStr) -> Void {
    match name.to_bytes() {
        b"vkCreateBufferCollectionFUCHSIA" => pfn!(
            buffer_collection::create_buffer_collection,
            vk::PFN_vkCreateBufferCollectionFUCHSIA
        ),
        b"vkSetBufferCollectionImageConstraintsFUCHSIA" => pfn!(
            buffer_collection::set_buffer_collection_image_constraints,
            vk::PFN_vkSetBufferCollectionImageConstraintsFUCHSIA
        ),
        b"vkSetBufferCollectionBufferConstraintsFUCHSIA" => pfn!(
            buffer_collection::set_buffer_collection_buffer_constraints,
            vk::PFN_vkSetBufferCollectionBufferConstraintsFUCHSIA
        ),
        b"vkGetBufferCollectionPropertiesFUCHSIA" => pfn!(
            buffer_collection::get_buffer_collection_properties,
            vk::PFN_vkGetBufferCollectionPropertiesFUCHSIA
        ),
        b"vkDestroyBufferCollectionFUCHSIA" => pfn!(
            buffer_collection::destroy_buffer_collection,
            vk::PFN_vkDestroyBufferCollectionFUCHSIA
        ),
        _ => None,
    }
}

/// The layer's instance-level commands by name (global commands included).
fn instance_command(name: &CStr) -> Void {
    match name.to_bytes() {
        b"vkGetInstanceProcAddr" => pfn!(get_instance_proc_addr, vk::PFN_vkGetInstanceProcAddr),
        b"vkCreateInstance" => pfn!(create_instance, vk::PFN_vkCreateInstance),
        b"vkDestroyInstance" => pfn!(destroy_instance, vk::PFN_vkDestroyInstance),
        b"vkCreateDevice" => pfn!(create_device, vk::PFN_vkCreateDevice),
        b"vkEnumerateDeviceExtensionProperties" => pfn!(
            enumerate_device_extension_properties,
            vk::PFN_vkEnumerateDeviceExtensionProperties
        ),
        b"vkGetPhysicalDeviceExternalBufferProperties"
        | b"vkGetPhysicalDeviceExternalBufferPropertiesKHR" => pfn!(
            caps::get_physical_device_external_buffer_properties,
            vk::PFN_vkGetPhysicalDeviceExternalBufferProperties
        ),
        b"vkGetPhysicalDeviceImageFormatProperties2"
        | b"vkGetPhysicalDeviceImageFormatProperties2KHR" => pfn!(
            caps::get_physical_device_image_format_properties2,
            vk::PFN_vkGetPhysicalDeviceImageFormatProperties2
        ),
        _ => None,
    }
}

/// `vkGetInstanceProcAddr`: the layer's commands where it intercepts them, the loader's
/// otherwise.
///
/// # Safety
/// As the Vulkan command: `name` is a NUL-terminated string; `instance` is null or live.
pub(crate) unsafe extern "system" fn get_instance_proc_addr(
    instance: vk::Instance,
    name: *const c_char,
) -> Void {
    if name.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string (VUID-vkGetInstanceProcAddr-pName-parameter).
    let name_str = unsafe { CStr::from_ptr(name) };
    if instance == vk::Instance::null()
        && matches!(
            name_str.to_bytes(),
            b"vkCreateInstance" | b"vkGetInstanceProcAddr"
        )
    {
        return instance_command(name_str);
    }
    let next_gipa = match read().instances.get(&instance) {
        Some(i) => i.next_gipa,
        // Global commands (and instances still being created): the loader below, where the
        // application came through `entry`; a loader that loaded the layer asks for
        // vkCreateInstance only.
        None => crate::next().map(|n| n.static_fn().get_instance_proc_addr)?,
    };
    if instance == vk::Instance::null() {
        // SAFETY: forwarded as the application asked (the caller's contract).
        return unsafe { next_gipa(instance, name) };
    }
    // SAFETY: forwarded as the application asked (the caller's contract).
    let below = unsafe { next_gipa(instance, name) };
    let ours = instance_command(name_str).or_else(|| device_command(name_str));
    let zircon = name_str.to_bytes().ends_with(b"FUCHSIA");
    // An alias the instance did not enable (a KHR query) stays absent, as below.
    match ours {
        Some(f) if below.is_some() || zircon => Some(f),
        _ => below,
    }
}

/// `vkGetDeviceProcAddr`: on a device with `VK_FUCHSIA_external_memory` enabled, the layer's
/// commands where it intercepts them; the commands below otherwise.
///
/// # Safety
/// As the Vulkan command: `name` is a NUL-terminated string; `device` is live.
pub(crate) unsafe extern "system" fn get_device_proc_addr(
    device: vk::Device,
    name: *const c_char,
) -> Void {
    let this = self::device(device)?;
    if name.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string (VUID-vkGetDeviceProcAddr-pName-parameter).
    let name_str = unsafe { CStr::from_ptr(name) };
    let ours = device_command(name_str);
    let bytes = name_str.to_bytes();
    let always = matches!(bytes, b"vkGetDeviceProcAddr" | b"vkDestroyDevice");
    let zircon = bytes.ends_with(b"FUCHSIA");
    // SAFETY: the device is live; forwarded as the application asked.
    let below = unsafe { (this.next_gdpa())(device, name) };
    let collection_command = buffer_collection_command(name_str).is_some();
    match ours {
        // VK_FUCHSIA_buffer_collection was not enabled on this device: its commands are absent.
        Some(_) if collection_command && this.collections().is_none() => None,
        // The extension was not enabled on this device: its commands are absent.
        Some(_) if zircon && !this.zircon_enabled() => None,
        // An alias the device did not enable (a KHR name) stays absent, as below.
        Some(_) if !zircon && below.is_none() => None,
        Some(_) if always || this.zircon_enabled() => ours,
        _ => below,
    }
}

unsafe extern "system" fn create_instance(
    p_create_info: *const vk::InstanceCreateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_instance: *mut vk::Instance,
) -> vk::Result {
    // SAFETY: the create info is valid (VUID-vkCreateInstance-pCreateInfo-parameter).
    let info = unsafe { &*p_create_info };
    // SAFETY: a valid create info; a chain the loader built if it loaded the layer.
    let link = unsafe { loader::next_instance_link(info) };
    // SAFETY: as above.
    let layer_device = unsafe { loader::layer_device_callbacks(info) };
    let next_gipa = match link {
        Some(gipa) => gipa,
        None => match crate::next() {
            Some(next) => next.static_fn().get_instance_proc_addr,
            None => return vk::Result::ERROR_INITIALIZATION_FAILED,
        },
    };
    // SAFETY: the name's PFN type; a global command.
    let create = unsafe {
        loader::load::<vk::PFN_vkCreateInstance>(
            next_gipa,
            vk::Instance::null(),
            c"vkCreateInstance",
        )
    };
    let Some(create) = create else {
        return vk::Result::ERROR_INITIALIZATION_FAILED;
    };
    // SAFETY: the application's valid call, forwarded (the loader's link advanced): the loader
    // creates the instance and the layers the application enabled after this one
    // (validation), below it.
    let result = unsafe { create(p_create_info, p_allocator, p_instance) };
    if result != vk::Result::SUCCESS {
        return result;
    }
    // SAFETY: on success the loader wrote a live instance to the valid out pointer.
    let instance = unsafe { *p_instance };
    // SAFETY: null or a valid application info (VUID-VkInstanceCreateInfo-pApplicationInfo-
    // parameter).
    let api_version = unsafe { info.p_application_info.as_ref() }
        .map_or(vk::API_VERSION_1_0, |app| {
            app.api_version.max(vk::API_VERSION_1_0)
        });
    let static_fn = ash::StaticFn {
        get_instance_proc_addr: next_gipa,
    };
    // SAFETY: `instance` is live and was created through `next_gipa`.
    let fns = unsafe { ash::Instance::load(&static_fn, instance) };
    write().instances.insert(
        instance,
        Arc::new(Instance {
            fns,
            next_gipa,
            layer_device,
            api_version,
            probes: Mutex::new(HashMap::new()),
        }),
    );
    vk::Result::SUCCESS
}

unsafe extern "system" fn destroy_instance(
    instance: vk::Instance,
    p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    let removed = {
        let mut registry = write();
        registry
            .physical_devices
            .retain(|_, i| i.fns.handle() != instance);
        registry.instances.remove(&instance)
    };
    let Some(removed) = removed else {
        return;
    };
    let probes = std::mem::take(
        &mut *removed
            .probes
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    for probe in probes.into_values().flatten() {
        // SAFETY: the instance is being destroyed, so no query uses its probes any more; each
        // is destroyed once, before the instance.
        unsafe { probe.destroy() };
    }
    // SAFETY: the application's valid call, forwarded.
    unsafe { (removed.fns.fp_v1_0().destroy_instance)(instance, p_allocator) };
}

/// Whether the layer offers `VK_FUCHSIA_external_memory` on `physical_device`.
pub(crate) fn supports(instance: &Instance, physical_device: vk::PhysicalDevice) -> bool {
    // SAFETY: `physical_device` belongs to the live `instance` (the registry's key).
    let properties = unsafe { instance.fns.get_physical_device_properties(physical_device) };
    if properties.api_version.min(instance.api_version) < vk::API_VERSION_1_1 {
        return false;
    }
    // SAFETY: as above.
    let Ok(extensions) = (unsafe {
        instance
            .fns
            .enumerate_device_extension_properties(physical_device)
    }) else {
        return false;
    };
    let host = ash::ext::external_memory_host::NAME;
    if !extensions
        .iter()
        .any(|e| e.extension_name_as_c_str() == Ok(host))
    {
        return false;
    }
    crate::device::min_alignment(instance, physical_device).is_some()
}

unsafe extern "system" fn enumerate_device_extension_properties(
    physical_device: vk::PhysicalDevice,
    p_layer_name: *const c_char,
    p_property_count: *mut u32,
    p_properties: *mut vk::ExtensionProperties,
) -> vk::Result {
    let Some(instance) = instance_of(physical_device) else {
        return vk::Result::ERROR_INITIALIZATION_FAILED;
    };
    let below = instance.fns.fp_v1_0().enumerate_device_extension_properties;
    // SAFETY: a non-null layer name is NUL-terminated.
    if !p_layer_name.is_null() && unsafe { loader::is_ours(p_layer_name) } {
        // The loader asks what this layer adds: the extension, where it offers it.
        let mut list = Vec::new();
        if supports(&instance, physical_device) {
            list.extend(our_extensions());
        }
        // SAFETY: forwarded from the caller.
        return unsafe { write_list(&list, p_property_count, p_properties) };
    }
    if !p_layer_name.is_null() {
        // SAFETY: a query about a named layer below: forwarded untouched.
        return unsafe {
            below(
                physical_device,
                p_layer_name,
                p_property_count,
                p_properties,
            )
        };
    }
    // SAFETY: `physical_device` belongs to the live instance.
    let mut list = match unsafe {
        instance
            .fns
            .enumerate_device_extension_properties(physical_device)
    } {
        Ok(list) => list,
        Err(result) => return result,
    };
    if supports(&instance, physical_device) {
        list.extend(our_extensions());
    }
    // SAFETY: forwarded from the caller.
    unsafe { write_list(&list, p_property_count, p_properties) }
}

/// `VK_FUCHSIA_external_memory`, and `VK_FUCHSIA_buffer_collection` where a sysmem backend
/// is registered.
fn our_extensions() -> Vec<vk::ExtensionProperties> {
    let extension = |name: &CStr, spec_version| {
        let mut ours = vk::ExtensionProperties {
            spec_version,
            ..Default::default()
        };
        for (dst, &src) in ours.extension_name.iter_mut().zip(name.to_bytes()) {
            *dst = src as c_char;
        }
        ours
    };
    let mut list = vec![extension(
        EXTENSION_NAME,
        ash::fuchsia::external_memory::SPEC_VERSION,
    )];
    if crate::sysmem_driver::driver().is_some() {
        list.push(extension(
            BUFFER_COLLECTION_EXTENSION_NAME,
            ash::fuchsia::buffer_collection::SPEC_VERSION,
        ));
    }
    list
}

/// The two-call idiom of `vkEnumerate*`: the count, or up to `*p_count` entries.
///
/// # Safety
/// `p_count` is valid and writable; a non-null `p_properties` holds `*p_count` writable
/// elements.
unsafe fn write_list(
    list: &[vk::ExtensionProperties],
    p_count: *mut u32,
    p_properties: *mut vk::ExtensionProperties,
) -> vk::Result {
    // SAFETY: the caller's contract.
    let count = unsafe { &mut *p_count };
    if p_properties.is_null() {
        *count = u32::try_from(list.len()).unwrap_or(u32::MAX);
        return vk::Result::SUCCESS;
    }
    let n = (*count as usize).min(list.len());
    // SAFETY: the caller's contract, and `n` is at most `*count`.
    let out = unsafe { std::slice::from_raw_parts_mut(p_properties, n) };
    out.copy_from_slice(&list[..n]);
    *count = n as u32;
    if n < list.len() {
        vk::Result::INCOMPLETE
    } else {
        vk::Result::SUCCESS
    }
}

unsafe extern "system" fn create_device(
    physical_device: vk::PhysicalDevice,
    p_create_info: *const vk::DeviceCreateInfo<'_>,
    p_allocator: *const vk::AllocationCallbacks<'_>,
    p_device: *mut vk::Device,
) -> vk::Result {
    let Some(instance) = instance_of(physical_device) else {
        return vk::Result::ERROR_INITIALIZATION_FAILED;
    };
    // SAFETY: a valid pointer to a valid structure (VUID-vkCreateDevice-pCreateInfo-parameter).
    let info = unsafe { &*p_create_info };
    // SAFETY: a valid create info addresses `enabled_extension_count` names.
    let names = unsafe {
        raw_slice(
            info.pp_enabled_extension_names,
            info.enabled_extension_count,
        )
    };
    // SAFETY: each name is a NUL-terminated string (VUID-VkDeviceCreateInfo-
    // ppEnabledExtensionNames-parameter).
    let is = |name: *const c_char, what: &CStr| unsafe { CStr::from_ptr(name) } == what;
    let zircon = names.iter().any(|&n| is(n, EXTENSION_NAME));
    let collections = names
        .iter()
        .any(|&n| is(n, BUFFER_COLLECTION_EXTENSION_NAME));
    let host = ash::ext::external_memory_host::NAME;
    let mut enabled: Vec<*const c_char> = names
        .iter()
        .copied()
        .filter(|&n| !is(n, EXTENSION_NAME) && !is(n, BUFFER_COLLECTION_EXTENSION_NAME))
        .collect();
    if collections && (!zircon || crate::sysmem_driver::driver().is_none()) {
        // Not offered without a sysmem backend; it depends on VK_FUCHSIA_external_memory
        // (VUID-vkCreateDevice-ppEnabledExtensionNames-01387).
        return vk::Result::ERROR_EXTENSION_NOT_PRESENT;
    }
    if zircon {
        if !supports(&instance, physical_device) {
            return vk::Result::ERROR_EXTENSION_NOT_PRESENT;
        }
        if !enabled.iter().any(|&n| is(n, host)) {
            enabled.push(host.as_ptr());
        }
    }
    // SAFETY: a valid create info; a chain the loader built if it loaded the layer.
    let (create, next_gdpa) = match unsafe { loader::next_device_link(info) } {
        Some((gipa, gdpa)) => {
            // SAFETY: the name's PFN type; the instance is live.
            let create = unsafe {
                loader::load::<vk::PFN_vkCreateDevice>(
                    gipa,
                    instance.fns.handle(),
                    c"vkCreateDevice",
                )
            };
            match create {
                Some(create) => (create, gdpa),
                None => return vk::Result::ERROR_INITIALIZATION_FAILED,
            }
        }
        None => (
            instance.fns.fp_v1_0().create_device,
            instance.fns.fp_v1_0().get_device_proc_addr,
        ),
    };
    let below_info = vk::DeviceCreateInfo {
        enabled_extension_count: enabled.len() as u32,
        pp_enabled_extension_names: enabled.as_ptr(),
        ..*info
    };
    // SAFETY: the application's valid call with the extension list rewritten (`enabled` lives
    // across the call); the rest of the structure, chain included, is the application's.
    let result = unsafe { create(physical_device, &below_info, p_allocator, p_device) };
    if result != vk::Result::SUCCESS {
        return result;
    }
    // SAFETY: on success the device was written to the valid out pointer.
    let handle = unsafe { *p_device };
    let load = |name: &CStr| {
        // SAFETY: `handle` is a live device created at `next_gdpa`'s level; a NUL-terminated
        // name.
        let f = unsafe { next_gdpa(handle, name.as_ptr()) };
        f.map_or(std::ptr::null(), |f| f as *const std::ffi::c_void)
    };
    // SAFETY: each name is loaded as its own command, for this live device.
    let fns = unsafe { ash::Device::load_with(load, handle) };
    let destroy = fns.fp_v1_0().destroy_device;
    match Device::new(
        &instance,
        physical_device,
        fns,
        next_gdpa,
        zircon,
        collections,
    ) {
        Some(device) => {
            write().devices.insert(handle, Arc::new(device));
            vk::Result::SUCCESS
        }
        None => {
            // SAFETY: the device was just created, nothing uses it, and it is destroyed once
            // with the application's callbacks.
            unsafe { destroy(handle, p_allocator) };
            vk::Result::ERROR_INITIALIZATION_FAILED
        }
    }
}

unsafe extern "system" fn destroy_device(
    device: vk::Device,
    p_allocator: *const vk::AllocationCallbacks<'_>,
) {
    let Some(removed) = write().devices.remove(&device) else {
        return;
    };
    // SAFETY: the application's valid call, forwarded; the layer's state for the device (its
    // VMOs and mappings) drops after the driver's device, with the last reference.
    unsafe { (removed.fns().fp_v1_0().destroy_device)(device, p_allocator) };
}
