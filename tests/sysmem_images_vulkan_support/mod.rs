//! Shared by tests/sysmem_images_vulkan*.rs: the images an application would describe, and
//! GPU writes into imported images.

#![allow(dead_code)] // Each test crate uses a part.

use ash::vk;
use vmo_interop::sysmem::vulkan_image::VulkanImageInfo;

use crate::common::Gpu;

/// The images an application creating linear transfer images of `formats[0]` (or the others)
/// would describe, from its `VkImageCreateInfo`.
pub fn transfer_info(formats: &[vk::Format], width: u32, height: u32) -> VulkanImageInfo {
    let create = vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(formats[0])
        .extent(vk::Extent3D {
            width,
            height,
            depth: 1,
        })
        .mip_levels(1)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::LINEAR)
        .usage(vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC)
        .sharing_mode(vk::SharingMode::EXCLUSIVE)
        .initial_layout(vk::ImageLayout::UNDEFINED);
    VulkanImageInfo::from_create_info(&create, &formats[1..]).unwrap()
}

/// The barrier that takes `image` (all its planes: COLOR for a non-disjoint image,
/// VUID-VkImageMemoryBarrier-image-01672) from UNDEFINED to GENERAL for transfer writes.
fn to_general(image: vk::Image) -> vk::ImageMemoryBarrier<'static> {
    layout_barrier(
        image,
        (vk::ImageLayout::UNDEFINED, vk::AccessFlags::empty()),
        (vk::ImageLayout::GENERAL, vk::AccessFlags::TRANSFER_WRITE),
    )
}

/// The barrier that takes `image` (all its planes) from one layout and access to another.
fn layout_barrier(
    image: vk::Image,
    (old_layout, src_access): (vk::ImageLayout, vk::AccessFlags),
    (new_layout, dst_access): (vk::ImageLayout, vk::AccessFlags),
) -> vk::ImageMemoryBarrier<'static> {
    vk::ImageMemoryBarrier::default()
        .image(image)
        .old_layout(old_layout)
        .new_layout(new_layout)
        .src_access_mask(src_access)
        .dst_access_mask(dst_access)
        .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
        .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
        .subresource_range(color_range())
}

fn color_range() -> vk::ImageSubresourceRange {
    vk::ImageSubresourceRange::default()
        .aspect_mask(vk::ImageAspectFlags::COLOR)
        .level_count(1)
        .layer_count(1)
}

/// Clears `image` (single-plane, bound) to `color` on the GPU, visible to the host afterwards.
pub fn clear(gpu: &Gpu, image: vk::Image, color: [f32; 4]) {
    gpu.submit(|cmd| {
        let barrier = [to_general(image)];
        let value = vk::ClearColorValue { float32: color };
        // SAFETY: recording valid commands on our image, bound to memory.
        unsafe {
            gpu.device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::TOP_OF_PIPE,
                vk::PipelineStageFlags::TRANSFER,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &barrier,
            );
            gpu.device.cmd_clear_color_image(
                cmd,
                image,
                vk::ImageLayout::GENERAL,
                &value,
                &[color_range()],
            );
        }
        gpu.transfer_to_host_barrier(cmd);
    });
}

/// Copies tightly packed planes from `buffer` into `image` (bound) on the GPU, visible to the
/// host afterwards: each region is (aspect, offset in the buffer, extent in the plane's
/// texels).
pub fn copy_planes(
    gpu: &Gpu,
    buffer: vk::Buffer,
    image: vk::Image,
    planes: &[(vk::ImageAspectFlags, u64, vk::Extent2D)],
) {
    let regions: Vec<_> = planes
        .iter()
        .map(|&(aspect, offset, extent)| {
            vk::BufferImageCopy::default()
                .buffer_offset(offset)
                .image_subresource(
                    vk::ImageSubresourceLayers::default()
                        .aspect_mask(aspect)
                        .layer_count(1),
                )
                .image_extent(vk::Extent3D {
                    width: extent.width,
                    height: extent.height,
                    depth: 1,
                })
        })
        .collect();
    // Copied in TRANSFER_DST_OPTIMAL (the validation layer warns of a copy into GENERAL), then
    // taken to GENERAL, the layout in which the host may read a linear image's memory.
    let to_transfer = [layout_barrier(
        image,
        (vk::ImageLayout::UNDEFINED, vk::AccessFlags::empty()),
        (
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
            vk::AccessFlags::TRANSFER_WRITE,
        ),
    )];
    let to_host = [layout_barrier(
        image,
        (
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
            vk::AccessFlags::TRANSFER_WRITE,
        ),
        (vk::ImageLayout::GENERAL, vk::AccessFlags::HOST_READ),
    )];
    gpu.submit(|cmd| {
        // SAFETY: recording valid commands on our buffer and image, bound to memory; each
        // region is one plane of the image, within the buffer.
        unsafe {
            gpu.device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::TOP_OF_PIPE,
                vk::PipelineStageFlags::TRANSFER,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &to_transfer,
            );
            gpu.device.cmd_copy_buffer_to_image(
                cmd,
                buffer,
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &regions,
            );
            gpu.device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::TRANSFER,
                vk::PipelineStageFlags::HOST,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &to_host,
            );
        }
    });
}
