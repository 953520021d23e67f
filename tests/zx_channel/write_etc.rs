//! `zx_channel_write_etc` and `zx_handle_close_many`.

use super::*;

// ---------------------------------------------------------------------------------------------
// zx_channel_write_etc, zx_handle_close_many
// ---------------------------------------------------------------------------------------------

#[test]
fn write_etc_moves_with_reduced_rights_and_duplicates_without_consuming() {
    use vmo_interop::zx::{HandleDisposition, HandleOp};
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let moved = Vmo::create(1).unwrap();
    let moved_koid = moved.get_koid().unwrap();
    let kept = Vmo::create(1).unwrap();
    let reduced = Rights::READ | Rights::MAP | Rights::TRANSFER;
    let mut dispositions = [
        HandleDisposition {
            object_type: ObjectType::VMO,
            rights: reduced,
            ..HandleDisposition::new(HandleOp::Move(moved.into_handle()))
        },
        HandleDisposition::new(HandleOp::Duplicate(kept.as_handle_ref())),
    ];
    a.write_etc(b"etc", &mut dispositions).unwrap();
    assert!(dispositions.iter().all(|d| d.result == Status::OK));
    assert!(
        matches!(&dispositions[0].handle_op, HandleOp::Move(h) if h.is_invalid()),
        "a moved handle is consumed"
    );
    drop(dispositions);
    assert!(kept.basic_info().is_ok(), "a duplicated handle stays");
    let mut buf = MessageBuf::new();
    b.read(&mut buf).unwrap();
    let (_, handles) = buf.split();
    let infos: Vec<_> = handles.iter().map(|h| h.basic_info().unwrap()).collect();
    assert_eq!((infos[0].koid, infos[0].rights), (moved_koid, reduced));
    assert_eq!(infos[1].koid, kept.get_koid().unwrap());
    assert_eq!(infos[1].rights, Rights::VMO_DEFAULT, "SAME_RIGHTS");
    drop((a, b, kept, handles));
    s.assert_no_leaks();
}

#[test]
fn write_etc_of_the_wrong_type_or_rights_fails_naming_the_handle_and_consumes_the_moves() {
    use vmo_interop::zx::{HandleDisposition, HandleOp};
    let s = serial();
    let (a, b) = Channel::create().unwrap();
    let vmo = Vmo::create(1).unwrap();
    let raw = vmo.raw_handle();
    let mut wrong_type = [HandleDisposition {
        object_type: ObjectType::CHANNEL,
        ..HandleDisposition::new(HandleOp::Move(vmo.into_handle()))
    }];
    assert_eq!(a.write_etc(b"x", &mut wrong_type), Err(Status::WRONG_TYPE));
    assert_eq!(wrong_type[0].result, Status::WRONG_TYPE);
    assert!(
        !is_live(raw),
        "the move was consumed although the write failed"
    );
    let kept = Vmo::create(1).unwrap();
    let mut too_many_rights = [HandleDisposition {
        rights: Rights::VMO_DEFAULT | Rights::EXECUTE,
        ..HandleDisposition::new(HandleOp::Duplicate(kept.as_handle_ref()))
    }];
    assert_eq!(
        a.write_etc(b"x", &mut too_many_rights),
        Err(Status::INVALID_ARGS)
    );
    assert_eq!(too_many_rights[0].result, Status::INVALID_ARGS);
    assert!(
        kept.basic_info().is_ok(),
        "a duplicate's source is never consumed"
    );
    assert_eq!(read_bytes(&b), Err(Status::SHOULD_WAIT), "nothing was sent");
    drop((a, b, kept));
    s.assert_no_leaks();
}

#[test]
fn close_many_closes_every_handle_and_reports_a_bad_one() {
    let s = serial();
    let values: Vec<_> = (0..3)
        .map(|_| Vmo::create(1).unwrap().into_handle().into_raw())
        .collect();
    let mut with_a_stale = values.clone();
    with_a_stale.push(values[0]);
    // SAFETY: the values were given up above; the repeated one is stale by the time it is read.
    let status = unsafe { sys::zx_handle_close_many(with_a_stale.as_ptr(), with_a_stale.len()) };
    assert_eq!(status, sys::ZX_ERR_BAD_HANDLE);
    assert!(
        values.iter().all(|&v| !is_live(v)),
        "every live handle was closed"
    );
    s.assert_no_leaks();
}
