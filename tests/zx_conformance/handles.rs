//! Handle values and koids (§3), `zx_handle_duplicate`, `zx_handle_replace`, `zx_handle_close`
//! (§5), and the generic precedence of errors (§4).

use super::*;

// ---------------------------------------------------------------------------------------------
// §3 Handle values and koids
// ---------------------------------------------------------------------------------------------

#[test]
fn handle_values_are_nonzero_with_the_fixed_low_bits_set() {
    let s = serial();
    let vmos: Vec<Vmo> = (0..64).map(|_| Vmo::create(1).unwrap()).collect();
    let (a, b) = Channel::create().unwrap();
    for raw in vmos
        .iter()
        .map(|v| v.raw_handle())
        .chain([a.raw_handle(), b.raw_handle()])
    {
        assert_ne!(raw, sys::ZX_HANDLE_INVALID);
        assert_eq!(
            raw & 0b11,
            0b11,
            "ZX_HANDLE_FIXED_BITS_MASK bits of {raw:#x}"
        );
    }
    drop((vmos, a, b));
    s.assert_no_leaks();
}

#[test]
fn forged_handle_values_are_bad_handle() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let live = vmo.raw_handle();
    // Values without the fixed bits, and live-looking values with a different generation.
    for forged in [
        1,
        2,
        4,
        8,
        live & !0b11,
        live ^ 0x8000_0000,
        live ^ 0x0010_0000,
        u32::MAX,
    ] {
        if forged == live {
            continue;
        }
        assert_eq!(
            basic_info(forged).unwrap_err(),
            sys::ZX_ERR_BAD_HANDLE,
            "{forged:#x}"
        );
        let mut size = 0;
        assert_eq!(
            raw::vmo_get_size(forged, &mut size),
            sys::ZX_ERR_BAD_HANDLE,
            "{forged:#x}"
        );
        assert_eq!(
            raw::handle_close(forged),
            sys::ZX_ERR_BAD_HANDLE,
            "{forged:#x}"
        );
    }
    assert!(is_live(live));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn handle_value_reused_slot_does_not_alias_the_closed_value() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    let stale = vmo.raw_handle();
    drop(vmo);
    // The host kernel keeps the slot index in bits 2..20 and the generation above; allocate
    // until a new handle lands in the stale value's slot.
    let index = |value: u32| value & 0x000F_FFFC;
    let channel = Channel::create().unwrap().0;
    let mut held = Vec::new();
    let reused = loop {
        let vmo = Vmo::create(1).unwrap();
        if index(vmo.raw_handle()) == index(stale) {
            break vmo;
        }
        held.push(vmo);
        assert!(held.len() < 300_000, "the slot was never reused");
    };
    assert_ne!(
        reused.raw_handle(),
        stale,
        "a reused slot must get a new value"
    );
    // The old value names nothing: not the new VMO, not anything else.
    assert_eq!(basic_info(stale).unwrap_err(), sys::ZX_ERR_BAD_HANDLE);
    let mut buf = [0u8; 1];
    assert_eq!(raw::vmo_read(stale, &mut buf, 0), sys::ZX_ERR_BAD_HANDLE);
    assert_eq!(raw::handle_close(stale), sys::ZX_ERR_BAD_HANDLE);
    assert!(
        is_live(reused.raw_handle()),
        "closing the stale value must not close the new one"
    );
    drop((reused, held, channel));
    s.assert_no_leaks();
}

#[test]
fn koids_start_at_zx_koid_first_and_are_never_reused() {
    let s = serial();
    let mut previous = 0;
    for _ in 0..100 {
        let vmo = Vmo::create(1).unwrap();
        let koid = vmo.get_koid().unwrap().raw_koid();
        assert!(koid >= sys::ZX_KOID_FIRST, "koid {koid} is reserved");
        assert_eq!(koid >> 63, 0, "kernel koids keep the top bit clear");
        assert!(
            koid > previous,
            "koid {koid} reused or out of order after {previous}"
        );
        previous = koid;
        drop(vmo);
    }
    s.assert_no_leaks();
}

#[test]
fn duplicate_shares_the_koid_with_a_new_value() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let dup = vmo.duplicate_handle(Rights::SAME_RIGHTS).unwrap();
    assert_ne!(dup.raw_handle(), vmo.raw_handle());
    assert_eq!(dup.get_koid(), vmo.get_koid());
    drop((vmo, dup));
    s.assert_no_leaks();
}

#[test]
fn channel_peers_related_koids_point_at_each_other() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let (ia, ib) = (a.basic_info().unwrap(), b.basic_info().unwrap());
    assert_ne!(ia.koid, ib.koid);
    assert_eq!(ia.related_koid, ib.koid);
    assert_eq!(ib.related_koid, ia.koid);
    assert_eq!(ia.object_type, ObjectType::CHANNEL);
    drop((a, b));
    s.assert_no_leaks();
}

#[test]
fn vmo_basic_info_has_type_vmo_and_no_related_koid() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let info = vmo.basic_info().unwrap();
    assert_eq!(info.object_type, ObjectType::VMO);
    assert_eq!(info.object_type.into_raw(), 3);
    assert_eq!(info.related_koid, Koid::INVALID);
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn handle_basic_info_needs_no_rights() {
    let s = serial();
    let vmo = vmo_with_rights(1, Rights::NONE);
    let info = vmo.basic_info().unwrap();
    assert_eq!(info.rights, Rights::NONE);
    assert_eq!(info.object_type, ObjectType::VMO);
    drop(vmo);
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// §5 zx_handle_duplicate
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_without_duplicate_right_is_access_denied_even_with_bad_rights() {
    let s = serial();
    let vmo = vmo_with_rights(1, Rights::VMO_DEFAULT - Rights::DUPLICATE);
    assert_eq!(
        vmo.duplicate_handle(Rights::READ).unwrap_err(),
        Status::ACCESS_DENIED
    );
    // `rights` is not a subset either: DUPLICATE is still checked first.
    assert_eq!(
        vmo.duplicate_handle(Rights::EXECUTE).unwrap_err(),
        Status::ACCESS_DENIED
    );
    assert_eq!(
        vmo.duplicate_handle(Rights::SAME_RIGHTS).unwrap_err(),
        Status::ACCESS_DENIED
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn duplicate_with_rights_not_a_subset_is_invalid_args() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    assert_eq!(
        vmo.duplicate_handle(Rights::EXECUTE).unwrap_err(),
        Status::INVALID_ARGS
    );
    assert_eq!(
        vmo.duplicate_handle(Rights::READ | Rights::EXECUTE)
            .unwrap_err(),
        Status::INVALID_ARGS
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn duplicate_same_rights_is_an_exact_sentinel_copying_the_source_rights() {
    let s = serial();
    let vmo = vmo_with_rights(1, Rights::DUPLICATE | Rights::READ | Rights::MAP);
    let dup = vmo.duplicate_handle(Rights::SAME_RIGHTS).unwrap();
    assert_eq!(
        dup.basic_info().unwrap().rights,
        Rights::DUPLICATE | Rights::READ | Rights::MAP
    );
    // SAME_RIGHTS with any other bit is not the sentinel, and not a subset.
    assert_eq!(
        vmo.duplicate_handle(Rights::SAME_RIGHTS | Rights::READ)
            .unwrap_err(),
        Status::INVALID_ARGS
    );
    drop((vmo, dup));
    s.assert_no_leaks();
}

#[test]
fn duplicate_with_zero_rights_gives_a_zero_rights_handle() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let dup = vmo.duplicate_handle(Rights::NONE).unwrap();
    assert_eq!(dup.basic_info().unwrap().rights, Rights::NONE);
    assert_eq!(dup.get_koid(), vmo.get_koid());
    drop((vmo, dup));
    s.assert_no_leaks();
}

#[test]
fn duplicate_of_a_closed_handle_is_bad_handle() {
    let s = serial();
    let stale = Vmo::create(1).unwrap().raw_handle_after_drop();
    let mut out = sys::ZX_HANDLE_INVALID;
    assert_eq!(
        raw::handle_duplicate(stale, sys::ZX_RIGHT_SAME_RIGHTS, &mut out),
        sys::ZX_ERR_BAD_HANDLE
    );
    assert_eq!(out, sys::ZX_HANDLE_INVALID);
    s.assert_no_leaks();
}

#[test]
fn duplicate_leaves_the_source_untouched_on_every_path() {
    let s = serial();
    let vmo = vmo_with_rights(1, Rights::DUPLICATE | Rights::READ);
    let before = vmo.basic_info().unwrap();
    assert_eq!(
        vmo.duplicate_handle(Rights::WRITE).unwrap_err(),
        Status::INVALID_ARGS
    );
    let ok = vmo.duplicate_handle(Rights::READ).unwrap();
    assert_eq!(vmo.basic_info().unwrap(), before);
    drop((vmo, ok));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// §5 zx_handle_replace
// ---------------------------------------------------------------------------------------------

#[test]
fn replace_needs_no_rights() {
    let s = serial();
    let vmo = vmo_with_rights(1, Rights::NONE);
    let koid = vmo.get_koid().unwrap();
    let replaced = vmo.replace_handle(Rights::NONE).unwrap();
    assert_eq!(replaced.get_koid().unwrap(), koid);
    drop(replaced);
    s.assert_no_leaks();
}

#[test]
fn replace_gives_a_new_value_with_the_same_koid_and_invalidates_the_old() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let (old, koid) = (vmo.raw_handle(), vmo.get_koid().unwrap());
    let replaced = vmo.replace_handle(Rights::READ).unwrap();
    assert_ne!(replaced.raw_handle(), old);
    assert_eq!(replaced.get_koid().unwrap(), koid);
    assert_eq!(replaced.basic_info().unwrap().rights, Rights::READ);
    assert_eq!(basic_info(old).unwrap_err(), sys::ZX_ERR_BAD_HANDLE);
    // SAME_RIGHTS keeps the rights, still under a new value.
    let same = replaced.replace_handle(Rights::SAME_RIGHTS).unwrap();
    assert_eq!(same.basic_info().unwrap().rights, Rights::READ);
    drop(same);
    s.assert_no_leaks();
}

#[test]
fn replace_with_rights_not_a_subset_is_invalid_args_and_consumes_the_handle() {
    let s = serial();
    let vmo = vmo_with_rights(1, Rights::READ);
    let old = vmo.raw_handle();
    assert_eq!(
        vmo.replace_handle(Rights::WRITE).unwrap_err(),
        Status::INVALID_ARGS
    );
    assert_eq!(basic_info(old).unwrap_err(), sys::ZX_ERR_BAD_HANDLE);
    // The object had no other handle: it is gone.
    s.assert_no_leaks();
}

#[test]
fn replace_of_a_channel_end_keeps_the_peer_open() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let a = a.replace_handle(Rights::SAME_RIGHTS).unwrap();
    assert_eq!(b.write(b"still open", &mut vec![]), Ok(()));
    let mut buf = zx::MessageBuf::new();
    assert_eq!(a.read(&mut buf), Ok(()));
    drop((a, b, buf));
    s.assert_no_leaks();
}

#[test]
fn replace_of_a_closed_handle_is_bad_handle() {
    let s = serial();
    let stale = Vmo::create(1).unwrap().raw_handle_after_drop();
    let mut out = sys::ZX_HANDLE_INVALID;
    assert_eq!(
        raw::handle_replace(stale, sys::ZX_RIGHT_SAME_RIGHTS, &mut out),
        sys::ZX_ERR_BAD_HANDLE
    );
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// §5 zx_handle_close
// ---------------------------------------------------------------------------------------------

#[test]
fn close_of_zx_handle_invalid_is_ok() {
    let s = serial();
    assert_eq!(raw::handle_close(sys::ZX_HANDLE_INVALID), sys::ZX_OK);
    s.assert_no_leaks();
}

#[test]
fn close_of_an_already_closed_handle_is_bad_handle() {
    let s = serial();
    let value = Vmo::create(1).unwrap().into_raw_handle();
    assert_eq!(raw::handle_close(value), sys::ZX_OK);
    assert_eq!(raw::handle_close(value), sys::ZX_ERR_BAD_HANDLE);
    s.assert_no_leaks();
}

#[test]
fn closing_the_last_handle_destroys_the_object() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    let dup = vmo.duplicate_handle(Rights::SAME_RIGHTS).unwrap();
    drop(vmo);
    assert_eq!(s.live_delta(), (1, 1, 0, 0));
    drop(dup);
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// §4 Generic precedence: BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_type_takes_precedence_over_access_denied() {
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    // A zero-rights channel handle used as a VMO: the type check comes first.
    let not_a_vmo = Vmo::from(a.replace_handle(Rights::NONE).unwrap().into_handle());
    let mut buf = [0u8; 1];
    assert_eq!(not_a_vmo.read(&mut buf, 0), Err(Status::WRONG_TYPE));
    assert_eq!(not_a_vmo.write(&buf, 0), Err(Status::WRONG_TYPE));
    assert_eq!(not_a_vmo.set_size(0), Err(Status::WRONG_TYPE));
    assert_eq!(not_a_vmo.get_size(), Err(Status::WRONG_TYPE));
    assert_eq!(
        not_a_vmo.map(0, 1, VmarFlags::PERM_READ).unwrap_err(),
        Status::WRONG_TYPE
    );
    drop((not_a_vmo, b));
    s.assert_no_leaks();
}

#[test]
fn bad_handle_takes_precedence_over_everything() {
    let s = serial();
    let stale = Vmo::create(1).unwrap().raw_handle_after_drop();
    let mut buf = [0u8; 1];
    assert_eq!(
        raw::vmo_read(stale, &mut buf, u64::MAX),
        sys::ZX_ERR_BAD_HANDLE
    );
    assert_eq!(
        raw::vmo_write(stale, &buf, u64::MAX),
        sys::ZX_ERR_BAD_HANDLE
    );
    assert_eq!(raw::vmo_set_size(stale, u64::MAX), sys::ZX_ERR_BAD_HANDLE);
    assert_eq!(
        raw::vmar_map_status(u32::MAX, stale, 1, 0),
        sys::ZX_ERR_BAD_HANDLE
    );
    assert_eq!(
        raw::channel_write(stale, 0, &[], &[]),
        sys::ZX_ERR_BAD_HANDLE
    );
    s.assert_no_leaks();
}

/// The suite's own leak check can fail: a live VMO made after the baseline is named by type.
/// (It catches the check's panic, so it needs `panic = "unwind"`.)
#[cfg(panic = "unwind")]
#[test]
fn the_leak_check_names_a_handle_made_after_the_baseline() {
    let s = serial();
    let vmo = zx::Vmo::create(4096).unwrap();
    assert!(!s.nothing_left());
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.assert_no_leaks()))
        .expect_err("a live VMO is a leak");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("handles of type VMO leaked"), "{message}");
    drop(vmo);
    assert!(s.nothing_left());
    s.assert_no_leaks();
}
