//! The layer as a real loader layer, for C applications: `vkNegotiateLoaderLayerInterfaceVersion`
//! (the one symbol the shared library exports for the loader) and the loader's link structures
//! (`vk_layer.h`) through which `vkCreateInstance` / `vkCreateDevice` find the next layer.
//!
//! The manifest (`VkLayer_vmo_interop.json`) names the shared library (`libhost_vulkan.so`)
//! and the layer `VK_LAYER_VMO_INTEROP_fuchsia_external_memory`. A C application enables it
//! with the validation layer after it (`ppEnabledLayerNames = { this, validation }`), so that
//! validation sits below it, as for Rust applications.

use std::ffi::{c_char, c_void};

use ash::vk;

/// The layer's name in its manifest.
pub const LAYER_NAME: &std::ffi::CStr = c"VK_LAYER_VMO_INTEROP_fuchsia_external_memory";

/// `VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO`.
const LOADER_INSTANCE_CREATE_INFO: vk::StructureType = vk::StructureType::from_raw(47);
/// `VK_STRUCTURE_TYPE_LOADER_DEVICE_CREATE_INFO`.
const LOADER_DEVICE_CREATE_INFO: vk::StructureType = vk::StructureType::from_raw(48);
/// `VK_LAYER_LINK_INFO`.
const LAYER_LINK_INFO: i32 = 0;
/// `VK_LOADER_LAYER_CREATE_DEVICE_CALLBACK`.
const LAYER_CREATE_DEVICE_CALLBACK: i32 = 2;

/// `PFN_vkLayerCreateDevice`: the loader creates a device for a layer, through the layers
/// below it.
pub(crate) type LayerCreateDevice = unsafe extern "system" fn(
    vk::Instance,
    vk::PhysicalDevice,
    *const vk::DeviceCreateInfo<'_>,
    *const vk::AllocationCallbacks<'_>,
    *mut vk::Device,
    vk::PFN_vkGetInstanceProcAddr,
    *mut Option<vk::PFN_vkGetDeviceProcAddr>,
) -> vk::Result;
/// `PFN_vkLayerDestroyDevice`.
pub(crate) type LayerDestroyDevice = unsafe extern "system" fn(
    vk::Device,
    *const vk::AllocationCallbacks<'_>,
    vk::PFN_vkDestroyDevice,
);

/// The loader's callbacks for devices a layer creates itself (the probe device).
#[derive(Clone, Copy)]
pub(crate) struct LayerDeviceCallbacks {
    pub(crate) create: LayerCreateDevice,
    pub(crate) destroy: LayerDestroyDevice,
}

/// `VkLayerInstanceCreateInfo` with its union read as `layerDevice`.
#[repr(C)]
struct InstanceCreateInfoDevice {
    s_type: vk::StructureType,
    p_next: *const c_void,
    function: i32,
    create: Option<LayerCreateDevice>,
    destroy: Option<LayerDestroyDevice>,
}
/// `LAYER_NEGOTIATE_INTERFACE_STRUCT`.
const NEGOTIATE_INTERFACE_STRUCT: i32 = 1;

/// `VkLayerInstanceLink`.
#[repr(C)]
struct InstanceLink {
    next: *mut InstanceLink,
    next_get_instance_proc_addr: vk::PFN_vkGetInstanceProcAddr,
    next_get_physical_device_proc_addr: *const c_void,
}

/// `VkLayerInstanceCreateInfo` (its union read as the `pLayerInfo` member only).
#[repr(C)]
struct InstanceCreateInfo {
    s_type: vk::StructureType,
    p_next: *const c_void,
    function: i32,
    layer_info: *mut InstanceLink,
}

/// `VkLayerDeviceLink`.
#[repr(C)]
struct DeviceLink {
    next: *mut DeviceLink,
    next_get_instance_proc_addr: vk::PFN_vkGetInstanceProcAddr,
    next_get_device_proc_addr: vk::PFN_vkGetDeviceProcAddr,
}

/// `VkLayerDeviceCreateInfo` (its union read as the `pLayerInfo` member only).
#[repr(C)]
struct DeviceCreateInfo {
    s_type: vk::StructureType,
    p_next: *const c_void,
    function: i32,
    layer_info: *mut DeviceLink,
}

/// `VkNegotiateLayerInterface`.
#[repr(C)]
pub struct NegotiateLayerInterface {
    s_type: i32,
    p_next: *mut c_void,
    loader_layer_interface_version: u32,
    get_instance_proc_addr: Option<vk::PFN_vkGetInstanceProcAddr>,
    get_device_proc_addr: Option<vk::PFN_vkGetDeviceProcAddr>,
    get_physical_device_proc_addr: *const c_void,
}

/// `vkNegotiateLoaderLayerInterfaceVersion`: interface version 2, the layer's two
/// `vk*ProcAddr`, no physical-device entry point.
///
/// # Safety
/// `version` is a valid, writable `VkNegotiateLayerInterface` (the loader's).
#[no_mangle]
pub unsafe extern "system" fn vkNegotiateLoaderLayerInterfaceVersion(
    version: *mut NegotiateLayerInterface,
) -> vk::Result {
    // SAFETY: the caller's contract (null is refused).
    let Some(version) = (unsafe { version.as_mut() }) else {
        return vk::Result::ERROR_INITIALIZATION_FAILED;
    };
    if version.s_type != NEGOTIATE_INTERFACE_STRUCT || version.loader_layer_interface_version < 2 {
        return vk::Result::ERROR_INITIALIZATION_FAILED;
    }
    version.loader_layer_interface_version = 2;
    version.get_instance_proc_addr = Some(crate::dispatch::get_instance_proc_addr);
    version.get_device_proc_addr = Some(crate::dispatch::get_device_proc_addr);
    version.get_physical_device_proc_addr = std::ptr::null();
    vk::Result::SUCCESS
}

/// The first structure of `s_type` with `function == wanted` in `p_next`.
///
/// # Safety
/// `p_next` is null or a valid chain.
unsafe fn find(
    mut p_next: *const c_void,
    s_type: vk::StructureType,
    wanted: i32,
) -> *mut InstanceCreateInfo {
    while !p_next.is_null() {
        let info = p_next.cast::<InstanceCreateInfo>().cast_mut();
        // SAFETY: every structure of a valid chain starts with sType and pNext.
        let header = unsafe { info.cast::<vk::BaseInStructure<'_>>().read() };
        if header.s_type == s_type {
            // SAFETY: a loader link structure (its sType says so), whose `function` follows
            // sType and pNext in both the instance and the device layouts.
            let function = unsafe { (*info).function };
            if function == wanted {
                return info;
            }
        }
        p_next = header.p_next.cast();
    }
    std::ptr::null_mut()
}

/// In a `vkCreateInstance` the loader called: the next layer's `vkGetInstanceProcAddr`, with
/// the link advanced for it (as every layer does before calling down).
///
/// # Safety
/// `info` is a valid create info whose chain the loader built (or one without link structures).
pub(crate) unsafe fn next_instance_link(
    info: &vk::InstanceCreateInfo<'_>,
) -> Option<vk::PFN_vkGetInstanceProcAddr> {
    // SAFETY: the chain is valid (the caller's contract).
    let found = unsafe { find(info.p_next, LOADER_INSTANCE_CREATE_INFO, LAYER_LINK_INFO) };
    if found.is_null() {
        return None;
    }
    // SAFETY: a loader link structure of this chain, live during the call.
    let layer_info = unsafe { &raw mut (*found).layer_info };
    // SAFETY: its `pLayerInfo`, the loader's and writable, is null or this layer's link.
    let this = unsafe { advance_link(layer_info, |link| link.next) }?;
    Some(this.next_get_instance_proc_addr)
}

/// This layer's link (`*layer_info`, `None` if null), with `*layer_info` advanced to the next
/// layer's (`next` of the link): that hands the next link to the next layer, as the loader
/// interface specifies every layer does before calling down.
///
/// # Safety
/// `layer_info` is the live, writable `pLayerInfo` of a loader link structure, null or this
/// layer's live link.
unsafe fn advance_link<L>(layer_info: *mut *mut L, next: fn(&L) -> *mut L) -> Option<L> {
    // SAFETY: a live `pLayerInfo` (the caller's contract).
    let link = unsafe { layer_info.read() };
    if link.is_null() {
        return None;
    }
    // SAFETY: `link` is the loader's live link for this layer (the caller's contract).
    let this = unsafe { link.read() };
    // SAFETY: a live, writable `pLayerInfo` (the caller's contract).
    unsafe { layer_info.write(next(&this)) };
    Some(this)
}

/// In a `vkCreateDevice` the loader called: the next layer's `vkGetInstanceProcAddr` and
/// `vkGetDeviceProcAddr`, with the link advanced.
///
/// # Safety
/// As [`next_instance_link`].
pub(crate) unsafe fn next_device_link(
    info: &vk::DeviceCreateInfo<'_>,
) -> Option<(vk::PFN_vkGetInstanceProcAddr, vk::PFN_vkGetDeviceProcAddr)> {
    // SAFETY: the chain is valid (the caller's contract).
    let found = unsafe { find(info.p_next, LOADER_DEVICE_CREATE_INFO, LAYER_LINK_INFO) }
        .cast::<DeviceCreateInfo>();
    if found.is_null() {
        return None;
    }
    // SAFETY: a loader link structure of this chain, live during the call.
    let layer_info = unsafe { &raw mut (*found).layer_info };
    // SAFETY: its `pLayerInfo`, the loader's and writable, is null or this layer's link.
    let this = unsafe { advance_link(layer_info, |link| link.next) }?;
    Some((
        this.next_get_instance_proc_addr,
        this.next_get_device_proc_addr,
    ))
}

/// In a `vkCreateInstance` the loader called: its callbacks for devices the layer creates.
///
/// # Safety
/// As [`next_instance_link`].
pub(crate) unsafe fn layer_device_callbacks(
    info: &vk::InstanceCreateInfo<'_>,
) -> Option<LayerDeviceCallbacks> {
    // SAFETY: the chain is valid (the caller's contract).
    let found = unsafe {
        find(
            info.p_next,
            LOADER_INSTANCE_CREATE_INFO,
            LAYER_CREATE_DEVICE_CALLBACK,
        )
    }
    .cast::<InstanceCreateInfoDevice>();
    if found.is_null() {
        return None;
    }
    // SAFETY: a loader structure of this chain whose `function` says its union holds the
    // device callbacks.
    let callbacks = unsafe { found.read() };
    Some(LayerDeviceCallbacks {
        create: callbacks.create?,
        destroy: callbacks.destroy?,
    })
}

/// A command by name through `gipa`, as a typed pointer.
///
/// # Safety
/// `T` is the PFN type of `name`; `instance` is null or live.
pub(crate) unsafe fn load<T: Copy>(
    gipa: vk::PFN_vkGetInstanceProcAddr,
    instance: vk::Instance,
    name: &std::ffi::CStr,
) -> Option<T> {
    // SAFETY: the caller's contract.
    let f = unsafe { gipa(instance, name.as_ptr()) }?;
    // SAFETY: `T` is the command's function pointer type (the caller's contract), of the same
    // size as any function pointer.
    Some(unsafe { std::mem::transmute_copy::<unsafe extern "system" fn(), T>(&f) })
}

/// Whether `name` (a layer name from `vkEnumerateDeviceExtensionProperties`) is this layer's.
///
/// # Safety
/// `name` is a NUL-terminated string.
pub(crate) unsafe fn is_ours(name: *const c_char) -> bool {
    // SAFETY: the caller's contract.
    (unsafe { std::ffi::CStr::from_ptr(name) }) == LAYER_NAME
}
