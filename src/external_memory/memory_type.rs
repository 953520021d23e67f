//! Memory-type selection: pure functions over `VkPhysicalDeviceMemoryProperties`.
//!
//! The scan follows the preferred-then-required rule: among the memory types allowed by *every*
//! mask that applies (the external handle's `memoryTypeBits` and the resource's
//! `VkMemoryRequirements::memoryTypeBits`), take the lowest-indexed type that has both the
//! required and the preferred property flags; failing that, the lowest-indexed type that has the
//! required ones. The intersection is not optional: on NVIDIA a host VMO reports `0b1100` while a
//! buffer allows `0b1111`.

use ash::vk;

/// How the caller asks for a memory type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MemoryTypeRequest {
    /// Exactly this `memoryTypeIndex`; it is validated, never replaced.
    Index(u32),
    /// The first allowed type with `required | preferred` flags, else the first with `required`.
    Properties {
        /// Flags the type must have.
        required: vk::MemoryPropertyFlags,
        /// Flags the type should have when one allowed type offers them.
        preferred: vk::MemoryPropertyFlags,
    },
}

impl std::fmt::Debug for MemoryTypeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Index(i) => f.debug_tuple("Index").field(&i).finish(),
            Self::Properties {
                required,
                preferred,
            } => f
                .debug_struct("Properties")
                .field("required", &crate::ash_debug::dbg(required))
                .field("preferred", &crate::ash_debug::dbg(preferred))
                .finish(),
        }
    }
}

impl Default for MemoryTypeRequest {
    /// Any allowed type, device-local preferred.
    fn default() -> Self {
        Self::Properties {
            required: vk::MemoryPropertyFlags::empty(),
            preferred: vk::MemoryPropertyFlags::DEVICE_LOCAL,
        }
    }
}

/// The mask with one bit set for every memory type the device reports (`memoryTypeCount` bits).
pub(crate) fn all_memory_type_bits(properties: &vk::PhysicalDeviceMemoryProperties) -> u32 {
    match properties.memory_type_count {
        0 => 0,
        n if n >= 32 => u32::MAX,
        n => (1u32 << n) - 1,
    }
}

/// The property flags of memory type `index`, or `None` when `index >= memoryTypeCount`.
pub(crate) fn memory_type_flags(
    properties: &vk::PhysicalDeviceMemoryProperties,
    index: u32,
) -> Option<vk::MemoryPropertyFlags> {
    if index >= properties.memory_type_count {
        return None;
    }
    properties
        .memory_types
        .get(index as usize)
        .map(|t| t.property_flags)
}

/// Whether bit `index` is set in `bits` (false for indices of 32 and above).
pub(crate) const fn contains_type(bits: u32, index: u32) -> bool {
    index < 32 && bits & (1 << index) != 0
}

/// The lowest-indexed memory type in `allowed_bits` whose flags contain `required | preferred`,
/// else the lowest one whose flags contain `required`; `None` when no allowed type has `required`.
///
/// `allowed_bits` is the intersection of every mask that applies; bits at or above
/// `memoryTypeCount` are ignored.
pub(crate) fn find_memory_type_index(
    properties: &vk::PhysicalDeviceMemoryProperties,
    allowed_bits: u32,
    required: vk::MemoryPropertyFlags,
    preferred: vk::MemoryPropertyFlags,
) -> Option<u32> {
    let allowed = allowed_bits & all_memory_type_bits(properties);
    let scan = |wanted: vk::MemoryPropertyFlags| {
        (0..properties.memory_type_count).find(|&i| {
            contains_type(allowed, i)
                && memory_type_flags(properties, i).is_some_and(|f| f.contains(wanted))
        })
    };
    scan(required | preferred).or_else(|| scan(required))
}

/// The mask of the types whose flags contain `flags`.
pub(crate) fn memory_types_with_flags(
    properties: &vk::PhysicalDeviceMemoryProperties,
    flags: vk::MemoryPropertyFlags,
) -> u32 {
    (0..properties.memory_type_count)
        .filter(|&i| memory_type_flags(properties, i).is_some_and(|f| f.contains(flags)))
        .fold(0, |bits, i| bits | (1 << i))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    type F = vk::MemoryPropertyFlags;

    /// A device with the given memory types, all on heap 0.
    pub(crate) fn device_with(types: &[F]) -> vk::PhysicalDeviceMemoryProperties {
        let mut p = vk::PhysicalDeviceMemoryProperties {
            memory_type_count: types.len() as u32,
            memory_heap_count: 1,
            ..Default::default()
        };
        for (slot, &flags) in p.memory_types.iter_mut().zip(types) {
            *slot = vk::MemoryType {
                property_flags: flags,
                heap_index: 0,
            };
        }
        p
    }

    /// lavapipe: one type with everything.
    pub(crate) fn lavapipe() -> vk::PhysicalDeviceMemoryProperties {
        device_with(&[F::DEVICE_LOCAL | F::HOST_VISIBLE | F::HOST_COHERENT | F::HOST_CACHED])
    }

    /// The NVIDIA layout measured on an H200: 5 types, host pointers land in 2 and 3.
    pub(crate) fn nvidia() -> vk::PhysicalDeviceMemoryProperties {
        device_with(&[
            F::empty(),
            F::DEVICE_LOCAL,
            F::HOST_VISIBLE | F::HOST_COHERENT,
            F::HOST_VISIBLE | F::HOST_COHERENT | F::HOST_CACHED,
            F::DEVICE_LOCAL | F::HOST_VISIBLE | F::HOST_COHERENT,
        ])
    }

    #[test]
    fn all_bits_follow_the_type_count() {
        assert_eq!(all_memory_type_bits(&device_with(&[])), 0);
        assert_eq!(all_memory_type_bits(&lavapipe()), 0b1);
        assert_eq!(all_memory_type_bits(&nvidia()), 0b1_1111);
        let full = device_with(&[F::DEVICE_LOCAL; 32]);
        assert_eq!(all_memory_type_bits(&full), u32::MAX);
    }

    #[test]
    fn flags_out_of_range_are_none() {
        // `assert!(==)`: ash's flags have no Debug in the tree's build of these tests.
        assert!(memory_type_flags(&lavapipe(), 1).is_none());
        assert!(memory_type_flags(&nvidia(), 1) == Some(F::DEVICE_LOCAL));
        assert!(memory_type_flags(&nvidia(), 99).is_none());
    }

    #[test]
    fn contains_type_handles_large_indices() {
        assert!(contains_type(0b100, 2));
        assert!(!contains_type(0b100, 1));
        assert!(!contains_type(u32::MAX, 32));
    }

    #[test]
    fn preferred_wins_when_allowed() {
        let p = nvidia();
        let found = find_memory_type_index(&p, 0b1100, F::HOST_VISIBLE, F::HOST_CACHED);
        assert_eq!(found, Some(3));
    }

    #[test]
    fn falls_back_to_required_only() {
        let p = nvidia();
        // Host-pointer bits on NVIDIA: DEVICE_LOCAL is preferred but not offered.
        let found = find_memory_type_index(&p, 0b1100, F::empty(), F::DEVICE_LOCAL);
        assert_eq!(found, Some(2));
    }

    #[test]
    fn intersection_is_respected() {
        let p = nvidia();
        // Buffer allows 0b1111, the VMO 0b1100: a DEVICE_LOCAL requirement cannot be met.
        assert_eq!(
            find_memory_type_index(&p, 0b1111 & 0b1100, F::DEVICE_LOCAL, F::empty()),
            None
        );
        assert_eq!(
            find_memory_type_index(&p, 0b1111, F::DEVICE_LOCAL, F::empty()),
            Some(1)
        );
    }

    #[test]
    fn bits_beyond_the_type_count_are_ignored() {
        let p = lavapipe();
        assert_eq!(
            find_memory_type_index(&p, 0b10, F::empty(), F::empty()),
            None
        );
        assert_eq!(
            find_memory_type_index(&p, u32::MAX, F::empty(), F::empty()),
            Some(0)
        );
    }

    #[test]
    fn types_with_flags() {
        assert_eq!(
            memory_types_with_flags(&nvidia(), F::DEVICE_LOCAL),
            0b1_0010
        );
        assert_eq!(
            memory_types_with_flags(&nvidia(), F::HOST_VISIBLE),
            0b1_1100
        );
        assert_eq!(memory_types_with_flags(&nvidia(), F::empty()), 0b1_1111);
    }

    #[test]
    fn default_request_prefers_device_local() {
        assert_eq!(
            MemoryTypeRequest::default(),
            MemoryTypeRequest::Properties {
                required: F::empty(),
                preferred: F::DEVICE_LOCAL
            }
        );
    }
}
