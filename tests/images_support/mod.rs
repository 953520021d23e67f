//! Shared by tests/sysmem_images*.rs: collections of images against the host sysmem service.

#![allow(dead_code)] // Each test crate uses a part.

use std::time::{Duration, Instant};

use vmo_interop::sysmem::images::*;
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{ClientError, HostSysmem};
use vmo_interop::zx::Rights;

// The service harness the other sysmem tests use (a fresh service, checked for leaks).
#[path = "../sysmem_common/mod.rs"]
mod sysmem_common;
pub use sysmem_common::{deadline, with_service};

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

/// Allocates one collection with one participant per constraints; what each participant's
/// `WaitForAllBuffersAllocated` returned, in order. An extra token holds allocation back
/// until every participant is waiting, so each sees the outcome as a reply.
pub fn allocate_each(
    service: &HostSysmem,
    participants: Vec<BufferCollectionConstraints>,
) -> Vec<Result<BufferCollectionInfo, ClientError>> {
    let allocator = service.connect().unwrap();
    let root = allocator.allocate_shared_collection().unwrap();
    let mut others = root
        .duplicate_sync(&vec![Rights::SAME_RIGHTS; participants.len()], deadline())
        .unwrap();
    let gate = others.pop().unwrap();
    let collections: Vec<_> = std::iter::once(root)
        .chain(others)
        .map(|token| allocator.bind_shared_collection(token).unwrap())
        .collect();
    let count = collections.len();
    for (collection, constraints) in collections.iter().zip(participants) {
        collection.set_constraints(Some(constraints)).unwrap();
    }
    let results = std::thread::scope(|scope| {
        let waits: Vec<_> = collections
            .iter()
            .map(|c| scope.spawn(move || c.wait_for_all_buffers_allocated(deadline())))
            .collect();
        let give_up = Instant::now() + Duration::from_secs(10);
        while service.stats().pending_waits < count {
            assert!(Instant::now() < give_up, "waits never reached the service");
            std::thread::sleep(Duration::from_millis(1));
        }
        gate.release().unwrap();
        waits.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for collection in collections {
        let _ = collection.release();
    }
    results
}

/// [`allocate_each`], with the first error standing for all.
pub fn allocate(
    service: &HostSysmem,
    participants: Vec<BufferCollectionConstraints>,
) -> Result<Vec<BufferCollectionInfo>, ClientError> {
    allocate_each(service, participants).into_iter().collect()
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

/// Asserts that allocation fails with CONSTRAINTS_INTERSECTION_EMPTY for every participant and
/// that the service's log says why, naming `field`.
pub fn assert_fails_naming(
    service: &HostSysmem,
    participants: Vec<BufferCollectionConstraints>,
    field: &str,
) {
    for result in allocate_each(service, participants) {
        assert!(
            matches!(
                result,
                Err(ClientError::Sysmem(Error::CONSTRAINTS_INTERSECTION_EMPTY))
            ),
            "every participant should see CONSTRAINTS_INTERSECTION_EMPTY, one got {result:?}; \
             the service's log: {:#?}",
            service.log()
        );
    }
    let log = service.log();
    let failure = log
        .iter()
        .rev()
        // The aggregation's own line (`<collection>: allocation failed: <why>`), not the
        // summary line of the failed collection that follows it.
        .find(|line| line.contains(": allocation failed: "))
        .unwrap_or_else(|| panic!("no failure in the log: {log:#?}"));
    assert!(
        failure.contains("CONSTRAINTS_INTERSECTION_EMPTY") && failure.contains(field),
        "the log line does not name {field}: {failure}"
    );
}
