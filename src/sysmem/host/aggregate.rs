//! Pure rules of the host service: constraint validation and aggregation, and the VMO rights
//! each participant receives. No handles here, so every rule is unit-tested directly.

use super::image::{self, ImageSettings};
use crate::sysmem::types::{
    usage, BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage, CoherencyDomain,
    Error, Heap, HEAP_TYPE_SYSTEM_RAM,
};
use crate::zx::Rights;

/// `kMaxClientVmoRights`: BASIC, READ, WRITE, PROPERTY and MAP (0xC0EF). Sysmem never hands
/// out EXECUTE or SIGNAL.
pub(crate) const MAX_CLIENT_VMO_RIGHTS: Rights = Rights::from_bits_retain(0xC0EF);

/// The most buffers one collection may have here: every buffer is a handle in the
/// `WaitForAllBuffersAllocated` reply, and a channel message carries at most 64.
pub(crate) const MAX_BUFFER_COUNT: u32 = crate::fidl::MAX_MESSAGE_HANDLES as u32;

/// What allocation decided, common to every participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Buffers to allocate.
    pub buffer_count: u32,
    /// Size of each buffer (before page rounding): `BufferMemorySettings.size_bytes`.
    pub size_bytes: u64,
    /// Size of each VMO: `size_bytes` plus any image padding (`pad_*`), before page rounding.
    pub vmo_size_bytes: u64,
    /// The coherency domain chosen.
    pub coherency_domain: CoherencyDomain,
    /// The image layout chosen, for a collection of images.
    pub image: Option<ImageSettings>,
    /// What aggregation dropped on the way (formats without a common color space, ...), for
    /// the service's log.
    pub notes: Vec<String>,
}

/// Why aggregation failed: the error participants see and a reason naming the field, for the
/// service's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// The error every waiting participant receives.
    pub error: Error,
    /// What failed, naming the constraint field (as sysmem's log lines do).
    pub reason: String,
    /// What aggregation dropped before failing.
    pub notes: Vec<String>,
}

impl Rejection {
    /// A `CONSTRAINTS_INTERSECTION_EMPTY` failure for `reason`.
    pub(crate) fn empty(reason: String) -> Rejection {
        Rejection {
            error: Error::CONSTRAINTS_INTERSECTION_EMPTY,
            reason,
            notes: Vec::new(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.reason)
    }
}

/// Checks one participant's constraints when they arrive (`SetConstraints`).
///
/// # Errors
/// `PROTOCOL_DEVIATION` when the usage is missing or all zero, or `NONE_USAGE` is combined
/// with other usage bits or has another value.
pub(crate) fn validate(constraints: &BufferCollectionConstraints) -> Result<(), Error> {
    let Some(usage) = &constraints.usage else {
        return Err(Error::PROTOCOL_DEVIATION);
    };
    let others = [usage.cpu, usage.vulkan, usage.display, usage.video]
        .iter()
        .any(|bits| bits.unwrap_or(0) != 0);
    match usage.none.unwrap_or(0) {
        0 if others => Ok(()),
        usage::NONE_USAGE if !others => Ok(()),
        _ => Err(Error::PROTOCOL_DEVIATION),
    }
}

/// Whether the usage lets the participant write (sysmem's `IsWriteUsage`; display usages never
/// do, and `VULKAN_BUFFER_USAGE_*` bits do not count).
pub(crate) fn is_write_usage(usage: &BufferUsage) -> bool {
    const CPU: u32 = usage::CPU_USAGE_WRITE | usage::CPU_USAGE_WRITE_OFTEN;
    const VULKAN: u32 = usage::VULKAN_IMAGE_USAGE_TRANSFER_DST | usage::VULKAN_IMAGE_USAGE_STORAGE;
    const VIDEO: u32 = usage::VIDEO_USAGE_HW_DECODER
        | usage::VIDEO_USAGE_HW_DECODER_INTERNAL
        | usage::VIDEO_USAGE_DECRYPTOR_OUTPUT
        | usage::VIDEO_USAGE_HW_ENCODER;
    usage.cpu.unwrap_or(0) & CPU != 0
        || usage.vulkan.unwrap_or(0) & VULKAN != 0
        || usage.video.unwrap_or(0) & VIDEO != 0
}

/// The mask a token chain applies: `ZX_RIGHT_SAME_RIGHTS` (or the deprecated 0) attenuates
/// nothing, any other mask is ANDed with the parent's.
pub(crate) fn chain_mask(parent: Rights, mask: Option<Rights>) -> Rights {
    match mask {
        None => parent,
        Some(mask) if mask == Rights::SAME_RIGHTS || mask.bits() == 0 => parent,
        Some(mask) => parent & mask,
    }
}

/// The rights of the VMO handles a participant receives, or `None` for no handles (no
/// constraints, or `NONE_USAGE`): [`MAX_CLIENT_VMO_RIGHTS`], without WRITE unless the usage
/// writes, ANDed with the token chain's mask.
pub(crate) fn participant_rights(
    constraints: Option<&BufferCollectionConstraints>,
    mask: Rights,
) -> Option<Rights> {
    let usage = constraints?.usage.as_ref()?;
    if usage.none.unwrap_or(0) == usage::NONE_USAGE {
        return None;
    }
    let mut rights = MAX_CLIENT_VMO_RIGHTS;
    if !is_write_usage(usage) {
        rights.remove(Rights::WRITE);
    }
    Some(rights & mask)
}

/// Whether a permitted heap names the host's only heap, system RAM (singleton: id 0).
fn is_system_ram(heap: &Heap) -> bool {
    heap.heap_type.as_deref() == Some(HEAP_TYPE_SYSTEM_RAM) && heap.id.unwrap_or(0) == 0
}

/// The coherency domains one participant supports: CPU unless it says otherwise (also when it
/// gives no memory constraints), RAM and INACCESSIBLE only when it says so.
fn domains(memory: Option<&BufferMemoryConstraints>) -> [bool; 3] {
    match memory {
        None => [true, false, false],
        Some(m) => [
            m.cpu_domain_supported.unwrap_or(true),
            m.ram_domain_supported.unwrap_or(false),
            m.inaccessible_domain_supported.unwrap_or(false),
        ],
    }
}

/// Aggregates the constraints of every participant that set some:
///
/// | field | rule |
/// |---|---|
/// | camping, dedicated slack | sum |
/// | shared slack, `min_buffer_count` | max |
/// | `max_buffer_count` | min |
/// | `min_size_bytes` / `max_size_bytes` | max / min |
/// | coherency domains | intersection; CPU preferred, then RAM, then INACCESSIBLE |
/// | permitted heaps | intersection (the host has one heap, system RAM) |
/// | secure, physically contiguous | OR (the host has no such memory) |
///
/// The buffer count is the sum of camping and dedicated slack plus the largest shared slack,
/// raised to the largest `min_buffer_count`, and at least 1.
///
/// Image format constraints aggregate as `image` describes; the buffers are then at least as
/// large as the largest image they must hold.
///
/// # Errors
/// `CONSTRAINTS_INTERSECTION_EMPTY` when no settings satisfy every participant (including
/// more than [`MAX_BUFFER_COUNT`] buffers, secure or contiguous memory, or a heap list
/// without system RAM), with the reason.
pub(crate) fn aggregate(all: &[&BufferCollectionConstraints]) -> Result<Settings, Rejection> {
    let empty = |reason: &str| Rejection::empty(reason.to_owned());
    if all.is_empty() {
        return Err(empty("no participant set constraints"));
    }
    let (mut camping, mut dedicated, mut shared, mut min_count) = (0u64, 0u64, 0u64, 0u64);
    let mut max_count = u64::from(u32::MAX);
    let (mut min_size, mut max_size) = (1u64, u64::MAX);
    let mut supported = [true; 3];
    let (mut secure, mut contiguous) = (false, false);
    for c in all {
        camping += u64::from(c.min_buffer_count_for_camping.unwrap_or(0));
        dedicated += u64::from(c.min_buffer_count_for_dedicated_slack.unwrap_or(0));
        shared = shared.max(u64::from(c.min_buffer_count_for_shared_slack.unwrap_or(0)));
        min_count = min_count.max(u64::from(c.min_buffer_count.unwrap_or(0)));
        max_count = max_count.min(u64::from(c.max_buffer_count.unwrap_or(u32::MAX)));
        let memory = c.buffer_memory_constraints.as_ref();
        let participant = domains(memory);
        for (all, one) in supported.iter_mut().zip(participant) {
            *all &= one;
        }
        if let Some(m) = memory {
            min_size = min_size.max(m.min_size_bytes.unwrap_or(1));
            max_size = max_size.min(m.max_size_bytes.unwrap_or(u64::MAX));
            secure |= m.secure_required.unwrap_or(false);
            contiguous |= m.physically_contiguous_required.unwrap_or(false);
            if let Some(heaps) = m.permitted_heaps.as_ref().filter(|h| !h.is_empty()) {
                if !heaps.iter().any(is_system_ram) {
                    return Err(empty(
                        "buffer_memory_constraints.permitted_heaps: the host has only system RAM",
                    ));
                }
            }
        }
    }
    let count = (camping + dedicated + shared).max(min_count).max(1);
    if count > max_count {
        return Err(Rejection::empty(format!(
            "max_buffer_count {max_count} < the {count} buffers the participants need"
        )));
    }
    if count > u64::from(MAX_BUFFER_COUNT) {
        return Err(Rejection::empty(format!(
            "{count} buffers: at most {MAX_BUFFER_COUNT} fit one reply here"
        )));
    }
    if min_size > max_size {
        return Err(Rejection::empty(format!(
            "buffer_memory_constraints: min_size_bytes {min_size} > max_size_bytes {max_size}"
        )));
    }
    if secure {
        return Err(empty(
            "buffer_memory_constraints.secure_required: the host has no secure memory",
        ));
    }
    if contiguous {
        return Err(empty(
            "buffer_memory_constraints.physically_contiguous_required: the host has no contiguous memory",
        ));
    }
    let coherency_domain = match supported {
        [true, _, _] => CoherencyDomain::CPU,
        [false, true, _] => CoherencyDomain::RAM,
        [false, false, true] => CoherencyDomain::INACCESSIBLE,
        [false, false, false] => {
            return Err(empty(
                "buffer_memory_constraints.*_domain_supported: no coherency domain in common",
            ))
        }
    };
    let participants: Vec<image::Participant<'_>> = all
        .iter()
        .map(|c| image::Participant {
            list: c.image_format_constraints.as_deref().unwrap_or(&[]),
            none_usage: c
                .usage
                .as_ref()
                .is_some_and(|u| u.none.unwrap_or(0) == usage::NONE_USAGE),
        })
        .collect();
    let mut notes = Vec::new();
    let image = match image::aggregate(&participants, min_size, max_size, &mut notes) {
        Ok(image) => image,
        Err(mut rejection) => {
            rejection.notes = notes;
            return Err(rejection);
        }
    };
    let (size_bytes, vmo_size_bytes) = match &image {
        Some(image) => (image.size_bytes, image.padded_size_bytes),
        None => (min_size, min_size),
    };
    Ok(Settings {
        buffer_count: count as u32,
        size_bytes,
        vmo_size_bytes,
        coherency_domain,
        image,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: Error = Error::CONSTRAINTS_INTERSECTION_EMPTY;

    /// Aggregation's error alone.
    fn agg(all: &[&BufferCollectionConstraints]) -> Result<Settings, Error> {
        aggregate(all).map_err(|rejection| rejection.error)
    }

    fn cpu(bits: u32) -> BufferUsage {
        BufferUsage {
            cpu: Some(bits),
            ..Default::default()
        }
    }

    fn with(usage: BufferUsage) -> BufferCollectionConstraints {
        BufferCollectionConstraints {
            usage: Some(usage),
            ..Default::default()
        }
    }

    fn memory(m: BufferMemoryConstraints) -> BufferCollectionConstraints {
        BufferCollectionConstraints {
            usage: Some(cpu(usage::CPU_USAGE_READ)),
            buffer_memory_constraints: Some(m),
            ..Default::default()
        }
    }

    #[test]
    fn validate_usage() {
        assert_eq!(validate(&with(cpu(usage::CPU_USAGE_READ))), Ok(()));
        let none = BufferUsage {
            none: Some(usage::NONE_USAGE),
            ..Default::default()
        };
        assert_eq!(validate(&with(none.clone())), Ok(()));
        let mixed = BufferUsage {
            cpu: Some(1),
            ..none
        };
        assert_eq!(validate(&with(mixed)), Err(Error::PROTOCOL_DEVIATION));
        assert_eq!(
            validate(&with(BufferUsage::default())),
            Err(Error::PROTOCOL_DEVIATION)
        );
        assert_eq!(validate(&with(cpu(0))), Err(Error::PROTOCOL_DEVIATION));
        assert_eq!(
            validate(&BufferCollectionConstraints::default()),
            Err(Error::PROTOCOL_DEVIATION)
        );
        let bad_none = BufferUsage {
            none: Some(2),
            ..Default::default()
        };
        assert_eq!(validate(&with(bad_none)), Err(Error::PROTOCOL_DEVIATION));
    }

    #[test]
    fn write_usages_follow_sysmem() {
        assert!(is_write_usage(&cpu(usage::CPU_USAGE_WRITE)));
        assert!(is_write_usage(&cpu(usage::CPU_USAGE_WRITE_OFTEN)));
        assert!(!is_write_usage(&cpu(
            usage::CPU_USAGE_READ | usage::CPU_USAGE_READ_OFTEN
        )));
        let vk = |bits| BufferUsage {
            vulkan: Some(bits),
            ..Default::default()
        };
        assert!(is_write_usage(&vk(usage::VULKAN_IMAGE_USAGE_TRANSFER_DST)));
        assert!(is_write_usage(&vk(usage::VULKAN_IMAGE_USAGE_STORAGE)));
        assert!(!is_write_usage(&vk(
            usage::VULKAN_IMAGE_USAGE_COLOR_ATTACHMENT
        )));
        assert!(!is_write_usage(&vk(
            usage::VULKAN_BUFFER_USAGE_TRANSFER_DST
        )));
        assert!(!is_write_usage(&vk(
            usage::VULKAN_BUFFER_USAGE_STORAGE_BUFFER
        )));
        let display = BufferUsage {
            display: Some(usage::DISPLAY_USAGE_LAYER),
            ..Default::default()
        };
        assert!(!is_write_usage(&display));
        let video = |bits| BufferUsage {
            video: Some(bits),
            ..Default::default()
        };
        assert!(is_write_usage(&video(usage::VIDEO_USAGE_HW_DECODER)));
        assert!(is_write_usage(&video(usage::VIDEO_USAGE_HW_ENCODER)));
        assert!(is_write_usage(&video(usage::VIDEO_USAGE_DECRYPTOR_OUTPUT)));
        assert!(is_write_usage(&video(
            usage::VIDEO_USAGE_HW_DECODER_INTERNAL
        )));
        assert!(!is_write_usage(&video(usage::VIDEO_USAGE_CAPTURE)));
    }

    #[test]
    fn rights_per_participant() {
        let all = Rights::from_bits_retain(u32::MAX);
        let writer = with(cpu(usage::CPU_USAGE_WRITE));
        let reader = with(cpu(usage::CPU_USAGE_READ));
        assert_eq!(
            participant_rights(Some(&writer), all),
            Some(Rights::from_bits_retain(0xC0EF))
        );
        assert_eq!(
            participant_rights(Some(&reader), all),
            Some(Rights::from_bits_retain(0xC0E7))
        );
        let mask = chain_mask(all, Some(Rights::READ | Rights::MAP | Rights::TRANSFER));
        assert_eq!(
            participant_rights(Some(&writer), mask),
            Some(Rights::READ | Rights::MAP | Rights::TRANSFER)
        );
        let none = with(BufferUsage {
            none: Some(usage::NONE_USAGE),
            ..Default::default()
        });
        assert_eq!(participant_rights(Some(&none), all), None);
        assert_eq!(participant_rights(None, all), None);
    }

    #[test]
    fn masks_and_along_the_chain() {
        let all = Rights::from_bits_retain(u32::MAX);
        assert_eq!(chain_mask(all, None), all);
        assert_eq!(chain_mask(all, Some(Rights::SAME_RIGHTS)), all);
        assert_eq!(
            chain_mask(all, Some(Rights::empty())),
            all,
            "0 is the deprecated 'none'"
        );
        let first = chain_mask(all, Some(Rights::READ | Rights::WRITE | Rights::MAP));
        let second = chain_mask(first, Some(Rights::READ | Rights::TRANSFER));
        assert_eq!(second, Rights::READ);
        assert_eq!(chain_mask(second, Some(Rights::SAME_RIGHTS)), Rights::READ);
    }

    #[test]
    fn buffer_counts_combine() {
        let a = BufferCollectionConstraints {
            min_buffer_count_for_camping: Some(2),
            min_buffer_count_for_dedicated_slack: Some(1),
            min_buffer_count_for_shared_slack: Some(1),
            ..with(cpu(1))
        };
        let b = BufferCollectionConstraints {
            min_buffer_count_for_camping: Some(3),
            min_buffer_count_for_dedicated_slack: Some(2),
            min_buffer_count_for_shared_slack: Some(4),
            ..with(cpu(1))
        };
        // camping 2 + 3, dedicated 1 + 2, shared max(1, 4).
        assert_eq!(agg(&[&a, &b]).unwrap().buffer_count, 12);
        let c = BufferCollectionConstraints {
            min_buffer_count: Some(20),
            ..with(cpu(1))
        };
        assert_eq!(agg(&[&a, &b, &c]).unwrap().buffer_count, 20);
        let d = BufferCollectionConstraints {
            max_buffer_count: Some(11),
            ..with(cpu(1))
        };
        assert_eq!(agg(&[&a, &b, &d]), Err(EMPTY));
        let e = BufferCollectionConstraints {
            max_buffer_count: Some(12),
            ..with(cpu(1))
        };
        assert_eq!(agg(&[&a, &b, &e]).unwrap().buffer_count, 12);
        assert_eq!(
            agg(&[&with(cpu(1))]).unwrap().buffer_count,
            1,
            "at least one buffer"
        );
        let many = BufferCollectionConstraints {
            min_buffer_count: Some(65),
            ..with(cpu(1))
        };
        assert_eq!(agg(&[&many]), Err(EMPTY));
        let huge = BufferCollectionConstraints {
            min_buffer_count_for_camping: Some(u32::MAX),
            ..with(cpu(1))
        };
        assert_eq!(agg(&[&huge, &huge]), Err(EMPTY));
    }

    #[test]
    fn sizes_combine() {
        let a = memory(BufferMemoryConstraints {
            min_size_bytes: Some(4096),
            ..Default::default()
        });
        let b = memory(BufferMemoryConstraints {
            min_size_bytes: Some(10_000),
            max_size_bytes: Some(1 << 20),
            ..Default::default()
        });
        assert_eq!(agg(&[&a, &b]).unwrap().size_bytes, 10_000);
        let c = memory(BufferMemoryConstraints {
            max_size_bytes: Some(8192),
            ..Default::default()
        });
        assert_eq!(agg(&[&a, &b, &c]), Err(EMPTY));
        assert_eq!(agg(&[&with(cpu(1))]).unwrap().size_bytes, 1);
    }

    #[test]
    fn coherency_domains_intersect_with_cpu_preferred() {
        let m = |cpu, ram, inaccessible| {
            memory(BufferMemoryConstraints {
                cpu_domain_supported: cpu,
                ram_domain_supported: ram,
                inaccessible_domain_supported: inaccessible,
                ..Default::default()
            })
        };
        let all = m(Some(true), Some(true), Some(true));
        let ram_only = m(Some(false), Some(true), None);
        let device = m(Some(false), Some(true), Some(true));
        let inaccessible = m(Some(false), None, Some(true));
        let default = m(None, None, None);
        assert_eq!(agg(&[&all]).unwrap().coherency_domain, CoherencyDomain::CPU);
        assert_eq!(
            agg(&[&all, &ram_only]).unwrap().coherency_domain,
            CoherencyDomain::RAM
        );
        assert_eq!(
            agg(&[&device, &all]).unwrap().coherency_domain,
            CoherencyDomain::RAM
        );
        assert_eq!(
            agg(&[&inaccessible, &device]).unwrap().coherency_domain,
            CoherencyDomain::INACCESSIBLE
        );
        // Unset fields: CPU only, so a RAM-only participant cannot share with it.
        assert_eq!(
            agg(&[&default]).unwrap().coherency_domain,
            CoherencyDomain::CPU
        );
        assert_eq!(agg(&[&default, &ram_only]), Err(EMPTY));
        // No memory constraints at all: CPU.
        assert_eq!(agg(&[&with(cpu(1)), &inaccessible]), Err(EMPTY));
    }

    #[test]
    fn heaps_secure_and_contiguous() {
        let heaps = |list: Vec<Heap>| {
            memory(BufferMemoryConstraints {
                permitted_heaps: Some(list),
                ..Default::default()
            })
        };
        let ram = Heap {
            heap_type: Some(HEAP_TYPE_SYSTEM_RAM.into()),
            id: None,
        };
        let other = Heap {
            heap_type: Some("fuchsia.sysmem.heap.HEAP_TYPE.OTHER".into()),
            id: None,
        };
        assert!(agg(&[&heaps(vec![other.clone(), ram.clone()])]).is_ok());
        assert!(
            agg(&[&heaps(vec![])]).is_ok(),
            "an empty list permits any heap"
        );
        assert_eq!(agg(&[&heaps(vec![other])]), Err(EMPTY));
        let ram_id_1 = Heap { id: Some(1), ..ram };
        assert_eq!(agg(&[&heaps(vec![ram_id_1])]), Err(EMPTY));
        let secure = memory(BufferMemoryConstraints {
            secure_required: Some(true),
            inaccessible_domain_supported: Some(true),
            ..Default::default()
        });
        assert_eq!(agg(&[&secure]), Err(EMPTY));
        let contiguous = memory(BufferMemoryConstraints {
            physically_contiguous_required: Some(true),
            ..Default::default()
        });
        assert_eq!(agg(&[&contiguous]), Err(EMPTY));
        assert_eq!(agg(&[]), Err(EMPTY));
    }
}
