//! Shared by tests/sysmem_images_vulkan*.rs: the images an application would describe, and
//! GPU copies into imported images (clears are `Gpu::clear_color_image`).

#![allow(dead_code)] // Each test crate uses a part.

use ash::vk;
use vmo_interop::sysmem::images::PixelFormat;
use vmo_interop::sysmem::vulkan_image::VulkanImageInfo;

use crate::common::{self, Gpu};

/// The RGB formats the suites run at odd widths: (format, its sysmem format, bytes of a pixel
/// cleared to pure red).
pub const RGB_FORMATS: [(vk::Format, PixelFormat, &[u8]); 3] = [
    (
        vk::Format::R8G8B8A8_UNORM,
        PixelFormat::R8G8B8A8,
        &[0xFF, 0, 0, 0xFF],
    ),
    (
        vk::Format::B8G8R8A8_UNORM,
        PixelFormat::B8G8R8A8,
        &[0, 0, 0xFF, 0xFF],
    ),
    (
        vk::Format::R5G6B5_UNORM_PACK16,
        PixelFormat::R5G6B5,
        &[0x00, 0xF8],
    ),
];

/// The odd sizes (width x height) those formats run at.
pub const ODD_SIZES: [(u32, u32); 2] = [(250, 101), (1023, 77)];

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
