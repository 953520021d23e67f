//! Conformance suite of the host kernel: one test per rule of `shared/reference/zircon.md`
//! (and of the syscall docs it cites), each asserting the exact status the Zircon kernel
//! returns. These tests are the specification of `zx::host`.
//!
//! Every test holds the shared counter lock (`zx_common::serial`) and most end by asserting
//! that nothing leaked. The suite drives the safe API (and a few raw calls of the C ABI), so
//! it runs unchanged against Zircon: BUILD.gn builds it for Fuchsia, where it checks the real
//! kernel (the host kernel's own counts, objects and kernel calls, are checked on the host
//! only).

mod zx_common;

use vmo_interop::zx::{
    self, sys, AsHandleRef, Channel, Handle, HandleBased, Koid, ObjectType, Rights, Status,
    VmarFlags, Vmo, VmoOptions,
};
use zx_common::raw;
use zx_common::{basic_info, is_live, serial};

const PAGE: u64 = 4096;

/// A VMO handle with exactly `rights`.
fn vmo_with_rights(size: u64, rights: Rights) -> Vmo {
    Vmo::create(size).unwrap().replace_handle(rights).unwrap()
}

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

// ---------------------------------------------------------------------------------------------
// §5 zx_vmo_create, sizes
// ---------------------------------------------------------------------------------------------

#[test]
fn vmo_create_rounds_the_size_up_to_the_page_and_keeps_the_content_size() {
    let s = serial();
    for (asked, rounded) in [
        (0, 0),
        (1, PAGE),
        (PAGE, PAGE),
        (PAGE + 1, 2 * PAGE),
        (10_000, 3 * PAGE),
    ] {
        let vmo = Vmo::create(asked).unwrap();
        assert_eq!(vmo.get_size(), Ok(rounded), "size of a {asked}-byte VMO");
        assert_eq!(
            vmo.get_content_size(),
            Ok(asked),
            "content size of a {asked}-byte VMO"
        );
    }
    s.assert_no_leaks();
}

#[test]
fn vmo_create_has_the_default_vmo_rights_0xd0ef() {
    let s = serial();
    let vmo = Vmo::create(1).unwrap();
    assert_eq!(vmo.basic_info().unwrap().rights.bits(), 0xD0EF);
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn vmo_contents_start_zero_filled() {
    let s = serial();
    let vmo = Vmo::create(3 * PAGE).unwrap();
    let mut buf = vec![0xAAu8; 3 * PAGE as usize];
    vmo.read(&mut buf, 0).unwrap();
    assert!(buf.iter().all(|&b| b == 0));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn vmo_create_with_unknown_options_is_invalid_args() {
    let s = serial();
    let err = Vmo::create_with_opts(VmoOptions::from_bits_retain(1 << 7), 1).unwrap_err();
    assert_eq!(err, Status::INVALID_ARGS);
    s.assert_no_leaks();
}

#[test]
fn vmo_create_too_large_is_out_of_range() {
    let s = serial();
    assert_eq!(Vmo::create(u64::MAX).unwrap_err(), Status::OUT_OF_RANGE);
    s.assert_no_leaks();
}

#[test]
fn vmo_get_size_needs_no_rights() {
    let s = serial();
    let vmo = vmo_with_rights(5000, Rights::NONE);
    assert_eq!(vmo.get_size(), Ok(2 * PAGE));
    drop(vmo);
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// §5 zx_vmo_read / zx_vmo_write
// ---------------------------------------------------------------------------------------------

#[test]
fn vmo_read_without_read_right_is_access_denied() {
    let s = serial();
    let vmo = vmo_with_rights(1, Rights::VMO_DEFAULT - Rights::READ);
    let mut buf = [0u8; 4];
    assert_eq!(vmo.read(&mut buf, 0), Err(Status::ACCESS_DENIED));
    // The rights check comes before the range check.
    assert_eq!(vmo.read(&mut buf, u64::MAX), Err(Status::ACCESS_DENIED));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn vmo_write_without_write_right_is_access_denied() {
    let s = serial();
    let vmo = vmo_with_rights(1, Rights::VMO_DEFAULT - Rights::WRITE);
    assert_eq!(vmo.write(b"data", 0), Err(Status::ACCESS_DENIED));
    assert_eq!(vmo.write(b"data", u64::MAX), Err(Status::ACCESS_DENIED));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn vmo_read_and_write_are_bounded_by_the_rounded_size_not_the_content_size() {
    let s = serial();
    let vmo = Vmo::create(100).unwrap();
    // Inside the page but past the content size: fine.
    vmo.write(b"tail", PAGE - 4).unwrap();
    let mut buf = [0u8; 4];
    vmo.read(&mut buf, PAGE - 4).unwrap();
    assert_eq!(&buf, b"tail");
    // One byte past the rounded size.
    assert_eq!(vmo.read(&mut buf, PAGE - 3), Err(Status::OUT_OF_RANGE));
    assert_eq!(vmo.write(b"tail", PAGE - 3), Err(Status::OUT_OF_RANGE));
    assert_eq!(vmo.read(&mut [0u8; 1], PAGE), Err(Status::OUT_OF_RANGE));
    // An empty access at the end is in range.
    assert_eq!(vmo.read(&mut [], PAGE), Ok(()));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn vmo_read_with_an_overflowing_offset_is_out_of_range() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    let mut buf = [0u8; 2];
    assert_eq!(vmo.read(&mut buf, u64::MAX), Err(Status::OUT_OF_RANGE));
    assert_eq!(vmo.write(&buf, u64::MAX - 1), Err(Status::OUT_OF_RANGE));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn vmo_write_does_not_change_the_content_size() {
    let s = serial();
    let vmo = Vmo::create(10).unwrap();
    vmo.write(&[7u8; 100], 0).unwrap();
    assert_eq!(vmo.get_content_size(), Ok(10));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn vmo_bytes_are_shared_by_every_handle() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    let reader = vmo.duplicate_handle(Rights::READ).unwrap();
    vmo.write(b"shared", 42).unwrap();
    let mut buf = [0u8; 6];
    reader.read(&mut buf, 42).unwrap();
    assert_eq!(&buf, b"shared");
    drop((vmo, reader));
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// §5 zx_vmo_set_size, content size
// ---------------------------------------------------------------------------------------------

#[test]
fn vmo_set_size_needs_resize_which_only_a_resizable_vmo_carries() {
    // The kernel's vmo ResizeRight test: a RESIZABLE VMO's handle carries ZX_RIGHT_RESIZE, a
    // plain one's does not, and zx_vmo_set_size needs it (ACCESS_DENIED without).
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    assert!(!vmo.basic_info().unwrap().rights.contains(Rights::RESIZE));
    assert_eq!(vmo.set_size(2 * PAGE), Err(Status::ACCESS_DENIED));
    assert_eq!(vmo.get_size(), Ok(PAGE));
    let resizable = Vmo::create_with_opts(VmoOptions::RESIZABLE, PAGE).unwrap();
    assert_eq!(
        resizable.basic_info().unwrap().rights,
        Rights::VMO_DEFAULT | Rights::RESIZE
    );
    let without_resize = resizable.duplicate_handle(Rights::VMO_DEFAULT).unwrap();
    assert_eq!(
        without_resize.set_size(2 * PAGE),
        Err(Status::ACCESS_DENIED)
    );
    assert_eq!(resizable.set_size(2 * PAGE), Ok(()));
    assert_eq!(resizable.get_size(), Ok(2 * PAGE));
    drop((vmo, resizable, without_resize));
    s.assert_no_leaks();
}

#[test]
fn vmo_set_size_without_write_is_access_denied_before_unavailable() {
    let s = serial();
    let fixed = vmo_with_rights(PAGE, Rights::VMO_DEFAULT - Rights::WRITE);
    assert_eq!(fixed.set_size(2 * PAGE), Err(Status::ACCESS_DENIED));
    let resizable = Vmo::create_with_opts(VmoOptions::RESIZABLE, PAGE)
        .unwrap()
        .replace_handle(Rights::VMO_DEFAULT - Rights::WRITE)
        .unwrap();
    assert_eq!(resizable.set_size(2 * PAGE), Err(Status::ACCESS_DENIED));
    drop((fixed, resizable));
    s.assert_no_leaks();
}

#[test]
fn vmo_set_size_rounds_up_keeps_the_content_size_and_zeroes_the_page_tail() {
    let s = serial();
    let vmo = Vmo::create_with_opts(VmoOptions::RESIZABLE, 2 * PAGE).unwrap();
    vmo.write(&[0xFF; 2 * PAGE as usize], 0).unwrap();
    vmo.set_size(PAGE + 10).unwrap();
    assert_eq!(vmo.get_size(), Ok(2 * PAGE));
    assert_eq!(vmo.get_content_size(), Ok(PAGE + 10));
    let mut page = vec![0u8; PAGE as usize];
    vmo.read(&mut page, PAGE).unwrap();
    assert!(
        page[..10].iter().all(|&b| b == 0xFF),
        "bytes below the new size are kept"
    );
    assert!(
        page[10..].iter().all(|&b| b == 0),
        "bytes from the new size to the page end are zero"
    );
    // Growing again exposes zeros, and the range check follows the new size.
    vmo.set_size(3 * PAGE).unwrap();
    let mut last = [0xAAu8; 8];
    vmo.read(&mut last, 3 * PAGE - 8).unwrap();
    assert_eq!(last, [0; 8]);
    vmo.set_size(PAGE).unwrap();
    assert_eq!(vmo.read(&mut last, PAGE), Err(Status::OUT_OF_RANGE));
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn vmo_get_content_size_needs_get_property() {
    let s = serial();
    let vmo = vmo_with_rights(10, Rights::VMO_DEFAULT - Rights::GET_PROPERTY);
    assert_eq!(vmo.get_content_size(), Err(Status::ACCESS_DENIED));
    drop(vmo);
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// §5 zx_vmar_map
// ---------------------------------------------------------------------------------------------

#[test]
fn map_without_map_right_is_access_denied() {
    let s = serial();
    let vmo = vmo_with_rights(PAGE, Rights::VMO_DEFAULT - Rights::MAP);
    assert_eq!(
        vmo.map(0, PAGE as usize, VmarFlags::PERM_READ).unwrap_err(),
        Status::ACCESS_DENIED
    );
    // MAP is checked before the arguments.
    assert_eq!(
        vmo.map(1, 0, VmarFlags::PERM_READ).unwrap_err(),
        Status::ACCESS_DENIED
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn map_perm_read_without_read_right_is_access_denied() {
    let s = serial();
    let vmo = vmo_with_rights(PAGE, Rights::MAP | Rights::WRITE);
    assert_eq!(
        vmo.map(0, PAGE as usize, VmarFlags::PERM_READ).unwrap_err(),
        Status::ACCESS_DENIED
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn map_perm_write_without_write_right_is_access_denied() {
    let s = serial();
    let vmo = vmo_with_rights(PAGE, Rights::MAP | Rights::READ);
    let flags = VmarFlags::PERM_READ | VmarFlags::PERM_WRITE;
    assert_eq!(
        vmo.map(0, PAGE as usize, flags).unwrap_err(),
        Status::ACCESS_DENIED
    );
    // Read-only mapping of the same handle is fine.
    let mapping = vmo.map(0, PAGE as usize, VmarFlags::PERM_READ).unwrap();
    drop((mapping, vmo));
    s.assert_no_leaks();
}

#[test]
fn map_perm_execute_without_execute_right_is_access_denied() {
    let s = serial();
    // ZX_DEFAULT_VMO_RIGHTS has no EXECUTE.
    let vmo = Vmo::create(PAGE).unwrap();
    let flags = VmarFlags::PERM_READ | VmarFlags::PERM_EXECUTE;
    assert_eq!(
        vmo.map(0, PAGE as usize, flags).unwrap_err(),
        Status::ACCESS_DENIED
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn map_perm_write_without_perm_read_is_invalid_args() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    assert_eq!(
        vmo.map(0, PAGE as usize, VmarFlags::PERM_WRITE)
            .unwrap_err(),
        Status::INVALID_ARGS
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn map_perm_write_without_perm_read_is_invalid_args_before_the_per_permission_rights() {
    let s = serial();
    // The kernel's order: MAP first (ACCESS_DENIED), then PERM_WRITE without PERM_READ
    // (INVALID_ARGS), and only then the right each PERM flag needs.
    let no_write = vmo_with_rights(PAGE, Rights::MAP | Rights::READ);
    assert_eq!(
        no_write
            .map(0, PAGE as usize, VmarFlags::PERM_WRITE)
            .unwrap_err(),
        Status::INVALID_ARGS
    );
    let no_map = vmo_with_rights(PAGE, Rights::READ | Rights::WRITE);
    assert_eq!(
        no_map
            .map(0, PAGE as usize, VmarFlags::PERM_WRITE)
            .unwrap_err(),
        Status::ACCESS_DENIED
    );
    assert_eq!(
        no_write
            .map(
                0,
                PAGE as usize,
                VmarFlags::PERM_READ | VmarFlags::PERM_WRITE
            )
            .unwrap_err(),
        Status::ACCESS_DENIED
    );
    drop((no_write, no_map));
    s.assert_no_leaks();
}

#[test]
fn map_with_an_unaligned_offset_or_zero_len_is_invalid_args() {
    let s = serial();
    let vmo = Vmo::create(2 * PAGE).unwrap();
    assert_eq!(
        vmo.map(1, PAGE as usize, VmarFlags::PERM_READ).unwrap_err(),
        Status::INVALID_ARGS
    );
    assert_eq!(
        vmo.map(PAGE / 2, 1, VmarFlags::PERM_READ).unwrap_err(),
        Status::INVALID_ARGS
    );
    assert_eq!(
        vmo.map(0, 0, VmarFlags::PERM_READ).unwrap_err(),
        Status::INVALID_ARGS
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn map_past_the_end_of_a_non_resizable_vmo_is_buffer_too_small() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    let flags = VmarFlags::PERM_READ;
    assert_eq!(
        vmo.map(0, PAGE as usize + 1, flags).unwrap_err(),
        Status::BUFFER_TOO_SMALL
    );
    assert_eq!(
        vmo.map(PAGE, 1, flags).unwrap_err(),
        Status::BUFFER_TOO_SMALL
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn map_with_an_overflowing_range_is_out_of_range() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    let offset = u64::MAX - PAGE + 1; // page-aligned
    assert_eq!(
        vmo.map(offset, 2 * PAGE as usize, VmarFlags::PERM_READ)
            .unwrap_err(),
        Status::OUT_OF_RANGE
    );
    drop(vmo);
    s.assert_no_leaks();
}

#[test]
fn a_resizable_vmo_maps_without_allow_faults() {
    // The current kernel refuses only discardable VMOs without ALLOW_FAULTS; its vmo tests
    // (Resize, GrowMappedVmo) map resizable ones plainly.
    let s = serial();
    let vmo = Vmo::create_with_opts(VmoOptions::RESIZABLE, PAGE).unwrap();
    let plain = vmo.map(0, PAGE as usize, VmarFlags::PERM_READ).unwrap();
    assert_eq!(plain.len(), PAGE as usize);
    drop(plain);
    let mapping = vmo
        .map(
            0,
            PAGE as usize,
            VmarFlags::PERM_READ | VmarFlags::ALLOW_FAULTS,
        )
        .unwrap();
    drop((mapping, vmo));
    s.assert_no_leaks();
}

#[test]
fn map_rounds_the_length_up_to_whole_pages() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    vmo.write(b"!", PAGE - 1).unwrap();
    let mapping = vmo.map(0, 1, VmarFlags::PERM_READ).unwrap();
    assert_eq!(mapping.len(), 1);
    assert_eq!(mapping.as_ptr() as u64 % PAGE, 0);
    // SAFETY: the mapping covers the whole first page.
    assert_eq!(
        unsafe { mapping.as_ptr().add(PAGE as usize - 1).read_volatile() },
        b'!'
    );
    drop((mapping, vmo));
    s.assert_no_leaks();
}

#[test]
fn mapping_shares_bytes_with_vmo_read_and_write() {
    let s = serial();
    let vmo = Vmo::create(2 * PAGE).unwrap();
    let mapping = vmo
        .map(
            PAGE,
            PAGE as usize,
            VmarFlags::PERM_READ | VmarFlags::PERM_WRITE,
        )
        .unwrap();
    vmo.write(b"from vmo_write", PAGE).unwrap();
    // SAFETY: the mapping is PAGE bytes long, readable and writable; nothing else accesses
    // these bytes concurrently.
    let mapped = unsafe { std::slice::from_raw_parts_mut(mapping.as_ptr(), PAGE as usize) };
    assert_eq!(&mapped[..14], b"from vmo_write");
    mapped[100..104].copy_from_slice(b"back");
    let mut buf = [0u8; 4];
    vmo.read(&mut buf, PAGE + 100).unwrap();
    assert_eq!(&buf, b"back");
    drop((mapping, vmo));
    s.assert_no_leaks();
}

#[test]
fn mapping_outlives_the_last_vmo_handle_and_keeps_the_bytes() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    vmo.write(b"kept alive", 0).unwrap();
    let mapping = vmo.map(0, PAGE as usize, VmarFlags::PERM_READ).unwrap();
    drop(vmo);
    // No handle is left, but the mapping still holds the VMO (the host kernel counts the
    // object and the mapping; Zircon reports only handles to a process).
    #[cfg(target_os = "linux")]
    assert_eq!(s.live_delta(), (0, 1, 0, 1));
    #[cfg(not(target_os = "linux"))]
    assert_eq!(s.live_delta(), (0, 0, 0, 0));
    // SAFETY: the mapping is live and at least 10 bytes long.
    let bytes = unsafe { std::slice::from_raw_parts(mapping.as_ptr(), 10) };
    assert_eq!(bytes, b"kept alive");
    drop(mapping);
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// Helpers on the safe types used above
// ---------------------------------------------------------------------------------------------

trait RawAfterDrop {
    /// Closes the handle and returns its (now dead) value.
    fn raw_handle_after_drop(self) -> sys::zx_handle_t;
    /// Gives up ownership; the test closes the value itself.
    fn into_raw_handle(self) -> sys::zx_handle_t;
}

impl<T: HandleBased> RawAfterDrop for T {
    fn raw_handle_after_drop(self) -> sys::zx_handle_t {
        let value = self.raw_handle();
        drop(self);
        value
    }

    fn into_raw_handle(self) -> sys::zx_handle_t {
        self.into_handle().into_raw()
    }
}

#[test]
fn handle_invalid_owns_nothing_and_closes_nothing() {
    let s = serial();
    #[cfg(target_os = "linux")]
    let calls = vmo_interop::platform::host::thread_kernel_calls();
    let invalid = Handle::invalid();
    assert!(invalid.is_invalid());
    assert_eq!(invalid.basic_info().unwrap_err(), Status::BAD_HANDLE);
    drop(invalid);
    // basic_info is one call; dropping an invalid handle makes none (the host kernel counts
    // its calls; Zircon does not report them).
    #[cfg(target_os = "linux")]
    assert_eq!(
        vmo_interop::platform::host::thread_kernel_calls() - calls,
        1
    );
    s.assert_no_leaks();
}

#[test]
fn map_refuses_flags_that_vmar_flags_does_not_name() {
    // ZX_VM_SPECIFIC_OVERWRITE (1 << 5 of the placement bits) would let a mapping replace live
    // memory: the safe wrapper refuses any bit it does not name before the kernel sees it.
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    for raw in [sys::ZX_VM_SPECIFIC, sys::ZX_VM_SPECIFIC_OVERWRITE, 1 << 30] {
        let flags = VmarFlags::PERM_READ | VmarFlags::from_bits_retain(raw);
        assert_eq!(
            vmo.map(0, PAGE as usize, flags).unwrap_err(),
            Status::INVALID_ARGS,
            "{raw:#x}"
        );
    }
    drop(vmo);
    s.assert_no_leaks();
}

// ---------------------------------------------------------------------------------------------
// The process's own handle and its handle statistics
// ---------------------------------------------------------------------------------------------

fn stats() -> zx::ProcessHandleStats {
    zx::process_self().handle_stats().unwrap()
}

#[test]
fn process_self_is_one_live_process_handle_with_inspect() {
    let s = serial();
    let first = zx::process_self();
    assert_eq!(first.raw_handle(), zx::process_self().raw_handle());
    let info = first.basic_info().unwrap();
    assert_eq!(info.object_type, ObjectType::PROCESS);
    assert!(info
        .rights
        .contains(Rights::INSPECT | Rights::DUPLICATE | Rights::TRANSFER));
    s.assert_no_leaks();
}

#[test]
fn handle_stats_count_the_process_handles_per_type() {
    let s = serial();
    let before = stats();
    let vmo = Vmo::create(PAGE).unwrap();
    let (a, b) = Channel::create().unwrap();
    let after = stats();
    assert_eq!(after.of(ObjectType::VMO), before.of(ObjectType::VMO) + 1);
    assert_eq!(
        after.of(ObjectType::CHANNEL),
        before.of(ObjectType::CHANNEL) + 2
    );
    assert_eq!(after.total(), before.total() + 3);
    // A handle written into a channel belongs to no process until it is read.
    a.write(b"", &mut vec![vmo.into_handle()]).unwrap();
    assert_eq!(stats().of(ObjectType::VMO), before.of(ObjectType::VMO));
    let mut buf = zx::MessageBuf::new();
    b.read(&mut buf).unwrap();
    assert_eq!(stats().of(ObjectType::VMO), before.of(ObjectType::VMO) + 1);
    drop((a, b, buf));
    assert_eq!(stats(), before);
    s.assert_no_leaks();
}

#[test]
fn handle_stats_need_a_process_handle_with_inspect() {
    let s = serial();
    let vmo = Vmo::create(PAGE).unwrap();
    {
        // SAFETY: the VMO's handle outlives the borrow, which ends with this block.
        let not_a_process =
            unsafe { zx::Unowned::<zx::Process>::from_raw_handle(vmo.raw_handle()) };
        assert_eq!(
            not_a_process.handle_stats().unwrap_err(),
            Status::WRONG_TYPE
        );
    }
    let without_inspect = zx::process_self()
        .duplicate_handle(Rights::BASIC - Rights::INSPECT)
        .unwrap();
    assert_eq!(
        without_inspect.handle_stats().unwrap_err(),
        Status::ACCESS_DENIED
    );
    drop((without_inspect, vmo));
    s.assert_no_leaks();
}
