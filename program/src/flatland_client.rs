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
    say(instance.describe(device_index, physical));
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
        // The frames are drawn with transfer commands (a clear, then a rectangle copied in):
        // linear images support them everywhere, while a linear color attachment is optional
        // (NVIDIA has none for RGBA8). TRANSFER_DST is also a write usage for sysmem, so the
        // VMOs come with WRITE.
        .usage(vk::ImageUsageFlags::TRANSFER_DST)
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
        "constraints from VkImageCreateInfo and the driver: {FORMAT:?} LINEAR TRANSFER_DST \
         {width}x{height}, driver row pitch {} (alignment {})",
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

/// What the frames are drawn with: the imported images, and a buffer the GPU fills with the
/// rectangle's color and copies into them (bound to exportable VMO memory, which every driver
/// behind the host layer offers).
struct Targets {
    device: ash::Device,
    images: Vec<vk::Image>,
    /// Declared before its memory: destroyed first.
    rectangle: vmo_interop::vk::Buffer,
    _memory: vmo_interop::vk::Memory,
}

impl Targets {
    fn new(device: &Device<'_>, images: &[ImportedImage], width: u32, height: u32) -> Result<Self> {
        let interop = device.interop();
        let size = u64::from(width) * u64::from(height) * 4;
        let info = vk::BufferCreateInfo::default()
            .size(size)
            .usage(vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST)
            .sharing_mode(vk::SharingMode::EXCLUSIVE);
        // SAFETY: a valid create info without a pNext chain.
        let rectangle =
            unsafe { interop.create_buffer(&info) }.context("the rectangle's buffer")?;
        let memory = interop
            .allocate_exportable_memory(
                &vmo_interop::vk::AllocationInfo::new()
                    .resource(vmo_interop::vk::Resource::Buffer(&rectangle)),
            )
            .context("the rectangle's memory")?;
        // SAFETY: both live objects of this device; the memory type fits the buffer's
        // requirements and the allocation is its size.
        unsafe {
            device
                .device
                .bind_buffer_memory(rectangle.as_raw(), memory.as_raw(), 0)
        }
        .map_err(VkError)
        .context("vkBindBufferMemory")?;
        Ok(Targets {
            device: device.device.clone(),
            images: images.iter().map(|i| i.image.as_raw()).collect(),
            rectangle,
            _memory: memory,
        })
    }

    /// Draws frame `frame` into image `frame` and waits for the GPU: the background with
    /// `vkCmdClearColorImage`, the rectangle with `vkCmdFillBuffer` + `vkCmdCopyBufferToImage`.
    fn render(&self, device: &Device<'_>, frame: usize, width: u32, height: u32) -> Result<()> {
        let unorm = |c: [u8; 4]| c.map(|v| f32::from(v) / 255.0);
        let image = self.images[frame];
        let color = vk::ImageSubresourceRange::default()
            .aspect_mask(vk::ImageAspectFlags::COLOR)
            .level_count(1)
            .layer_count(1);
        // The image stays in GENERAL, where the compositor's CPU reads find it.
        let to_general = [vk::ImageMemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::empty())
            .dst_access_mask(vk::AccessFlags::TRANSFER_WRITE)
            .old_layout(vk::ImageLayout::UNDEFINED)
            .new_layout(vk::ImageLayout::GENERAL)
            .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
            .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
            .image(image)
            .subresource_range(color)];
        let (x, y, w, h) = rectangle(frame, width, height);
        let region = [vk::BufferImageCopy::default()
            .image_subresource(
                vk::ImageSubresourceLayers::default()
                    .aspect_mask(vk::ImageAspectFlags::COLOR)
                    .layer_count(1),
            )
            .image_offset(vk::Offset3D {
                x: x as i32,
                y: y as i32,
                z: 0,
            })
            .image_extent(vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            })];
        let transfers = [vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
            .dst_access_mask(vk::AccessFlags::TRANSFER_READ | vk::AccessFlags::TRANSFER_WRITE)];
        let to_host = [vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
            .dst_access_mask(vk::AccessFlags::HOST_READ)];
        let background = vk::ClearColorValue {
            float32: unorm(background(frame)),
        };
        let barrier = |d: &ash::Device, cmd, dst, memory: &[vk::MemoryBarrier<'_>], images| {
            // SAFETY: a recording command buffer outside a render pass; the barriers name live
            // objects of this device.
            unsafe {
                d.cmd_pipeline_barrier(
                    cmd,
                    vk::PipelineStageFlags::TRANSFER,
                    dst,
                    vk::DependencyFlags::empty(),
                    memory,
                    &[],
                    images,
                )
            }
        };
        device.submit(|d, cmd| {
            barrier(
                d,
                cmd,
                vk::PipelineStageFlags::TRANSFER,
                &[],
                &to_general[..],
            );
            // SAFETY: the buffer is live, bound and TRANSFER_DST; the whole size is filled.
            unsafe {
                d.cmd_fill_buffer(
                    cmd,
                    self.rectangle.as_raw(),
                    0,
                    vk::WHOLE_SIZE,
                    u32::from_le_bytes(FOREGROUND),
                )
            };
            // SAFETY: the image is live, bound, TRANSFER_DST and in GENERAL; one color range.
            unsafe {
                d.cmd_clear_color_image(cmd, image, vk::ImageLayout::GENERAL, &background, &[color])
            };
            barrier(d, cmd, vk::PipelineStageFlags::TRANSFER, &transfers, &[]);
            // SAFETY: the buffer holds w x h texels (it is sized for the whole image) and the
            // region lies inside the image (`rectangle` keeps it there).
            unsafe {
                d.cmd_copy_buffer_to_image(
                    cmd,
                    self.rectangle.as_raw(),
                    image,
                    vk::ImageLayout::GENERAL,
                    &region,
                )
            };
            barrier(d, cmd, vk::PipelineStageFlags::HOST, &to_host, &[]);
        })
    }
}

impl Drop for Targets {
    fn drop(&mut self) {
        // SAFETY: every submission that used the buffer has completed (`submit` waits for its
        // fence); the buffer and memory are then destroyed by their owners.
        let _ = unsafe { self.device.device_wait_idle() };
    }
}
