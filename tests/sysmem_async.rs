//! The async client (`AllocatorProxy`, `BufferCollectionTokenProxy`, `BufferCollectionProxy`):
//! two participants on one single-threaded executor (futures' `LocalPool`, tokio's
//! current-thread runtime) allocate; concurrent calls on one channel each get their reply; a
//! dropped call leaves nothing behind; no thread per call.

mod sysmem_common;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::task::LocalSpawnExt;
use sysmem_common::{cpu, with_service_after};
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{
    AllocatorProxy, BufferCollection, BufferCollectionProxy, BufferCollectionTokenProxy,
    ClientError, HostSysmem,
};
use vmo_interop::zx::{self, AsHandleRef, Rights};

/// A fresh service checked for leaks; the reactor's port lives as long as the process, so one
/// async call starts it before the baseline.
fn with_service(f: impl FnOnce(&HostSysmem)) {
    with_service_after(|| warm_up(&HostSysmem::start().unwrap()), f)
}

/// One async call, so that the reactor (one port, one thread per process) exists.
fn warm_up(service: &HostSysmem) {
    let allocator = AllocatorProxy::from(service.connect().unwrap());
    let collection = allocator.allocate_non_shared_collection().unwrap();
    futures::executor::block_on(collection.sync()).unwrap();
    collection.release().unwrap();
}

/// Yields to the executor once.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A participant: binds, sets constraints (after `yields` turns of the executor), waits for
/// the buffers and returns its VMO.
async fn participant(
    allocator: &AllocatorProxy,
    token: BufferCollectionTokenProxy,
    usage: u32,
    yields: usize,
) -> (BufferCollectionProxy, zx::Vmo) {
    let collection = allocator.bind_shared_collection(token).unwrap();
    for _ in 0..yields {
        YieldOnce(false).await;
    }
    collection.set_constraints(Some(cpu(usage))).unwrap();
    let info = collection.wait_for_all_buffers_allocated().await.unwrap();
    let mut info = info;
    let vmo = info.take_vmo(0).expect("a VMO for buffer 0");
    (collection, vmo)
}

/// A shared collection's root token and one more, known to the service.
async fn root_and_other(
    allocator: &AllocatorProxy,
) -> (BufferCollectionTokenProxy, BufferCollectionTokenProxy) {
    let root = allocator.allocate_shared_collection().unwrap();
    let other = root
        .duplicate_sync(&[Rights::SAME_RIGHTS])
        .await
        .unwrap()
        .remove(0);
    (root, other)
}

/// The writer waits for allocation before the reader has even set its constraints: on one
/// thread, only a future that does not block lets the reader run.
async fn two_participants(allocator: AllocatorProxy) -> (zx::Vmo, zx::Vmo, AllocatorProxy) {
    let (root, reader_token) = root_and_other(&allocator).await;
    let writer = participant(&allocator, root, usage::CPU_USAGE_WRITE, 0);
    let reader = participant(&allocator, reader_token, usage::CPU_USAGE_READ, 3);
    let ((w, wv), (r, rv)) = futures::future::join(writer, reader).await;
    assert!(w.check_all_buffers_allocated().await.unwrap());
    w.release().unwrap();
    r.release().unwrap();
    (wv, rv, allocator)
}

fn assert_shared(writer: &zx::Vmo, reader: &zx::Vmo) {
    writer.write(b"async", 0).unwrap();
    let mut bytes = [0u8; 5];
    reader.read(&mut bytes, 0).unwrap();
    assert_eq!(&bytes, b"async");
    assert_eq!(reader.write(b"x", 0), Err(zx::Status::ACCESS_DENIED));
}

#[test]
fn two_participants_allocate_on_one_futures_local_pool() {
    with_service(|service| {
        let mut pool = futures::executor::LocalPool::new();
        let allocator = AllocatorProxy::from(service.connect().unwrap());
        let handle = pool
            .spawner()
            .spawn_local_with_handle(two_participants(allocator))
            .unwrap();
        let (writer, reader, _allocator) = pool.run_until(handle);
        assert_shared(&writer, &reader);
    });
}

#[test]
fn two_participants_allocate_on_a_tokio_current_thread_runtime() {
    with_service(|service| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let allocator = AllocatorProxy::from(service.connect().unwrap());
        let (writer, reader, _allocator) = runtime.block_on(two_participants(allocator));
        assert_shared(&writer, &reader);
    });
}

#[test]
fn concurrent_calls_on_one_channel_each_get_their_reply() {
    with_service(|service| {
        let allocator = AllocatorProxy::from(service.connect().unwrap());
        let root = allocator.allocate_shared_collection().unwrap();
        futures::executor::block_on(async {
            let (a, b, c) = futures::join!(
                root.duplicate_sync(&[Rights::SAME_RIGHTS]),
                root.sync(),
                root.duplicate_sync(&[Rights::SAME_RIGHTS, Rights::SAME_RIGHTS]),
            );
            let mut tokens = a.unwrap();
            assert_eq!(tokens.len(), 1);
            b.unwrap();
            let c = c.unwrap();
            assert_eq!(c.len(), 2);
            tokens.extend(c);
            for token in &tokens {
                let koid = token.as_channel().basic_info().unwrap().related_koid;
                assert!(allocator
                    .validate_buffer_collection_token(koid)
                    .await
                    .unwrap());
            }
            for token in tokens {
                token.release().unwrap();
            }
        });
        root.release().unwrap();
    });
}

#[test]
fn async_failures_read_as_the_blocking_ones() {
    with_service(|service| {
        let allocator = AllocatorProxy::from(service.connect().unwrap());
        futures::executor::block_on(async {
            // A wait before SetConstraints is refused before it is sent, as in the blocking
            // form; sent anyway (a proxy over a bare channel knows nothing), it is a protocol
            // deviation and the channel closes.
            let collection = allocator.allocate_non_shared_collection().unwrap();
            assert!(matches!(
                collection.wait_for_all_buffers_allocated().await,
                Err(ClientError::ProtocolMisuse(
                    vmo_interop::sysmem::Misuse::WaitBeforeSetConstraints
                ))
            ));
            let collection = BufferCollectionProxy::from(BufferCollection::from_channel(
                collection.into_sync().into_channel(),
            ));
            assert!(matches!(
                collection.wait_for_all_buffers_allocated().await,
                Err(ClientError::CollectionFailed)
            ));
            // A participant still missing: Check says not yet; a dropped participant fails the
            // waiting one.
            let (root, other) = root_and_other(&allocator).await;
            let collection = allocator.bind_shared_collection(root).unwrap();
            collection
                .set_constraints(Some(cpu(usage::CPU_USAGE_WRITE)))
                .unwrap();
            assert!(!collection.check_all_buffers_allocated().await.unwrap());
            let wait = collection.wait_for_all_buffers_allocated();
            let dropper = async {
                YieldOnce(false).await;
                drop(other);
            };
            let (result, ()) = futures::join!(wait, dropper);
            assert!(matches!(result, Err(ClientError::CollectionFailed)));
        });
    });
}

#[test]
fn pending_calls_take_no_thread_each_and_dropped_ones_leave_nothing() {
    with_service(|service| {
        let allocator = AllocatorProxy::from(service.connect().unwrap());
        let threads = || {
            std::fs::read_to_string("/proc/self/status")
                .unwrap()
                .lines()
                .find_map(|l| {
                    l.strip_prefix("Threads:")
                        .map(|n| n.trim().parse::<u32>().unwrap())
                })
                .unwrap()
        };
        let (mut tokens, mut collections) = (Vec::new(), Vec::new());
        for _ in 0..100 {
            let (root, other) = futures::executor::block_on(root_and_other(&allocator));
            let collection = allocator.bind_shared_collection(root).unwrap();
            collection
                .set_constraints(Some(cpu(usage::CPU_USAGE_WRITE)))
                .unwrap();
            tokens.push(other);
            collections.push(collection);
        }
        let before = threads();
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut waits: Vec<_> = collections
            .iter()
            .map(|c| Box::pin(c.wait_for_all_buffers_allocated()))
            .collect();
        for wait in &mut waits {
            assert!(
                wait.as_mut().poll(&mut cx).is_pending(),
                "a token is not bound"
            );
        }
        assert_eq!(threads(), before, "100 pending calls, no new thread");
        // Cancelled: their replies, when allocation answers them, are dropped unread.
        drop(waits);
        for token in tokens {
            token.release().unwrap();
        }
        futures::executor::block_on(async {
            for collection in &collections {
                // The releases travel on the tokens' channels, the checks on the collections':
                // a new wait orders them (the service answers it once allocation is done).
                collection.wait_for_all_buffers_allocated().await.unwrap();
                assert!(collection.check_all_buffers_allocated().await.unwrap());
            }
        });
        for collection in collections {
            collection.release().unwrap();
        }
    });
}
