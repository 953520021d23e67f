//! Device setup, the properties query and capability queries on a real driver; and a check that
//! the harness's validation-message counter really counts.
//!
//! Every test holds the host kernel's counters lock: building an `Interop` creates a probe VMO,
//! which must not show up in another test's leak comparison.

mod common;

use ash::vk;
use common::{leak_checked, transfer_buffer, Gpu, GpuOptions};
use vmo_interop::vk::{DeviceError, ImageFormatQuery, Interop, PropertiesError, VulkanError};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;

#[test]
fn the_harness_counts_validation_messages() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let gpu = Gpu::with(GpuOptions {
        enable_interop_extensions: true,
        interop: false,
        ..GpuOptions::default()
    });
    assert_eq!(gpu.message_count(), 0);
    // VUID-VkBufferCreateInfo-size-00912: size must be greater than 0.
    let info = vk::BufferCreateInfo::default()
        .size(0)
        .usage(vk::BufferUsageFlags::TRANSFER_DST);
    // SAFETY: deliberately invalid usage that lavapipe tolerates, to provoke the layer.
    let buffer = unsafe { gpu.device.create_buffer(&info, None) };
    assert!(
        gpu.message_count() > 0,
        "the validation layer reported nothing"
    );
    if let Ok(buffer) = buffer {
        // SAFETY: destroying what we created.
        unsafe { gpu.device.destroy_buffer(buffer, None) };
    }
    gpu.messages.log.lock().unwrap().clear();
}

#[test]
fn a_device_without_the_extension_is_a_clear_error() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let gpu = Gpu::with(GpuOptions {
        enable_interop_extensions: false,
        interop: false,
        ..GpuOptions::default()
    });
    // SAFETY: the device came from this physical device and instance, and outlives the call.
    let err = unsafe { Interop::new(&gpu.instance, gpu.physical_device, &gpu.device) }.unwrap_err();
    let name = vmo_interop::vk::required_device_extensions()[0]
        .to_str()
        .unwrap();
    assert!(
        matches!(err, DeviceError::ExtensionNotEnabled { extension } if extension == name),
        "{err:?}"
    );
    assert!(err.to_string().contains(name), "{err}");
}

#[test]
fn properties_of_vmos_and_of_things_that_are_not() {
    leak_checked(|gpu, interop| {
        let vmo = zx::Vmo::create(4096).unwrap();
        let bits = interop.get_memory_zircon_handle_properties(&vmo).unwrap();
        assert_ne!(bits, 0, "a fresh VMO can be imported");
        assert_eq!(bits, interop.exportable_memory_type_bits());
        // Borrowed, never consumed.
        assert_eq!(vmo.basic_info().unwrap().rights, zx::Rights::VMO_DEFAULT);

        // A zero-rights duplicate, original closed: VK_SUCCESS with 0 bits.
        let zero = vmo.duplicate_handle(zx::Rights::NONE).unwrap();
        drop(vmo);
        assert_eq!(interop.get_memory_zircon_handle_properties(&zero), Ok(0));
        for rights in [
            zx::Rights::READ | zx::Rights::WRITE,
            zx::Rights::MAP | zx::Rights::WRITE,
        ] {
            let v = zx::Vmo::create(4096)
                .unwrap()
                .replace_handle(rights)
                .unwrap();
            assert_eq!(
                interop.get_memory_zircon_handle_properties(&v),
                Ok(0),
                "{rights:?} lacks MAP or READ: it cannot be mapped"
            );
        }
        // Without WRITE a VMO can still be imported read-only where the driver imports a
        // read-only host mapping (the host layer maps it read-only; tests/vk_read_only.rs):
        // then its memory types are reported, and otherwise none (Expectations).
        let read_only = zx::Vmo::create(4096)
            .unwrap()
            .replace_handle(zx::Rights::MAP | zx::Rights::READ)
            .unwrap();
        let bits = interop
            .get_memory_zircon_handle_properties(&read_only)
            .unwrap();
        assert_eq!(
            bits != 0,
            gpu.expect.read_only_import,
            "memoryTypeBits {bits:#b}"
        );

        // Garbage, closed handles and channels: VK_ERROR_INVALID_EXTERNAL_HANDLE.
        // SAFETY: a forged value, only inspected.
        let garbage = unsafe { zx::Unowned::<zx::Vmo>::from_raw_handle(0xabcd_1234) };
        assert_eq!(
            interop.get_memory_zircon_handle_properties(&*garbage),
            Err(PropertiesError::InvalidExternalHandle)
        );
        let closed = zero.raw_handle();
        drop(zero);
        // SAFETY: a stale value, only inspected.
        let closed = unsafe { zx::Unowned::<zx::Vmo>::from_raw_handle(closed) };
        assert_eq!(
            interop.get_memory_zircon_handle_properties(&*closed),
            Err(PropertiesError::InvalidExternalHandle)
        );
        let (channel, _peer) = zx::Channel::create().unwrap();
        let err = interop
            .get_memory_zircon_handle_properties(&channel)
            .unwrap_err();
        assert_eq!(err, PropertiesError::InvalidExternalHandle);
        assert!(
            err.to_string().contains("VK_ERROR_INVALID_EXTERNAL_HANDLE"),
            "{err}"
        );
    });
}

#[test]
fn buffer_capabilities_for_zircon_vmo() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let gpu = Gpu::new();
    let interop = gpu.interop();
    for usage in [
        vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST,
        vk::BufferUsageFlags::STORAGE_BUFFER,
        vk::BufferUsageFlags::UNIFORM_BUFFER | vk::BufferUsageFlags::VERTEX_BUFFER,
    ] {
        let p = interop
            .get_physical_device_external_buffer_properties(vk::BufferCreateFlags::empty(), usage);
        let features = p.external_memory_features;
        assert!(
            features.contains(
                vk::ExternalMemoryFeatureFlags::EXPORTABLE
                    | vk::ExternalMemoryFeatureFlags::IMPORTABLE
            ),
            "{usage:?}: {features:?}"
        );
        assert!(p.compatible_handle_types.contains(ZIRCON_VMO));
        assert!(p.export_from_imported_handle_types.contains(ZIRCON_VMO));

        // DEDICATED_ONLY agrees with what a real buffer requires.
        let buffer = transfer_buffer(interop, 4096);
        let dedicated_only = features.contains(vk::ExternalMemoryFeatureFlags::DEDICATED_ONLY);
        if usage == vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST {
            assert_eq!(dedicated_only, buffer.requirements().requires_dedicated);
        }
    }
}

#[test]
fn image_capabilities_for_zircon_vmo() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let gpu = Gpu::new();
    let interop = gpu.interop();
    let query = ImageFormatQuery {
        format: vk::Format::R8G8B8A8_UNORM,
        image_type: vk::ImageType::TYPE_2D,
        tiling: vk::ImageTiling::LINEAR,
        usage: vk::ImageUsageFlags::TRANSFER_DST,
        flags: vk::ImageCreateFlags::empty(),
    };
    let p = interop
        .get_physical_device_image_format_properties2(&query)
        .unwrap();
    let external = p.external_memory_properties;
    assert_eq!(
        external.external_memory_features
            & (vk::ExternalMemoryFeatureFlags::EXPORTABLE
                | vk::ExternalMemoryFeatureFlags::IMPORTABLE),
        vk::ExternalMemoryFeatureFlags::EXPORTABLE | vk::ExternalMemoryFeatureFlags::IMPORTABLE
    );
    assert_eq!(external.compatible_handle_types, ZIRCON_VMO);
    assert_eq!(external.export_from_imported_handle_types, ZIRCON_VMO);
    assert!(p.image_format_properties.max_extent.width >= 16);

    assert_eq!(query.image_type, vk::ImageType::TYPE_2D);
    let info = common::image_info_16x16(query.format, query.tiling, query.usage);
    // SAFETY: a valid create info without an external-memory structure.
    let image = unsafe { interop.create_image(&info) }.unwrap();
    assert_eq!(
        external
            .external_memory_features
            .contains(vk::ExternalMemoryFeatureFlags::DEDICATED_ONLY),
        image.requirements().requires_dedicated
    );

    // A combination no driver supports is FORMAT_NOT_SUPPORTED, not a panic.
    let impossible = ImageFormatQuery {
        format: vk::Format::UNDEFINED,
        ..query
    };
    let err = interop.get_physical_device_image_format_properties2(&impossible);
    assert!(
        matches!(err, Err(VulkanError::FormatNotSupported { .. })),
        "{err:?}"
    );
    drop(image);
}

/// A valid format list goes through, the description keeps the application's parameters, and
/// dedicated memory binds. That the list really reaches the driver is proven by
/// `a_chained_format_list_reaches_the_driver`.
#[test]
fn chained_structures_are_forwarded_with_the_handle_type_rewritten() {
    let _lock = vmo_interop::platform::host::counters_lock();
    // VkImageFormatListCreateInfo is core in Vulkan 1.2; the harness asks for 1.1.
    let gpu = Gpu::with(GpuOptions {
        extra_device_extensions: &[ash::khr::image_format_list::NAME],
        ..GpuOptions::default()
    });
    let interop = gpu.interop();
    let formats = [vk::Format::R8G8B8A8_UNORM, vk::Format::R8G8B8A8_SRGB];
    let mut format_list = vk::ImageFormatListCreateInfo::default().view_formats(&formats);
    let info = image_info(vk::ImageCreateFlags::MUTABLE_FORMAT).push_next(&mut format_list);
    // SAFETY: a valid create info with a format list and no external-memory structure.
    let image = unsafe { interop.create_image(&info) }.unwrap();
    let vmo_interop::external_memory::ResourceDescription::Image(description) = image.description()
    else {
        panic!("an image described as a buffer");
    };
    assert_eq!(description.external_handle_types, ZIRCON_VMO);
    assert_eq!(description.flags, vk::ImageCreateFlags::MUTABLE_FORMAT);
    let memory = interop
        .allocate_exportable_memory(
            &vmo_interop::vk::AllocationInfo::new()
                .resource(vmo_interop::vk::Resource::DedicatedImage(&image)),
        )
        .unwrap();
    // SAFETY: live objects of this device; a dedicated allocation binds at offset 0.
    unsafe {
        gpu.device
            .bind_image_memory(image.as_raw(), memory.as_raw(), 0)
    }
    .unwrap();
    drop((memory, image));
}

/// A 32x32 linear RGBA8 transfer-destination image with `flags`.
fn image_info<'a>(flags: vk::ImageCreateFlags) -> vk::ImageCreateInfo<'a> {
    common::image_info_2d(
        vk::Format::R8G8B8A8_UNORM,
        (32, 32),
        vk::ImageTiling::LINEAR,
        vk::ImageUsageFlags::TRANSFER_DST,
    )
    .flags(flags)
}

/// The host layer rebuilds the create info it hands the driver; the format list must
/// be in it. An incompatible view format proves it: the validation layer, which sits between
/// the implementation and the driver, sees the list and reports
/// VUID-VkImageCreateInfo-pNext-06722 (had the list been dropped, it would see nothing).
#[test]
fn a_chained_format_list_reaches_the_driver() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let gpu = Gpu::with(GpuOptions {
        extra_device_extensions: &[ash::khr::image_format_list::NAME],
        ..GpuOptions::default()
    });
    let interop = gpu.interop();
    // R16G16B16A16_SFLOAT is a 64-bit format: not compatible with R8G8B8A8_UNORM (32-bit).
    let formats = [vk::Format::R8G8B8A8_UNORM, vk::Format::R16G16B16A16_SFLOAT];
    let mut format_list = vk::ImageFormatListCreateInfo::default().view_formats(&formats);
    let info = image_info(vk::ImageCreateFlags::MUTABLE_FORMAT).push_next(&mut format_list);
    assert_eq!(gpu.message_count(), 0);
    // SAFETY: invalid on purpose (06722), which lavapipe tolerates, to provoke the layer.
    let image = unsafe { interop.create_image(&info) };
    let log = std::mem::take(&mut *gpu.messages.log.lock().unwrap());
    assert!(
        log.iter()
            .any(|m| m.contains("VUID-VkImageCreateInfo-pNext-06722")),
        "the driver's layer did not see the format list: {log:#?}"
    );
    drop(image);
}

/// A chained structure the host layer cannot forward is refused, never dropped.
#[test]
fn an_unknown_chained_structure_is_vk_error_unknown() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let gpu = Gpu::new();
    let interop = gpu.interop();
    let mut compression = vk::ImageCompressionControlEXT::default();
    let info = image_info(vk::ImageCreateFlags::empty()).push_next(&mut compression);
    // SAFETY: the host layer refuses the chain before any driver sees it.
    let err = unsafe { interop.create_image(&info) }.unwrap_err();
    match err {
        vmo_interop::vk::AllocateError::Vulkan(error) => {
            assert_eq!(error.result(), vk::Result::ERROR_UNKNOWN, "{error}")
        }
        other => panic!("expected VK_ERROR_UNKNOWN, got {other:?}"),
    }

    let mut capture = vk::BufferOpaqueCaptureAddressCreateInfo::default();
    let info = vk::BufferCreateInfo::default()
        .size(4096)
        .usage(vk::BufferUsageFlags::TRANSFER_DST)
        .push_next(&mut capture);
    // SAFETY: as above.
    let err = unsafe { interop.create_buffer(&info) }.unwrap_err();
    match err {
        vmo_interop::vk::AllocateError::Vulkan(error) => {
            assert_eq!(error.result(), vk::Result::ERROR_UNKNOWN, "{error}")
        }
        other => panic!("expected VK_ERROR_UNKNOWN, got {other:?}"),
    }
}
