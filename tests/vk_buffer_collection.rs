//! `VK_FUCHSIA_buffer_collection` through the library's safe wrapper (`vk::buffer_collection`),
//! on a real driver (lavapipe in CI) with the validation layer below the host layer (`Gpu`'s
//! drop asserts it reported nothing), against the host sysmem service in this process's `/svc`.
//! Every test checks that the kernel's counters come back to their baseline.

mod common;
mod vk_buffer_collection_support;
mod zx_common;

use ash::vk;
use common::Gpu;
use vk_buffer_collection_support::*;
use vmo_interop::platform::host::counters_lock;
use vmo_interop::sysmem::image_format::ImageLayout;
use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::ClientError;
use vmo_interop::vk::buffer_collection::*;
use vmo_interop::zx::{self, AsHandleRef, HandleBased, Rights};

const WIDTH: u32 = 250;
const HEIGHT: u32 = 100;
const USAGE: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::TRANSFER_DST.as_raw() | vk::ImageUsageFlags::TRANSFER_SRC.as_raw(),
);

/// Image constraints of one linear R8G8B8A8 image, `camping` buffers.
fn rgba_constraints(camping: u32) -> ImageConstraints {
    let info = linear_image(vk::Format::R8G8B8A8_UNORM, WIDTH, HEIGHT, USAGE);
    ImageConstraints {
        formats: vec![ImageFormatConstraint::from_create_info(&info).unwrap()],
        counts: BufferCounts::camping(camping),
        flags: 0,
    }
}

/// A CPU participant reading `format` images (or raw buffers without `format`), one camped.
fn cpu_reader(format: Option<PixelFormat>) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ_OFTEN),
            ..Default::default()
        }),
        min_buffer_count_for_camping: Some(1),
        image_format_constraints: format.map(|f| {
            vec![ImageFormatConstraints::new(
                PixelFormatAndModifier::linear(f),
                &[ColorSpace::SRGB],
            )]
        }),
        ..Default::default()
    }
}

/// Two tokens of one new collection: Vulkan's and another participant's.
fn two_tokens() -> (
    vmo_interop::sysmem::Allocator,
    vmo_interop::sysmem::BufferCollectionToken,
    vmo_interop::sysmem::BufferCollectionToken,
) {
    let allocator = allocator();
    let token = allocator.allocate_shared_collection().unwrap();
    let other = token
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
        .unwrap()
        .remove(0);
    (allocator, token, other)
}

/// A collection shared by Vulkan (on `gpu`) and a CPU participant, each with its own token;
/// and the allocator that made it.
fn vulkan_and_cpu(
    gpu: &Gpu,
) -> (
    vmo_interop::sysmem::Allocator,
    BufferCollection,
    vmo_interop::sysmem::BufferCollection,
) {
    let (allocator, token, cpu_token) = two_tokens();
    let collection = BufferCollection::create(&gpu.instance, gpu.interop(), token).unwrap();
    let cpu = allocator.bind_shared_collection(cpu_token).unwrap();
    (allocator, collection, cpu)
}

/// The flatland-rainbow shape: Vulkan renders into sysmem images that another participant (here
/// a CPU compositor) reads at sysmem's `bytes_per_row`.
#[test]
fn vulkan_renders_into_sysmem_images_a_cpu_consumer_reads() {
    collection_leak_checked(|gpu| {
        let (_allocator, mut collection, cpu) = vulkan_and_cpu(gpu);
        cpu.set_constraints(Some(cpu_reader(Some(PixelFormat::R8G8B8A8))))
            .unwrap();
        collection
            .set_image_constraints(&rgba_constraints(2))
            .unwrap();

        let properties = collection.properties().unwrap();
        // Camping counts sum over participants: 2 for Vulkan, 1 for the CPU.
        assert_eq!(properties.buffer_count, 3);
        assert_eq!(properties.create_info_index, 0);
        assert_eq!(properties.sysmem_pixel_format, PixelFormat::R8G8B8A8);
        assert_eq!(properties.color_space, ColorSpace::SRGB);
        assert_ne!(properties.memory_type_bits, 0);
        assert!(properties
            .format_features
            .contains(vk::FormatFeatureFlags::TRANSFER_DST));
        assert!(properties.suggested_ycbcr_model == vk::SamplerYcbcrModelConversion::RGB_IDENTITY);

        let read = cpu.wait_for_all_buffers_allocated(deadline()).unwrap();
        let chosen = read
            .settings
            .as_ref()
            .and_then(|s| s.image_format_constraints.clone())
            .unwrap();
        let layout = ImageLayout::new(&chosen, WIDTH, HEIGHT).unwrap();
        let vmos = read.into_vmos().unwrap();
        assert_eq!(vmos.len(), 3);

        for index in 0..properties.buffer_count {
            let imported = collection
                .import_image(index, vk::MemoryPropertyFlags::empty())
                .unwrap();
            // SAFETY: a live linear image of this device.
            let pitch = unsafe {
                gpu.device.get_image_subresource_layout(
                    imported.image.as_raw(),
                    vk::ImageSubresource::default().aspect_mask(vk::ImageAspectFlags::COLOR),
                )
            }
            .row_pitch;
            // The driver's pitch is sysmem's, and not simply width * 4.
            assert_eq!(pitch, u64::from(layout.bytes_per_row));
            assert!(layout.bytes_per_row >= WIDTH * 4);
            let rgba = [10 + index as u8 * 40, 200, 7 * index as u8, 255];
            clear(gpu, imported.image.as_raw(), rgba);
            // The CPU reads its own VMO of this buffer at sysmem's row pitch.
            let vmo = &vmos[index as usize];
            let bpr = layout.bytes_per_row as usize;
            let mut bytes = vec![0u8; bpr * HEIGHT as usize];
            vmo.read(&mut bytes, 0).unwrap();
            for y in [0, HEIGHT as usize / 2, HEIGHT as usize - 1] {
                for x in [0, 1, WIDTH as usize - 1] {
                    let at = y * bpr + x * 4;
                    assert_eq!(bytes[at..at + 4], rgba, "buffer {index} pixel ({x}, {y})");
                }
            }
        }
        drop(vmos);
        cpu.release().unwrap();
        drop(collection);
    });
}

/// Buffer collections of buffers: a CPU participant writes each buffer, the GPU copies it out.
///
/// Sysmem counts no `VULKAN_BUFFER_USAGE_*` bit as a write usage (its `IsWriteUsage`), so the
/// Vulkan participant's VMOs come without WRITE and the layer imports them read-only: the GPU
/// reads these buffers (a `TRANSFER_DST` buffer would be refused at bind, as any read-only
/// import is).
#[test]
fn buffer_collections_of_buffers() {
    collection_leak_checked(|gpu| {
        let (_allocator, mut collection, cpu) = vulkan_and_cpu(gpu);
        let mut writer = cpu_reader(None);
        writer.usage = Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_WRITE_OFTEN),
            ..Default::default()
        });
        cpu.set_constraints(Some(writer)).unwrap();
        let size = 64 * 1024;
        collection
            .set_buffer_constraints(&BufferConstraints {
                size,
                usage: vk::BufferUsageFlags::TRANSFER_SRC,
                required_format_features: vk::FormatFeatureFlags::empty(),
                counts: BufferCounts::camping(1),
            })
            .unwrap();
        let properties = collection.properties().unwrap();
        assert_eq!(properties.buffer_count, 2);
        assert_eq!(properties.create_info_index, 0);
        if !gpu.expect.read_only_import {
            // The VMOs are read-only for this participant, and this driver cannot import a
            // read-only mapping (`Expectations::read_only_import`): no memory type can back
            // them, and the properties say so.
            assert_eq!(properties.memory_type_bits, 0);
            cpu.release().unwrap();
            return;
        }
        assert_ne!(properties.memory_type_bits, 0);
        // An image of a buffer collection is refused before Vulkan sees it.
        assert!(matches!(
            collection.create_image(0),
            Err(CollectionImportError::WrongKind { .. })
        ));

        let written = cpu.wait_for_all_buffers_allocated(deadline()).unwrap();
        let vmos = written.into_vmos().unwrap();
        let interop = gpu.interop();
        for index in 0..properties.buffer_count {
            let pattern: Vec<u8> = (0..size)
                .map(|i| (i as u8) ^ (index as u8 * 0x5a))
                .collect();
            vmos[index as usize].write(&pattern, 0).unwrap();
            let imported = collection
                .import_buffer(index, vk::MemoryPropertyFlags::empty())
                .unwrap();
            assert_eq!(imported.memory.index(), index);
            // Copy it into a buffer bound to a VMO of our own, and read that.
            let out = zx::Vmo::create(size).unwrap();
            let view = out.duplicate_handle(Rights::SAME_RIGHTS).unwrap();
            let dst = common::transfer_buffer(interop, size);
            let allocation = vmo_interop::vk::AllocationInfo::new()
                .resource(vmo_interop::vk::Resource::Buffer(&dst));
            let memory = interop.import_memory(out, &allocation).unwrap();
            common::bind(interop, &dst, &memory);
            gpu.copy(imported.buffer.as_raw(), dst.as_raw(), size);
            let mut bytes = vec![0u8; size as usize];
            view.read(&mut bytes, 0).unwrap();
            assert!(bytes == pattern, "buffer {index}");
        }
        drop(vmos);
        cpu.release().unwrap();
    });
}

/// Two Vulkan participants on different `VkDevice`s: one clears, the other reads the same
/// buffer through its own import, mapped.
#[test]
fn two_vulkan_participants_on_different_devices() {
    collection_leak_checked(|gpu| {
        let other = OtherDevice::new(gpu);
        let (_allocator, token, other_token) = two_tokens();
        let mut writer = BufferCollection::create(&gpu.instance, gpu.interop(), token).unwrap();
        let mut reader =
            BufferCollection::create(&gpu.instance, other.interop(), other_token).unwrap();
        writer.set_image_constraints(&rgba_constraints(1)).unwrap();
        reader.set_image_constraints(&rgba_constraints(1)).unwrap();
        let (w, r) = (writer.properties().unwrap(), reader.properties().unwrap());
        assert_eq!((w.buffer_count, r.buffer_count), (2, 2));
        assert_eq!(w.sysmem_pixel_format, r.sysmem_pixel_format);

        let written = writer
            .import_image(1, vk::MemoryPropertyFlags::empty())
            .unwrap();
        let read = reader
            .import_image(1, vk::MemoryPropertyFlags::HOST_VISIBLE)
            .unwrap();
        let rgba = [1, 2, 3, 4];
        clear(gpu, written.image.as_raw(), rgba);
        // SAFETY: host-visible memory of the other device, mapped whole and unmapped below;
        // the write above completed (the clear waited for its fence).
        unsafe {
            let ptr = other
                .device
                .map_memory(
                    read.memory.as_raw(),
                    0,
                    vk::WHOLE_SIZE,
                    vk::MemoryMapFlags::empty(),
                )
                .unwrap()
                .cast::<u8>();
            let pitch = other
                .device
                .get_image_subresource_layout(
                    read.image.as_raw(),
                    vk::ImageSubresource::default().aspect_mask(vk::ImageAspectFlags::COLOR),
                )
                .row_pitch as usize;
            let last = pitch * (HEIGHT as usize - 1) + (WIDTH as usize - 1) * 4;
            for at in [0, last] {
                assert_eq!(std::slice::from_raw_parts(ptr.add(at), 4), rgba);
            }
            other.device.unmap_memory(read.memory.as_raw());
        }
        drop((written, read, writer, reader, other));
    });
}

/// Constraints no participant can meet: Vulkan offers R8G8B8A8 only, the CPU reads B8G8R8A8
/// only. Vulkan's properties fail with VK_ERROR_INITIALIZATION_FAILED, the CPU's wait with
/// CONSTRAINTS_INTERSECTION_EMPTY, and nothing leaks.
#[test]
fn constraints_no_participant_can_meet() {
    collection_leak_checked(|gpu| {
        let (_allocator, mut collection, cpu) = vulkan_and_cpu(gpu);
        cpu.set_constraints(Some(cpu_reader(Some(PixelFormat::B8G8R8A8))))
            .unwrap();
        collection
            .set_image_constraints(&rgba_constraints(1))
            .unwrap();
        let error = collection.properties().unwrap_err();
        assert!(
            matches!(error, PropertiesError::AllocationFailed),
            "{error}"
        );
        assert!(error.to_string().contains("VK_ERROR_INITIALIZATION_FAILED"));
        assert!(matches!(
            cpu.wait_for_all_buffers_allocated(deadline()),
            Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
                | Err(ClientError::CollectionFailed)
        ));
        // Nothing can be imported from a failed collection.
        assert!(matches!(
            collection.import_image(0, vk::MemoryPropertyFlags::empty()),
            Err(CollectionImportError::NotAllocated(_))
        ));
        drop(cpu.into_channel());
    });
}

/// Misuse the wrapper refuses before Vulkan sees it, and what the layer refuses.
#[test]
fn misuse_is_refused_naming_the_rule() {
    collection_leak_checked(|gpu| {
        // A channel that is no sysmem token: handed back, not lost.
        let (not_a_token, peer) = zx::Channel::create().unwrap();
        let token = vmo_interop::sysmem::BufferCollectionToken::from_channel(not_a_token);
        match BufferCollection::create(&gpu.instance, gpu.interop(), token) {
            Err(CreateBufferCollectionError::InvalidToken { token }) => {
                assert!(token.as_channel().get_koid().is_ok());
            }
            other => panic!("expected InvalidToken, got {:?}", other.map(|_| ())),
        }
        drop(peer);

        let (allocator, token, cpu_token) = two_tokens();
        let mut collection = BufferCollection::create(&gpu.instance, gpu.interop(), token).unwrap();
        // VUID-vkGetBufferCollectionPropertiesFUCHSIA-None-06405.
        let error = collection.properties().unwrap_err();
        assert!(error.to_string().contains("06405"), "{error}");
        // No format, and no format the driver can use (optimal tiling).
        let empty = ImageConstraints::default();
        assert!(matches!(
            collection.set_image_constraints(&empty),
            Err(SetConstraintsError::FormatCount(0))
        ));
        let mut optimal = rgba_constraints(1);
        optimal.formats[0].image.tiling = vk::ImageTiling::OPTIMAL;
        assert!(matches!(
            collection.set_image_constraints(&optimal),
            Err(SetConstraintsError::FormatNotSupported)
        ));
        collection
            .set_image_constraints(&rgba_constraints(1))
            .unwrap();
        // VUID-vkSetBufferCollectionImageConstraintsFUCHSIA-collection-06394.
        let error = collection
            .set_image_constraints(&rgba_constraints(1))
            .unwrap_err();
        assert!(error.to_string().contains("06394"), "{error}");

        let cpu = allocator.bind_shared_collection(cpu_token).unwrap();
        cpu.set_constraints(Some(cpu_reader(None))).unwrap();
        let count = collection.properties().unwrap().buffer_count;
        // VUID-VkBufferCollectionImageCreateInfoFUCHSIA-index-06391.
        let error = collection
            .import_image(count, vk::MemoryPropertyFlags::empty())
            .unwrap_err();
        assert!(error.to_string().contains("06391"), "{error}");
        assert!(matches!(
            collection.create_buffer(0),
            Err(CollectionImportError::WrongKind { .. })
        ));
        // No memory type has PROTECTED here.
        assert!(matches!(
            collection.import_image(0, vk::MemoryPropertyFlags::PROTECTED),
            Err(CollectionImportError::NoMemoryType { .. })
        ));
        let mut read = cpu.wait_for_all_buffers_allocated(deadline()).unwrap();
        drop(read.buffers.take());
        cpu.release().unwrap();
    });
}

/// Devices without the extension do not get its commands; the layer offers it where the
/// library registered its sysmem client (`platform::vulkan_entry`).
#[test]
fn the_extension_is_offered_and_gated_per_device() {
    let _lock = counters_lock();
    let with = gpu();
    let without = Gpu::new();
    // SAFETY: plain queries on live objects.
    unsafe {
        let extensions = with
            .instance
            .enumerate_device_extension_properties(with.physical_device)
            .unwrap();
        assert!(extensions
            .iter()
            .any(|e| e.extension_name_as_c_str() == Ok(BUFFER_COLLECTION)));
        for (gpu, present) in [(&with, true), (&without, false)] {
            let f = gpu.instance.get_device_proc_addr(
                gpu.device.handle(),
                c"vkCreateBufferCollectionFUCHSIA".as_ptr(),
            );
            assert_eq!(f.is_some(), present);
        }
    }
    let before = live();
    let (allocator, token, other) = two_tokens();
    match BufferCollection::create(&without.instance, without.interop(), token) {
        Err(CreateBufferCollectionError::ExtensionNotEnabled { token }) => token.release().unwrap(),
        other => panic!("expected ExtensionNotEnabled, got {:?}", other.map(|_| ())),
    }
    other.release().unwrap();
    drop(allocator);
    assert_back_to(before);
}
