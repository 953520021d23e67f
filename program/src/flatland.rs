//! `vmo-interop flatland --out FILE.png`: what a Flatland client and its compositor share, as
//! three processes on a private host platform directory (see [`crate::session`]):
//!
//! - `vmo-interop sysmem`, the service;
//! - the compositor (`flatland-compositor`, Scenic's part): serves
//!   `/svc/vmo-interop.flatland.Compositor`, receives the client's token for its images
//!   (Flatland's `RegisterBufferCollection`), asks sysmem for CPU reads of linear R8G8B8A8
//!   sRGB images, and for each frame presented reads the image at sysmem's layout
//!   (`vmo_usable_start`, `bytes_per_row`) and puts it in its place in the composited picture,
//!   which it writes as a PNG;
//! - the client (`flatland-client`): derives its image constraints from what it will create
//!   (`VkImageCreateInfo`: R8G8B8A8_UNORM, LINEAR, COLOR_ATTACHMENT) and what the driver
//!   supports (`VulkanImageInfo::probe`), imports the 3 buffers sysmem allocated as
//!   `VkImage`s laid out as sysmem chose, renders frame `i` into image `i` on the GPU (a render
//!   pass that clears to the frame's background and `vkCmdClearAttachments` for its
//!   rectangle), and presents it.
//!
//! The width is odd by default (250 pixels): on lavapipe a row is then 1024 bytes, not 1000,
//! so a compositor that assumed tight packing would shear the picture.

use std::path::Path;

use anyhow::Result;

use crate::processes::READY;
use crate::report::human;
use crate::session::Session;
use crate::{Outcome, UsageError};

/// The protocol the compositor serves for its client.
pub const COMPOSITOR: &str = "vmo-interop.flatland.Compositor";
/// Frames presented, one per image of the collection.
pub const FRAMES: usize = 3;
/// Pixels between the composited frames.
pub const GAP: u32 = 8;
/// The colour between the frames.
pub const GAP_COLOR: [u8; 4] = [32, 32, 32, 255];
/// Each frame's rectangle.
pub const FOREGROUND: [u8; 4] = [255, 255, 255, 255];

/// Frame `frame`'s background (R, G, B, A); multiples of 51 so that the GPU's float clear
/// values convert to exactly these bytes.
pub fn background(frame: usize) -> [u8; 4] {
    [[204, 51, 51, 255], [51, 153, 51, 255], [51, 102, 204, 255]][frame % FRAMES]
}

/// Frame `frame`'s rectangle in an image of `width` x `height`: (x, y, w, h), `width / 5`
/// wide and `height / 2` tall, a quarter of the height down, its left edge moving from the
/// image's left edge (frame 0) to its right edge (the last frame).
pub fn rectangle(frame: usize, width: u32, height: u32) -> (u32, u32, u32, u32) {
    let (w, h) = ((width / 5).max(1), (height / 2).max(1));
    let x = (width - w) * frame as u32 / (FRAMES as u32 - 1);
    (x, height / 4, w, h)
}

/// The composited picture's size for frames of `width` x `height`.
pub fn picture_size(width: u32, height: u32) -> (u32, u32) {
    (FRAMES as u32 * width + (FRAMES as u32 - 1) * GAP, height)
}

pub fn run(out: &Path, width: u32, height: u32, device: usize) -> Result<Outcome> {
    // The output path is checked before anything runs.
    std::fs::File::create(out).map_err(|e| {
        UsageError::new(format!(
            "cannot write {}: {e}; pass --out with a writable path",
            out.display()
        ))
    })?;
    let out = std::fs::canonicalize(out)?;
    let mut session = Session::new("flatland")?;
    let result = run_processes(&mut session, &out, width, height, device);
    let finished = session.finish(result);
    if finished.is_err() {
        let _ = std::fs::remove_file(&out);
    }
    finished?;
    println!(
        "flatland passed in {}: {} written",
        human(session.elapsed()),
        out.display()
    );
    Ok(Outcome::Pass)
}

fn run_processes(
    session: &mut Session,
    out: &Path,
    width: u32,
    height: u32,
    device: usize,
) -> Result<()> {
    session.start_sysmem()?;
    let compositor = session.start(
        "compositor",
        &[
            "flatland-compositor".to_owned(),
            "--out".to_owned(),
            out.display().to_string(),
        ],
    )?;
    session.wait_for(compositor, READY)?;
    let client = session.start(
        "client",
        &[
            "flatland-client".to_owned(),
            "--device".to_owned(),
            device.to_string(),
            "--width".to_owned(),
            width.to_string(),
            "--height".to_owned(),
            height.to_string(),
        ],
    )?;
    let failed = session.wait_participants(&[compositor, client])?;
    session.stop_sysmem()?;
    match failed {
        Some(error) => Err(error),
        None => Ok(()),
    }
}
