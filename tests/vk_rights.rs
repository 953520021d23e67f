//! Export rights narrowing: every combination of READ, WRITE, MAP, DUPLICATE and TRANSFER gives
//! exactly those rights, at the cost of one kernel call beyond vkGetMemoryZirconHandleFUCHSIA
//! (none for SAME_RIGHTS); every export is a new handle to the same payload.

mod common;

use ash::vk;
use common::leak_checked;
use vmo_interop::vk::AllocationInfo;
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

/// Kernel calls the calling thread makes inside `f`.
fn calls<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = vmo_interop::platform::host::thread_kernel_calls();
    let value = f();
    (
        value,
        vmo_interop::platform::host::thread_kernel_calls() - before,
    )
}

#[test]
fn every_combination_of_rights_is_exact_and_costs_one_call() {
    leak_checked(|_, interop| {
        let memory = interop
            .allocate_exportable_memory(&AllocationInfo::new().allocation_size(4096))
            .unwrap();

        // What the extension call itself costs: a duplicate of the allocation's VMO.
        let info = vk::MemoryGetZirconHandleInfoFUCHSIA::default()
            .memory(memory.as_raw())
            .handle_type(vk::ExternalMemoryHandleTypeFlags::ZIRCON_VMO_FUCHSIA);
        // SAFETY: the memory is exportable as ZIRCON_VMO; we own the returned handle.
        let (raw, vulkan_calls) =
            calls(|| unsafe { interop.table().get_memory_zircon_handle(&info) }.unwrap());
        // SAFETY: the handle is new and ours.
        let driver = zx::Vmo::from(unsafe { zx::Handle::from_raw(raw) });
        let driver_info = driver.basic_info().unwrap();
        assert_eq!(
            driver_info.rights,
            zx::Rights::VMO_DEFAULT,
            "driver rights are 0xD0EF"
        );
        assert_eq!(driver_info.rights.bits(), 0xD0EF);
        let payload = driver_info.koid;
        drop(driver);
        eprintln!("vkGetMemoryZirconHandleFUCHSIA costs {vulkan_calls} kernel call(s)");

        let (same, cost) = calls(|| {
            interop
                .get_memory_zircon_handle(&memory, zx::Rights::SAME_RIGHTS)
                .unwrap()
        });
        assert_eq!(cost, vulkan_calls, "SAME_RIGHTS costs no extra kernel call");
        assert_eq!(same.basic_info().unwrap().rights, zx::Rights::VMO_DEFAULT);
        assert_eq!(same.get_koid().unwrap(), payload);

        let bits = [
            zx::Rights::READ,
            zx::Rights::WRITE,
            zx::Rights::MAP,
            zx::Rights::DUPLICATE,
            zx::Rights::TRANSFER,
        ];
        let mut handles = std::collections::HashSet::new();
        handles.insert(same.raw_handle());
        for mask in 0u32..32 {
            let rights = bits
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .fold(zx::Rights::NONE, |acc, (_, r)| acc | *r);
            let (vmo, cost) = calls(|| interop.get_memory_zircon_handle(&memory, rights).unwrap());
            assert_eq!(cost, vulkan_calls + 1, "{rights:?}: one zx_handle_replace");
            let info = vmo.basic_info().unwrap();
            assert_eq!(info.rights, rights, "exactly the requested rights");
            assert_eq!(info.koid, payload, "same payload");
            assert_eq!(info.object_type, zx::ObjectType::VMO);
            assert!(
                handles.insert(vmo.raw_handle()),
                "every export is a new handle"
            );
            // Narrowed handles really are narrowed: a handle without DUPLICATE cannot be
            // duplicated.
            let dup = vmo.duplicate_handle(zx::Rights::SAME_RIGHTS);
            if rights.contains(zx::Rights::DUPLICATE) {
                assert!(dup.is_ok());
            } else {
                assert_eq!(dup.unwrap_err(), zx::Status::ACCESS_DENIED);
            }
        }
        drop((same, memory));
    });
}
