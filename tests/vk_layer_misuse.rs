//! A raw caller (ash only, no `Interop`) that breaks a rule of `VK_FUCHSIA_external_memory`
//! gets the spec's error code from the host layer, or a refusal where the spec leaves the
//! outcome undefined; the driver (and the validation layer below the host layer) never sees the
//! bad call, the caller's handle stays the caller's, and nothing leaks.

mod common;

use ash::vk;
use common::{live, raw_gpu, zircon_handle_properties, Gpu};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

const ZIRCON_VMO: vk::ExternalMemoryHandleTypeFlags =
    vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;
const INVALID: vk::Result = vk::Result::ERROR_INVALID_EXTERNAL_HANDLE;
const REFUSED: vk::Result = vk::Result::ERROR_VALIDATION_FAILED_EXT;

struct Raw {
    gpu: Gpu,
    ext: ash::fuchsia::external_memory::Device,
    /// A memory type a fresh VMO can be imported as.
    memory_type: u32,
}

impl Raw {
    fn new() -> Self {
        let gpu = raw_gpu();
        let ext = ash::fuchsia::external_memory::Device::new(&gpu.instance, &gpu.device);
        let probe = zx::Vmo::create(4096).unwrap();
        // SAFETY: a live VMO, borrowed for the query.
        let bits =
            unsafe { zircon_handle_properties(&ext, ZIRCON_VMO, probe.raw_handle()) }.unwrap();
        Self {
            gpu,
            ext,
            memory_type: bits.trailing_zeros(),
        }
    }

    fn allocate(&self, info: &vk::MemoryAllocateInfo<'_>) -> Result<vk::DeviceMemory, vk::Result> {
        // SAFETY: deliberately invalid chains (the test's point); nothing is allocated on
        // failure, and successes are freed by the caller.
        unsafe { self.gpu.device.allocate_memory(info, None) }
    }

    /// An import of `handle` (`allocation_size` bytes, `handle_type`).
    fn import(
        &self,
        handle_type: vk::ExternalMemoryHandleTypeFlags,
        handle: u32,
        allocation_size: u64,
        memory_type: u32,
    ) -> Result<vk::DeviceMemory, vk::Result> {
        let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
            .handle_type(handle_type)
            .handle(handle);
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(allocation_size)
            .memory_type_index(memory_type)
            .push_next(&mut import);
        self.allocate(&info)
    }

    fn export(
        &self,
        memory: vk::DeviceMemory,
        handle_type: vk::ExternalMemoryHandleTypeFlags,
    ) -> Result<u32, vk::Result> {
        let info = vk::MemoryGetZirconHandleInfoFUCHSIA::default()
            .memory(memory)
            .handle_type(handle_type);
        let mut handle = 0u32;
        // SAFETY: deliberately invalid requests; a returned handle is closed by the caller.
        unsafe {
            (self.ext.fp().get_memory_zircon_handle_fuchsia)(self.ext.device(), &info, &mut handle)
        }
        .result_with_success(handle)
    }

    fn free(&self, memory: vk::DeviceMemory) {
        // SAFETY: a live allocation of this device, unused by the GPU, freed once.
        unsafe { self.gpu.device.free_memory(memory, None) }
    }
}

/// Asserts `vmo` is still a live handle to `koid` with `rights` (the layer did not take it).
fn still_ours(vmo: &zx::Vmo, koid: zx::Koid, rights: zx::Rights) {
    let info = vmo.basic_info().expect("the handle is still live");
    assert_eq!((info.koid, info.rights), (koid, rights));
}

#[test]
fn imports_that_break_the_rules_get_invalid_external_handle_and_take_nothing() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let raw = Raw::new();
        let t = raw.memory_type;
        let vmo = zx::Vmo::create(8192).unwrap();
        let koid = vmo.get_koid().unwrap();
        let all = zx::Rights::VMO_DEFAULT;

        // 04772: a closed handle value, and a live handle that is not a VMO.
        let closed = zx::Vmo::create(4096).unwrap();
        let value = closed.raw_handle();
        drop(closed);
        assert_eq!(raw.import(ZIRCON_VMO, value, 4096, t), Err(INVALID));
        let (channel, _peer) = zx::Channel::create().unwrap();
        assert_eq!(
            raw.import(ZIRCON_VMO, channel.raw_handle(), 4096, t),
            Err(INVALID)
        );
        assert!(channel.basic_info().is_ok(), "the channel is still ours");

        // 04771: the import structure names another handle type.
        let fd = vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD;
        assert_eq!(raw.import(fd, vmo.raw_handle(), 4096, t), Err(INVALID));
        still_ours(&vmo, koid, all);

        // 07902 / 07903: allocationSize 0, or larger than the VMO.
        assert_eq!(raw.import(ZIRCON_VMO, vmo.raw_handle(), 0, t), Err(INVALID));
        assert_eq!(
            raw.import(ZIRCON_VMO, vmo.raw_handle(), 8193, t),
            Err(INVALID)
        );
        still_ours(&vmo, koid, all);

        // 04749: a memory type the VMO cannot be imported as (one past the last type).
        let past = raw.gpu.memory_properties.memory_type_count;
        assert_eq!(
            raw.import(ZIRCON_VMO, vmo.raw_handle(), 4096, past),
            Err(INVALID)
        );
        still_ours(&vmo, koid, all);

        // Without MAP the VMO cannot be mapped at all: 0 memory types, and an import anyway
        // is refused. (Without WRITE it is imported read-only: tests/vk_read_only.rs.)
        let unmappable = vmo
            .duplicate_handle(zx::Rights::READ | zx::Rights::WRITE | zx::Rights::DUPLICATE)
            .unwrap();
        // SAFETY: a live VMO, borrowed for the query.
        let bits =
            unsafe { zircon_handle_properties(&raw.ext, ZIRCON_VMO, unmappable.raw_handle()) };
        assert_eq!(bits, Ok(0));
        assert_eq!(
            raw.import(ZIRCON_VMO, unmappable.raw_handle(), 4096, t),
            Err(INVALID)
        );
        still_ours(
            &unmappable,
            koid,
            zx::Rights::READ | zx::Rights::WRITE | zx::Rights::DUPLICATE,
        );

        // The same VMO imports once the rules are kept.
        let memory = raw
            .import(ZIRCON_VMO, vmo.into_handle().into_raw(), 8192, t)
            .unwrap();
        raw.free(memory);
        drop((unmappable, channel));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn exports_and_queries_that_break_the_rules_are_refused() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let raw = Raw::new();
        let t = raw.memory_type;

        // 04776: memory allocated without VkExportMemoryAllocateInfo{ZIRCON_VMO}.
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .memory_type_index(t);
        let plain = raw.allocate(&info).unwrap();
        assert_eq!(raw.export(plain, ZIRCON_VMO), Err(REFUSED));
        raw.free(plain);

        // Imported memory is not exportable unless it was imported for export.
        let vmo = zx::Vmo::create(4096).unwrap();
        let imported = raw
            .import(ZIRCON_VMO, vmo.into_handle().into_raw(), 4096, t)
            .unwrap();
        assert_eq!(raw.export(imported, ZIRCON_VMO), Err(REFUSED));
        raw.free(imported);

        // 04775: another handle type.
        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(ZIRCON_VMO);
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .memory_type_index(t)
            .push_next(&mut export);
        let exportable = raw.allocate(&info).unwrap();
        let fd = vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD;
        assert_eq!(raw.export(exportable, fd), Err(REFUSED));
        let handle = raw.export(exportable, ZIRCON_VMO).unwrap();
        // SAFETY: a new handle, ours.
        drop(zx::Vmo::from(unsafe { zx::Handle::from_raw(handle) }));
        raw.free(exportable);

        // Export as ZIRCON_VMO and another type: host memory can be exported only as a VMO.
        let mut both = vk::ExportMemoryAllocateInfo::default().handle_types(ZIRCON_VMO | fd);
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .memory_type_index(t)
            .push_next(&mut both);
        assert_eq!(raw.allocate(&info), Err(vk::Result::ERROR_UNKNOWN));

        // 04773: the properties query for another handle type; a closed handle.
        let probe = zx::Vmo::create(4096).unwrap();
        // SAFETY: invalid on purpose (another handle type): the host layer answers, as the
        // test asserts, and no driver sees the call.
        let other_type = unsafe { zircon_handle_properties(&raw.ext, fd, probe.raw_handle()) };
        assert_eq!(other_type, Err(REFUSED));
        let value = probe.raw_handle();
        drop(probe);
        // SAFETY: as above, with a closed value.
        let closed = unsafe { zircon_handle_properties(&raw.ext, ZIRCON_VMO, value) };
        assert_eq!(closed, Err(INVALID));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn a_dedicated_import_of_memory_exported_for_another_resource_is_refused() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let raw = Raw::new();
        let device = &raw.gpu.device;
        let buffer = |usage| {
            let mut external =
                vk::ExternalMemoryBufferCreateInfo::default().handle_types(ZIRCON_VMO);
            let info = vk::BufferCreateInfo::default()
                .size(4096)
                .usage(usage)
                .push_next(&mut external);
            // SAFETY: a valid create info.
            unsafe { device.create_buffer(&info, None) }.unwrap()
        };
        let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
        let (exporter_buffer, twin, other) = (
            buffer(usage),
            buffer(usage),
            buffer(vk::BufferUsageFlags::TRANSFER_DST),
        );
        // SAFETY: a live buffer.
        let size = unsafe { device.get_buffer_memory_requirements(exporter_buffer) }.size;
        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(ZIRCON_VMO);
        let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().buffer(exporter_buffer);
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(size)
            .memory_type_index(raw.memory_type)
            .push_next(&mut export)
            .push_next(&mut dedicated);
        let exporter = raw.allocate(&info).unwrap();

        let import_for = |resource: vk::Buffer| {
            let handle = raw.export(exporter, ZIRCON_VMO).unwrap();
            // SAFETY: a new handle, ours until an import succeeds.
            let vmo = zx::Vmo::from(unsafe { zx::Handle::from_raw(handle) });
            let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
                .handle_type(ZIRCON_VMO)
                .handle(vmo.raw_handle());
            let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().buffer(resource);
            let info = vk::MemoryAllocateInfo::default()
                .allocation_size(size)
                .memory_type_index(raw.memory_type)
                .push_next(&mut import)
                .push_next(&mut dedicated);
            let result = raw.allocate(&info);
            if result.is_ok() {
                let _moved_into_vulkan = vmo.into_handle().into_raw();
            } else {
                assert!(vmo.basic_info().is_ok(), "a refused import takes nothing");
            }
            result
        };
        // 04752: other creation parameters.
        assert_eq!(import_for(other), Err(INVALID));
        // An identical buffer imports.
        let imported = import_for(twin).unwrap();
        raw.free(imported);
        raw.free(exporter);
        // SAFETY: unused by the GPU, destroyed once.
        unsafe {
            for b in [exporter_buffer, twin, other] {
                device.destroy_buffer(b, None);
            }
        }
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}
