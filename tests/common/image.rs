//! Images of the suites: the 2D create-info fixtures, and the GPU commands that write a linear
//! image for the host to read.

use ash::vk;

use super::Gpu;

/// The whole COLOR aspect of a single-plane image with one mip level and layer.
pub fn color_range() -> vk::ImageSubresourceRange {
    vk::ImageSubresourceRange::default()
        .aspect_mask(vk::ImageAspectFlags::COLOR)
        .level_count(1)
        .layer_count(1)
}

/// The create info of a 2D `width` x `height` image: one mip level and layer, one sample,
/// exclusive, initial layout UNDEFINED; the test picks the format, tiling and usage and chains
/// what else it varies (`flags`, `push_next`).
pub fn image_info_2d<'a>(
    format: vk::Format,
    (width, height): (u32, u32),
    tiling: vk::ImageTiling,
    usage: vk::ImageUsageFlags,
) -> vk::ImageCreateInfo<'a> {
    vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(format)
        .extent(vk::Extent3D {
            width,
            height,
            depth: 1,
        })
        .mip_levels(1)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(tiling)
        .usage(usage)
        .sharing_mode(vk::SharingMode::EXCLUSIVE)
        .initial_layout(vk::ImageLayout::UNDEFINED)
}

/// The create info of the images most of these tests make: [`image_info_2d`], 16x16.
pub fn image_info_16x16<'a>(
    format: vk::Format,
    tiling: vk::ImageTiling,
    usage: vk::ImageUsageFlags,
) -> vk::ImageCreateInfo<'a> {
    image_info_2d(format, (16, 16), tiling, usage)
}

impl Gpu {
    /// Clears `image` (single-plane, COLOR, bound, with TRANSFER_DST) to `color` on the GPU
    /// (`vkCmdClearColorImage`), visible to the host afterwards. Cleared in GENERAL: host access
    /// to a linear image's memory is defined only in PREINITIALIZED or GENERAL, so the image is
    /// left there (from UNDEFINED: its contents before are discarded).
    pub fn clear_color_image(&self, image: vk::Image, color: [f32; 4]) {
        let value = vk::ClearColorValue { float32: color };
        self.submit(|cmd| {
            self.to_general_for_transfer_writes(cmd, image);
            // SAFETY: a recording command buffer of ours; the caller passes an image of our
            // device with TRANSFER_DST, bound to memory, now in GENERAL.
            unsafe {
                self.device.cmd_clear_color_image(
                    cmd,
                    image,
                    vk::ImageLayout::GENERAL,
                    &value,
                    &[color_range()],
                )
            };
            self.transfer_to_host_barrier(cmd);
        });
    }

    /// Takes `image` (all its planes: COLOR for a non-disjoint image,
    /// VUID-VkImageMemoryBarrier-image-01672) from UNDEFINED to GENERAL for transfer writes
    /// (`vkCmdPipelineBarrier` TOP_OF_PIPE → TRANSFER).
    pub fn to_general_for_transfer_writes(&self, cmd: vk::CommandBuffer, image: vk::Image) {
        self.image_barrier(
            cmd,
            image,
            (
                vk::ImageLayout::UNDEFINED,
                vk::AccessFlags::empty(),
                vk::PipelineStageFlags::TOP_OF_PIPE,
            ),
            (
                vk::ImageLayout::GENERAL,
                vk::AccessFlags::TRANSFER_WRITE,
                vk::PipelineStageFlags::TRANSFER,
            ),
        );
    }

    /// Records a barrier taking `image` (all its planes, as above) from a layout, access and
    /// stage to another.
    pub fn image_barrier(
        &self,
        cmd: vk::CommandBuffer,
        image: vk::Image,
        (old_layout, src_access, src_stage): (
            vk::ImageLayout,
            vk::AccessFlags,
            vk::PipelineStageFlags,
        ),
        (new_layout, dst_access, dst_stage): (
            vk::ImageLayout,
            vk::AccessFlags,
            vk::PipelineStageFlags,
        ),
    ) {
        let barrier = [vk::ImageMemoryBarrier::default()
            .image(image)
            .old_layout(old_layout)
            .new_layout(new_layout)
            .src_access_mask(src_access)
            .dst_access_mask(dst_access)
            .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
            .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
            .subresource_range(color_range())];
        // SAFETY: a recording command buffer of ours; the caller passes an image of our device.
        unsafe {
            self.device.cmd_pipeline_barrier(
                cmd,
                src_stage,
                dst_stage,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &barrier,
            )
        }
    }
}
