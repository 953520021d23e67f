//! Refusals by the implementation after validation still hand the VMO back.

use super::*;

/// No validated import reaches a refusal by `vkAllocateMemory` any more (the properties query
/// reports 0 bits for what the host cannot map), short of running out of memory. The
/// implementation's own refusals are reached here through the unchecked twin and the raw table.
/// Both are invalid usage on purpose: the implementation answering is this crate's host
/// implementation, which documents these answers; no driver sees the calls.
#[test]
fn refusals_by_the_implementation_after_validation_hand_the_vmo_back() {
    leak_checked(|_, interop| {
        // A RESIZABLE VMO and a too-large size, past validation: vkAllocateMemory refuses with
        // VK_ERROR_INVALID_EXTERNAL_HANDLE and ImportError::Vulkan hands the very handle back.
        let resizable = zx::Vmo::create_with_opts(zx::VmoOptions::RESIZABLE, 4096).unwrap();
        let (small, _) = vmo(4096);
        for (candidate, size) in [(resizable, 4096), (small, 8192)] {
            let koid = candidate.get_koid().unwrap();
            let raw = candidate.raw_handle();
            // SAFETY: invalid on purpose (see the test's docs); the host layer refuses
            // before the driver sees anything and takes the handle only on success.
            let err =
                unsafe { interop.import_memory_unchecked(candidate, size, 0, None) }.unwrap_err();
            match err.into_parts() {
                (ImportErrorKind::Vulkan(error), vmo) => {
                    assert_eq!(error.result(), vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
                    assert_eq!(vmo.raw_handle(), raw, "the very handle comes back");
                    assert_eq!(vmo.get_koid().unwrap(), koid);
                }
                other => panic!("expected ImportError::Vulkan, got {other:?}"),
            }
        }

        let table = interop.table();
        let zircon = vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA;
        let allocate = |info: &vk::MemoryAllocateInfo<'_>| {
            // SAFETY: invalid on purpose (see the test's docs); nothing is allocated on failure.
            unsafe { table.allocate_memory(info) }
        };
        // A raw 4 KiB import of the value `handle` as `handle_type`.
        let import = |handle_type, handle| {
            let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
                .handle_type(handle_type)
                .handle(handle);
            allocate(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(4096)
                    .push_next(&mut import),
            )
        };

        // An import of a closed handle value: refused, nothing taken.
        let (closed, _) = vmo(4096);
        let value = closed.raw_handle();
        drop(closed);
        assert_eq!(
            import(zircon, value),
            Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)
        );

        // An import struct naming another handle type (04771).
        let (v, _) = vmo(4096);
        assert_eq!(
            import(vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD, v.raw_handle()),
            Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)
        );
        assert_eq!(
            v.basic_info().unwrap().rights,
            zx::Rights::VMO_DEFAULT,
            "still ours"
        );

        // An export of ZIRCON_VMO with another type: the host cannot export host memory as one.
        let mut export = vk::ExportMemoryAllocateInfo::default()
            .handle_types(zircon | vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD);
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .push_next(&mut export);
        assert_eq!(allocate(&info), Err(vk::Result::ERROR_UNKNOWN));

        // A chained structure the implementation cannot forward.
        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(zircon);
        let mut capture = vk::MemoryOpaqueCaptureAddressAllocateInfo::default();
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .push_next(&mut export)
            .push_next(&mut capture);
        assert_eq!(allocate(&info), Err(vk::Result::ERROR_UNKNOWN));

        // An export of zero bytes.
        let mut export = vk::ExportMemoryAllocateInfo::default().handle_types(zircon);
        let info = vk::MemoryAllocateInfo::default().push_next(&mut export);
        assert_eq!(
            allocate(&info),
            Err(vk::Result::ERROR_VALIDATION_FAILED_EXT)
        );

        // Exporting memory that was imported, not allocated for export (04776), and asking for
        // another handle type (04775); the properties query for another type (04773).
        let imported = interop.import_memory(v, &AllocationInfo::new()).unwrap();
        for (memory, handle_type) in [
            (imported.as_raw(), zircon),
            (
                imported.as_raw(),
                vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD,
            ),
        ] {
            let info = vk::MemoryGetZirconHandleInfoFUCHSIA::default()
                .memory(memory)
                .handle_type(handle_type);
            // SAFETY: invalid on purpose (see the test's docs); no handle is returned.
            let result = unsafe { table.get_memory_zircon_handle(&info) };
            assert_eq!(result, Err(vk::Result::ERROR_VALIDATION_FAILED_EXT));
        }
        let (probe, _) = vmo(4096);
        // SAFETY: invalid on purpose (see the test's docs); the handle is only borrowed.
        let result = unsafe {
            table.get_memory_zircon_handle_properties(
                vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD,
                probe.raw_handle(),
            )
        };
        assert_eq!(result, Err(vk::Result::ERROR_VALIDATION_FAILED_EXT));
        drop((imported, probe));
    });
}
