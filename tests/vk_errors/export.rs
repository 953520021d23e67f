//! Exports: memory not allocated for export, and rights beyond the driver's.

use super::*;

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
