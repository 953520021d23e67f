//! `VK_FUCHSIA_buffer_collection` through raw ash calls only (as tests/vk_layer.rs does for
//! external memory): what a C application or another Vulkan wrapper sees of the host layer,
//! each refusal with the code the layer documents for its VUID. Validation runs below the
//! layer and must report nothing; the kernel's counters come back to their baseline.

mod common;
mod vk_buffer_collection_support;
mod zx_common;

use ash::vk::{self, Handle};
use vk_buffer_collection_support::*;
use vmo_interop::sysmem::types::*;
use vmo_interop::zx::{HandleBased, Rights};

const WIDTH: u32 = 64;
const HEIGHT: u32 = 32;

#[test]
fn buffer_collection_through_raw_ash_calls() {
    collection_leak_checked(|gpu| {
        // SAFETY: raw Vulkan calls on the gpu's live device with valid structures (the invalid
        // values are the ones under test, and the layer refuses them before the driver).
        unsafe {
            let ext = ash::fuchsia::buffer_collection::Device::new(&gpu.instance, &gpu.device);
            let fp = ext.fp();
            let device = gpu.device.handle();
            let null = std::ptr::null();

            // A value that is no handle: VK_ERROR_INVALID_EXTERNAL_HANDLE (06393).
            let mut collection = vk::BufferCollectionFUCHSIA::null();
            let garbage =
                vk::BufferCollectionCreateInfoFUCHSIA::default().collection_token(0xabcd_1234);
            assert_eq!(
                (fp.create_buffer_collection_fuchsia)(device, &garbage, null, &mut collection),
                vk::Result::ERROR_INVALID_EXTERNAL_HANDLE
            );

            let allocator = allocator();
            let token = allocator.allocate_shared_collection().unwrap();
            let cpu_token = token
                .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
                .unwrap()
                .remove(0);
            let raw_token = token.into_channel().into_handle().into_raw();
            let info = vk::BufferCollectionCreateInfoFUCHSIA::default().collection_token(raw_token);
            assert_eq!(
                (fp.create_buffer_collection_fuchsia)(device, &info, null, &mut collection),
                vk::Result::SUCCESS
            );
            assert!(!collection.is_null());

            // VUID-vkGetBufferCollectionPropertiesFUCHSIA-None-06405.
            let mut properties = vk::BufferCollectionPropertiesFUCHSIA::default();
            assert_eq!(
                (fp.get_buffer_collection_properties_fuchsia)(device, collection, &mut properties),
                vk::Result::ERROR_VALIDATION_FAILED_EXT
            );

            let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED;
            let create = linear_image(vk::Format::B8G8R8A8_UNORM, WIDTH, HEIGHT, usage);
            let spaces = [vk::SysmemColorSpaceFUCHSIA::default().color_space(1)];
            let features =
                vk::FormatFeatureFlags::SAMPLED_IMAGE | vk::FormatFeatureFlags::TRANSFER_DST;
            let format = |features| {
                vk::ImageFormatConstraintsInfoFUCHSIA::default()
                    .image_create_info(create)
                    .required_format_features(features)
                    .color_spaces(&spaces)
            };
            let set = |formats: &[vk::ImageFormatConstraintsInfoFUCHSIA<'_>]| {
                let constraints = vk::ImageConstraintsInfoFUCHSIA::default()
                    .format_constraints(formats)
                    .buffer_collection_constraints(
                        vk::BufferCollectionConstraintsInfoFUCHSIA::default()
                            .min_buffer_count_for_camping(1),
                    );
                (fp.set_buffer_collection_image_constraints_fuchsia)(
                    device,
                    collection,
                    &constraints,
                )
            };
            // formatConstraintsCount-arraylength, 06395 (no features), 06396 (SAMPLED usage
            // without SAMPLED_IMAGE).
            assert_eq!(set(&[]), vk::Result::ERROR_VALIDATION_FAILED_EXT);
            assert_eq!(
                set(&[format(vk::FormatFeatureFlags::empty())]),
                vk::Result::ERROR_VALIDATION_FAILED_EXT
            );
            assert_eq!(
                set(&[format(vk::FormatFeatureFlags::TRANSFER_DST)]),
                vk::Result::ERROR_VALIDATION_FAILED_EXT
            );
            assert_eq!(set(&[format(features)]), vk::Result::SUCCESS);
            // VUID-vkSetBufferCollectionImageConstraintsFUCHSIA-collection-06394.
            assert_eq!(
                set(&[format(features)]),
                vk::Result::ERROR_VALIDATION_FAILED_EXT
            );

            let cpu = allocator.bind_shared_collection(cpu_token).unwrap();
            cpu.set_constraints(Some(BufferCollectionConstraints {
                usage: Some(BufferUsage {
                    cpu: Some(usage::CPU_USAGE_READ),
                    ..Default::default()
                }),
                min_buffer_count_for_camping: Some(1),
                ..Default::default()
            }))
            .unwrap();
            assert_eq!(
                (fp.get_buffer_collection_properties_fuchsia)(device, collection, &mut properties),
                vk::Result::SUCCESS
            );
            assert_eq!(properties.buffer_count, 2);
            assert_eq!(properties.create_info_index, 0);
            assert_eq!(properties.sysmem_pixel_format, 101); // B8G8R8A8
            assert_eq!(properties.sysmem_color_space_index.color_space, 1); // SRGB
            assert!(properties.format_features.contains(features));
            assert_ne!(properties.memory_type_bits, 0);

            let image_for = |index| {
                let mut from = vk::BufferCollectionImageCreateInfoFUCHSIA::default()
                    .collection(collection)
                    .index(index);
                let info = create.push_next(&mut from);
                gpu.device.create_image(&info, None)
            };
            // VUID-VkBufferCollectionImageCreateInfoFUCHSIA-index-06391.
            assert_eq!(
                image_for(properties.buffer_count).unwrap_err(),
                vk::Result::ERROR_VALIDATION_FAILED_EXT
            );
            let images = [image_for(0).unwrap(), image_for(1).unwrap()];
            let requirements = gpu.device.get_image_memory_requirements(images[0]);
            let type_index =
                (properties.memory_type_bits & requirements.memory_type_bits).trailing_zeros();

            let allocate = |index, dedicated: Option<vk::Image>, size, type_index| {
                let mut import = vk::ImportMemoryBufferCollectionFUCHSIA::default()
                    .collection(collection)
                    .index(index);
                let mut dedicated_info =
                    vk::MemoryDedicatedAllocateInfo::default().image(dedicated.unwrap_or_default());
                let mut info = vk::MemoryAllocateInfo::default()
                    .allocation_size(size)
                    .memory_type_index(type_index)
                    .push_next(&mut import);
                if dedicated.is_some() {
                    info = info.push_next(&mut dedicated_info);
                }
                gpu.device.allocate_memory(&info, None)
            };
            let invalid = vk::Result::ERROR_INVALID_EXTERNAL_HANDLE;
            let size = requirements.size;
            // 06383: not dedicated; 06381: another index than the image's; 06382: not the
            // requirements' size; 06386: a type outside the properties' bits.
            assert_eq!(allocate(0, None, size, type_index).unwrap_err(), invalid);
            assert_eq!(
                allocate(1, Some(images[0]), size, type_index).unwrap_err(),
                invalid
            );
            assert_eq!(
                allocate(0, Some(images[0]), size + 4096, type_index).unwrap_err(),
                invalid
            );
            let outside = (!properties.memory_type_bits).trailing_zeros();
            assert_eq!(
                allocate(0, Some(images[0]), size, outside).unwrap_err(),
                invalid
            );
            let memories = [
                allocate(0, Some(images[0]), size, type_index).unwrap(),
                allocate(1, Some(images[1]), size, type_index).unwrap(),
            ];
            for (image, memory) in images.iter().zip(&memories) {
                gpu.device.bind_image_memory(*image, *memory, 0).unwrap();
            }

            // The images and memory outlive the collection (06407).
            (fp.destroy_buffer_collection_fuchsia)(device, collection, null);
            clear(gpu, images[1], [9, 8, 7, 6]);
            let mut read = cpu.wait_for_all_buffers_allocated(deadline()).unwrap();
            let vmo = read.buffers.take().unwrap().remove(1).vmo.unwrap();
            let mut pixel = [0u8; 4];
            vmo.read(&mut pixel, 0).unwrap();
            // B8G8R8A8: blue first in memory.
            assert_eq!(pixel, [7, 8, 9, 6]);
            drop(vmo);
            cpu.release().unwrap();

            for (image, memory) in images.into_iter().zip(memories) {
                gpu.device.destroy_image(image, None);
                gpu.device.free_memory(memory, None);
            }
        }
    });
}
