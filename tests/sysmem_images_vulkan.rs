//! Vulkan images in sysmem image collections, on a real driver (lavapipe in CI) with the
//! validation layer on (`Gpu`'s drop asserts it reported nothing): constraints probed from the
//! driver, a Vulkan producer and a CPU compositor agreeing on the driver's row pitch, import
//! checks that refuse before Vulkan sees the VMO, and `vmo_usable_start`.
//!
//! Per-driver expectations are in [`expectations`], keyed by the device name. Which layout the
//! imports use (the explicit DRM-modifier one or a checked linear one) is
//! tests/sysmem_images_vulkan_drm.rs's subject; these tests hold on both.

mod common;
mod images_support;
mod sysmem_images_vulkan_support;

use ash::vk;
use common::Gpu;
use images_support::*;
use sysmem_images_vulkan_support::{transfer_info, ODD_SIZES, RGB_FORMATS};
use vmo_interop::sysmem::image_format::ImageLayout;
use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::vulkan_image::*;
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

/// What a driver is known to do.
struct Expectations {
    /// Row pitch of a linear 250-pixel-wide R8G8B8A8 image.
    rgba_250_row_pitch: u32,
    /// Whether linear NV12 / I420 images with transfer usage can live in VMO memory.
    linear_yuv: bool,
}

/// Known drivers; others are checked against the rules only.
fn expectations(device_name: &str) -> Option<Expectations> {
    if device_name.starts_with("llvmpipe") {
        // Lavapipe aligns linear rows to 64 bytes and has no linear multi-planar images.
        return Some(Expectations {
            rgba_250_row_pitch: 1024,
            linear_yuv: false,
        });
    }
    None
}

const WIDTH: u32 = 250;
const HEIGHT: u32 = 100;

/// A CPU compositor that reads R8G8B8A8 or B8G8R8A8 images of at least `WIDTH` x `HEIGHT`.
fn compositor() -> BufferCollectionConstraints {
    let reader = |format| image(format, &[ColorSpace::SRGB], WIDTH, HEIGHT);
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ_OFTEN),
            ..Default::default()
        }),
        image_format_constraints: Some(vec![
            reader(PixelFormat::B8G8R8A8),
            reader(PixelFormat::R8G8B8A8),
        ]),
        ..Default::default()
    }
}

/// Asserts every pixel of a `WIDTH` x `HEIGHT` image at `offset` in `vmo`, rows `row_pitch`
/// apart, is `pixel`.
fn assert_pixels(vmo: &zx::Vmo, offset: u64, row_pitch: u32, pixel: [u8; 4]) {
    let mut row = vec![0u8; 4 * WIDTH as usize];
    for y in 0..HEIGHT {
        vmo.read(&mut row, offset + u64::from(y) * u64::from(row_pitch))
            .unwrap();
        for (x, got) in row.chunks(4).enumerate() {
            assert_eq!(got, pixel, "pixel ({x}, {y})");
        }
    }
}

#[test]
fn constraints_come_from_the_driver() {
    let gpu = Gpu::new();
    let formats = [
        vk::Format::R8G8B8A8_UNORM,
        vk::Format::G8_B8R8_2PLANE_420_UNORM,
        vk::Format::G8_B8_R8_3PLANE_420_UNORM,
        vk::Format::D32_SFLOAT,
        vk::Format::R5G6B5_UNORM_PACK16,
    ];
    let probed = transfer_info(&formats, WIDTH, HEIGHT)
        .probe(gpu.interop())
        .unwrap();
    assert!(probed
        .left_out
        .contains(&(vk::Format::D32_SFLOAT, LeftOut::NoPixelFormat)));
    let rgba = probed.formats[0].clone();
    assert_eq!(rgba.format, vk::Format::R8G8B8A8_UNORM);
    assert!(rgba.row_pitch >= 4 * WIDTH);
    assert_eq!(rgba.row_pitch % rgba.row_pitch_alignment, 0);
    assert!(rgba.requirements.size >= u64::from(rgba.row_pitch) * u64::from(HEIGHT - 1));
    if let Some(expected) = expectations(&gpu.device_name) {
        assert_eq!(rgba.row_pitch, expected.rgba_250_row_pitch);
        let yuv_left_out = [
            vk::Format::G8_B8R8_2PLANE_420_UNORM,
            vk::Format::G8_B8_R8_3PLANE_420_UNORM,
        ]
        .map(|f| probed.left_out.contains(&(f, LeftOut::NotSupported)));
        assert_eq!(yuv_left_out, [!expected.linear_yuv; 2]);
    }

    // The constraints carry what was probed, in preference order.
    let constraints = probed.to_constraints();
    let list = constraints.image_format_constraints.unwrap();
    assert_eq!(list.len(), probed.formats.len());
    assert_eq!(list[0].pixel_format, Some(PixelFormat::R8G8B8A8));
    assert_eq!(list[0].min_bytes_per_row, Some(rgba.row_pitch));
    assert_eq!(
        list[0].bytes_per_row_divisor,
        Some(rgba.row_pitch_alignment)
    );
    assert_eq!(list[0].min_size, Some(SizeU::new(WIDTH, HEIGHT)));
    let memory = constraints.buffer_memory_constraints.unwrap();
    assert!(memory.min_size_bytes.unwrap() >= rgba.requirements.size);

    let nothing = transfer_info(&[vk::Format::D32_SFLOAT], WIDTH, HEIGHT).probe(gpu.interop());
    assert!(
        matches!(&nothing, Err(ProbeError::NoUsableFormat { left_out, .. }) if left_out == &[(vk::Format::D32_SFLOAT, LeftOut::NoPixelFormat)]),
        "{nothing:?}"
    );
}

/// The case: a GPU producer and a CPU compositor share 250-pixel-wide images. Sysmem
/// picks the driver's row pitch (1024 on lavapipe, not 1000), each buffer is imported as its
/// own dedicated image and cleared on the GPU, and the compositor finds every pixel with the
/// `bytes_per_row` sysmem reported.
#[test]
fn gpu_producer_and_cpu_compositor_agree_on_the_row_pitch() {
    with_service(|service| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let info = VulkanImageInfo {
            min_buffer_count_for_camping: 3,
            ..transfer_info(
                &[vk::Format::B8G8R8A8_UNORM, vk::Format::R8G8B8A8_UNORM],
                WIDTH,
                HEIGHT,
            )
        };
        let probed = info.probe(interop).unwrap();
        let mut infos = allocate(service, vec![probed.to_constraints(), compositor()]).unwrap();
        let chosen_constraints = chosen(&infos[1]);
        // Both accept both formats: R8G8B8A8 has the lower PixelFormat value.
        assert_eq!(chosen_constraints.pixel_format, Some(PixelFormat::R8G8B8A8));
        let layout = ImageLayout::new(&chosen_constraints, WIDTH, HEIGHT).unwrap();
        let driver_pitch = probed.formats[1].row_pitch;
        assert_eq!(layout.bytes_per_row, driver_pitch);
        if let Some(expected) = expectations(&gpu.device_name) {
            assert_eq!(layout.bytes_per_row, expected.rgba_250_row_pitch);
        }

        let compositor_vmos = infos.remove(1).into_vmos().unwrap();
        let images = import_images(interop, &info, infos.remove(0)).unwrap();
        assert_eq!(images.len(), 3);
        let colors = [
            [1.0, 0.0, 0.0, 1.0],
            [0.0, 1.0, 0.0, 1.0],
            [0.0, 0.0, 1.0, 1.0],
        ];
        for (imported, color) in images.iter().zip(colors) {
            assert_eq!(imported.format, vk::Format::R8G8B8A8_UNORM);
            assert_eq!(imported.offset, 0);
            gpu.clear_color_image(imported.image.as_raw(), color);
        }
        let handles: std::collections::BTreeSet<_> =
            images.iter().map(|i| i.image.as_raw()).collect();
        assert_eq!(handles.len(), 3, "one image per buffer");
        for (vmo, color) in compositor_vmos.iter().zip(colors) {
            let pixel = color.map(|c| (c * 255.0) as u8);
            assert_pixels(vmo, 0, layout.bytes_per_row, pixel);
        }
        drop(images);
        gpu.assert_no_messages();
    });
}

/// An image larger than the VMO is refused before Vulkan sees the VMO (it comes back), rather
/// than left to the validation layer at bind time (VUID-vkBindImageMemory-size-01049).
#[test]
fn image_larger_than_the_vmo_is_refused() {
    with_service(|service| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let info = transfer_info(&[vk::Format::R8G8B8A8_UNORM], 256, 256);
        let probed = info.probe(interop).unwrap();
        let infos = allocate(service, vec![probed.to_constraints()]).unwrap();
        let settings = infos[0].settings.clone().unwrap();
        let small = zx::Vmo::create(4096).unwrap();
        let koid = small.get_koid().unwrap();
        let buffer = VmoBuffer {
            vmo: Some(small),
            vmo_usable_start: Some(0),
            close_weak_asap: None,
        };
        let error = import_image(interop, &info, &settings, 0, buffer, true).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("VUID-vkBindImageMemory-size-01049"), "{text}");
        assert!(
            matches!(
                error,
                ImportImageError::ImageTooLarge { vmo_size: 4096, .. }
            ),
            "{error:?}"
        );
        assert_eq!(error.into_vmo().unwrap().get_koid().unwrap(), koid);
        gpu.assert_no_messages();
    });
}

/// `vmo_usable_start` is where the image's memory is bound: the GPU's pixels land there and
/// nothing before it is touched. A dedicated import cannot start there, nor can a misaligned
/// start; both hand the VMO back.
#[test]
fn vmo_usable_start_is_honoured() {
    with_service(|service| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let info = transfer_info(&[vk::Format::R8G8B8A8_UNORM], WIDTH, HEIGHT);
        let probed = info.probe(interop).unwrap();
        let needed = probed.formats[0].requirements.size;
        let infos = allocate(service, vec![probed.to_constraints()]).unwrap();
        let settings = infos[0].settings.clone().unwrap();
        let vmo = || zx::Vmo::create(4096 + needed).unwrap();
        let buffer = |vmo: zx::Vmo, start| VmoBuffer {
            vmo: Some(vmo),
            vmo_usable_start: Some(start),
            close_weak_asap: None,
        };

        let error =
            import_image(interop, &info, &settings, 0, buffer(vmo(), 4096), true).unwrap_err();
        assert!(matches!(
            error,
            ImportImageError::DedicatedWithOffset { offset: 4096, .. }
        ));
        assert!(error
            .to_string()
            .contains("VUID-vkBindImageMemory-memory-01509"));
        drop(error.into_vmo().unwrap());
        let error =
            import_image(interop, &info, &settings, 0, buffer(vmo(), 8), false).unwrap_err();
        assert!(
            matches!(error, ImportImageError::MisalignedStart { offset: 8, .. }),
            "{error:?}"
        );
        drop(error.into_vmo().unwrap());
        let error =
            import_image(interop, &info, &settings, 0, buffer(vmo(), 8192), false).unwrap_err();
        assert!(
            matches!(error, ImportImageError::ImageTooLarge { offset: 8192, .. }),
            "{error:?}"
        );
        drop(error);

        let shared = vmo();
        let reader = shared.duplicate_handle(zx::Rights::SAME_RIGHTS).unwrap();
        let imported =
            import_image(interop, &info, &settings, 0, buffer(shared, 4096), false).unwrap();
        assert_eq!(imported.offset, 4096);
        gpu.clear_color_image(imported.image.as_raw(), [0.0, 0.0, 1.0, 1.0]);
        let vmo = reader;
        let mut before = vec![0xAAu8; 4096];
        vmo.read(&mut before, 0).unwrap();
        assert!(
            before.iter().all(|&b| b == 0),
            "bytes before vmo_usable_start changed"
        );
        assert_pixels(&vmo, 4096, imported.layout.bytes_per_row, [0, 0, 255, 255]);
        drop((vmo, imported));
        gpu.assert_no_messages();
    });
}

/// Every format this driver offers linearly, at the odd widths 250 and 1023: a Vulkan
/// producer and a CPU compositor of that one format agree on the driver's row pitch, and the
/// compositor finds the GPU's pixels at sysmem's `bytes_per_row`. (Linear NV12 and I420 are
/// left out where the driver cannot make them; see [`expectations`].)
#[test]
fn odd_widths_for_every_format_the_driver_offers() {
    with_service(|service| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        for (format, pixel_format, red) in RGB_FORMATS {
            for (width, height) in ODD_SIZES {
                let what = format!("{format:?} {width}x{height}");
                let info = transfer_info(&[format], width, height);
                let probed = info.probe(interop).unwrap();
                let reader = BufferCollectionConstraints {
                    usage: Some(BufferUsage {
                        cpu: Some(usage::CPU_USAGE_READ),
                        ..Default::default()
                    }),
                    image_format_constraints: Some(vec![image(
                        pixel_format,
                        &[ColorSpace::SRGB],
                        width,
                        height,
                    )]),
                    ..Default::default()
                };
                let mut infos = allocate(service, vec![probed.to_constraints(), reader]).unwrap();
                let layout = ImageLayout::new(&chosen(&infos[1]), width, height).unwrap();
                assert_eq!(layout.bytes_per_row, probed.formats[0].row_pitch, "{what}");
                let vmo = infos[1].take_vmo(0).expect("a VMO for buffer 0");
                let images = import_images(interop, &info, infos.remove(0)).unwrap();
                gpu.clear_color_image(images[0].image.as_raw(), [1.0, 0.0, 0.0, 1.0]);
                let mut row = vec![0u8; red.len() * width as usize];
                for y in [0, height / 2, height - 1] {
                    let offset = u64::from(y) * u64::from(layout.bytes_per_row);
                    vmo.read(&mut row, offset).unwrap();
                    for (x, got) in row.chunks(red.len()).enumerate() {
                        assert_eq!(got, red, "{what}: pixel ({x}, {y})");
                    }
                }
            }
        }
        gpu.assert_no_messages();
    });
}

/// A compositor that only samples gets VMOs without WRITE (sysmem's rights rule), which a
/// Vulkan import needs (`vk::IMPORT_RIGHTS`): the import says so and hands the VMO back.
/// Such a compositor reads through its VMO, or declares a write usage.
#[test]
fn a_compositor_that_only_samples_cannot_import() {
    with_service(|service| {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let sampler = VulkanImageInfo::new(
            &[vk::Format::R8G8B8A8_UNORM],
            vk::Extent2D {
                width: WIDTH,
                height: HEIGHT,
            },
            vk::ImageUsageFlags::SAMPLED,
        );
        let producer = transfer_info(&[vk::Format::R8G8B8A8_UNORM], WIDTH, HEIGHT);
        let sampled = sampler.probe(interop).unwrap().to_constraints();
        let written = producer.probe(interop).unwrap().to_constraints();
        let mut infos = allocate(service, vec![written, sampled]).unwrap();
        let vmo = infos[1].buffers.as_ref().unwrap()[0].vmo.as_ref().unwrap();
        let rights = vmo.basic_info().unwrap().rights;
        assert!(!rights.contains(zx::Rights::WRITE));
        let koid = vmo.get_koid().unwrap();
        let error = import_images(interop, &sampler, infos.remove(1)).unwrap_err();
        assert!(
            matches!(
                &error,
                ImportImageError::Import { index: 0, error }
                    if matches!(error.kind(), vmo_interop::vk::ImportErrorKind::MissingRights { .. })
            ),
            "{error:?}"
        );
        assert_eq!(error.into_vmo().unwrap().get_koid().unwrap(), koid);
        gpu.assert_no_messages();
    });
}
