//! Every import and export failure on a real driver: each names its VUID, hands the VMO back
//! untouched, and leaves no handle, VMO, mapping or device memory behind.

mod common;

use ash::vk;
use common::{live, transfer_buffer, Gpu};
use vmo_interop::external_memory::{DedicatedMismatch, ResourceKind};
use vmo_interop::vk::{
    AllocateError, AllocationInfo, ExportError, ImportError, ImportErrorKind, Interop, Resource,
    ValidationError,
};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

/// Runs `body` with a fresh device, holding the counters lock, and asserts nothing leaked.
fn leak_checked(body: impl FnOnce(&Gpu, &Interop)) {
    let _lock = vmo_interop::platform::host::counters_lock();
    let before = live();
    {
        let gpu = Gpu::new();
        body(&gpu, gpu.interop());
    }
    assert_eq!(live(), before, "handles, VMOs or mappings leaked");
}

fn vmo(size: u64) -> (zx::Vmo, zx::Koid) {
    let vmo = zx::Vmo::create(size).unwrap();
    let koid = vmo.get_koid().unwrap();
    (vmo, koid)
}

fn expect_validation(err: ImportError, koid: zx::Koid, vuid: &str) -> ValidationError {
    assert_eq!(err.vuid(), Some(vuid), "{err}");
    assert!(
        err.to_string().contains(vuid),
        "message names the VUID: {err}"
    );
    assert_eq!(
        err.vmo().get_koid().unwrap(),
        koid,
        "the VMO comes back untouched"
    );
    let source = std::error::Error::source(&err).expect("source() is the rule that was broken");
    assert!(
        source.downcast_ref::<ValidationError>().is_some(),
        "source() is the ValidationError: {source:?}"
    );
    match err.into_parts() {
        (ImportErrorKind::Validation(error), vmo) => {
            assert_eq!(vmo.get_koid().unwrap(), koid);
            error
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn closed_and_forged_handles_are_refused_with_04772() {
    leak_checked(|_, interop| {
        // A handle value that was closed: the error hands back exactly that value.
        let (closed, _) = vmo(4096);
        let raw = closed.raw_handle();
        drop(closed);
        // SAFETY: the value is stale; it is only inspected, and taken back out before drop.
        let stale = zx::Vmo::from(unsafe { zx::Handle::from_raw(raw) });
        let err = interop
            .import_memory(stale, &AllocationInfo::new())
            .unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ImportErrorKind::InvalidHandle {
                    status: zx::Status::BAD_HANDLE,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.vuid(),
            Some("VUID-VkImportMemoryZirconHandleInfoFUCHSIA-handle-04772")
        );
        assert!(err.to_string().contains("04772"));
        assert_eq!(err.into_vmo().into_handle().into_raw(), raw);

        // A forged value.
        // SAFETY: as above.
        let forged = zx::Vmo::from(unsafe { zx::Handle::from_raw(0xabcd_1234) });
        let err = interop
            .import_memory(forged, &AllocationInfo::new())
            .unwrap_err();
        assert!(
            matches!(err.kind(), ImportErrorKind::InvalidHandle { .. }),
            "{err:?}"
        );
        assert_eq!(err.into_vmo().into_handle().into_raw(), 0xabcd_1234);

        // The invalid handle.
        let invalid = zx::Vmo::from(zx::Handle::invalid());
        let err = interop
            .import_memory(invalid, &AllocationInfo::new())
            .unwrap_err();
        assert!(
            matches!(err.kind(), ImportErrorKind::InvalidHandle { .. }),
            "{err:?}"
        );
        assert!(err.into_vmo().is_invalid_handle());
    });
}

#[test]
fn a_channel_is_not_a_vmo() {
    leak_checked(|_, interop| {
        let (a, _b) = zx::Channel::create().unwrap();
        let koid = a.get_koid().unwrap();
        let not_a_vmo = zx::Vmo::from(a.into_handle());
        let err = interop
            .import_memory(not_a_vmo, &AllocationInfo::new())
            .unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ImportErrorKind::NotAVmo {
                    object_type: zx::ObjectType::CHANNEL,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.vuid(),
            Some("VUID-VkImportMemoryZirconHandleInfoFUCHSIA-handle-04772")
        );
        let back = zx::Channel::from(err.into_vmo().into_handle());
        assert_eq!(back.get_koid().unwrap(), koid);
    });
}

#[test]
fn missing_map_read_write_or_duplicate_is_named() {
    leak_checked(|_, interop| {
        for (rights, missing) in [
            (
                zx::Rights::READ | zx::Rights::WRITE | zx::Rights::DUPLICATE,
                zx::Rights::MAP,
            ),
            (
                zx::Rights::MAP | zx::Rights::READ | zx::Rights::DUPLICATE,
                zx::Rights::WRITE,
            ),
            (
                zx::Rights::MAP | zx::Rights::DUPLICATE,
                zx::Rights::READ | zx::Rights::WRITE,
            ),
            // The import hands the driver a duplicate, on every platform.
            (
                zx::Rights::MAP | zx::Rights::READ | zx::Rights::WRITE,
                zx::Rights::DUPLICATE,
            ),
            (
                zx::Rights::NONE,
                zx::Rights::MAP | zx::Rights::READ | zx::Rights::WRITE | zx::Rights::DUPLICATE,
            ),
        ] {
            let (full, koid) = vmo(4096);
            let narrowed = full.replace_handle(rights).unwrap();
            let err = interop
                .import_memory(narrowed, &AllocationInfo::new())
                .unwrap_err();
            match err.kind() {
                ImportErrorKind::MissingRights {
                    rights: had,
                    missing: named,
                    ..
                } => {
                    assert_eq!(*had, rights);
                    assert_eq!(*named, missing);
                }
                other => panic!("expected MissingRights, got {other:?}"),
            }
            assert!(err.to_string().contains("MAP | READ | WRITE"), "{err}");
            let back = err.into_vmo();
            assert_eq!(back.get_koid().unwrap(), koid);
            assert_eq!(
                back.basic_info().unwrap().rights,
                rights,
                "rights untouched"
            );
        }
    });
}

#[test]
fn allocation_size_zero_and_too_large() {
    leak_checked(|_, interop| {
        let (v, koid) = vmo(8192);
        let err = interop
            .import_memory(v, &AllocationInfo::new().allocation_size(0))
            .unwrap_err();
        let source = expect_validation(err, koid, "VUID-VkMemoryAllocateInfo-allocationSize-07902");
        assert!(matches!(source, ValidationError::AllocationSizeZero { .. }));

        let (v, koid) = vmo(8192);
        let err = interop
            .import_memory(v, &AllocationInfo::new().allocation_size(8193))
            .unwrap_err();
        let source = expect_validation(err, koid, "VUID-VkMemoryAllocateInfo-allocationSize-07903");
        assert_eq!(
            source,
            ValidationError::AllocationSizeExceedsPayload {
                handle_type: vmo_interop::vk::ExternalHandleType::ZirconVmo,
                allocation_size: 8193,
                payload_size: 8192,
            }
        );
    });
}

#[test]
fn memory_type_rules() {
    leak_checked(|gpu, interop| {
        let properties = interop.memory_properties();
        let (probe, _) = vmo(4096);
        let vmo_bits = interop.get_memory_zircon_handle_properties(&probe).unwrap();
        drop(probe);
        assert_ne!(vmo_bits, 0);
        eprintln!(
            "{}: {} memory types, a VMO allows {vmo_bits:#b}",
            gpu.device_name, properties.memory_type_count
        );

        // Out of range.
        let (v, koid) = vmo(4096);
        let count = properties.memory_type_count;
        let err = interop
            .import_memory(v, &AllocationInfo::new().memory_type_index(count))
            .unwrap_err();
        expect_validation(err, koid, "VUID-VkMemoryAllocateInfo-memoryTypeIndex-01714");

        // A DEVICE_LOCAL-only type, where the device has one (NVIDIA): never a host VMO's.
        let device_local_only = (0..count).find(|&i| {
            let flags = properties.memory_types[i as usize].property_flags;
            flags.contains(vk::MemoryPropertyFlags::DEVICE_LOCAL)
                && !flags.contains(vk::MemoryPropertyFlags::HOST_VISIBLE)
        });
        match device_local_only {
            Some(index) => {
                assert_eq!(
                    vmo_bits & (1 << index),
                    0,
                    "a host VMO cannot be device-local-only memory"
                );
                let (v, koid) = vmo(4096);
                let err = interop
                    .import_memory(v, &AllocationInfo::new().memory_type_index(index))
                    .unwrap_err();
                let msg = err.to_string();
                expect_validation(err, koid, "VUID-VkMemoryAllocateInfo-None-04749");
                assert!(msg.contains(&format!("{vmo_bits:#b}")), "{msg}");

                let (v, koid) = vmo(4096);
                let err = interop
                    .import_memory(
                        v,
                        &AllocationInfo::new().memory_properties(
                            properties.memory_types[index as usize].property_flags,
                            vk::MemoryPropertyFlags::empty(),
                        ),
                    )
                    .unwrap_err();
                let msg = err.to_string();
                expect_validation(err, koid, "VUID-VkMemoryAllocateInfo-None-04749");
                assert!(msg.contains("DEVICE_LOCAL"), "{msg}");
            }
            None => {
                // lavapipe: every type is host-visible and the VMO allows all of them, so the
                // path left is a resource whose requirements exclude the VMO's types.
                eprintln!("no device-local-only memory type: checking the requirements path");
                assert_eq!(
                    vmo_bits,
                    (1u32 << count) - 1,
                    "every type is host-visible, so a VMO should allow every type"
                );
            }
        }

        // Requirements that exclude every type the VMO allows (a resource of other memory).
        let requirements = vk::MemoryRequirements {
            size: 4096,
            alignment: 4096,
            memory_type_bits: !vmo_bits & ((1u32 << count) - 1),
        };
        let (v, koid) = vmo(4096);
        let err = interop
            .import_memory(
                v,
                &AllocationInfo::new()
                    .memory_type_index(vmo_bits.trailing_zeros())
                    .resource(Resource::BufferRequirements(requirements)),
            )
            .unwrap_err();
        let msg = err.to_string();
        let source = expect_validation(err, koid, "VUID-vkBindBufferMemory-memory-01035");
        assert!(matches!(
            source,
            ValidationError::MemoryTypeNotInRequirements { .. }
        ));
        assert!(
            msg.contains(&format!("{vmo_bits:#b}")),
            "shows the VMO's mask: {msg}"
        );
        assert!(
            msg.contains(&format!("{:#b}", requirements.memory_type_bits)),
            "shows the requirements' mask: {msg}"
        );
    });
}

fn dedicated_buffer(
    interop: &Interop,
    size: u64,
    usage: vk::BufferUsageFlags,
) -> vmo_interop::vk::Buffer {
    let info = vk::BufferCreateInfo::default()
        .size(size)
        .usage(usage)
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    // SAFETY: a valid create info without an external-memory structure.
    unsafe { interop.create_buffer(&info) }.unwrap()
}

fn image_16x16(interop: &Interop) -> vmo_interop::vk::Image {
    let info = common::image_info_16x16(
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageTiling::LINEAR,
        vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC,
    );
    // SAFETY: a valid create info without an external-memory structure.
    unsafe { interop.create_image(&info) }.unwrap()
}

#[test]
fn dedicated_imports_need_an_identical_dedicated_exporter() {
    leak_checked(|_, interop| {
        let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
        let exporter_buffer = dedicated_buffer(interop, 4096, usage);
        let exporter = interop
            .allocate_exportable_memory(
                &AllocationInfo::new().resource(Resource::DedicatedBuffer(&exporter_buffer)),
            )
            .unwrap();
        let export = || {
            let v = interop
                .get_memory_zircon_handle(&exporter, zx::Rights::SAME_RIGHTS)
                .unwrap();
            let koid = v.get_koid().unwrap();
            (v, koid)
        };

        // An identical buffer: accepted.
        let twin = dedicated_buffer(interop, 4096, usage);
        let (v, _) = export();
        let imported = interop
            .import_memory(
                v,
                &AllocationInfo::new().resource(Resource::DedicatedBuffer(&twin)),
            )
            .unwrap();
        drop(imported);

        // Other creation parameters.
        let other = dedicated_buffer(interop, 4096, vk::BufferUsageFlags::TRANSFER_DST);
        let (v, koid) = export();
        let err = interop
            .import_memory(
                v,
                &AllocationInfo::new().resource(Resource::DedicatedBuffer(&other)),
            )
            .unwrap_err();
        let source =
            expect_validation(err, koid, "VUID-VkMemoryDedicatedAllocateInfo-buffer-04752");
        assert!(matches!(
            source,
            ValidationError::DedicatedImportMismatch {
                reason: DedicatedMismatch::NotIdentical,
                ..
            }
        ));

        // An image importing buffer-dedicated memory.
        let image = image_16x16(interop);
        if image.requirements().memory.size <= 4096 {
            let (v, koid) = export();
            let err = interop
                .import_memory(
                    v,
                    &AllocationInfo::new().resource(Resource::DedicatedImage(&image)),
                )
                .unwrap_err();
            let source =
                expect_validation(err, koid, "VUID-VkMemoryDedicatedAllocateInfo-image-04751");
            assert!(matches!(
                source,
                ValidationError::DedicatedImportMismatch {
                    resource: ResourceKind::Image,
                    reason: DedicatedMismatch::OtherKind(ResourceKind::Buffer),
                    ..
                }
            ));
        }

        // A dedicated import of memory that was not exported dedicated.
        let plain = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let v = interop
            .get_memory_zircon_handle(&plain, zx::Rights::SAME_RIGHTS)
            .unwrap();
        let koid = v.get_koid().unwrap();
        let err = interop
            .import_memory(
                v,
                &AllocationInfo::new().resource(Resource::DedicatedBuffer(&twin)),
            )
            .unwrap_err();
        let source =
            expect_validation(err, koid, "VUID-VkMemoryDedicatedAllocateInfo-buffer-04752");
        assert!(matches!(
            source,
            ValidationError::DedicatedImportMismatch {
                reason: DedicatedMismatch::ExporterNotDedicated,
                ..
            }
        ));

        // A dedicated size other than the requirements size.
        let (v, koid) = export();
        let size = twin.requirements().memory.size;
        let err = interop
            .import_memory(
                v,
                &AllocationInfo::new()
                    .allocation_size(size - 1)
                    .resource(Resource::DedicatedBuffer(&twin)),
            )
            .unwrap_err();
        expect_validation(err, koid, "VUID-VkMemoryDedicatedAllocateInfo-buffer-02965");
        drop((plain, exporter, exporter_buffer, twin, other, image));
    });
}

#[test]
fn exporting_memory_not_allocated_for_export_names_04776() {
    leak_checked(|_, interop| {
        let (v, _) = vmo(4096);
        let imported = interop.import_memory(v, &AllocationInfo::new()).unwrap();
        let before = live();
        let err = interop
            .get_memory_zircon_handle(&imported, zx::Rights::SAME_RIGHTS)
            .unwrap_err();
        assert!(matches!(err, ExportError::NotExportable), "{err:?}");
        assert!(
            err.to_string()
                .contains("VUID-VkMemoryGetZirconHandleInfoFUCHSIA-handleType-04776"),
            "{err}"
        );
        assert_eq!(live(), before);
    });
}

#[test]
fn exporting_rights_beyond_the_drivers_names_them() {
    leak_checked(|_, interop| {
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();
        let before = live();
        let requested = zx::Rights::READ | zx::Rights::EXECUTE | zx::Rights::SET_POLICY;
        let err = interop
            .get_memory_zircon_handle(&memory, requested)
            .unwrap_err();
        match &err {
            ExportError::RightsNotAvailable {
                requested: r,
                available,
                missing,
            } => {
                assert_eq!(*r, requested);
                assert_eq!(*available, zx::Rights::VMO_DEFAULT);
                assert_eq!(*missing, zx::Rights::EXECUTE | zx::Rights::SET_POLICY);
            }
            other => panic!("expected RightsNotAvailable, got {other:?}"),
        }
        assert!(err.to_string().contains("EXECUTE"), "{err}");
        assert_eq!(live(), before, "the failed export leaked a handle");
    });
}

#[test]
fn exportable_allocation_needs_a_size() {
    leak_checked(|_, interop| {
        let err = interop
            .allocate_exportable_memory(&AllocationInfo::new())
            .unwrap_err();
        match err {
            AllocateError::Validation(e) => assert_eq!(
                e.vuid(),
                Some("VUID-VkMemoryAllocateInfo-allocationSize-07899")
            ),
            other => panic!("expected a validation error, got {other:?}"),
        }
        let buffer = transfer_buffer(interop, 4096);
        let err = interop
            .allocate_exportable_memory(
                &AllocationInfo::new()
                    .allocation_size(8192)
                    .resource(Resource::DedicatedBuffer(&buffer)),
            )
            .unwrap_err();
        match err {
            AllocateError::Validation(e) => assert_eq!(
                e.vuid(),
                Some("VUID-VkMemoryDedicatedAllocateInfo-buffer-02965")
            ),
            other => panic!("expected a validation error, got {other:?}"),
        }
    });
}

#[test]
fn a_resizable_vmo_reports_no_memory_types_and_is_refused_with_04749() {
    leak_checked(|_, interop| {
        for info in [
            AllocationInfo::new(),
            AllocationInfo::new().memory_type_index(0),
        ] {
            let resizable = zx::Vmo::create_with_opts(zx::VmoOptions::RESIZABLE, 4096).unwrap();
            let koid = resizable.get_koid().unwrap();
            let raw = resizable.raw_handle();
            // The host refuses to import it (its ZX_INFO_VMO flags say RESIZABLE: the host
            // imports a mapping, which shrinking would pull from under the device), so no
            // memory type can import it, although a fresh VMO reports some.
            assert_eq!(
                interop.get_memory_zircon_handle_properties(&resizable),
                Ok(0)
            );
            assert_ne!(interop.exportable_memory_type_bits(), 0);
            let err = interop.import_memory(resizable, &info).unwrap_err();
            assert_eq!(err.vmo().raw_handle(), raw, "the very handle comes back");
            let source = expect_validation(err, koid, "VUID-VkMemoryAllocateInfo-None-04749");
            assert_eq!(
                source,
                ValidationError::HandleNotImportable {
                    handle_type: vmo_interop::vk::ExternalHandleType::ZirconVmo
                }
            );
            assert!(source.to_string().contains("RESIZABLE"), "{source}");
        }
    });
}

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

        // An import of a closed handle value: refused, nothing taken.
        let (closed, _) = vmo(4096);
        let value = closed.raw_handle();
        drop(closed);
        let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
            .handle_type(zircon)
            .handle(value);
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .push_next(&mut import);
        assert_eq!(
            allocate(&info),
            Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE)
        );

        // An import struct naming another handle type (04771).
        let (v, _) = vmo(4096);
        let mut import = vk::ImportMemoryZirconHandleInfoFUCHSIA::default()
            .handle_type(vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD)
            .handle(v.raw_handle());
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(4096)
            .push_next(&mut import);
        assert_eq!(
            allocate(&info),
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

#[test]
fn disjoint_images_are_refused_before_vulkan() {
    leak_checked(|_, interop| {
        let info = common::image_info_16x16(
            vk::Format::G8_B8R8_2PLANE_420_UNORM,
            vk::ImageTiling::OPTIMAL,
            vk::ImageUsageFlags::SAMPLED,
        )
        .flags(vk::ImageCreateFlags::DISJOINT);
        // SAFETY: a create info valid for a device with sampler YCbCr conversion; refused before
        // Vulkan sees it (the harness asserts the layer saw nothing).
        let err = unsafe { interop.create_image(&info) }.unwrap_err();
        match err {
            AllocateError::Validation(e) => {
                assert_eq!(e, ValidationError::DisjointImage);
                assert_eq!(
                    e.vuid(),
                    Some("VUID-VkImageMemoryRequirementsInfo2-image-01589")
                );
                assert!(e.to_string().contains("without DISJOINT"), "{e}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    });
}
