//! The handle-type-generic Metal plumbing on a real Vulkan device (lavapipe on the host).
//!
//! No Linux driver implements `VK_EXT_external_memory_metal`. These tests therefore check:
//! - what a driver without the extension answers: the commands do not load, and the capability
//!   queries report the Metal types unsupported;
//! - the [`metal::Device`] / [`metal::Memory`] plumbing against a substitute command table (the
//!   narrow seam `Device::from_raw_parts`), with real `vkAllocateMemory` / `vkFreeMemory` calls:
//!   validation happens before the command, every result code is mapped, NULL is refused.
//!
//! Every test builds its device with the shared harness (`tests/common`): no Vulkan driver, no
//! physical device or no validation layer is a **failure**, and `VK_LAYER_KHRONOS_validation` is
//! on for every test, with the harness asserting at tear-down that it reported nothing. So the
//! layer also checks what the plumbing does to the real device: a `Memory` that were not freed on
//! drop shows up as `VUID-vkDestroyDevice-device-00378`, one freed twice (say by `into_raw`) as
//! `VUID-vkFreeMemory-memory-parameter`.
//!
//! Where Metal handle-type bits reach the layer: only in the capability queries. The substitute
//! table's commands are called directly, not through the layer, and the adopted allocations are
//! plain ones (their Metal export types are a claim made to the substitute table only). The
//! installed layer (1.3.239) predates extension 603 and reports each Metal bit it is shown as
//! `VUID-…-handleType-parameter` ("flag bits that are not recognized"). The harness's callback
//! returns `VK_FALSE`, so the layer still calls down and the answers are the driver's. The
//! capability test therefore runs with the layer on and removes exactly those messages, asserting
//! that they are the only ones; anything else the layer says fails the test.

use core::ffi::c_void;
use core::ptr::NonNull;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

use ash::vk;
use vmo_interop::metal::caps::{buffer_capabilities, image_capabilities};
use vmo_interop::metal::raw::{
    DeviceFn, MemoryGetMetalHandleInfoEXT, MemoryMetalHandlePropertiesEXT,
    GET_MEMORY_METAL_HANDLE_EXT_NAME,
};
use vmo_interop::metal::{
    self, AllocateError, AllocationPlan, ExportError, ImportRequest, MetalHandleType,
    MetalValidationError, PropertiesError, VulkanError,
};
use vmo_interop::vk::MemoryTypeRequest;

mod common;
use common::{Gpu, GpuOptions};

/// An instance with the validation layer and a device with no extensions at all (in particular
/// not `VK_EXT_external_memory_metal`, which no Linux driver offers). Panics without a driver.
fn gpu() -> Gpu {
    Gpu::with(GpuOptions {
        enable_interop_extensions: false,
        interop: false,
        extra_device_extensions: &[],
    })
}

/// Removes the validation messages logged so far that name `vuid` and returns how many there
/// were. Every other message stays for the harness's tear-down check.
fn take_messages(gpu: &Gpu, vuid: &str) -> usize {
    let needle = format!("[ {vuid} ]");
    let mut log = gpu.messages.log.lock().unwrap();
    let before = log.len();
    log.retain(|m| !m.contains(&needle));
    before - log.len()
}

// ---- a substitute command table ------------------------------------------------------------

/// The fakes' behaviour and counters are global: tests using them hold this lock.
static FAKE: Mutex<()> = Mutex::new(());
static PROPS_CALLS: AtomicUsize = AtomicUsize::new(0);
static PROPS_RESULT: AtomicI32 = AtomicI32::new(0);
static PROPS_BITS: AtomicU32 = AtomicU32::new(0);
static PROPS_LAST_TYPE: AtomicU32 = AtomicU32::new(0);
static GET_CALLS: AtomicUsize = AtomicUsize::new(0);
static GET_RESULT: AtomicI32 = AtomicI32::new(0);
static GET_HANDLE: AtomicUsize = AtomicUsize::new(0);
static GET_LAST_TYPE: AtomicU32 = AtomicU32::new(0);

unsafe extern "system" fn fake_get(
    _device: vk::Device,
    info: *const MemoryGetMetalHandleInfoEXT<'_>,
    out: *mut *mut c_void,
) -> vk::Result {
    GET_CALLS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the code under test passes valid pointers.
    unsafe {
        assert_eq!((*info).s_type.as_raw(), 1_000_602_002);
        GET_LAST_TYPE.store((*info).handle_type.as_raw(), Ordering::SeqCst);
        *out = GET_HANDLE.load(Ordering::SeqCst) as *mut c_void;
    }
    vk::Result::from_raw(GET_RESULT.load(Ordering::SeqCst))
}

unsafe extern "system" fn fake_props(
    _device: vk::Device,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    _handle: *const c_void,
    out: *mut MemoryMetalHandlePropertiesEXT<'_>,
) -> vk::Result {
    PROPS_CALLS.fetch_add(1, Ordering::SeqCst);
    PROPS_LAST_TYPE.store(handle_type.as_raw(), Ordering::SeqCst);
    // SAFETY: the code under test passes a valid, writable structure.
    unsafe {
        assert_eq!((*out).s_type.as_raw(), 1_000_602_001);
        (*out).memory_type_bits = PROPS_BITS.load(Ordering::SeqCst);
    }
    vk::Result::from_raw(PROPS_RESULT.load(Ordering::SeqCst))
}

fn fake_table() -> DeviceFn {
    DeviceFn {
        get_memory_metal_handle_ext: fake_get,
        get_memory_metal_handle_properties_ext: fake_props,
    }
}

fn metal_device(gpu: &Gpu) -> metal::Device {
    // SAFETY: the fakes follow the commands' signatures; the memory properties are the device's.
    unsafe { metal::Device::from_raw_parts(&gpu.device, fake_table(), gpu.memory_properties) }
}

/// A real 64 KiB allocation adopted as memory that claims `export_types`.
///
/// The driver never hears of the Metal types: only the substitute table acts on the claim.
fn adopted_memory(
    device: metal::Device,
    export_types: Option<vk::ExternalMemoryHandleTypeFlags>,
) -> metal::Memory {
    let info = vk::MemoryAllocateInfo::default()
        .allocation_size(65536)
        .memory_type_index(0);
    // SAFETY: valid device and allocate info.
    let memory = unsafe { device.device().allocate_memory(&info, None) }.expect("vkAllocateMemory");
    let plan = AllocationPlan {
        allocation_size: 65536,
        memory_type_index: 0,
        dedicated: None,
    };
    // SAFETY: a live allocation of this device, handed over (freed on drop). Its export types are
    // claimed only towards the substitute table.
    unsafe { metal::Memory::from_raw(device, memory, plan, export_types) }
}

// ---- what a driver without the extension says ---------------------------------------------

#[test]
fn commands_do_not_load_without_the_extension() {
    let v = gpu();
    // SAFETY: the device was created from this physical device and instance.
    let err = unsafe { metal::Device::new(&v.instance, v.physical_device, &v.device) }.unwrap_err();
    assert_eq!(err.name, GET_MEMORY_METAL_HANDLE_EXT_NAME);
}

#[test]
fn capability_queries_report_metal_types_unsupported() {
    let v = gpu();
    for t in MetalHandleType::ALL {
        // SAFETY: valid instance and physical device, Vulkan 1.1.
        let caps = unsafe {
            buffer_capabilities(
                &v.instance,
                v.physical_device,
                t,
                vk::BufferCreateFlags::empty(),
                vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST,
            )
        };
        assert_eq!(caps.handle_type, t);
        assert!(!caps.exportable() && !caps.importable(), "{t}: {caps:?}");
        // The layer's ignorance of the Metal bits (see the module docs), at most once per query:
        // a layer that knows extension 603 says nothing.
        let unknown_bits = take_messages(
            &v,
            "VUID-VkPhysicalDeviceExternalBufferInfo-handleType-parameter",
        );
        assert!(unknown_bits <= 1, "{t}: {unknown_bits} messages");

        let format_info = vk::PhysicalDeviceImageFormatInfo2::default()
            .format(vk::Format::R8G8B8A8_UNORM)
            .ty(vk::ImageType::TYPE_2D)
            .tiling(vk::ImageTiling::OPTIMAL)
            .usage(vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
        // SAFETY: valid instance and physical device; the format info has an empty chain.
        let image = unsafe { image_capabilities(&v.instance, v.physical_device, t, format_info) };
        match image {
            // Either the combination is not supported at all, or it is but without the type.
            Ok(None) => {}
            Ok(Some(caps)) => {
                assert!(!caps.exportable() && !caps.importable(), "{t}: {caps:?}")
            }
            Err(e) => panic!("{t}: unexpected {e}"),
        }
        let unknown_bits = take_messages(
            &v,
            "VUID-VkPhysicalDeviceExternalImageFormatInfo-handleType-parameter",
        );
        assert!(unknown_bits <= 1, "{t}: {unknown_bits} messages");
    }
    // Dropping `v` asserts that the layer reported nothing else.
}

// ---- plumbing against the substitute table -------------------------------------------------

#[test]
fn properties_query_maps_results() {
    let _lock = FAKE.lock().unwrap_or_else(|e| e.into_inner());
    let v = gpu();
    let device = metal_device(&v);
    let mut object = 0u64;
    let handle = NonNull::from(&mut object).cast::<c_void>();

    PROPS_RESULT.store(vk::Result::SUCCESS.as_raw(), Ordering::SeqCst);
    PROPS_BITS.store(0b1, Ordering::SeqCst);
    // SAFETY: the substitute table never dereferences the handle.
    let bits =
        unsafe { device.get_memory_metal_handle_properties(MetalHandleType::MtlHeap, handle) };
    assert_eq!(bits.unwrap(), 0b1);
    assert_eq!(PROPS_LAST_TYPE.load(Ordering::SeqCst), 0x4_0000);

    for (code, check) in [
        (
            vk::Result::ERROR_INVALID_EXTERNAL_HANDLE,
            (|e: &PropertiesError| matches!(e, PropertiesError::InvalidExternalHandle))
                as fn(&PropertiesError) -> bool,
        ),
        (vk::Result::ERROR_OUT_OF_HOST_MEMORY, |e| {
            matches!(
                e,
                PropertiesError::Vulkan(VulkanError::OutOfHostMemory {
                    command: "vkGetMemoryMetalHandlePropertiesEXT"
                })
            )
        }),
        (
            vk::Result::ERROR_UNKNOWN,
            |e| matches!(e, PropertiesError::Vulkan(v) if v.result() == vk::Result::ERROR_UNKNOWN),
        ),
    ] {
        PROPS_RESULT.store(code.as_raw(), Ordering::SeqCst);
        // SAFETY: as above.
        let e = unsafe {
            device.get_memory_metal_handle_properties(MetalHandleType::MtlBuffer, handle)
        }
        .unwrap_err();
        assert!(check(&e), "{code}: {e:?}");
    }
}

#[test]
fn export_validates_before_calling_and_maps_results() {
    let _lock = FAKE.lock().unwrap_or_else(|e| e.into_inner());
    let v = gpu();
    let device = metal_device(&v);
    let mut object = 0u64;
    let sentinel = &mut object as *mut u64 as usize;

    // Not allocated for export: 10413, and the command is never called.
    let plain = adopted_memory(device.clone(), None);
    let calls = GET_CALLS.load(Ordering::SeqCst);
    let e = plain
        .get_memory_metal_handle(MetalHandleType::MtlBuffer)
        .unwrap_err();
    let ExportError::Validation(ref inner) = e else {
        panic!("unexpected {e:?}");
    };
    assert_eq!(
        inner.vuid(),
        Some("VUID-VkMemoryGetMetalHandleInfoEXT-memory-10413")
    );
    assert_eq!(GET_CALLS.load(Ordering::SeqCst), calls);
    drop(plain);

    let exportable = adopted_memory(device, Some(MetalHandleType::MtlBuffer.to_vk()));
    // A type not requested at allocation: 10414, no call.
    let e = exportable
        .get_memory_metal_handle(MetalHandleType::MtlHeap)
        .unwrap_err();
    assert!(
        matches!(
            &e,
            ExportError::Validation(MetalValidationError::HandleTypeNotExported { .. })
        ),
        "{e:?}"
    );
    // Not a Metal type: 10415, no call.
    let e = exportable
        .get_memory_metal_handle_bits(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA)
        .unwrap_err();
    let ExportError::Validation(ref inner) = e else {
        panic!("unexpected {e:?}");
    };
    assert_eq!(
        inner.vuid(),
        Some("VUID-VkMemoryGetMetalHandleInfoEXT-handleType-10415")
    );
    assert_eq!(GET_CALLS.load(Ordering::SeqCst), calls);

    // Success returns the driver's pointer.
    GET_RESULT.store(vk::Result::SUCCESS.as_raw(), Ordering::SeqCst);
    GET_HANDLE.store(sentinel, Ordering::SeqCst);
    let got = exportable
        .get_memory_metal_handle(MetalHandleType::MtlBuffer)
        .unwrap();
    assert_eq!(got.as_ptr() as usize, sentinel);
    assert_eq!(GET_CALLS.load(Ordering::SeqCst), calls + 1);
    assert_eq!(GET_LAST_TYPE.load(Ordering::SeqCst), 0x1_0000);

    // Success with NULL is a driver bug, not a dangling owner.
    GET_HANDLE.store(0, Ordering::SeqCst);
    let e = exportable
        .get_memory_metal_handle(MetalHandleType::MtlBuffer)
        .unwrap_err();
    assert!(matches!(e, ExportError::NullHandle), "{e:?}");

    // Listed and unlisted codes.
    for (code, expect) in [
        (
            vk::Result::ERROR_TOO_MANY_OBJECTS,
            "vkGetMemoryMetalHandleEXT: VK_ERROR_TOO_MANY_OBJECTS",
        ),
        (
            vk::Result::ERROR_OUT_OF_HOST_MEMORY,
            "vkGetMemoryMetalHandleEXT: VK_ERROR_OUT_OF_HOST_MEMORY",
        ),
        (
            vk::Result::ERROR_UNKNOWN,
            "vkGetMemoryMetalHandleEXT: unexpected ERROR_UNKNOWN",
        ),
    ] {
        GET_RESULT.store(code.as_raw(), Ordering::SeqCst);
        let e = exportable
            .get_memory_metal_handle(MetalHandleType::MtlBuffer)
            .unwrap_err();
        let ExportError::Vulkan(ref vulkan) = e else {
            panic!("{code}: expected a Vulkan failure, got {e:?}");
        };
        assert_eq!(vulkan.result(), code);
        assert!(e.to_string().starts_with(expect), "{code}: {e}");
    }
}

#[test]
fn memory_into_raw_gives_up_ownership() {
    let _lock = FAKE.lock().unwrap_or_else(|e| e.into_inner());
    let v = gpu();
    let device = metal_device(&v);
    let memory = adopted_memory(device, Some(MetalHandleType::ALL_BITS));
    assert_eq!(
        memory.export_handle_types(),
        Some(MetalHandleType::ALL_BITS)
    );
    assert_eq!(memory.imported_handle_type(), None);
    assert_eq!(memory.allocation().allocation_size, 65536);
    let raw = memory.into_raw();
    assert_ne!(raw, vk::DeviceMemory::null());
    // SAFETY: `into_raw` handed the allocation back; free it exactly once. Had `into_raw` freed
    // it already, the layer would report VUID-vkFreeMemory-memory-parameter here.
    unsafe { v.device.free_memory(raw, None) };
}

#[test]
fn memory_is_freed_on_drop() {
    let v = gpu();
    let memory = adopted_memory(metal_device(&v), None);
    drop(memory);
    // Dropping `v` destroys the device and asserts the layer said nothing: an allocation still
    // live there is reported as VUID-vkDestroyDevice-device-00378.
}

#[test]
fn invalid_import_never_reaches_the_driver() {
    let _lock = FAKE.lock().unwrap_or_else(|e| e.into_inner());
    let v = gpu();
    let device = metal_device(&v);
    let mut object = 0u64;
    let handle = NonNull::from(&mut object).cast::<c_void>();
    // An MTLTEXTURE import without a dedicated image (10395). Were it passed on, lavapipe would
    // see an allocation of size 0 and answer VK_SUCCESS with a null handle.
    let request = ImportRequest {
        handle_type: MetalHandleType::MtlTexture.to_vk(),
        handle_is_null: false,
        handle_memory_type_bits: 0b1,
        handle_size: 0,
        allocation_size: 0,
        memory_type: MemoryTypeRequest::default(),
        resource: None,
        shapes: None,
        features: None,
    };
    // SAFETY: the request is rejected before the handle could be used.
    let e = unsafe { device.import_memory(handle, &request) }.unwrap_err();
    let AllocateError::Validation(inner) = e else {
        panic!("unexpected {e:?}");
    };
    assert_eq!(inner.vuid(), Some("VUID-VkMemoryAllocateInfo-pNext-10395"));
}
