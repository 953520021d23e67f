//! The process's own handle (`zx_process_self`) and its handle statistics.

use super::*;

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
