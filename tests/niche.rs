//! Every owner of a handle has a niche: `Option<T>` costs nothing over `T`, as for std's
//! `OwnedFd` and the Fuchsia zx crate's handles (the zx handles are checked in `zx_api.rs`).
//! A field that loses its niche (a raw `u64` handle in place of the `Arc` or `NonNull` that
//! carries it) fails here.

use std::mem::size_of;

fn assert_niche<T>(name: &str) {
    assert_eq!(
        size_of::<Option<T>>(),
        size_of::<T>(),
        "Option<{name}> is larger than {name}: the type lost its niche"
    );
}

#[test]
fn vk_owners_have_a_niche() {
    use vmo_interop::vk::{Buffer, Image, ImportError, Interop, Memory};
    assert_niche::<Interop>("vk::Interop");
    assert_niche::<Memory>("vk::Memory");
    assert_niche::<Buffer>("vk::Buffer");
    assert_niche::<Image>("vk::Image");
    // The error that carries the caller's VMO back.
    assert_niche::<ImportError>("vk::ImportError");
}

#[test]
fn metal_owners_have_a_niche() {
    use vmo_interop::metal::{Device, Memory};
    assert_niche::<Device>("metal::Device");
    assert_niche::<Memory>("metal::Memory");
}

#[test]
fn zx_mapping_and_sysmem_clients_have_a_niche() {
    use vmo_interop::sysmem::{
        Allocator, AllocatorProxy, BufferCollection, BufferCollectionProxy, BufferCollectionToken,
        BufferCollectionTokenProxy,
    };
    use vmo_interop::zx::Mapping;
    assert_niche::<Mapping>("zx::Mapping");
    assert_niche::<Allocator>("sysmem::Allocator");
    assert_niche::<BufferCollectionToken>("sysmem::BufferCollectionToken");
    assert_niche::<BufferCollection>("sysmem::BufferCollection");
    assert_niche::<AllocatorProxy>("sysmem::AllocatorProxy");
    assert_niche::<BufferCollectionTokenProxy>("sysmem::BufferCollectionTokenProxy");
    assert_niche::<BufferCollectionProxy>("sysmem::BufferCollectionProxy");
    // The FIDL field type of `VmoBuffer.close_weak_asap`: a handle, 4 bytes either way.
    assert_niche::<vmo_interop::sysmem::types::EventPair>("sysmem::types::EventPair");
    assert_eq!(
        size_of::<Option<vmo_interop::sysmem::types::EventPair>>(),
        4
    );
}
