//! Shared by tests/sysmem_images*.rs: collections of images against the host sysmem service.

#![allow(dead_code)] // Each test crate uses a part.

use std::time::Duration;

use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{ClientError, HostSysmem};
use vmo_interop::zx::{self, Rights};

pub fn deadline() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(Duration::from_secs(10))
}

/// Runs `f` with a fresh service and checks that nothing leaked once it stopped.
pub fn with_service(f: impl FnOnce(&HostSysmem)) {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = vmo_interop::platform::host::counters();
    {
        let service = HostSysmem::start().unwrap();
        f(&service);
    }
    let after = vmo_interop::platform::host::counters();
    assert_eq!(after.live_handles, before.live_handles, "handles leaked");
    assert_eq!(after.live_vmos, before.live_vmos, "VMOs leaked");
}

/// CPU read/write usage, one buffer camped, the given image constraints.
pub fn participant(list: Vec<ImageFormatConstraints>) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ | usage::CPU_USAGE_WRITE),
            ..Default::default()
        }),
        min_buffer_count_for_camping: Some(1),
        image_format_constraints: Some(list),
        ..Default::default()
    }
}

/// One linear format and its color spaces, at least `width` x `height`.
pub fn image(
    format: PixelFormat,
    spaces: &[ColorSpace],
    width: u32,
    height: u32,
) -> ImageFormatConstraints {
    ImageFormatConstraints {
        min_size: Some(SizeU::new(width, height)),
        ..ImageFormatConstraints::new(PixelFormatAndModifier::linear(format), spaces)
    }
}

/// The color space that goes with a format in these tests.
pub fn space_for(format: PixelFormat) -> ColorSpace {
    match format {
        PixelFormat::NV12 | PixelFormat::I420 => ColorSpace::REC709,
        _ => ColorSpace::SRGB,
    }
}

/// Allocates one collection with one participant per constraints; every participant's info,
/// in order. The whole collection fails alike, so one error stands for all.
pub fn allocate(
    service: &HostSysmem,
    participants: Vec<BufferCollectionConstraints>,
) -> Result<Vec<BufferCollectionInfo>, ClientError> {
    let allocator = service.connect().unwrap();
    let root = allocator.allocate_shared_collection().unwrap();
    let others = root
        .duplicate_sync(
            &vec![Rights::SAME_RIGHTS; participants.len() - 1],
            deadline(),
        )
        .unwrap();
    let collections: Vec<_> = std::iter::once(root)
        .chain(others)
        .map(|token| allocator.bind_shared_collection(token).unwrap())
        .collect();
    for (collection, constraints) in collections.iter().zip(participants) {
        collection.set_constraints(Some(constraints)).unwrap();
    }
    let mut infos = Vec::new();
    let mut error = None;
    for collection in &collections {
        match collection.wait_for_all_buffers_allocated(deadline()) {
            Ok(info) => infos.push(info),
            Err(e) => error = Some(e),
        }
    }
    for collection in collections {
        let _ = collection.release();
    }
    match error {
        Some(error) => Err(error),
        None => Ok(infos),
    }
}

/// The image constraints sysmem chose, as one participant sees them.
pub fn chosen(info: &BufferCollectionInfo) -> ImageFormatConstraints {
    info.settings
        .as_ref()
        .and_then(|s| s.image_format_constraints.clone())
        .expect("an image collection's settings carry image_format_constraints")
}

/// The buffer memory settings.
pub fn memory(info: &BufferCollectionInfo) -> BufferMemorySettings {
    info.settings
        .as_ref()
        .and_then(|s| s.buffer_settings.clone())
        .unwrap()
}

/// Asserts that allocation fails with CONSTRAINTS_INTERSECTION_EMPTY and that the service's
/// log says why, naming `field`.
pub fn assert_fails_naming(
    service: &HostSysmem,
    participants: Vec<BufferCollectionConstraints>,
    field: &str,
) {
    let result = allocate(service, participants);
    assert!(
        matches!(
            result,
            Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
        ),
        "expected CONSTRAINTS_INTERSECTION_EMPTY, got {result:?}"
    );
    let log = service.log();
    let failure = log
        .iter()
        .rev()
        .find(|line| line.contains("allocation failed"))
        .unwrap_or_else(|| panic!("no failure in the log: {log:#?}"));
    assert!(
        failure.contains("CONSTRAINTS_INTERSECTION_EMPTY") && failure.contains(field),
        "the log line does not name {field}: {failure}"
    );
}
