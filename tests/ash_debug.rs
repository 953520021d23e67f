//! `vmo_interop::ash_debug` prints what ash's own `debug` feature prints (on the host the tests
//! build ash with it), for every type it covers: the Fuchsia build, which has no ash `Debug`,
//! reads the same as the host's.

use ash::vk;
use vmo_interop::ash_debug::{dbg, AshDebug};

fn same<T: AshDebug + std::fmt::Debug + Copy>(value: T) {
    assert_eq!(
        format!("{:?}", dbg(value)),
        format!("{value:?}"),
        "ash_debug differs from ash"
    );
    assert_eq!(format!("{}", dbg(value)), format!("{value:?}"));
}

/// Every single bit, every pair of the low 20 bits, and all bits.
fn flag_values() -> Vec<u32> {
    let mut values: Vec<u32> = (0..32).map(|b| 1 << b).collect();
    for a in 0..20 {
        for b in a + 1..20 {
            values.push(1 << a | 1 << b);
        }
    }
    values.extend([0, u32::MAX]);
    values
}

macro_rules! check_flags {
    ($($ty:ident),*) => {$(
        for raw in flag_values() {
            same(vk::$ty::from_raw(raw));
        }
    )*};
}

#[test]
fn flags_print_as_ash_prints_them() {
    check_flags!(
        MemoryPropertyFlags,
        MemoryHeapFlags,
        ExternalMemoryHandleTypeFlags,
        ExternalMemoryFeatureFlags,
        BufferCreateFlags,
        BufferUsageFlags,
        ImageCreateFlags,
        ImageUsageFlags,
        SampleCountFlags,
        DebugUtilsMessageSeverityFlagsEXT,
        DebugUtilsMessageTypeFlagsEXT
    );
}

macro_rules! check_enums {
    ($($ty:ident),*) => {$(
        for raw in (-2..300).chain([1_000_156_000, 1_000_156_033, 1_000_001_002, i32::MAX]) {
            same(vk::$ty::from_raw(raw));
        }
    )*};
}

#[test]
fn enums_print_as_ash_prints_them() {
    check_enums!(
        ImageType,
        ImageTiling,
        ImageLayout,
        SharingMode,
        PhysicalDeviceType,
        Format
    );
}

#[test]
fn structs_print_as_ash_prints_them() {
    same(vk::MemoryRequirements {
        size: 65536,
        alignment: 4096,
        memory_type_bits: 0b1100,
    });
    same(vk::ImageFormatProperties {
        max_extent: vk::Extent3D {
            width: 16384,
            height: 16384,
            depth: 1,
        },
        max_mip_levels: 15,
        max_array_layers: 2048,
        sample_counts: vk::SampleCountFlags::TYPE_1 | vk::SampleCountFlags::TYPE_4,
        max_resource_size: 1 << 31,
    });
    same(vk::ExternalMemoryProperties {
        external_memory_features: vk::ExternalMemoryFeatureFlags::EXPORTABLE
            | vk::ExternalMemoryFeatureFlags::IMPORTABLE,
        export_from_imported_handle_types: vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA,
        compatible_handle_types: vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA,
    });
}

#[test]
fn options_print_like_options() {
    assert_eq!(
        format!("{:?}", dbg(Some(vk::MemoryPropertyFlags::HOST_VISIBLE))),
        "Some(HOST_VISIBLE)"
    );
    assert_eq!(
        format!("{:?}", dbg(None::<vk::MemoryPropertyFlags>)),
        "None"
    );
}
