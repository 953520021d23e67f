//! The host sysmem service as a process of its own, measured (`cargo bench -p
//! vmo-interop-host-sysmem`): a two-participant collection of 1 and 64 buffers of 1 MiB whose
//! participants are two processes, beside `zx_vmo_create` of the same buffers plus sending a
//! read-only duplicate of each over a channel; the async client beside the blocking one; and
//! scale: 1,000 client connections from 10 processes with 10,000 live collections, and the
//! service's memory per idle collection.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use vmo_interop::sysmem::types::*;
use vmo_interop::sysmem::{Allocator, AllocatorProxy, BufferCollectionToken};
use vmo_interop::zx::{self, HandleBased, Rights};

const MIB: u64 = 1 << 20;
/// Client processes of the scale run, and each one's connections and collections: 1,000
/// connections and 8,900 collections, 9,900 channels. The host kernel spends two descriptors
/// per channel the service watches (its socket, and the duplicate its port's epoll set
/// holds), so 10,000 collections beside 1,000 connections need about 22,000 open files: more
/// than a 20,000-file hard limit (this machine's) allows.
const PROCESSES: usize = 10;
const CONNECTIONS: usize = 100;
const COLLECTIONS: usize = 890;

fn constraints(cpu: u32, count: u32) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(cpu),
            ..Default::default()
        }),
        min_buffer_count: Some(count),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(MIB),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A child: the second participant (`participant`) or a crowd of idle clients (`clients`).
fn child(role: &str) {
    let link = vmo_interop::fdio::connect_at_path(&format!("/svc/{LINK}")).unwrap();
    match role {
        "participant" => {
            let allocator = Allocator::connect().unwrap();
            loop {
                let (bytes, handles) = receive(&link);
                if bytes == b"quit" {
                    return;
                }
                if bytes == b"token" {
                    let token = BufferCollectionToken::from_channel(zx::Channel::from_handle(
                        handles.into_iter().next().unwrap(),
                    ));
                    let collection = allocator.bind_shared_collection(token).unwrap();
                    collection
                        .set_constraints(Some(constraints(usage::CPU_USAGE_READ, 0)))
                        .unwrap();
                    let info = collection
                        .wait_for_all_buffers_allocated(deadline())
                        .unwrap();
                    drop(info);
                    collection.release().unwrap();
                } // Otherwise: VMOs sent directly; dropping them frees them.
                link.write(b"ok", &mut Vec::new()).unwrap();
            }
        }
        "clients" => {
            let connections: Vec<Allocator> = (0..CONNECTIONS)
                .map(|_| Allocator::connect().unwrap())
                .collect();
            let collections: Vec<_> = (0..COLLECTIONS)
                .map(|i| {
                    connections[i % CONNECTIONS]
                        .allocate_non_shared_collection()
                        .unwrap()
                })
                .collect();
            for c in &collections {
                c.sync(deadline()).unwrap(); // Each one is served.
            }
            link.write(b"ready", &mut Vec::new()).unwrap();
            let _ = receive(&link);
            for c in collections {
                c.release().unwrap();
            }
        }
        other => panic!("unknown role {other}"),
    }
}

fn spawn(role: &str) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().unwrap())
        .env(ROLE, role)
        .spawn()
        .unwrap()
}

/// Median and mean of `runs` timings of `f`, after a warm-up.
fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..runs.div_ceil(10) {
        f();
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let mean = times.iter().sum::<Duration>() / runs as u32;
    (times[runs / 2], mean)
}

fn across_processes(link: &zx::Channel, count: u32, runs: usize, run_async: bool) -> Duration {
    let allocator = Allocator::connect().unwrap();
    let proxy = AllocatorProxy::connect().unwrap();
    let (median, _) = time(runs, || {
        let vmos = if run_async {
            futures::executor::block_on(async {
                let root = proxy.allocate_shared_collection().unwrap();
                let theirs = root.duplicate_sync(&[Rights::SAME_RIGHTS]).await.unwrap();
                let handle = theirs
                    .into_iter()
                    .next()
                    .unwrap()
                    .into_sync()
                    .into_channel();
                link.write(b"token", &mut vec![handle.into_handle()])
                    .unwrap();
                let collection = proxy.bind_shared_collection(root).unwrap();
                collection
                    .set_constraints(Some(constraints(usage::CPU_USAGE_WRITE, count)))
                    .unwrap();
                let info = collection.wait_for_all_buffers_allocated().await.unwrap();
                collection.release().unwrap();
                info
            })
        } else {
            let root = allocator.allocate_shared_collection().unwrap();
            let theirs = root
                .duplicate_sync(&[Rights::SAME_RIGHTS], deadline())
                .unwrap()
                .remove(0);
            link.write(b"token", &mut vec![theirs.into_channel().into_handle()])
                .unwrap();
            let collection = allocator.bind_shared_collection(root).unwrap();
            collection
                .set_constraints(Some(constraints(usage::CPU_USAGE_WRITE, count)))
                .unwrap();
            let info = collection
                .wait_for_all_buffers_allocated(deadline())
                .unwrap();
            collection.release().unwrap();
            info
        };
        assert_eq!(receive(link).0, b"ok");
        assert_eq!(vmos.buffers.unwrap().len(), count as usize);
    });
    median
}

fn direct(link: &zx::Channel, count: u32, runs: usize) -> Duration {
    let read_only = Rights::BASIC | Rights::READ | Rights::MAP | Rights::GET_PROPERTY;
    let (median, _) = time(runs, || {
        let vmos: Vec<zx::Vmo> = (0..count).map(|_| zx::Vmo::create(MIB).unwrap()).collect();
        let mut theirs: Vec<zx::Handle> = vmos
            .iter()
            .map(|v| v.duplicate_handle(read_only).unwrap().into_handle())
            .collect();
        link.write(b"vmos", &mut theirs).unwrap();
        assert_eq!(receive(link).0, b"ok");
    });
    median
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap()
}

fn main() {
    if let Ok(role) = std::env::var(ROLE) {
        return child(&role);
    }
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and `cargo test --benches`: nothing to list.
    }
    let svc = private_svc();
    let service = ServiceProcess::start(svc.path());
    let listener = Link::listen();

    let mut participant = spawn("participant");
    let link = listener.accept();
    println!("two-participant collection across processes (median):");
    for (count, runs) in [(1u32, 300usize), (64, 40)] {
        let blocking = across_processes(&link, count, runs, false);
        let with_async = across_processes(&link, count, runs, true);
        let raw = direct(&link, count, runs);
        println!(
            "  {count:>2} x 1 MiB: sysmem2 {:>8.1} us (async {:>8.1} us), \
             zx_vmo_create + channel {:>8.1} us: {:.2}x",
            blocking.as_secs_f64() * 1e6,
            with_async.as_secs_f64() * 1e6,
            raw.as_secs_f64() * 1e6,
            blocking.as_secs_f64() / raw.as_secs_f64()
        );
    }
    link.write(b"quit", &mut Vec::new()).unwrap();
    assert!(participant.wait().unwrap().success());

    let (rss_before, fds_before) = (rss_kib(service.pid()), service.fds());
    let started = Instant::now();
    let mut crowd: Vec<_> = (0..PROCESSES).map(|_| spawn("clients")).collect();
    let links: Vec<zx::Channel> = (0..PROCESSES).map(|_| listener.accept()).collect();
    for link in &links {
        assert_eq!(receive(link).0, b"ready");
    }
    let elapsed = started.elapsed();
    let (rss, fds) = (rss_kib(service.pid()), service.fds());
    let collections = PROCESSES * COLLECTIONS;
    println!(
        "{PROCESSES} processes x ({CONNECTIONS} connections + {COLLECTIONS} collections, each \
         synced once): {:.2} s; service: {} fds more, {} KiB more RSS = {:.2} KiB per idle \
         collection (with its share of the connections)",
        elapsed.as_secs_f64(),
        fds - fds_before,
        rss - rss_before,
        (rss - rss_before) as f64 / collections as f64
    );
    let live = Allocator::connect().unwrap();
    let (median, _) = time(100, || {
        let c = live.allocate_non_shared_collection().unwrap();
        c.sync(deadline()).unwrap();
        c.release().unwrap();
    });
    println!(
        "  with them live, another client's collection + Sync: {:.1} us (median)",
        median.as_secs_f64() * 1e6
    );
    for link in &links {
        link.write(b"quit", &mut Vec::new()).unwrap();
    }
    for child in &mut crowd {
        assert!(child.wait().unwrap().success());
    }
    drop(live);
    service.until_fds(fds_before);
    println!("  all gone: the service is back to {fds_before} fds");
}
