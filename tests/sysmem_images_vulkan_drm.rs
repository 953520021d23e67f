//! Which layout sysmem images are imported with: `VK_EXT_image_drm_format_modifier`'s explicit
//! layout (tiling `DRM_FORMAT_MODIFIER_EXT`, sysmem's offsets and row pitches given to the
//! driver) exactly where `Expectations::drm_format_modifier_explicit_layout` says the driver
//! offers it (NVIDIA), a checked `LINEAR` image elsewhere (lavapipe), on a real driver with the
//! validation layer on (`Gpu`'s drop asserts it reported nothing). Each test asserts the
//! expected path's outcome; none skips the other.

mod common;
mod images_support;
mod sysmem_images_vulkan_support;

use std::ffi::CStr;

use ash::vk;
use common::Gpu;
use images_support::*;
use sysmem_images_vulkan_support::{copy_planes, transfer_info, ODD_SIZES, RGB_FORMATS};
use vmo_interop::sysmem::image_format::ImageLayout;
use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::vulkan_image::*;
use vmo_interop::vk::{
    AllocationInfo, DeviceError, ImageFormatQuery, Interop, Resource, VulkanError,
};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const DRM_FORMAT_MODIFIER: &CStr = ash::ext::image_drm_format_modifier::NAME;

/// What the import reports for the path the expectation names.
fn expected_source(gpu: &Gpu) -> &'static str {
    if gpu.expect.drm_format_modifier_explicit_layout {
        "DrmFormatModifierExplicit"
    } else {
        "CheckedLinear"
    }
}

fn is_explicit(source: &LayoutSource) -> bool {
    *source == LayoutSource::DrmFormatModifierExplicit
}

/// A CPU participant reading `format` images of at least `width` x `height`.
fn reader(format: PixelFormat, width: u32, height: u32) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ),
            ..Default::default()
        }),
        image_format_constraints: Some(vec![image(format, &[space_for(format)], width, height)]),
        ..Default::default()
    }
}

/// The harness enables the extension where the physical device offers it and tells the
/// interop; the interop believes only a statement the physical device backs.
#[test]
fn the_extension_is_enabled_and_stated_where_expected() {
    // The other tests compare the kernel's counts: held while this one makes VMOs.
    let _counters = common::counters_lock();
    let gpu = Gpu::new();
    let enabled = gpu.enabled_extensions.contains(&DRM_FORMAT_MODIFIER);
    assert_eq!(enabled, gpu.expect.drm_format_modifier_explicit_layout);
    assert_eq!(gpu.interop().image_drm_format_modifier(), enabled);
    // SAFETY: the harness's live device of this physical device and instance; dropped below,
    // before the Gpu.
    let plain = unsafe { Interop::new(&gpu.instance, gpu.physical_device, &gpu.device) }.unwrap();
    assert!(
        !plain.image_drm_format_modifier(),
        "Interop::new states nothing"
    );
    drop(plain);
    let names = [DRM_FORMAT_MODIFIER];
    // SAFETY: as above. Where the extension is enabled the statement is true; elsewhere the
    // physical device does not offer it, which the interop checks before anything else.
    let stated = unsafe {
        Interop::with_enabled_extensions(&gpu.instance, gpu.physical_device, &gpu.device, &names)
    };
    if gpu.expect.drm_format_modifier_explicit_layout {
        assert!(stated.unwrap().image_drm_format_modifier());
    } else {
        assert!(
            matches!(
                &stated,
                Err(DeviceError::StatedExtensionUnavailable { offered: false, .. })
            ),
            "{stated:?}"
        );
    }
}

/// The host layer passes `VkDrmFormatModifierPropertiesListEXT` through, and answers the
/// image query with `VkPhysicalDeviceImageDrmFormatModifierInfoEXT` for `ZIRCON_VMO` from the
/// driver's `HOST_ALLOCATION` answer (the handle type rewritten, the modifier kept).
#[test]
fn drm_modifier_queries_for_vmo_memory() {
    let _counters = common::counters_lock();
    let gpu = Gpu::new();
    let interop = gpu.interop();
    let expect = gpu.expect.drm_format_modifier_explicit_layout;
    let modifiers =
        interop.get_physical_device_drm_format_modifier_properties(vk::Format::R8G8B8A8_UNORM);
    let linear = modifiers
        .iter()
        .find(|m| m.drm_format_modifier == DRM_FORMAT_MOD_LINEAR);
    assert_eq!(linear.is_some(), expect, "{} modifiers", modifiers.len());
    if let Some(linear) = linear {
        assert_eq!(linear.drm_format_modifier_plane_count, 1);
    }
    let query = ImageFormatQuery {
        format: vk::Format::R8G8B8A8_UNORM,
        image_type: vk::ImageType::TYPE_2D,
        tiling: vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT,
        usage: vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST,
        flags: vk::ImageCreateFlags::empty(),
    };
    let answer = interop
        .get_physical_device_image_drm_format_modifier_properties2(&query, DRM_FORMAT_MOD_LINEAR);
    match answer {
        Ok(properties) => {
            assert!(expect, "answered without the extension");
            let external = properties.external_memory_properties;
            assert!(external
                .external_memory_features
                .contains(vk::ExternalMemoryFeatureFlags::IMPORTABLE));
            assert!(
                external.compatible_handle_types
                    == vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA
            );
            assert!(properties.image_format_properties.max_extent.width >= 1023);
        }
        Err(error) => {
            assert!(!expect, "{error}");
            assert!(matches!(error, VulkanError::FormatNotSupported { .. }));
        }
    }
}

/// Reads `row.len()` bytes of row `y` of `plane` of `layout` (bound at `start`) from `vmo`.
fn read_row(vmo: &zx::Vmo, start: u64, layout: &ImageLayout, plane: usize, y: u32, row: &mut [u8]) {
    let plane = layout.planes[plane];
    vmo.read(
        row,
        start + plane.offset + u64::from(y) * u64::from(plane.row_bytes),
    )
    .unwrap();
}

/// Asserts that the driver reports `layout` for `imported` (with the aspects its tiling
/// needs: MEMORY_PLANE_i for a DRM-modifier image, VUID-vkGetImageSubresourceLayout-tiling-02271).
fn assert_driver_layout(
    gpu: &Gpu,
    imported: &ImportedImage,
    linear_aspects: &[vk::ImageAspectFlags],
) {
    for (plane, sysmem) in imported.layout.planes.iter().enumerate() {
        let aspect = imported
            .layout_source
            .subresource_aspect(linear_aspects, plane)
            .unwrap();
        // SAFETY: a live image of this device; the aspect is one of its planes.
        let vulkan = unsafe {
            gpu.device.get_image_subresource_layout(
                imported.image.as_raw(),
                vk::ImageSubresource::default().aspect_mask(aspect),
            )
        };
        assert_eq!(
            (vulkan.offset, vulkan.row_pitch),
            (sysmem.offset, u64::from(sysmem.row_bytes))
        );
    }
}

/// R8G8B8A8, B8G8R8A8 and R5G6B5 at the odd widths 250 and 1023: the probe and the import take
/// the expected path, the driver reports sysmem's layout, and a CPU reader finds the GPU's
/// pixels at sysmem's `bytes_per_row`.
#[test]
fn rgb_formats_take_the_expected_path() {
    with_service(|service| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        for (format, pixel_format, red) in RGB_FORMATS {
            for (width, height) in ODD_SIZES {
                let what = format!("{format:?} {width}x{height}");
                let info = transfer_info(&[format], width, height);
                let probed = info.probe(interop).unwrap();
                let source = &probed.formats[0].layout_source;
                assert_eq!(
                    is_explicit(source),
                    gpu.expect.drm_format_modifier_explicit_layout,
                    "{what}: probed {source:?}, expected {}",
                    expected_source(&gpu)
                );
                let participants =
                    vec![probed.to_constraints(), reader(pixel_format, width, height)];
                let mut infos = allocate(service, participants).unwrap();
                let vmo = infos[1].take_vmo(0).expect("a VMO for buffer 0");
                let images = import_images(interop, &info, infos.remove(0)).unwrap();
                let imported = &images[0];
                assert_eq!(&imported.layout_source, source, "{what}");
                assert_driver_layout(&gpu, imported, &[vk::ImageAspectFlags::COLOR]);
                gpu.clear_color_image(imported.image.as_raw(), [1.0, 0.0, 0.0, 1.0]);
                let mut row = vec![0u8; red.len() * width as usize];
                for y in [0, height / 2, height - 1] {
                    read_row(&vmo, 0, &imported.layout, 0, y, &mut row);
                    for (x, got) in row.chunks(red.len()).enumerate() {
                        assert_eq!(got, red, "{what}: pixel ({x}, {y})");
                    }
                }
            }
        }
        gpu.assert_no_messages();
    });
}

/// The byte of plane `plane` at (x, y) (in bytes along the row) the NV12 test writes.
fn nv12_byte(plane: usize, x: u32, y: u32) -> u8 {
    ((x * 7 + y * 13 + plane as u32 * 101) % 251) as u8
}

/// NV12 (two planes) at 250 x 100 and 1022 x 78 (4:2:0 sizes are even, VUID 04712/04713):
/// where the expectation says so, the probe and the import use the explicit layout with both
/// planes at sysmem's offsets, and the planes the GPU copied in are read back there. Where the
/// driver offers NV12 for VMO memory in neither way (lavapipe), the probe leaves it out.
#[test]
fn nv12_planes_land_at_sysmems_offsets() {
    with_service(|service| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let expect = gpu.expect.drm_format_modifier_explicit_layout;
        let format = vk::Format::G8_B8R8_2PLANE_420_UNORM;
        for (width, height) in [(250, 100), (1022, 78)] {
            let what = format!("NV12 {width}x{height}");
            let info = transfer_info(&[format], width, height);
            let probed = match info.probe(interop) {
                Ok(probed) => probed,
                Err(error) => {
                    assert!(!expect, "{what}: {error}");
                    assert!(
                        matches!(error, ProbeError::NoUsableFormat { .. }),
                        "{error}"
                    );
                    continue;
                }
            };
            let source = probed.formats[0].layout_source.clone();
            assert_eq!(is_explicit(&source), expect, "{what}: probed {source:?}");
            let participants = vec![
                probed.to_constraints(),
                reader(PixelFormat::NV12, width, height),
            ];
            let mut infos = allocate(service, participants).unwrap();
            let vmo = infos[1].take_vmo(0).expect("a VMO for buffer 0");
            let images = import_images(interop, &info, infos.remove(0)).unwrap();
            let imported = &images[0];
            assert_eq!(imported.layout_source, source, "{what}");
            assert_eq!(imported.layout.planes.len(), 2);
            let linear = [vk::ImageAspectFlags::PLANE_0, vk::ImageAspectFlags::PLANE_1];
            assert_driver_layout(&gpu, imported, &linear);

            // Tightly packed planes in a staging buffer: Y is width x height bytes, CbCr
            // width / 2 x height / 2 texels of two bytes.
            let luma = u64::from(width) * u64::from(height);
            let mut staging = vec![0u8; (luma + luma / 2) as usize];
            let (y_plane, uv_plane) = staging.split_at_mut(luma as usize);
            for (i, b) in y_plane.iter_mut().enumerate() {
                *b = nv12_byte(0, i as u32 % width, i as u32 / width);
            }
            for (i, b) in uv_plane.iter_mut().enumerate() {
                *b = nv12_byte(1, i as u32 % width, i as u32 / width);
            }
            let staging_vmo = zx::Vmo::create(staging.len() as u64).unwrap();
            staging_vmo.write(&staging, 0).unwrap();
            let buffer = common::transfer_buffer(interop, staging.len() as u64);
            let memory = interop
                .import_memory(
                    staging_vmo,
                    &AllocationInfo::new().resource(Resource::Buffer(&buffer)),
                )
                .unwrap();
            common::bind(interop, &buffer, &memory);
            let half = vk::Extent2D {
                width: width / 2,
                height: height / 2,
            };
            copy_planes(
                &gpu,
                buffer.as_raw(),
                imported.image.as_raw(),
                &[
                    (
                        vk::ImageAspectFlags::PLANE_0,
                        0,
                        vk::Extent2D { width, height },
                    ),
                    (vk::ImageAspectFlags::PLANE_1, luma, half),
                ],
            );
            let mut row = vec![0u8; width as usize];
            for (plane, rows) in [(0, height), (1, height / 2)] {
                for y in [0, rows / 2, rows - 1] {
                    read_row(&vmo, 0, &imported.layout, plane, y, &mut row);
                    for (x, &got) in row.iter().enumerate() {
                        assert_eq!(
                            got,
                            nv12_byte(plane, x as u32, y),
                            "{what}: plane {plane} ({x}, {y})"
                        );
                    }
                }
            }
            drop((memory, buffer));
        }
        gpu.assert_no_messages();
    });
}

/// A 250 x 100 RGBA collection whose row pitch a CPU participant alone chose
/// (`min_bytes_per_row`), with no Vulkan participant's constraints: its settings and buffer 0.
fn cpu_only_collection(
    service: &vmo_interop::sysmem::HostSysmem,
    row_pitch: u32,
) -> (SingleBufferSettings, VmoBuffer) {
    let cpu_only = participant(vec![ImageFormatConstraints {
        min_bytes_per_row: Some(row_pitch),
        ..image(PixelFormat::R8G8B8A8, &[ColorSpace::SRGB], 250, 100)
    }]);
    let mut infos = allocate(service, vec![cpu_only]).unwrap();
    let settings = infos[0].settings.clone().unwrap();
    let buffer = infos[0].buffers.take().unwrap().remove(0);
    (settings, buffer)
}

/// A wider row pitch another participant needs (2048 for 250 RGBA pixels, a multiple of every
/// driver's alignment): the explicit layout takes it as given and the GPU's pixels are found
/// at that pitch; a checked linear image is refused (the driver's pitch differs), the VMO
/// handed back.
#[test]
fn a_wider_row_pitch_is_taken_as_given_or_refused() {
    with_service(|service| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let info = transfer_info(&[vk::Format::R8G8B8A8_UNORM], 250, 100);
        let (settings, buffer) = cpu_only_collection(service, 2048);
        let vmo = buffer.vmo.as_ref().unwrap();
        let reader = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS).unwrap();
        let koid = vmo.get_koid().unwrap();
        let result = import_image(interop, &info, &settings, 0, buffer, true);
        match result {
            Ok(imported) => {
                assert!(
                    gpu.expect.drm_format_modifier_explicit_layout,
                    "imported as {:?}",
                    imported.layout_source
                );
                assert_eq!(
                    imported.layout_source,
                    LayoutSource::DrmFormatModifierExplicit
                );
                assert_eq!(imported.layout.bytes_per_row, 2048);
                assert_driver_layout(&gpu, &imported, &[vk::ImageAspectFlags::COLOR]);
                gpu.clear_color_image(imported.image.as_raw(), [0.0, 1.0, 0.0, 1.0]);
                let mut row = vec![0u8; 1000];
                for y in [0, 50, 99] {
                    read_row(&reader, 0, &imported.layout, 0, y, &mut row);
                    assert!(row.chunks(4).all(|p| p == [0, 0xFF, 0, 0xFF]), "row {y}");
                }
            }
            Err(error) => {
                assert!(!gpu.expect.drm_format_modifier_explicit_layout, "{error}");
                assert!(
                    matches!(
                        &error,
                        ImportImageError::LayoutMismatch { plane: 0, sysmem_row_pitch: 2048, tiling, .. }
                            if *tiling == vk::ImageTiling::LINEAR
                    ),
                    "{error:?}"
                );
                assert_eq!(error.into_vmo().unwrap().get_koid().unwrap(), koid);
            }
        }
        gpu.assert_no_messages();
    });
}

/// A row pitch no driver produces or accepts (1004 bytes for 250 RGBA pixels: not a multiple
/// of a linear pitch alignment, 64 on lavapipe, 128 on NVIDIA): with the explicit layout a
/// driver that refuses it says `VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT`, one that
/// lays the image out its own way instead (NVIDIA,
/// `Expectations::explicit_layout_refuses_unusable_pitch`) is caught by the layout check, as a
/// checked linear image is; either way the VMO comes back and the kernel holds exactly
/// what it held before (counted with no sysmem service running, whose clean-up would move the
/// counts).
#[test]
fn a_row_pitch_the_driver_refuses_hands_the_vmo_back() {
    let mut settings = None;
    with_service(|service| settings = Some(cpu_only_collection(service, 1004).0));
    let settings = settings.unwrap();
    let size = settings
        .buffer_settings
        .as_ref()
        .unwrap()
        .size_bytes
        .unwrap();
    let _counters = common::counters_lock();
    let gpu = Gpu::new();
    let interop = gpu.interop();
    let info = transfer_info(&[vk::Format::R8G8B8A8_UNORM], 250, 100);
    let driver_pitch = info.probe(interop).unwrap().formats[0].row_pitch;
    let buffer = VmoBuffer {
        vmo: Some(zx::Vmo::create(size).unwrap()),
        vmo_usable_start: Some(0),
        close_weak_asap: None,
    };
    let koid = buffer.vmo.as_ref().unwrap().get_koid().unwrap();
    let before = vmo_interop::platform::host::counters();
    let error = import_image(interop, &info, &settings, 0, buffer, true).unwrap_err();
    let explicit = gpu.expect.drm_format_modifier_explicit_layout;
    if explicit && gpu.expect.explicit_layout_refuses_unusable_pitch {
        assert!(
            matches!(&error, ImportImageError::PlaneLayoutRefused { planes, .. } if planes == &[(0, 1004)]),
            "{error:?}"
        );
        assert!(error
            .to_string()
            .contains("VK_ERROR_INVALID_DRM_FORMAT_MODIFIER_PLANE_LAYOUT_EXT"));
    } else {
        // The driver's own layout (its pitch for 250 pixels), caught by the library's check.
        let expected_tiling = if explicit {
            vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT
        } else {
            vk::ImageTiling::LINEAR
        };
        match &error {
            ImportImageError::LayoutMismatch {
                plane: 0,
                vulkan_row_pitch,
                sysmem_row_pitch: 1004,
                tiling,
                ..
            } => {
                assert_eq!(*vulkan_row_pitch, u64::from(driver_pitch));
                assert!(*tiling == expected_tiling);
            }
            other => panic!("expected a layout mismatch, got {other:?}"),
        }
        assert!(error.to_string().contains("row pitch"), "{error}");
    }
    let vmo = error.into_vmo().unwrap();
    assert_eq!(vmo.get_koid().unwrap(), koid);
    let after = vmo_interop::platform::host::counters();
    assert_eq!(
        (after.live_handles, after.live_vmos, after.live_mappings),
        (before.live_handles, before.live_vmos, before.live_mappings)
    );
    drop(vmo);
    gpu.assert_no_messages();
}
