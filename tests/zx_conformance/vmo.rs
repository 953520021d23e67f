//! `zx_vmo_create`, `zx_vmo_read` / `zx_vmo_write`, `zx_vmo_set_size` and content size, and
//! `zx_vmar_map` (§5).

use super::*;

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
