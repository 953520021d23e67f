//! The `fuchsia.sysmem2` types of a buffer collection: constraints, usages, the allocated
//! collection, and the `Error` enum. The image side (`ImageFormatConstraints` and the
//! `fuchsia.images2` types) is in [`images`](super::images).
//!
//! Every type is a FIDL table, so every field is optional; the doc of each field says what
//! sysmem assumes when it is unset. Field ordinals are those of
//! `misttech/fuchsia:sdk/fidl/fuchsia.sysmem2/{constraints,results}.fidl`.

use super::images::ImageFormatConstraints;
use crate::fidl::{self, fidl_table, Decode, Decoder, Depth, Encode, Encoder, Layout};
use crate::zx::{self, AsHandleRef, HandleBased};

/// Generates a FIDL `flexible enum : uint32` (or `: uint64`) as a newtype with named values;
/// unknown values are kept as they are.
macro_rules! flexible_enum {
    (
        $(#[$meta:meta])*
        pub struct $name:ident : $repr:ty { $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name($repr);

        impl $name {
            $( $(#[$vmeta])* pub const $variant: $name = $name($value); )*

            /// The value from its raw integer.
            pub const fn from_raw(raw: $repr) -> $name {
                $name(raw)
            }

            /// The raw integer.
            pub const fn into_raw(self) -> $repr {
                self.0
            }

            /// The FIDL name of a known value.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($variant)), )*
                    _ => None,
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{name} ({})", self.0),
                    None => write!(f, "unknown {} {}", stringify!($name), self.0),
                }
            }
        }

        impl Layout for $name {
            const INLINE_SIZE: usize = std::mem::size_of::<$repr>();
        }

        impl Encode for $name {
            fn encode(self, encoder: &mut Encoder, offset: usize, depth: Depth) -> Result<(), fidl::EncodeError> {
                self.0.encode(encoder, offset, depth)
            }
        }

        impl Decode for $name {
            fn decode(decoder: &mut Decoder, offset: usize, depth: Depth) -> Result<Self, fidl::DecodeError> {
                <$repr>::decode(decoder, offset, depth).map($name)
            }
        }
    };
}

pub(crate) use flexible_enum;

flexible_enum! {
    /// `fuchsia.sysmem2/Error`: why sysmem failed a request or a collection.
    pub struct Error: u32 {
        /// Never sent on purpose.
        INVALID = 0,
        /// An unspecified failure.
        UNSPECIFIED = 1,
        /// The client broke the protocol's rules (e.g. `WaitForAllBuffersAllocated` before
        /// `SetConstraints`).
        PROTOCOL_DEVIATION = 2,
        /// The object asked for does not exist.
        NOT_FOUND = 3,
        /// A handle lacks rights the request needs.
        HANDLE_ACCESS_DENIED = 4,
        /// Allocation ran out of memory.
        NO_MEMORY = 5,
        /// The participants' constraints have no common solution.
        CONSTRAINTS_INTERSECTION_EMPTY = 6,
        /// Allocation has not been attempted yet (`CheckAllBuffersAllocated`).
        PENDING = 7,
        /// Too many group child combinations.
        TOO_MANY_GROUP_CHILD_COMBINATIONS = 8,
        /// No more strong VMO handles can be made.
        NO_MORE_STRONG_VMO_HANDLES = 9,
    }
}

flexible_enum! {
    /// `fuchsia.sysmem2/CoherencyDomain`: who keeps the buffer's caches coherent.
    pub struct CoherencyDomain: u32 {
        /// The CPU's caches are the point of coherency; participants that access the memory
        /// other than through the CPU cache must flush or invalidate.
        CPU = 0,
        /// RAM is the point of coherency; CPU accesses must flush / invalidate.
        RAM = 1,
        /// The CPU never accesses the memory (secure or device-only memory).
        INACCESSIBLE = 2,
    }
}

/// Usage bits of `BufferUsage.none`.
pub mod usage {
    /// `NONE_USAGE`: the participant takes part in allocation but gets no VMO handles.
    pub const NONE_USAGE: u32 = 1;

    /// `CPU_USAGE_READ`.
    pub const CPU_USAGE_READ: u32 = 1;
    /// `CPU_USAGE_READ_OFTEN`.
    pub const CPU_USAGE_READ_OFTEN: u32 = 2;
    /// `CPU_USAGE_WRITE` (a write usage).
    pub const CPU_USAGE_WRITE: u32 = 4;
    /// `CPU_USAGE_WRITE_OFTEN` (a write usage).
    pub const CPU_USAGE_WRITE_OFTEN: u32 = 8;

    /// `VULKAN_IMAGE_USAGE_TRANSFER_SRC`.
    pub const VULKAN_IMAGE_USAGE_TRANSFER_SRC: u32 = 0x1;
    /// `VULKAN_IMAGE_USAGE_TRANSFER_DST` (a write usage).
    pub const VULKAN_IMAGE_USAGE_TRANSFER_DST: u32 = 0x2;
    /// `VULKAN_IMAGE_USAGE_SAMPLED`.
    pub const VULKAN_IMAGE_USAGE_SAMPLED: u32 = 0x4;
    /// `VULKAN_IMAGE_USAGE_STORAGE` (a write usage).
    pub const VULKAN_IMAGE_USAGE_STORAGE: u32 = 0x8;
    /// `VULKAN_IMAGE_USAGE_COLOR_ATTACHMENT`.
    pub const VULKAN_IMAGE_USAGE_COLOR_ATTACHMENT: u32 = 0x10;
    /// `VULKAN_IMAGE_USAGE_STENCIL_ATTACHMENT`.
    pub const VULKAN_IMAGE_USAGE_STENCIL_ATTACHMENT: u32 = 0x20;
    /// `VULKAN_IMAGE_USAGE_TRANSIENT_ATTACHMENT`.
    pub const VULKAN_IMAGE_USAGE_TRANSIENT_ATTACHMENT: u32 = 0x40;
    /// `VULKAN_IMAGE_USAGE_INPUT_ATTACHMENT`.
    pub const VULKAN_IMAGE_USAGE_INPUT_ATTACHMENT: u32 = 0x80;

    /// `VULKAN_BUFFER_USAGE_TRANSFER_SRC`.
    pub const VULKAN_BUFFER_USAGE_TRANSFER_SRC: u32 = 0x1_0000;
    /// `VULKAN_BUFFER_USAGE_TRANSFER_DST`. Sysmem does not count it as a write usage.
    pub const VULKAN_BUFFER_USAGE_TRANSFER_DST: u32 = 0x2_0000;
    /// `VULKAN_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER`.
    pub const VULKAN_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER: u32 = 0x4_0000;
    /// `VULKAN_BUFFER_USAGE_STORAGE_TEXEL_BUFFER`.
    pub const VULKAN_BUFFER_USAGE_STORAGE_TEXEL_BUFFER: u32 = 0x8_0000;
    /// `VULKAN_BUFFER_USAGE_UNIFORM_BUFFER`.
    pub const VULKAN_BUFFER_USAGE_UNIFORM_BUFFER: u32 = 0x10_0000;
    /// `VULKAN_BUFFER_USAGE_STORAGE_BUFFER`.
    pub const VULKAN_BUFFER_USAGE_STORAGE_BUFFER: u32 = 0x20_0000;
    /// `VULKAN_BUFFER_USAGE_INDEX_BUFFER`.
    pub const VULKAN_BUFFER_USAGE_INDEX_BUFFER: u32 = 0x40_0000;
    /// `VULKAN_BUFFER_USAGE_VERTEX_BUFFER`.
    pub const VULKAN_BUFFER_USAGE_VERTEX_BUFFER: u32 = 0x80_0000;
    /// `VULKAN_BUFFER_USAGE_INDIRECT_BUFFER`.
    pub const VULKAN_BUFFER_USAGE_INDIRECT_BUFFER: u32 = 0x100_0000;

    /// `DISPLAY_USAGE_LAYER`.
    pub const DISPLAY_USAGE_LAYER: u32 = 1;
    /// `DISPLAY_USAGE_CURSOR`.
    pub const DISPLAY_USAGE_CURSOR: u32 = 2;

    /// `VIDEO_USAGE_HW_DECODER` (a write usage).
    pub const VIDEO_USAGE_HW_DECODER: u32 = 1;
    /// `VIDEO_USAGE_HW_ENCODER` (a write usage).
    pub const VIDEO_USAGE_HW_ENCODER: u32 = 2;
    /// `VIDEO_USAGE_CAPTURE`.
    pub const VIDEO_USAGE_CAPTURE: u32 = 8;
    /// `VIDEO_USAGE_DECRYPTOR_OUTPUT` (a write usage).
    pub const VIDEO_USAGE_DECRYPTOR_OUTPUT: u32 = 16;
    /// `VIDEO_USAGE_HW_DECODER_INTERNAL` (a write usage).
    pub const VIDEO_USAGE_HW_DECODER_INTERNAL: u32 = 32;
}

/// The heap bind string of ordinary system RAM.
pub const HEAP_TYPE_SYSTEM_RAM: &str = "fuchsia.sysmem.heap.HEAP_TYPE.SYSTEM_RAM";

fidl_table! {
    /// `fuchsia.sysmem2/BufferUsage`: how a participant will use the buffers. Unset fields are
    /// 0; at least one bit must be set overall, and `none` (`NONE_USAGE`) must be alone.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct BufferUsage {
        /// `NONE_USAGE` or 0.
        1 => none: u32,
        /// `CPU_USAGE_*` bits.
        2 => cpu: u32,
        /// `VULKAN_IMAGE_USAGE_*` / `VULKAN_BUFFER_USAGE_*` bits.
        3 => vulkan: u32,
        /// `DISPLAY_USAGE_*` bits.
        4 => display: u32,
        /// `VIDEO_USAGE_*` bits.
        5 => video: u32,
    }
}

fidl_table! {
    /// `fuchsia.sysmem2/Heap`: a memory heap, by bind string and id.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Heap {
        /// A bind string such as [`HEAP_TYPE_SYSTEM_RAM`].
        1 => heap_type: String [max 128],
        /// 0 (or unset) for singleton heaps; sysmem always fills it in the settings.
        2 => id: u64,
    }
}

fidl_table! {
    /// `fuchsia.sysmem2/BufferMemoryConstraints`: what memory a participant can use.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct BufferMemoryConstraints {
        /// Smallest buffer size in bytes; unset = 1.
        1 => min_size_bytes: u64,
        /// Largest buffer size in bytes; unset = no limit.
        2 => max_size_bytes: u64,
        /// Whether the buffers must be physically contiguous; unset = false.
        3 => physically_contiguous_required: bool,
        /// Whether the buffers must be in secure memory; unset = false.
        4 => secure_required: bool,
        /// Whether the CPU coherency domain is supported; unset = true.
        5 => cpu_domain_supported: bool,
        /// Whether the RAM coherency domain is supported; unset = false.
        6 => ram_domain_supported: bool,
        /// Whether the INACCESSIBLE coherency domain is supported; unset = false.
        7 => inaccessible_domain_supported: bool,
        /// The heaps the participant accepts; unset or empty = any.
        8 => permitted_heaps: Vec<Heap> [max 64],
    }
}

fidl_table! {
    /// `fuchsia.sysmem2/BufferCollectionConstraints`: one participant's constraints.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct BufferCollectionConstraints {
        /// How the participant uses the buffers; decides the VMO rights it gets.
        1 => usage: BufferUsage,
        /// Buffers the participant holds at once for a long time (summed over participants).
        2 => min_buffer_count_for_camping: u32,
        /// Extra buffers for this participant's own pipelining (summed).
        3 => min_buffer_count_for_dedicated_slack: u32,
        /// Extra buffers shared by all participants (max over participants).
        4 => min_buffer_count_for_shared_slack: u32,
        /// At least this many buffers; unset = 0.
        5 => min_buffer_count: u32,
        /// At most this many buffers; unset = no limit.
        6 => max_buffer_count: u32,
        /// The memory constraints; unset = none.
        7 => buffer_memory_constraints: BufferMemoryConstraints,
        /// The image layouts the participant accepts, one entry per set of (format, modifier)
        /// pairs with the same constraints; unset or empty = no image constraints (raw
        /// buffers, unless another participant gives some).
        8 => image_format_constraints: Vec<ImageFormatConstraints> [max 64],
    }
}

fidl_table! {
    /// `fuchsia.sysmem2/BufferMemorySettings`: the memory chosen for the collection.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct BufferMemorySettings {
        /// Buffer size in bytes (not page-rounded; the VMO is at least this large).
        1 => size_bytes: u64,
        /// Whether the buffers are physically contiguous.
        2 => is_physically_contiguous: bool,
        /// Whether the buffers are secure.
        3 => is_secure: bool,
        /// The coherency domain chosen.
        4 => coherency_domain: CoherencyDomain,
        /// The heap the buffers come from.
        5 => heap: Heap,
        /// The VMO size, as `zx_vmo_get_size` reports it.
        6 => raw_vmo_size: u64,
    }
}

fidl_table! {
    /// `fuchsia.sysmem2/SingleBufferSettings`: settings common to every buffer.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct SingleBufferSettings {
        /// The memory settings.
        1 => buffer_settings: BufferMemorySettings,
        /// The image layout every participant agreed on: one pixel format and modifier, one
        /// color space, and the sizes and row pitch constraints of the aggregate. Unset for a
        /// collection of raw buffers.
        2 => image_format_constraints: ImageFormatConstraints,
    }
}

fidl_table! {
    /// `fuchsia.sysmem2/VmoBuffer`: one buffer as one participant sees it.
    #[derive(Debug, Default)]
    pub struct VmoBuffer {
        /// This participant's own handle to the buffer, with rights derived from its usage and
        /// its token's attenuation masks; unset when the participant has no usage.
        1 => vmo: zx::Vmo,
        /// Offset of the usable data in the VMO (sysmem, and the host service, always send 0;
        /// importers honour any value).
        2 => vmo_usable_start: u64,
        /// Set only when `vmo` is a weak VMO handle: close `vmo` soon after this event pair's
        /// peer closes. The host service has no weak VMOs and never sets it.
        3 => close_weak_asap: EventPair,
    }
}

/// A `zx.Handle:EVENTPAIR` as a FIDL field (`VmoBuffer.close_weak_asap`): decoding checks the
/// object type. It owns its handle; [`EventPair::into_handle`] gives it up.
#[derive(Debug, PartialEq, Eq)]
pub struct EventPair(zx::Handle);

impl AsHandleRef for EventPair {
    fn as_handle_ref(&self) -> zx::HandleRef<'_> {
        zx::Unowned::new(&self.0)
    }
}

impl From<zx::Handle> for EventPair {
    fn from(handle: zx::Handle) -> EventPair {
        EventPair(handle)
    }
}

impl From<EventPair> for zx::Handle {
    fn from(pair: EventPair) -> zx::Handle {
        pair.0
    }
}

impl HandleBased for EventPair {}

impl fidl::HandleType for EventPair {
    const OBJECT_TYPE: zx::ObjectType = zx::ObjectType::EVENTPAIR;
}

impl Layout for EventPair {
    const INLINE_SIZE: usize = 4;
}

impl Encode for EventPair {
    fn encode(
        self,
        encoder: &mut Encoder,
        offset: usize,
        _depth: Depth,
    ) -> Result<(), fidl::EncodeError> {
        fidl::encode_handle(self, encoder, offset)
    }
}

impl Decode for EventPair {
    fn decode(
        decoder: &mut Decoder,
        offset: usize,
        depth: Depth,
    ) -> Result<Self, fidl::DecodeError> {
        fidl::decode_handle::<EventPair>(decoder, offset, depth)
    }
}

fidl_table! {
    /// `fuchsia.sysmem2/BufferCollectionInfo`: the allocated collection, as one participant
    /// sees it.
    #[derive(Debug, Default)]
    pub struct BufferCollectionInfo {
        /// Settings common to every buffer.
        1 => settings: SingleBufferSettings,
        /// The buffers; the vector's length is the buffer count.
        2 => buffers: Vec<VmoBuffer> [max 128],
        /// Identifies the collection for the life of the system; with a buffer's index it
        /// names that buffer whatever handle a participant holds.
        3 => buffer_collection_id: u64,
    }
}

impl BufferCollectionInfo {
    /// How many buffers the collection has (0 when `buffers` is unset).
    pub fn buffer_count(&self) -> usize {
        self.buffers.as_ref().map_or(0, Vec::len)
    }

    /// This participant's handle to buffer `index`, borrowed; `None` when there is no such
    /// buffer or the participant has none (sysmem sends no VMO to a participant without usage).
    pub fn vmo(&self, index: usize) -> Option<&zx::Vmo> {
        self.buffers.as_ref()?.get(index)?.vmo.as_ref()
    }

    /// Takes this participant's handle to buffer `index` out of the info (later calls for the
    /// same index return `None`); `None` as for [`Self::vmo`].
    pub fn take_vmo(&mut self, index: usize) -> Option<zx::Vmo> {
        self.buffers.as_mut()?.get_mut(index)?.vmo.take()
    }

    /// This participant's handles to every buffer, in buffer order; `None` when the collection
    /// has no buffers or a buffer came without a handle (a participant without usage gets none).
    pub fn into_vmos(self) -> Option<Vec<zx::Vmo>> {
        let buffers = self.buffers.filter(|b| !b.is_empty())?;
        buffers.into_iter().map(|buffer| buffer.vmo).collect()
    }
}

/// Most buffers in one collection (`MAX_COUNT_BUFFER_COLLECTION_INFO_BUFFERS`).
pub const MAX_BUFFERS: usize = 128;

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(vmo: Option<zx::Vmo>) -> VmoBuffer {
        VmoBuffer {
            vmo,
            ..Default::default()
        }
    }

    #[test]
    fn collection_accessors_say_what_they_return() {
        // Held by every unit test that counts handles: these VMOs must not show up in theirs.
        #[cfg(not(target_os = "fuchsia"))]
        let _lock = crate::platform::host::counters_lock();
        let first = zx::Vmo::create(4096).unwrap();
        let koid = first.get_koid().unwrap();
        let mut info = BufferCollectionInfo {
            buffers: Some(vec![buffer(Some(first)), buffer(None)]),
            ..Default::default()
        };
        assert_eq!(info.buffer_count(), 2);
        assert_eq!(info.vmo(0).map(|v| v.get_koid().unwrap()), Some(koid));
        assert!(info.vmo(1).is_none(), "buffer 1 came without a handle");
        assert!(info.vmo(2).is_none(), "there is no buffer 2");
        assert_eq!(info.take_vmo(0).map(|v| v.get_koid().unwrap()), Some(koid));
        assert!(info.take_vmo(0).is_none(), "taken once");
        assert_eq!(info.buffer_count(), 2, "taking a VMO keeps the buffer");
        assert!(info.into_vmos().is_none(), "a buffer without a handle");

        let vmos = BufferCollectionInfo {
            buffers: Some(vec![
                buffer(Some(zx::Vmo::create(1).unwrap())),
                buffer(Some(zx::Vmo::create(1).unwrap())),
            ]),
            ..Default::default()
        }
        .into_vmos()
        .expect("every buffer has a handle");
        assert_eq!(vmos.len(), 2);
        assert_eq!(BufferCollectionInfo::default().buffer_count(), 0);
        assert!(BufferCollectionInfo::default().into_vmos().is_none());
    }
}
