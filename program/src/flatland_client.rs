//! `vmo-interop flatland-client` (hidden; started by `flatland`): the Flatland client process.
//! It renders each frame with the GPU into one image of a sysmem collection of 3 and presents
//! it to the compositor process (see [`crate::flatland`]).

use std::time::Instant;

use anyhow::{anyhow, bail, Context as _, Result};
use ash::vk;
use vmo_interop::sysmem::image_format::ImageLayout;
use vmo_interop::sysmem::vulkan_image::{import_images, ImportedImage, VulkanImageInfo};
use vmo_interop::sysmem::Allocator;
use vmo_interop::zx::{HandleBased, Rights};

use crate::flatland::{background, rectangle, COMPOSITOR, FOREGROUND, FRAMES};
use crate::gpu::{Device, Instance};
use crate::link::{self, deadline};
use crate::processes::{exit_with_parent, say, timing};
use crate::vk_error::VkError;
use crate::Outcome;

const FORMAT: vk::Format = vk::Format::R8G8B8A8_UNORM;

pub fn run(device_index: usize, width: u32, height: u32) -> Result<Outcome> {
    exit_with_parent();
    let instance = Instance::new(true)?;
    let physical = instance.physical_device(device_index)?;
    let device = Device::new(&instance, physical)?;
    say(format!(
        "Vulkan device {device_index}: {} (validation layer {})",
        physical.name,
        if instance.validation {
            "on"
        } else {
            "not installed"
        }
    ));
    render(&device, width, height)?;
    drop(device);
    let messages = instance.validation_messages();
    for line in instance.messages.first() {
        say(format!("validation: {line}"));
    }
    say(format!("{messages} validation message(s)"));
    if messages > 0 {
        bail!("the validation layer reported {messages} message(s)");
    }
    Ok(Outcome::Pass)
}

fn render(device: &Device<'_>, width: u32, height: u32) -> Result<()> {
    let interop = device.interop();
    let start = Instant::now();
    // What the application will create, and what this driver can do with it.
    let create_info = vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(FORMAT)
        .extent(vk::Extent3D {
            width,
            height,
            depth: 1,
        })
        .mip_levels(1)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::LINEAR)
        // Sysmem counts only TRANSFER_DST and STORAGE as Vulkan write usages (not
        // COLOR_ATTACHMENT), and a VMO without WRITE cannot be imported: a client that renders
        // declares TRANSFER_DST too, as Fuchsia's Vulkan clients do.
        .usage(vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_DST)
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    let mut info = VulkanImageInfo::from_create_info(&create_info, &[])?;
    // The compositor reads what the GPU wrote through its own mapping: host-coherent memory.
    info.memory_properties =
        vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
    // The client renders into two images while the compositor holds the third.
    info.min_buffer_count_for_camping = 2;
    let probed = info.probe(interop)?;
    let Some(probe) = probed.formats.first() else {
        bail!(
            "this driver cannot render to a linear {FORMAT:?} image in VMO memory ({:?})",
            probed.left_out
        );
    };
    say(format!(
        "constraints from VkImageCreateInfo and the driver: {FORMAT:?} LINEAR COLOR_ATTACHMENT | \
         TRANSFER_DST {width}x{height}, driver row pitch {} (alignment {})",
        probe.row_pitch, probe.row_pitch_alignment
    ));

    let allocator = Allocator::connect()?;
    allocator.set_debug_client_info("flatland client", u64::from(std::process::id()))?;
    let token = allocator.allocate_shared_collection()?;
    let compositor_token = token
        .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())?
        .pop()
        .ok_or_else(|| anyhow!("DuplicateSync returned no token"))?;
    let compositor = link::connect(COMPOSITOR)?;
    let mut register = b"register".to_vec();
    register.extend_from_slice(&width.to_le_bytes());
    register.extend_from_slice(&height.to_le_bytes());
    link::send(
        &compositor,
        &register,
        vec![compositor_token.into_channel().into_handle()],
    )?;
    say("registered the collection with the compositor (its token, over the channel)");
    let collection = allocator.bind_shared_collection(token)?;
    collection.set_name(10, "vmo-interop flatland")?;
    collection.set_constraints(Some(probed.to_constraints()))?;
    let collection_info = collection.wait_for_all_buffers_allocated(deadline())?;
    let chosen = collection_info
        .settings
        .as_ref()
        .and_then(|s| s.image_format_constraints.as_ref())
        .ok_or_else(|| anyhow!("sysmem chose no image format"))?;
    let layout = ImageLayout::new(chosen, width, height)?;
    say(format!(
        "sysmem allocated {} image(s): {:?}, bytes_per_row {}, {} bytes each",
        collection_info.buffers.as_ref().map_or(0, Vec::len),
        layout.format.pixel_format,
        layout.bytes_per_row,
        layout.size_bytes
    ));
    timing("client: probe, constraints → allocated", start.elapsed());

    let images = import_images(interop, &info, collection_info)?;
    if images.len() != FRAMES {
        bail!("sysmem allocated {} images, not {FRAMES}", images.len());
    }
    let targets = Targets::new(device, &images, width, height)?;
    for frame in 0..FRAMES {
        let rendering = Instant::now();
        targets.render(device, frame, width, height)?;
        timing(
            &format!("client: render frame {frame} (submit → fence)"),
            rendering.elapsed(),
        );
        let mut present = b"present".to_vec();
        present.push(frame as u8);
        link::send(&compositor, &present, vec![])?;
        link::expect(
            &compositor,
            &[b"release".as_slice(), &[frame as u8]].concat(),
        )?;
        say(format!(
            "frame {frame}: rendered into image {frame} on the GPU, presented, released by the compositor"
        ));
    }
    link::send(&compositor, b"done", vec![])?;
    let (written, _) = link::receive(&compositor)?;
    say(format!("compositor: {}", String::from_utf8_lossy(&written)));
    drop(targets);
    drop(images);
    collection.release()?;
    Ok(())
}

/// The render pass, one view and one framebuffer per image.
struct Targets {
    device: ash::Device,
    render_pass: vk::RenderPass,
    views: Vec<vk::ImageView>,
    framebuffers: Vec<vk::Framebuffer>,
}

impl Targets {
    fn new(device: &Device<'_>, images: &[ImportedImage], width: u32, height: u32) -> Result<Self> {
        let d = &device.device;
        // The images stay in GENERAL, where the compositor's CPU reads find them.
        let attachments = [vk::AttachmentDescription::default()
            .format(FORMAT)
            .samples(vk::SampleCountFlags::TYPE_1)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .stencil_load_op(vk::AttachmentLoadOp::DONT_CARE)
            .stencil_store_op(vk::AttachmentStoreOp::DONT_CARE)
            .initial_layout(vk::ImageLayout::UNDEFINED)
            .final_layout(vk::ImageLayout::GENERAL)];
        let color = [vk::AttachmentReference::default()
            .attachment(0)
            .layout(vk::ImageLayout::GENERAL)];
        let subpasses = [vk::SubpassDescription::default()
            .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
            .color_attachments(&color)];
        let pass_info = vk::RenderPassCreateInfo::default()
            .attachments(&attachments)
            .subpasses(&subpasses);
        // SAFETY: a valid create info whose arrays outlive the call, on a live device.
        let render_pass = unsafe { d.create_render_pass(&pass_info, None) }
            .map_err(VkError)
            .context("vkCreateRenderPass")?;
        let mut targets = Targets {
            device: d.clone(),
            render_pass,
            views: Vec::new(),
            framebuffers: Vec::new(),
        };
        for imported in images {
            let view_info = vk::ImageViewCreateInfo::default()
                .image(imported.image.as_raw())
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(imported.format)
                .subresource_range(
                    vk::ImageSubresourceRange::default()
                        .aspect_mask(vk::ImageAspectFlags::COLOR)
                        .level_count(1)
                        .layer_count(1),
                );
            // SAFETY: the image is live, bound to its memory, and made with COLOR_ATTACHMENT.
            let view = unsafe { d.create_image_view(&view_info, None) }
                .map_err(VkError)
                .context("vkCreateImageView")?;
            targets.views.push(view);
            let views = [view];
            let framebuffer_info = vk::FramebufferCreateInfo::default()
                .render_pass(render_pass)
                .attachments(&views)
                .width(width)
                .height(height)
                .layers(1);
            // SAFETY: the render pass and view are live and compatible (one color attachment of
            // FORMAT), and the view's image is `width` x `height`.
            let framebuffer = unsafe { d.create_framebuffer(&framebuffer_info, None) }
                .map_err(VkError)
                .context("vkCreateFramebuffer")?;
            targets.framebuffers.push(framebuffer);
        }
        Ok(targets)
    }

    /// Renders frame `frame` into image `frame` and waits for the GPU.
    fn render(&self, device: &Device<'_>, frame: usize, width: u32, height: u32) -> Result<()> {
        let unorm = |c: [u8; 4]| c.map(|v| f32::from(v) / 255.0);
        let clear = [vk::ClearValue {
            color: vk::ClearColorValue {
                float32: unorm(background(frame)),
            },
        }];
        let extent = vk::Extent2D { width, height };
        let begin = vk::RenderPassBeginInfo::default()
            .render_pass(self.render_pass)
            .framebuffer(self.framebuffers[frame])
            .render_area(vk::Rect2D {
                offset: vk::Offset2D::default(),
                extent,
            })
            .clear_values(&clear);
        let (x, y, w, h) = rectangle(frame, width, height);
        let attachment = [vk::ClearAttachment {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            color_attachment: 0,
            clear_value: vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: unorm(FOREGROUND),
                },
            },
        }];
        let rects = [vk::ClearRect {
            rect: vk::Rect2D {
                offset: vk::Offset2D {
                    x: x as i32,
                    y: y as i32,
                },
                extent: vk::Extent2D {
                    width: w,
                    height: h,
                },
            },
            base_array_layer: 0,
            layer_count: 1,
        }];
        let barrier = [vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::COLOR_ATTACHMENT_WRITE)
            .dst_access_mask(vk::AccessFlags::HOST_READ)];
        device.submit(|d, cmd| {
            // SAFETY: a recording command buffer; the render pass and framebuffer are live and
            // compatible, and the render area is the framebuffer's.
            unsafe { d.cmd_begin_render_pass(cmd, &begin, vk::SubpassContents::INLINE) };
            // SAFETY: inside the render pass, whose attachment 0 is a color attachment; the
            // rectangle lies inside the render area (`rectangle` keeps it in the image).
            unsafe { d.cmd_clear_attachments(cmd, &attachment, &rects) };
            // SAFETY: ends the render pass begun above.
            unsafe { d.cmd_end_render_pass(cmd) };
            // SAFETY: outside a render pass; makes the color writes visible to host reads
            // once the submission's fence signals.
            unsafe {
                d.cmd_pipeline_barrier(
                    cmd,
                    vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
                    vk::PipelineStageFlags::HOST,
                    vk::DependencyFlags::empty(),
                    &barrier,
                    &[],
                    &[],
                )
            };
        })
    }
}

impl Drop for Targets {
    fn drop(&mut self) {
        // SAFETY: every submission that used them has completed (`submit` waits for its
        // fence); each object is destroyed once, framebuffers before their views and pass.
        unsafe {
            for &framebuffer in &self.framebuffers {
                self.device.destroy_framebuffer(framebuffer, None);
            }
            for &view in &self.views {
                self.device.destroy_image_view(view, None);
            }
            self.device.destroy_render_pass(self.render_pass, None);
        }
    }
}
