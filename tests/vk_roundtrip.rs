//! Round trips on a real Vulkan driver (lavapipe here): GPU writes into exported memory are
//! read back through the VMO and through imports; one payload, many views.

mod common;

use ash::vk;
use common::{bind, leak_checked, read_mapped, transfer_buffer, write_mapped};
use vmo_interop::vk::{AllocationInfo, Backing, Resource};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const SIZE: u64 = 64 * 1024;

fn read_vmo(vmo: &zx::Vmo, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    vmo.read(&mut bytes, 0).unwrap();
    bytes
}

#[test]
fn gpu_fill_reads_back_through_the_vmo_and_a_second_import() {
    leak_checked(|gpu, interop| {
        let buffer = transfer_buffer(interop, SIZE);
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().resource(Resource::Buffer(&buffer)))
            .unwrap();
        assert!(matches!(
            memory.backing(),
            Backing::Exportable { dedicated: None }
        ));
        bind(interop, &buffer, &memory);
        gpu.fill(buffer.as_raw(), 0, SIZE, 0xA5C3_0F1E);

        let vmo = interop
            .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let expected: Vec<u8> =
            std::iter::repeat_n(0xA5C3_0F1Eu32.to_le_bytes(), SIZE as usize / 4)
                .flatten()
                .collect();
        assert_eq!(read_vmo(&vmo, SIZE as usize), expected);

        // A second import of the same payload sees the same bytes, through the GPU too.
        let import_buffer = transfer_buffer(interop, SIZE);
        let imported = interop
            .import_memory(
                vmo,
                &AllocationInfo::new()
                    .allocation_size(SIZE)
                    .resource(Resource::Buffer(&import_buffer)),
            )
            .unwrap();
        bind(interop, &import_buffer, &imported);
        assert_eq!(read_mapped(gpu, imported.as_raw(), SIZE as usize), expected);

        let copy_target = transfer_buffer(interop, SIZE);
        let target_memory = interop
            .allocate_exportable_memory(
                &AllocationInfo::new().resource(Resource::Buffer(&copy_target)),
            )
            .unwrap();
        bind(interop, &copy_target, &target_memory);
        gpu.copy(import_buffer.as_raw(), copy_target.as_raw(), SIZE);
        let target_vmo = interop
            .get_memory_zircon_handle(&target_memory, zx::Rights::SAME_RIGHTS)
            .unwrap();
        assert_eq!(read_vmo(&target_vmo, SIZE as usize), expected);

        drop((
            target_vmo,
            copy_target,
            target_memory,
            import_buffer,
            imported,
            buffer,
            memory,
        ));
    });
}

#[test]
fn import_twice_writes_through_either_are_seen_by_all() {
    leak_checked(|gpu, interop| {
        let exporter = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(1024))
            .unwrap();
        let vmo = interop
            .get_memory_zircon_handle(&exporter, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let copy = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS).unwrap();
        let koid = vmo.get_koid().unwrap();
        assert_eq!(copy.get_koid().unwrap(), koid);

        let first = interop
            .import_memory(vmo, &AllocationInfo::new().allocation_size(1024))
            .unwrap();
        let second = interop
            .import_memory(copy, &AllocationInfo::new().allocation_size(1024))
            .unwrap();
        assert_ne!(
            first.as_raw(),
            second.as_raw(),
            "each import is a distinct VkDeviceMemory"
        );
        assert!(matches!(first.backing(), Backing::ImportedVmo { koid: k, .. } if k == koid));

        write_mapped(gpu, first.as_raw(), 0, b"through the first import");
        assert_eq!(
            &read_mapped(gpu, second.as_raw(), 24),
            b"through the first import"
        );
        assert_eq!(
            &read_mapped(gpu, exporter.as_raw(), 24),
            b"through the first import"
        );

        write_mapped(gpu, second.as_raw(), 100, b"second");
        assert_eq!(&read_mapped(gpu, first.as_raw(), 106)[100..], b"second");
        assert_eq!(&read_mapped(gpu, exporter.as_raw(), 106)[100..], b"second");

        write_mapped(gpu, exporter.as_raw(), 500, b"exporter");
        assert_eq!(&read_mapped(gpu, first.as_raw(), 508)[500..], b"exporter");
        assert_eq!(&read_mapped(gpu, second.as_raw(), 508)[500..], b"exporter");
        drop((first, second, exporter));
    });
}

#[test]
fn gpu_clear_of_a_dedicated_image_reads_back_through_the_vmo_and_an_identical_import() {
    leak_checked(|gpu, interop| {
        const EXTENT: u32 = 64;
        // Starts UNDEFINED, as external-memory images must (VUID-VkImageCreateInfo-pNext-01443).
        let info = common::image_info_2d(
            vk::Format::R8G8B8A8_UNORM,
            (EXTENT, EXTENT),
            vk::ImageTiling::LINEAR,
            vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC,
        );
        // SAFETY: a valid create info without an external-memory structure.
        let image = unsafe { interop.create_image(&info) }.unwrap();
        let memory = interop
            .allocate_exportable_memory(
                &AllocationInfo::new().resource(Resource::DedicatedImage(&image)),
            )
            .unwrap();
        assert!(matches!(
            memory.backing(),
            Backing::Exportable {
                dedicated: Some(vmo_interop::vk::Dedicated::Image(_))
            }
        ));
        // SAFETY: live objects of this device; a dedicated allocation binds at offset 0.
        unsafe {
            gpu.device
                .bind_image_memory(image.as_raw(), memory.as_raw(), 0)
        }
        .unwrap();

        // The vkreadback colour: (1, 0, 0.5, 0.75) is 0xBF8000FF in R8G8B8A8_UNORM. Cleared in
        // GENERAL (`clear_color_image`): TRANSFER_DST_OPTIMAL would leave the host reads below
        // undefined.
        gpu.clear_color_image(image.as_raw(), [1.0, 0.0, 0.5, 0.75]);

        // SAFETY: a linear image of ours.
        let layout = unsafe {
            gpu.device.get_image_subresource_layout(
                image.as_raw(),
                vk::ImageSubresource::default().aspect_mask(vk::ImageAspectFlags::COLOR),
            )
        };
        let check = |bytes: &[u8]| {
            for row in 0..EXTENT as usize {
                let start = layout.offset as usize + row * layout.row_pitch as usize;
                for pixel in bytes[start..start + 4 * EXTENT as usize].chunks(4) {
                    assert_eq!(u32::from_le_bytes(pixel.try_into().unwrap()), 0xBF80_00FF);
                }
            }
        };
        let vmo = interop
            .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
            .unwrap();
        check(&read_vmo(
            &vmo,
            layout.size as usize + layout.offset as usize,
        ));

        // An identical image imports the payload as a dedicated allocation (04751 satisfied).
        // The twin is never used by the GPU: the host reads the payload the exporter's image
        // defined, in GENERAL, through the imported memory.
        // SAFETY: as above.
        let twin = unsafe { interop.create_image(&info) }.unwrap();
        let imported = interop
            .import_memory(
                vmo,
                &AllocationInfo::new().resource(Resource::DedicatedImage(&twin)),
            )
            .unwrap();
        // SAFETY: as above.
        unsafe {
            gpu.device
                .bind_image_memory(twin.as_raw(), imported.as_raw(), 0)
        }
        .unwrap();
        check(&read_mapped(
            gpu,
            imported.as_raw(),
            layout.size as usize + layout.offset as usize,
        ));
        drop((imported, twin, memory, image));
    });
}

#[test]
fn the_safe_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<vmo_interop::vk::Interop>();
    send_sync::<vmo_interop::vk::Memory>();
    send_sync::<vmo_interop::vk::Buffer>();
    send_sync::<vmo_interop::vk::Image>();
    send_sync::<vmo_interop::vk::ImportError>();
    send_sync::<vmo_interop::vk::ExportError>();
}
