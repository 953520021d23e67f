//! `vmo-interop flatland-compositor --out FILE` (hidden; started by `flatland`): the compositor
//! process. It receives the client's token, asks sysmem for CPU reads of linear R8G8B8A8 sRGB
//! images, reads each presented frame at sysmem's layout (`vmo_usable_start`,
//! `bytes_per_row`: never `width * 4`) and composites the frames side by side into a PNG.

use std::path::Path;
use std::time::Instant;

use anyhow::{anyhow, bail, Context as _, Result};
use vmo_interop::sysmem::image_format::ImageLayout;
use vmo_interop::sysmem::images::{
    ColorSpace, ImageFormatConstraints, PixelFormat, PixelFormatAndModifier, SizeU,
};
use vmo_interop::sysmem::types::{
    usage, BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage,
};
use vmo_interop::sysmem::{Allocator, BufferCollectionToken};
use vmo_interop::zx::{self, AsHandleRef, HandleBased, VmarFlags};

use crate::flatland::{picture_size, COMPOSITOR, FRAMES, GAP, GAP_COLOR};
use crate::link::{self, deadline, Listener};
use crate::processes::{exit_with_parent, ready, say, timing};
use crate::Outcome;

pub fn run(out: &Path) -> Result<Outcome> {
    exit_with_parent();
    let baseline = vmo_interop::platform::host::counters();
    composite(out)?;
    let after = vmo_interop::platform::host::counters();
    if after.live_handles != baseline.live_handles || after.live_mappings != baseline.live_mappings
    {
        bail!(
            "the compositor leaked: {} live handles and {} mappings, {} and {} before",
            after.live_handles,
            after.live_mappings,
            baseline.live_handles,
            baseline.live_mappings
        );
    }
    Ok(Outcome::Pass)
}

/// The compositor's constraints: it only reads, with the CPU, linear R8G8B8A8 sRGB images at
/// least `width` x `height`.
fn constraints(width: u32, height: u32) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ | usage::CPU_USAGE_READ_OFTEN),
            ..Default::default()
        }),
        min_buffer_count_for_camping: Some(1),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            cpu_domain_supported: Some(true),
            ram_domain_supported: Some(true),
            ..Default::default()
        }),
        image_format_constraints: Some(vec![ImageFormatConstraints {
            min_size: Some(SizeU::new(width, height)),
            ..ImageFormatConstraints::new(
                PixelFormatAndModifier::linear(PixelFormat::R8G8B8A8),
                &[ColorSpace::SRGB],
            )
        }]),
        ..Default::default()
    }
}

fn composite(out: &Path) -> Result<()> {
    let listener = Listener::serve(COMPOSITOR)?;
    ready();
    let client = listener.accept()?;
    let (register, mut handles) = link::receive(&client)?;
    let (width, height) = match register.strip_prefix(b"register".as_slice()) {
        Some(&[w0, w1, w2, w3, h0, h1, h2, h3]) => (
            u32::from_le_bytes([w0, w1, w2, w3]),
            u32::from_le_bytes([h0, h1, h2, h3]),
        ),
        _ => bail!("the client's first message is not a registration"),
    };
    let token = handles
        .pop()
        .ok_or_else(|| anyhow!("the client registered no token"))?;
    let token = BufferCollectionToken::from_channel(zx::Channel::from_handle(token));
    let start = Instant::now();
    let allocator = Allocator::connect()?;
    allocator.set_debug_client_info("flatland compositor", u64::from(std::process::id()))?;
    let collection = allocator.bind_shared_collection(token)?;
    collection.set_constraints(Some(constraints(width, height)))?;
    say(format!(
        "the client registered its collection for {width}x{height} images; constraints: CPU \
         reads of linear R8G8B8A8 sRGB"
    ));
    let info = collection.wait_for_all_buffers_allocated(deadline())?;
    let chosen = info
        .settings
        .as_ref()
        .and_then(|s| s.image_format_constraints.as_ref())
        .ok_or_else(|| anyhow!("sysmem chose no image format"))?;
    let layout = ImageLayout::new(chosen, width, height)?;
    let buffers = info.buffers.unwrap_or_default();
    say(format!(
        "sysmem allocated {} image(s): bytes_per_row {} (width x 4 = {}), {} bytes each",
        buffers.len(),
        layout.bytes_per_row,
        width * 4,
        layout.size_bytes
    ));
    timing("compositor: constraints → allocated", start.elapsed());

    let (picture_width, picture_height) = picture_size(width, height);
    let row_bytes = picture_width as usize * 4;
    let mut picture: Vec<u8> = GAP_COLOR
        .iter()
        .copied()
        .cycle()
        .take(row_bytes * picture_height as usize)
        .collect();
    let mut shown = [false; FRAMES];
    loop {
        let (message, _) = link::receive(&client)?;
        if message == b"done" {
            break;
        }
        let frame = match message.strip_prefix(b"present".as_slice()) {
            Some(&[frame]) if usize::from(frame) < buffers.len().min(FRAMES) => usize::from(frame),
            _ => bail!("the client sent {message:?}, not a present of image 0..{FRAMES}"),
        };
        let reading = Instant::now();
        let buffer = &buffers[frame];
        let vmo = buffer
            .vmo
            .as_ref()
            .ok_or_else(|| anyhow!("sysmem sent no VMO for image {frame}"))?;
        let start = usize::try_from(buffer.vmo_usable_start.unwrap_or(0))?;
        let end = start + usize::try_from(layout.size_bytes)?;
        let mapping = vmo
            .map(0, end.next_multiple_of(4096), VmarFlags::PERM_READ)
            .with_context(|| format!("mapping image {frame} (koid {:?})", vmo.get_koid()))?;
        // SAFETY: the mapping is at least `end` readable bytes and lives until the end of this
        // iteration; the client's GPU finished writing before it presented, and it does not
        // touch the image again until this compositor releases it.
        let bytes = unsafe { std::slice::from_raw_parts(mapping.as_ptr().cast_const(), end) };
        let image = &bytes[start..];
        let left = frame * (width + GAP) as usize * 4;
        for y in 0..height as usize {
            let source = &image[y * layout.bytes_per_row as usize..][..width as usize * 4];
            picture[y * row_bytes + left..][..source.len()].copy_from_slice(source);
        }
        drop(mapping);
        shown[frame] = true;
        timing(
            &format!("compositor: read frame {frame} at sysmem's layout"),
            reading.elapsed(),
        );
        let mut release = b"release".to_vec();
        release.push(frame as u8);
        link::send(&client, &release, vec![])?;
    }
    if !shown.iter().all(|&s| s) {
        bail!("the client finished before presenting every image ({shown:?})");
    }
    let encoding = Instant::now();
    write_png(out, picture_width, picture_height, &picture)?;
    timing("compositor: encode and write the PNG", encoding.elapsed());
    let written = format!(
        "composited {FRAMES} frames side by side into {} ({picture_width}x{picture_height})",
        out.display()
    );
    say(&written);
    link::send(&client, written.as_bytes(), vec![])?;
    drop(buffers);
    collection.release()?;
    Ok(())
}

fn write_png(path: &Path, width: u32, height: u32, rgba: &[u8]) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(())
}
