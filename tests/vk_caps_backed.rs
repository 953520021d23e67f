//! Every capability bit reported for `ZIRCON_VMO` is backed by a real allocation, as the
//! conformance suites check it: where EXPORTABLE is set, exportable memory for such a resource
//! is allocated, bound and exported; where IMPORTABLE is set, a VMO is imported and bound; where
//! `exportFromImportedHandleTypes` names `ZIRCON_VMO`, memory imported for export is exported
//! again and gives the imported VMO's koid.

mod common;

use ash::vk;
use common::leak_checked;
use vmo_interop::vk::{
    AllocationInfo, ExportError, ImageFormatQuery, Interop, Memory, Resource, VulkanError,
};
use vmo_interop::zx::{self, AsHandleRef};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;
const EXPORTABLE: vk::ExternalMemoryFeatureFlags = vk::ExternalMemoryFeatureFlags::EXPORTABLE;
const IMPORTABLE: vk::ExternalMemoryFeatureFlags = vk::ExternalMemoryFeatureFlags::IMPORTABLE;
const DEDICATED_ONLY: vk::ExternalMemoryFeatureFlags =
    vk::ExternalMemoryFeatureFlags::DEDICATED_ONLY;

/// Exercises every bit of `properties` for resources made by `make`; returns how many bits it
/// backed.
fn back<R>(
    interop: &Interop,
    properties: vk::ExternalMemoryProperties,
    make: impl Fn() -> R,
    resource: impl Fn(&R, bool) -> Resource<'_>,
    bind: impl Fn(&R, &Memory),
    size: impl Fn(&R) -> u64,
) -> usize {
    let features = properties.external_memory_features;
    let dedicated = features.contains(DEDICATED_ONLY);
    let mut backed = 0;
    if features.contains(EXPORTABLE) {
        let r = make();
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().resource(resource(&r, dedicated)))
            .expect("EXPORTABLE: exportable memory for the resource");
        bind(&r, &memory);
        let vmo = interop
            .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
            .expect("EXPORTABLE: the export");
        assert!(vmo.get_size().unwrap() >= size(&r));
        backed += 1;
    }
    if features.contains(IMPORTABLE) {
        let r = make();
        let vmo = zx::Vmo::create(size(&r)).unwrap();
        let memory = interop
            .import_memory(
                vmo,
                &AllocationInfo::new().resource(resource(&r, dedicated)),
            )
            .expect("IMPORTABLE: an import of a fresh VMO for the resource");
        bind(&r, &memory);
        backed += 1;
    }
    if properties
        .export_from_imported_handle_types
        .contains(ZIRCON_VMO)
    {
        let r = make();
        let vmo = zx::Vmo::create(size(&r)).unwrap();
        let koid = vmo.get_koid().unwrap();
        let memory = interop
            .import_exportable_memory(
                vmo,
                &AllocationInfo::new().resource(resource(&r, dedicated)),
            )
            .expect("exportFromImported: an import for export");
        bind(&r, &memory);
        let again = interop
            .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
            .expect("exportFromImported: the export of imported memory");
        assert_eq!(again.get_koid().unwrap(), koid, "the imported VMO's koid");
        backed += 1;
    }
    backed
}

#[test]
fn every_reported_buffer_and_image_bit_is_backed_by_a_real_allocation() {
    leak_checked(|_, interop| {
        let mut backed = 0;
        let mut reported = 0;
        for usage in [
            vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST,
            vk::BufferUsageFlags::STORAGE_BUFFER,
            vk::BufferUsageFlags::UNIFORM_BUFFER | vk::BufferUsageFlags::VERTEX_BUFFER,
            vk::BufferUsageFlags::INDEX_BUFFER | vk::BufferUsageFlags::INDIRECT_BUFFER,
        ] {
            let properties = interop.get_physical_device_external_buffer_properties(
                vk::BufferCreateFlags::empty(),
                usage,
            );
            reported += properties.external_memory_features.as_raw().count_ones() as usize;
            let make = || {
                let info = vk::BufferCreateInfo::default().size(65536).usage(usage);
                // SAFETY: a valid create info without an external-memory structure.
                unsafe { interop.create_buffer(&info) }.unwrap()
            };
            backed += back(
                interop,
                properties,
                make,
                |b, dedicated| {
                    if dedicated {
                        Resource::DedicatedBuffer(b)
                    } else {
                        Resource::Buffer(b)
                    }
                },
                |b, m| common::bind(interop, b, m),
                |b| b.requirements().memory.size,
            );
        }
        for (format, tiling, usage) in [
            (
                vk::Format::R8G8B8A8_UNORM,
                vk::ImageTiling::LINEAR,
                vk::ImageUsageFlags::TRANSFER_DST,
            ),
            (
                vk::Format::R8G8B8A8_UNORM,
                vk::ImageTiling::OPTIMAL,
                vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST,
            ),
            (
                vk::Format::B8G8R8A8_UNORM,
                vk::ImageTiling::OPTIMAL,
                vk::ImageUsageFlags::COLOR_ATTACHMENT,
            ),
            (
                vk::Format::R32_SFLOAT,
                vk::ImageTiling::OPTIMAL,
                vk::ImageUsageFlags::STORAGE,
            ),
        ] {
            let query = ImageFormatQuery {
                format,
                image_type: vk::ImageType::TYPE_2D,
                tiling,
                usage,
                flags: vk::ImageCreateFlags::empty(),
            };
            let properties = match interop.get_physical_device_image_format_properties2(&query) {
                Ok(p) => p.external_memory_properties,
                Err(VulkanError::FormatNotSupported { .. }) => continue,
                Err(e) => panic!("{query:?}: {e}"),
            };
            reported += properties.external_memory_features.as_raw().count_ones() as usize;
            let make = || {
                let info = common::image_info_2d(format, (64, 64), tiling, usage);
                // SAFETY: a valid create info the format query allowed.
                unsafe { interop.create_image(&info) }.unwrap()
            };
            backed += back(
                interop,
                properties,
                make,
                |i, dedicated| {
                    if dedicated {
                        Resource::DedicatedImage(i)
                    } else {
                        Resource::Image(i)
                    }
                },
                |i, m| {
                    // SAFETY: live objects of this device; the memory type fits the image.
                    unsafe {
                        interop
                            .device()
                            .bind_image_memory(i.as_raw(), m.as_raw(), 0)
                    }
                    .unwrap()
                },
                |i| i.requirements().memory.size,
            );
        }
        eprintln!("{reported} EXPORTABLE/IMPORTABLE bits reported; {backed} bits (exportFromImported included) backed");
        assert!(
            backed > 0,
            "the driver reported nothing to back: the test checked nothing"
        );
    });
}

#[test]
fn only_memory_imported_for_export_can_be_exported_again() {
    leak_checked(|_, interop| {
        let plain = interop
            .import_memory(zx::Vmo::create(4096).unwrap(), &AllocationInfo::new())
            .unwrap();
        assert!(matches!(
            interop.get_memory_zircon_handle(&plain, zx::Rights::SAME_RIGHTS),
            Err(ExportError::NotExportable)
        ));

        let vmo = zx::Vmo::create(4096).unwrap();
        let koid = vmo.get_koid().unwrap();
        let memory = interop
            .import_exportable_memory(vmo, &AllocationInfo::new())
            .unwrap();
        let rights = zx::Rights::READ | zx::Rights::MAP;
        let again = interop.get_memory_zircon_handle(&memory, rights).unwrap();
        assert_eq!(again.get_koid().unwrap(), koid, "the imported VMO's koid");
        assert_eq!(again.basic_info().unwrap().rights, rights);
    });
}
