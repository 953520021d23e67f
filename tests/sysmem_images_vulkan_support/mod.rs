//! Shared by tests/sysmem_images_vulkan*.rs: the images an application would describe, and
//! GPU copies into imported images (clears are `Gpu::clear_color_image`).

#![allow(dead_code)] // Each test crate uses a part.

use ash::vk;
use vmo_interop::sysmem::vulkan_image::VulkanImageInfo;

use crate::common::{self, Gpu};

/// The images an application creating linear transfer images of `formats[0]` (or the others)
/// would describe, from its `VkImageCreateInfo`.
pub fn transfer_info(formats: &[vk::Format], width: u32, height: u32) -> VulkanImageInfo {
    let create = common::image_info_2d(
        formats[0],
        (width, height),
        vk::ImageTiling::LINEAR,
        vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC,
    );
    VulkanImageInfo::from_create_info(&create, &formats[1..]).unwrap()
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
    gpu.submit(|cmd| {
        let barrier = [common::to_general_for_transfer_writes(image)];
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
                &barrier,
            );
            gpu.device.cmd_copy_buffer_to_image(
                cmd,
                buffer,
                image,
                vk::ImageLayout::GENERAL,
                &regions,
            );
        }
        gpu.transfer_to_host_barrier(cmd);
    });
}
