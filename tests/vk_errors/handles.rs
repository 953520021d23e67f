//! The VMO handle itself: closed, forged, of another type, missing a right, or resizable.

use super::*;

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
