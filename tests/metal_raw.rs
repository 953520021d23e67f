//! Layout and registry values of the locally defined `VK_EXT_external_memory_metal` types.
//!
//! Expected values come from the registry (`vk.xml`, `vulkan_metal.h`, `vulkan_core.h`), not
//! from the code under test.

use core::ffi::c_void;
use core::mem::{align_of, offset_of, size_of};

use ash::vk;
use ash::vk::TaggedStructure;
use vmo_interop::metal::raw::*;

#[test]
fn extension_name_and_version() {
    assert_eq!(
        EXT_EXTERNAL_MEMORY_METAL_NAME.to_bytes(),
        b"VK_EXT_external_memory_metal"
    );
    assert_eq!(EXT_EXTERNAL_MEMORY_METAL_SPEC_VERSION, 1);
    assert_eq!(
        GET_MEMORY_METAL_HANDLE_EXT_NAME.to_bytes(),
        b"vkGetMemoryMetalHandleEXT"
    );
    assert_eq!(
        GET_MEMORY_METAL_HANDLE_PROPERTIES_EXT_NAME.to_bytes(),
        b"vkGetMemoryMetalHandlePropertiesEXT"
    );
}

#[test]
fn structure_types_match_the_registry() {
    // Extension 603: 1000000000 + (603 - 1) * 1000 + offset.
    assert_eq!(
        STRUCTURE_TYPE_IMPORT_MEMORY_METAL_HANDLE_INFO_EXT.as_raw(),
        1_000_602_000
    );
    assert_eq!(
        STRUCTURE_TYPE_MEMORY_METAL_HANDLE_PROPERTIES_EXT.as_raw(),
        1_000_602_001
    );
    assert_eq!(
        STRUCTURE_TYPE_MEMORY_GET_METAL_HANDLE_INFO_EXT.as_raw(),
        1_000_602_002
    );
    assert_eq!(
        ImportMemoryMetalHandleInfoEXT::STRUCTURE_TYPE.as_raw(),
        1_000_602_000
    );
    assert_eq!(
        MemoryMetalHandlePropertiesEXT::STRUCTURE_TYPE.as_raw(),
        1_000_602_001
    );
    assert_eq!(
        MemoryGetMetalHandleInfoEXT::STRUCTURE_TYPE.as_raw(),
        1_000_602_002
    );
    // Default() sets the tag, as ash's structures do.
    assert_eq!(
        ImportMemoryMetalHandleInfoEXT::default().s_type.as_raw(),
        1_000_602_000
    );
    assert_eq!(
        MemoryMetalHandlePropertiesEXT::default().s_type.as_raw(),
        1_000_602_001
    );
    assert_eq!(
        MemoryGetMetalHandleInfoEXT::default().s_type.as_raw(),
        1_000_602_002
    );
}

#[test]
fn handle_type_bits_match_the_registry() {
    assert_eq!(EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT.as_raw(), 0x1_0000);
    assert_eq!(
        EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_EXT.as_raw(),
        0x2_0000
    );
    assert_eq!(EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_EXT.as_raw(), 0x4_0000);
    // None of them collides with a bit ash already defines.
    let known = vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD
        | vk::ExternalMemoryHandleTypeFlags::OPAQUE_WIN32
        | vk::ExternalMemoryHandleTypeFlags::OPAQUE_WIN32_KMT
        | vk::ExternalMemoryHandleTypeFlags::D3D11_TEXTURE
        | vk::ExternalMemoryHandleTypeFlags::D3D11_TEXTURE_KMT
        | vk::ExternalMemoryHandleTypeFlags::D3D12_HEAP
        | vk::ExternalMemoryHandleTypeFlags::D3D12_RESOURCE
        | vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT
        | vk::ExternalMemoryHandleTypeFlags::HOST_MAPPED_FOREIGN_MEMORY_EXT
        | vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT
        | vk::ExternalMemoryHandleTypeFlags::ANDROID_HARDWARE_BUFFER_ANDROID
        | vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA
        | vk::ExternalMemoryHandleTypeFlags::RDMA_ADDRESS_NV
        | vk::ExternalMemoryHandleTypeFlags::SCREEN_BUFFER_QNX;
    for bit in [
        EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT,
        EXTERNAL_MEMORY_HANDLE_TYPE_MTLTEXTURE_EXT,
        EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_EXT,
    ] {
        assert!(!known.intersects(bit), "{bit:?} collides");
    }
}

/// C layout of `VkImportMemoryMetalHandleInfoEXT` on an LP64 target:
/// sType @0 (4) | pad 4 | pNext @8 (8) | handleType @16 (4) | pad 4 | handle @24 (8) = 32.
#[test]
#[cfg(target_pointer_width = "64")]
fn import_info_layout() {
    type T = ImportMemoryMetalHandleInfoEXT<'static>;
    assert_eq!(size_of::<T>(), 32);
    assert_eq!(align_of::<T>(), 8);
    assert_eq!(offset_of!(T, s_type), 0);
    assert_eq!(offset_of!(T, p_next), 8);
    assert_eq!(offset_of!(T, handle_type), 16);
    assert_eq!(offset_of!(T, handle), 24);
}

/// sType @0 | pad | pNext @8 | memoryTypeBits @16 | pad = 24.
#[test]
#[cfg(target_pointer_width = "64")]
fn properties_layout() {
    type T = MemoryMetalHandlePropertiesEXT<'static>;
    assert_eq!(size_of::<T>(), 24);
    assert_eq!(offset_of!(T, s_type), 0);
    assert_eq!(offset_of!(T, p_next), 8);
    assert_eq!(offset_of!(T, memory_type_bits), 16);
}

/// sType @0 | pad | pNext @8 | memory @16 (u64 handle) | handleType @24 | pad = 32.
#[test]
#[cfg(target_pointer_width = "64")]
fn get_info_layout() {
    type T = MemoryGetMetalHandleInfoEXT<'static>;
    assert_eq!(size_of::<T>(), 32);
    assert_eq!(offset_of!(T, s_type), 0);
    assert_eq!(offset_of!(T, p_next), 8);
    assert_eq!(offset_of!(T, memory), 16);
    assert_eq!(offset_of!(T, handle_type), 24);
}

/// The structures start with the `VkBaseInStructure` / `VkBaseOutStructure` prefix that pNext
/// walkers rely on.
#[test]
fn base_structure_prefix() {
    assert_eq!(
        offset_of!(ImportMemoryMetalHandleInfoEXT<'static>, p_next),
        offset_of!(vk::BaseInStructure<'static>, p_next)
    );
    assert_eq!(
        offset_of!(MemoryMetalHandlePropertiesEXT<'static>, p_next),
        offset_of!(vk::BaseOutStructure<'static>, p_next)
    );
    assert_eq!(
        offset_of!(MemoryGetMetalHandleInfoEXT<'static>, p_next),
        offset_of!(vk::BaseInStructure<'static>, p_next)
    );
}

#[test]
fn builders_set_fields() {
    let mut object = 0u8;
    let ptr = (&mut object as *mut u8).cast::<c_void>();
    let import = ImportMemoryMetalHandleInfoEXT::default()
        .handle_type(EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_EXT)
        .handle(ptr);
    assert_eq!(import.handle_type, EXTERNAL_MEMORY_HANDLE_TYPE_MTLHEAP_EXT);
    assert_eq!(import.handle, ptr);
    assert!(import.p_next.is_null());

    let memory = <vk::DeviceMemory as vk::Handle>::from_raw(0x1234);
    let get = MemoryGetMetalHandleInfoEXT::default()
        .memory(memory)
        .handle_type(EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT);
    assert_eq!(get.memory, memory);
    assert_eq!(get.handle_type, EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT);

    let props = MemoryMetalHandlePropertiesEXT::default().memory_type_bits(0b101);
    assert_eq!(props.memory_type_bits, 0b101);
}

/// `push_next` splices the import structure into a `VkMemoryAllocateInfo` chain.
#[test]
fn import_info_chains_into_memory_allocate_info() {
    let mut import = ImportMemoryMetalHandleInfoEXT::default()
        .handle_type(EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT);
    let mut dedicated = vk::MemoryDedicatedAllocateInfo::default();
    let import_addr = &import as *const ImportMemoryMetalHandleInfoEXT<'_> as *const c_void;
    let dedicated_addr = &dedicated as *const vk::MemoryDedicatedAllocateInfo<'_> as *const c_void;
    let info = vk::MemoryAllocateInfo::default()
        .push_next(&mut import)
        .push_next(&mut dedicated);
    // push_next prepends: info -> dedicated -> import -> NULL.
    assert_eq!(info.p_next, dedicated_addr);
    // SAFETY: the chain was just built from live locals.
    let second = unsafe { (*(info.p_next as *const vk::BaseInStructure<'_>)).p_next };
    assert_eq!(second as *const c_void, import_addr);
    // SAFETY: as above.
    let tag = unsafe { (*second).s_type };
    assert_eq!(tag.as_raw(), 1_000_602_000);
}

unsafe extern "system" fn fake_get(
    _: vk::Device,
    _: *const MemoryGetMetalHandleInfoEXT<'_>,
    _: *mut *mut c_void,
) -> vk::Result {
    vk::Result::ERROR_UNKNOWN
}

unsafe extern "system" fn fake_props(
    _: vk::Device,
    _: vk::ExternalMemoryHandleTypeFlags,
    _: *const c_void,
    _: *mut MemoryMetalHandlePropertiesEXT<'_>,
) -> vk::Result {
    vk::Result::ERROR_INVALID_EXTERNAL_HANDLE
}

#[test]
fn device_fn_loads_by_registry_name() {
    let mut asked = Vec::new();
    // SAFETY: the addresses returned have the commands' signatures.
    let table = unsafe {
        DeviceFn::load_with(|name| {
            asked.push(name.to_owned());
            match name.to_bytes() {
                b"vkGetMemoryMetalHandleEXT" => fake_get as *const c_void,
                b"vkGetMemoryMetalHandlePropertiesEXT" => fake_props as *const c_void,
                _ => core::ptr::null(),
            }
        })
    }
    .expect("both commands present");
    assert_eq!(asked.len(), 2);
    let mut props = MemoryMetalHandlePropertiesEXT::default();
    // SAFETY: the fakes ignore their arguments.
    let r = unsafe {
        table.get_memory_metal_handle_properties(
            vk::Device::null(),
            EXTERNAL_MEMORY_HANDLE_TYPE_MTLBUFFER_EXT,
            core::ptr::null(),
            &mut props,
        )
    };
    assert_eq!(r, vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
    let mut out = core::ptr::null_mut();
    let info = MemoryGetMetalHandleInfoEXT::default();
    // SAFETY: the fakes ignore their arguments.
    let r = unsafe { table.get_memory_metal_handle(vk::Device::null(), &info, &mut out) };
    assert_eq!(r, vk::Result::ERROR_UNKNOWN);
}

#[test]
fn device_fn_reports_the_missing_command() {
    // SAFETY: every address returned is null or a function of the right signature.
    let missing_all = unsafe { DeviceFn::load_with(|_| core::ptr::null()) }.unwrap_err();
    assert_eq!(missing_all.name, GET_MEMORY_METAL_HANDLE_EXT_NAME);
    // SAFETY: as above.
    let missing_props = unsafe {
        DeviceFn::load_with(|name| {
            if name == GET_MEMORY_METAL_HANDLE_EXT_NAME {
                fake_get as *const c_void
            } else {
                core::ptr::null()
            }
        })
    }
    .unwrap_err();
    assert_eq!(
        missing_props.name,
        GET_MEMORY_METAL_HANDLE_PROPERTIES_EXT_NAME
    );
    let message = missing_props.to_string();
    assert!(
        message.contains("vkGetMemoryMetalHandlePropertiesEXT"),
        "{message}"
    );
    assert!(
        message.contains("VK_EXT_external_memory_metal"),
        "{message}"
    );
}
