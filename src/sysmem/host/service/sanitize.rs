//! Rules of sysmem2's `LogicalBufferCollection` that sit around aggregation rather than in it
//! (src/devices/sysmem/drivers/sysmem/logical_buffer_collection.cc):
//!
//! - `CheckSanitizeBufferCollectionConstraints`: a set but completely empty constraints table
//!   is permitted and counts as `NONE_USAGE` ([`normalize`]);
//! - `CheckSanitizeBufferUsage` at the aggregated stage: at least one usage other than
//!   `NONE_USAGE` across all participants, or allocation fails ([`check_usages`]);
//! - `CheckSanitizeBufferMemoryConstraints`: the CPU domain is supported unless a participant
//!   says otherwise; RAM and INACCESSIBLE are supported by default only by a participant
//!   without CPU usage (it does not care which domain); a set but empty `permitted_heaps` is
//!   an error, failing allocation ([`with_defaults`]);
//! - `IsMinBufferSizeSpecifiedByAnyParticipant`: `min_size_bytes` defaults to 0, and
//!   allocation fails unless some participant asks for a size ([`check_size_requested`]);
//! - `GetCoherencyDomain`: display usage prefers the RAM domain when every participant
//!   supports it (display controllers are generally not cache coherent)
//!   ([`prefer_ram_for_display`]);
//! - `GenerateUnpopulatedBufferCollectionInfo`: at most 256 MiB per buffer and 1 GiB per
//!   collection, or allocation fails with `ZX_ERR_NO_MEMORY`, i.e. `Error::NO_MEMORY`
//!   ([`check_caps`]).

use super::aggregate::Settings;
use crate::sysmem::types::{
    usage, BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage, CoherencyDomain,
    Error,
};

/// `kMaxSizeBytesPerBuffer`.
pub(super) const MAX_SIZE_BYTES_PER_BUFFER: u64 = 256 << 20;
/// `kMaxTotalSizeBytesPerCollection`.
pub(super) const MAX_TOTAL_SIZE_BYTES_PER_COLLECTION: u64 = 1 << 30;

/// Constraints as sysmem sees them: an empty table is `NONE_USAGE`.
pub(super) fn normalize(constraints: BufferCollectionConstraints) -> BufferCollectionConstraints {
    if constraints == BufferCollectionConstraints::default() {
        return BufferCollectionConstraints {
            usage: Some(BufferUsage {
                none: Some(usage::NONE_USAGE),
                ..Default::default()
            }),
            ..Default::default()
        };
    }
    constraints
}

/// Fails an aggregation where no participant has a usage other than `NONE_USAGE`.
pub(super) fn check_usages(all: &[&BufferCollectionConstraints]) -> Result<(), Error> {
    let real_usage = |c: &&BufferCollectionConstraints| {
        c.usage.as_ref().is_some_and(|u| {
            [u.cpu, u.vulkan, u.display, u.video]
                .iter()
                .any(|bits| bits.unwrap_or(0) != 0)
        })
    };
    if all.iter().any(real_usage) {
        Ok(())
    } else {
        Err(Error::CONSTRAINTS_INTERSECTION_EMPTY)
    }
}

/// Fails settings over sysmem's size caps.
pub(super) fn check_caps(settings: &Settings) -> Result<(), Error> {
    let total = settings
        .size_bytes
        .saturating_mul(u64::from(settings.buffer_count));
    if settings.size_bytes > MAX_SIZE_BYTES_PER_BUFFER
        || total > MAX_TOTAL_SIZE_BYTES_PER_COLLECTION
    {
        return Err(Error::NO_MEMORY);
    }
    Ok(())
}

/// Each participant's constraints with the coherency-domain defaults of
/// `CheckSanitizeBufferMemoryConstraints` made explicit.
///
/// # Errors
/// `CONSTRAINTS_INTERSECTION_EMPTY` when a participant set an empty `permitted_heaps`.
pub(super) fn with_defaults(
    all: &[&BufferCollectionConstraints],
) -> Result<Vec<BufferCollectionConstraints>, Error> {
    all.iter()
        .map(|&c| {
            let cpu_usage = c.usage.as_ref().and_then(|u| u.cpu).unwrap_or(0) != 0;
            let mut c = c.clone();
            let memory = c
                .buffer_memory_constraints
                .get_or_insert_with(BufferMemoryConstraints::default);
            if memory.permitted_heaps.as_ref().is_some_and(Vec::is_empty) {
                return Err(Error::CONSTRAINTS_INTERSECTION_EMPTY);
            }
            memory.cpu_domain_supported.get_or_insert(true);
            memory.ram_domain_supported.get_or_insert(!cpu_usage);
            memory
                .inaccessible_domain_supported
                .get_or_insert(!cpu_usage);
            Ok(c)
        })
        .collect()
}

/// Picks the RAM domain for a collection with display usage when every participant (their
/// constraints already [`with_defaults`]) supports it.
pub(super) fn prefer_ram_for_display(
    all: &[&BufferCollectionConstraints],
    settings: &mut Settings,
) {
    let display = all
        .iter()
        .any(|c| c.usage.as_ref().and_then(|u| u.display).unwrap_or(0) != 0);
    let ram = all.iter().all(|c| {
        c.buffer_memory_constraints
            .as_ref()
            .and_then(|m| m.ram_domain_supported)
            .unwrap_or(false)
    });
    if display && ram {
        settings.coherency_domain = CoherencyDomain::RAM;
    }
}

/// Fails an aggregation where no participant asked for a buffer size.
///
/// `aggregate` takes an unset `min_size_bytes` as 1 byte, so a size of 1 with nobody asking is
/// the default, not a request. A size implied by image-format constraints (larger) counts as
/// asked for, as it does in sysmem.
pub(super) fn check_size_requested(
    all: &[&BufferCollectionConstraints],
    settings: &Settings,
) -> Result<(), Error> {
    let asked = all.iter().any(|c| {
        c.buffer_memory_constraints
            .as_ref()
            .and_then(|m| m.min_size_bytes)
            .unwrap_or(0)
            > 0
    });
    if asked || settings.size_bytes > 1 {
        Ok(())
    } else {
        Err(Error::CONSTRAINTS_INTERSECTION_EMPTY)
    }
}
