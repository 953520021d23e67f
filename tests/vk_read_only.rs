//! Read-only consumers (issue 10 §4): a VMO without WRITE (as sysmem hands a compositor that
//! only samples) is imported read-only. The GPU may read it; on the host every binding that
//! could write it, and a host mapping of it, is refused by the layer, never silently dropped.

mod common;

use ash::vk;
use common::{bind, live, transfer_buffer, Gpu};
use vmo_interop::vk::{AllocationInfo, Backing, ImportErrorKind, Interop, Resource};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

/// What sysmem gives a participant without write usages.
const CONSUMER_RIGHTS: zx::Rights = zx::Rights::READ
    .union(zx::Rights::MAP)
    .union(zx::Rights::DUPLICATE)
    .union(zx::Rights::TRANSFER)
    .union(zx::Rights::GET_PROPERTY);

fn buffer(interop: &Interop, usage: vk::BufferUsageFlags) -> vmo_interop::vk::Buffer {
    let info = vk::BufferCreateInfo::default().size(4096).usage(usage);
    // SAFETY: a valid create info without an external-memory structure.
    unsafe { interop.create_buffer(&info) }.unwrap()
}

fn image(interop: &Interop, tiling: vk::ImageTiling) -> vmo_interop::vk::Image {
    let info = common::image_info_16x16(
        vk::Format::R8G8B8A8_UNORM,
        tiling,
        vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_SRC,
    );
    // SAFETY: a valid create info without an external-memory structure.
    unsafe { interop.create_image(&info) }.unwrap()
}

/// On a driver that cannot import a read-only host mapping (`Expectations::read_only_import`
/// false, NVIDIA): the layer reports no memory type for `vmo` and the read-only import is
/// refused before Vulkan sees it, naming VUID 04749, with the VMO handed back.
fn assert_read_only_import_refused(interop: &Interop, vmo: zx::Vmo, koid: zx::Koid) {
    assert_eq!(
        interop.get_memory_zircon_handle_properties(&vmo).unwrap(),
        0,
        "the layer reports only memory types an import can use"
    );
    let err = interop
        .import_memory_read_only(vmo, &AllocationInfo::new())
        .unwrap_err();
    assert_eq!(
        err.vuid(),
        Some("VUID-VkMemoryAllocateInfo-None-04749"),
        "{err}"
    );
    assert_eq!(
        err.into_vmo().get_koid().unwrap(),
        koid,
        "the VMO comes back"
    );
}

/// A 4 KiB VMO holding `pattern`, as the consumer receives it (no WRITE).
fn produced(pattern: &[u8]) -> (zx::Vmo, zx::Koid) {
    let vmo = zx::Vmo::create(4096).unwrap();
    vmo.write(pattern, 0).unwrap();
    let koid = vmo.get_koid().unwrap();
    (vmo.replace_handle(CONSUMER_RIGHTS).unwrap(), koid)
}

#[test]
fn the_gpu_reads_a_vmo_imported_without_write() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    'test: {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        let (vmo, koid) = produced(b"sampled, never written");
        if !gpu.expect.read_only_import {
            assert_read_only_import_refused(interop, vmo, koid);
            break 'test;
        }
        assert_ne!(
            interop.get_memory_zircon_handle_properties(&vmo).unwrap(),
            0,
            "the layer reports the memory types a read-only mapping can be imported as"
        );
        // The plain import still needs WRITE.
        let err = interop
            .import_memory(vmo, &AllocationInfo::new())
            .unwrap_err();
        assert!(
            matches!(err.kind(), ImportErrorKind::MissingRights { missing, .. } if *missing == zx::Rights::WRITE),
            "{err:?}"
        );
        let vmo = err.into_vmo();

        let source = buffer(interop, vk::BufferUsageFlags::TRANSFER_SRC);
        let memory = interop
            .import_memory_read_only(
                vmo,
                &AllocationInfo::new().resource(Resource::Buffer(&source)),
            )
            .unwrap();
        assert!(matches!(
            memory.backing(),
            Backing::ImportedVmo { koid: k, read_only: true, .. } if k == koid
        ));
        bind(interop, &source, &memory);

        // A GPU copy out of the read-only memory into exportable memory.
        let target = transfer_buffer(interop, 4096);
        let out = interop
            .allocate_exportable_memory(&AllocationInfo::new().resource(Resource::Buffer(&target)))
            .unwrap();
        bind(interop, &target, &out);
        gpu.copy(source.as_raw(), target.as_raw(), 4096);
        let seen = interop
            .get_memory_zircon_handle(&out, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let mut bytes = [0u8; 22];
        seen.read(&mut bytes, 0).unwrap();
        assert_eq!(&bytes, b"sampled, never written");
        drop((seen, out, target, memory, source));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

#[test]
fn what_could_write_read_only_memory_is_refused() {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    'test: {
        let gpu = Gpu::new();
        let interop = gpu.interop();
        // Even a VMO that has WRITE is read-only once imported read-only.
        let vmo = zx::Vmo::create(1 << 16).unwrap();
        if !gpu.expect.read_only_import {
            let koid = vmo.get_koid().unwrap();
            // The layer maps it read-only for the import, which this driver cannot take.
            let err = interop
                .import_memory_read_only(vmo, &AllocationInfo::new())
                .unwrap_err();
            // Its memory types are a writable VMO's, so validation passes; the layer, which
            // knows the driver cannot import the read-only mapping, refuses it with the
            // spec's code before the driver sees it.
            assert!(
                matches!(err.kind(), ImportErrorKind::Vulkan(error)
                    if error.result() == vk::Result::ERROR_INVALID_EXTERNAL_HANDLE),
                "{err:?}"
            );
            assert_eq!(
                err.into_vmo().get_koid().unwrap(),
                koid,
                "the VMO comes back"
            );
            break 'test;
        }
        let memory = interop
            .import_memory_read_only(vmo, &AllocationInfo::new())
            .unwrap();
        let device = interop.device();
        let refused = vk::Result::ERROR_VALIDATION_FAILED_EXT;

        for usage in [
            vk::BufferUsageFlags::TRANSFER_DST,
            vk::BufferUsageFlags::STORAGE_BUFFER,
            vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::STORAGE_TEXEL_BUFFER,
        ] {
            let writer = buffer(interop, usage);
            // SAFETY: live objects of this device; refused before the driver sees the call.
            let result = unsafe { device.bind_buffer_memory(writer.as_raw(), memory.as_raw(), 0) };
            assert_eq!(result, Err(refused), "{usage:?}");
            let infos = [vk::BindBufferMemoryInfo::default()
                .buffer(writer.as_raw())
                .memory(memory.as_raw())];
            // SAFETY: as above.
            assert_eq!(unsafe { device.bind_buffer_memory2(&infos) }, Err(refused));
        }
        // Optimal tiling may write layout metadata: refused; a linear sampled image reads only.
        let optimal = image(interop, vk::ImageTiling::OPTIMAL);
        // SAFETY: as above.
        let result = unsafe { device.bind_image_memory(optimal.as_raw(), memory.as_raw(), 0) };
        assert_eq!(result, Err(refused));
        let linear = image(interop, vk::ImageTiling::LINEAR);
        assert!(linear.requirements().memory.size <= 1 << 16);
        // SAFETY: live objects of this device; the memory is large enough (above) and of a type
        // a VMO can be imported as (lavapipe allows every type for images).
        unsafe { device.bind_image_memory(linear.as_raw(), memory.as_raw(), 0) }.unwrap();

        // A host mapping could be written through: refused; read through the VMO instead.
        // SAFETY: the call is refused before the driver sees it.
        let mapped = unsafe {
            device.map_memory(
                memory.as_raw(),
                0,
                vk::WHOLE_SIZE,
                vk::MemoryMapFlags::empty(),
            )
        };
        assert_eq!(mapped, Err(vk::Result::ERROR_MEMORY_MAP_FAILED));
        drop((linear, optimal, memory));
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}
