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
    gpu.submit(|cmd| {
        gpu.image_barrier(
            cmd,
            image,
            (
                vk::ImageLayout::UNDEFINED,
                vk::AccessFlags::empty(),
                vk::PipelineStageFlags::TOP_OF_PIPE,
            ),
            (
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                vk::AccessFlags::TRANSFER_WRITE,
                vk::PipelineStageFlags::TRANSFER,
            ),
        );
        // SAFETY: recording valid commands on our buffer and image, bound to memory, the image
        // in TRANSFER_DST_OPTIMAL; each region is one plane of the image, within the buffer.
        unsafe {
            gpu.device.cmd_copy_buffer_to_image(
                cmd,
                buffer,
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &regions,
            )
        };
        gpu.image_barrier(
            cmd,
            image,
            (
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                vk::AccessFlags::TRANSFER_WRITE,
                vk::PipelineStageFlags::TRANSFER,
            ),
            (
                vk::ImageLayout::GENERAL,
                vk::AccessFlags::HOST_READ,
                vk::PipelineStageFlags::HOST,
            ),
        );
    });
}
