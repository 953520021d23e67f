//! Handles crossing processes: the test binary re-executes itself as a child process, which
//! reaches the parent through a service in a private `/svc` directory (as a component reaches
//! another on Fuchsia), and each scenario checks one rule:
//!
//! - a VMO sent with each combination of READ, WRITE, MAP, DUPLICATE (and TRANSFER, which
//!   sending needs) arrives with exactly those rights and the sender's koid;
//! - memory is shared, not copied, in both directions;
//! - a VMO sent without WRITE cannot be written or mapped writable in the child even with raw
//!   OS calls on the file description it received;
//! - a channel end sent to the child works there;
//! - the child's death is PEER_CLOSED in the parent;
//! - afterwards neither process holds a handle, object, mapping or fd it did not hold before.
//!
//! The scenarios run one after another in `main` (this binary has no libtest harness: the
//! child must be this same program); any failed check panics and fails the run.

use std::process::{Child, Command};
use std::time::Duration;

use vmo_interop::platform::host;
use vmo_interop::zx::{
    self, AsHandleRef, Channel, HandleBased, MessageBuf, MonotonicInstant, Rights, Signals, Status,
    VmarFlags, Vmo,
};

const SERVICE: &str = "zx-process-test";
const ROLE: &str = "ZX_PROCESS_TEST_ROLE";

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The host kernel's (handles, VMOs, channels, mappings) in `counters`.
fn live(counters: host::Counters) -> (u64, u64, u64, u64) {
    (
        counters.live_handles,
        counters.live_vmos,
        counters.live_channels,
        counters.live_mappings,
    )
}

fn deadline() -> MonotonicInstant {
    MonotonicInstant::after(Duration::from_secs(20))
}

/// Reads the next message, waiting for it.
fn recv(channel: &Channel) -> MessageBuf {
    channel
        .wait_handle(
            Signals::CHANNEL_READABLE | Signals::CHANNEL_PEER_CLOSED,
            deadline(),
        )
        .to_result()
        .expect("a message within the deadline");
    let mut buf = MessageBuf::new();
    channel.read(&mut buf).expect("a message");
    buf
}

fn send(channel: &Channel, bytes: &[u8], handles: Vec<zx::Handle>) {
    let mut handles = handles;
    channel.write(bytes, &mut handles).expect("write");
}

// ---------------------------------------------------------------------------------------------
// The parent
// ---------------------------------------------------------------------------------------------

struct Session {
    child: Child,
    channel: Channel,
}

/// Starts a child in `role` and returns the channel it connected with.
fn start(listener: &Channel, role: &str) -> Session {
    let child = Command::new(std::env::current_exe().expect("own path"))
        .env(ROLE, role)
        .spawn()
        .expect("spawn the child");
    let request = recv(listener);
    let (_, mut handles) = request.split();
    assert_eq!(
        handles.len(),
        1,
        "a connection request carries one channel end"
    );
    let channel = Channel::from_handle(handles.remove(0));
    Session { child, channel }
}

impl Session {
    fn finish(mut self) {
        let status = self.child.wait().expect("wait for the child");
        assert!(status.success(), "the child failed: {status}");
        drop(self.channel);
    }
}

fn rights_and_koids_travel_exactly(listener: &Channel) {
    let session = start(listener, "rights");
    let vmo = Vmo::create(4096).unwrap();
    let koid = vmo.get_koid().unwrap();
    let optional = [Rights::READ, Rights::WRITE, Rights::MAP, Rights::DUPLICATE];
    let mut sent = Vec::new();
    for mask in 0u32..16 {
        let mut rights = Rights::TRANSFER;
        for (bit, right) in optional.iter().enumerate() {
            if mask & (1 << bit) != 0 {
                rights |= *right;
            }
        }
        let handle = vmo.duplicate_handle(rights).unwrap();
        send(
            &session.channel,
            &rights.bits().to_le_bytes(),
            vec![handle.into_handle()],
        );
        sent.push(rights);
    }
    send(&session.channel, b"done", vec![]);
    // The child answers with the koid and rights it saw for each, in order.
    for rights in sent {
        let reply = recv(&session.channel);
        let bytes = reply.bytes();
        let seen_koid = u64::from_le_bytes(bytes[0..8].try_into().unwrap());
        let seen_rights = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
        assert_eq!(
            seen_koid,
            koid.raw_koid(),
            "every handle to one object has its koid"
        );
        assert_eq!(
            seen_rights,
            rights.bits(),
            "exactly the rights sent: {rights:?}"
        );
    }
    session.finish();
    println!("ok: a VMO's rights and koid travel exactly (16 combinations)");
}

fn memory_is_shared_and_read_only_is_enforced_by_the_os(listener: &Channel) {
    let session = start(listener, "memory");
    let vmo = Vmo::create(4096).unwrap();
    vmo.write(b"from the parent", 0).unwrap();
    let writable = vmo
        .duplicate_handle(Rights::TRANSFER | Rights::READ | Rights::WRITE | Rights::MAP)
        .unwrap();
    let read_only = vmo
        .duplicate_handle(Rights::TRANSFER | Rights::READ | Rights::MAP)
        .unwrap();
    // The read-only handle goes first and alone: a process that also holds a writable handle
    // to the VMO legitimately holds a writable description of it.
    send(
        &session.channel,
        b"read-only",
        vec![read_only.into_handle()],
    );
    assert_eq!(recv(&session.channel).bytes(), b"read-only checked");
    send(&session.channel, b"writable", vec![writable.into_handle()]);
    let reply = recv(&session.channel);
    assert_eq!(reply.bytes(), b"checked", "the child's checks");
    let mut buf = [0u8; 14];
    vmo.read(&mut buf, 100).unwrap();
    assert_eq!(
        &buf, b"from the child",
        "the child's write is seen here: one memory"
    );
    session.finish();
    println!("ok: memory is shared both ways; a read-only VMO is read-only to the child's OS");
}

fn a_channel_end_sent_to_the_child_works_there(listener: &Channel) {
    let session = start(listener, "channel");
    let (mine, theirs) = Channel::create().unwrap();
    let (mine_koid, theirs_koid) = (mine.get_koid().unwrap(), theirs.get_koid().unwrap());
    send(&session.channel, b"end", vec![theirs.into_handle()]);
    assert_eq!(recv(&mine).bytes(), b"hello over the sent end");
    send(&mine, b"ping", vec![]);
    let reply = recv(&mine);
    let bytes = reply.bytes();
    assert_eq!(&bytes[..4], b"pong");
    assert_eq!(
        u64::from_le_bytes(bytes[4..12].try_into().unwrap()),
        theirs_koid.raw_koid()
    );
    assert_eq!(
        u64::from_le_bytes(bytes[12..20].try_into().unwrap()),
        mine_koid.raw_koid()
    );
    session.finish();
    assert_eq!(
        mine.wait_handle(Signals::CHANNEL_PEER_CLOSED, deadline())
            .to_result()
            .map(|s| s.contains(Signals::CHANNEL_PEER_CLOSED)),
        Ok(true),
        "the child's exit closed the end it held"
    );
    println!("ok: a channel end sent to the child works there, with its koids");
}

fn the_childs_death_is_peer_closed(listener: &Channel) {
    let mut session = start(listener, "hold");
    let (mine, theirs) = Channel::create().unwrap();
    let vmo = Vmo::create(1 << 20).unwrap();
    send(
        &session.channel,
        b"hold these",
        vec![
            theirs.into_handle(),
            vmo.duplicate_handle(Rights::SAME_RIGHTS)
                .unwrap()
                .into_handle(),
        ],
    );
    assert_eq!(recv(&session.channel).bytes(), b"holding");
    assert_eq!(
        mine.wait_handle(
            Signals::CHANNEL_PEER_CLOSED,
            MonotonicInstant::INFINITE_PAST
        )
        .to_result(),
        Err(Status::TIMED_OUT)
    );
    session.child.kill().expect("SIGKILL the child");
    let _ = session.child.wait();
    assert_eq!(
        mine.wait_handle(Signals::CHANNEL_PEER_CLOSED, deadline())
            .to_result()
            .map(|s| s.contains(Signals::CHANNEL_PEER_CLOSED)),
        Ok(true)
    );
    assert_eq!(
        session
            .channel
            .wait_handle(Signals::CHANNEL_PEER_CLOSED, deadline())
            .to_result()
            .map(|s| s.contains(Signals::CHANNEL_PEER_CLOSED)),
        Ok(true)
    );
    drop((mine, vmo, session.channel));
    println!("ok: a killed child's channel ends are PEER_CLOSED in the parent");
}

fn at_the_fd_limit_calls_fail_with_no_resources_and_nothing_leaks(listener: &Channel) {
    let session = start(listener, "fd-limit");
    assert_eq!(recv(&session.channel).bytes(), b"at the limit");
    // Eight VMOs need eight descriptors the child does not have: the message is lost to it
    // (the OS closes what it could not deliver) and its read says NO_RESOURCES.
    let vmos: Vec<zx::Handle> = (0..8)
        .map(|_| Vmo::create(4096).unwrap().into_handle())
        .collect();
    send(&session.channel, b"too many", vmos);
    assert_eq!(recv(&session.channel).bytes(), b"read was NO_RESOURCES");
    send(&session.channel, b"after", vec![]);
    session.finish();
    println!("ok: at the fd limit, VMO and channel creation and reads fail with NO_RESOURCES");
}

fn parent() {
    let svc = std::env::temp_dir().join(format!("zx-process-test-{}", std::process::id()));
    std::fs::create_dir_all(&svc).unwrap();
    std::env::set_var("VMO_INTEROP_SVC_DIR", &svc);
    let base = host::counters();
    let listener = host::serve(SERVICE).expect("serve the test service");
    // The listener's socket and this thread's wake-up fd are the parent's own.
    let _ = listener
        .wait_handle(Signals::CHANNEL_READABLE, MonotonicInstant::INFINITE_PAST)
        .to_result();
    let fds = open_fds();

    rights_and_koids_travel_exactly(&listener);
    memory_is_shared_and_read_only_is_enforced_by_the_os(&listener);
    a_channel_end_sent_to_the_child_works_there(&listener);
    the_childs_death_is_peer_closed(&listener);
    at_the_fd_limit_calls_fail_with_no_resources_and_nothing_leaks(&listener);

    assert_eq!(
        open_fds(),
        fds,
        "the parent holds no fd it did not hold before"
    );
    drop(listener);
    assert_eq!(
        live(host::counters()),
        live(base),
        "(handles, vmos, channels, mappings) back to the parent's baseline"
    );
    let _ = std::fs::remove_dir_all(&svc);
    println!("ok: nothing leaked in the parent");
}

// ---------------------------------------------------------------------------------------------
// The child
// ---------------------------------------------------------------------------------------------

/// Every memfd the child holds, as the OS sees it.
fn memfds() -> Vec<i32> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let target = std::fs::read_link(entry.path()).ok()?;
            let fd: i32 = entry.file_name().to_str()?.parse().ok()?;
            target.to_str()?.starts_with("/memfd:").then_some(fd)
        })
        .collect()
}

fn child(role: &str) {
    let base = host::counters();
    let parent = vmo_interop::fdio::connect_at_path(&format!("/svc/{SERVICE}"))
        .expect("connect to the parent");
    match role {
        "rights" => {
            let mut seen = Vec::new();
            loop {
                let message = recv(&parent);
                if message.bytes() == b"done" {
                    break;
                }
                let (_, handles) = message.split();
                let info = handles[0].basic_info().unwrap();
                let mut reply = info.koid.raw_koid().to_le_bytes().to_vec();
                reply.extend_from_slice(&info.rights.bits().to_le_bytes());
                seen.push(reply);
            }
            for reply in seen {
                send(&parent, &reply, vec![]);
            }
        }
        "memory" => {
            let (_, mut handles) = recv(&parent).split();
            let read_only = Vmo::from_handle(handles.remove(0));
            let mut buf = [0u8; 15];
            read_only.read(&mut buf, 0).unwrap();
            assert_eq!(&buf, b"from the parent");
            // The kernel refuses what the rights forbid...
            assert_eq!(read_only.write(b"x", 0), Err(Status::ACCESS_DENIED));
            assert_eq!(
                read_only
                    .map(0, 4096, VmarFlags::PERM_READ | VmarFlags::PERM_WRITE)
                    .unwrap_err(),
                Status::ACCESS_DENIED
            );
            // ...and so does the OS: the one memfd description this process holds is
            // read-only, and write(2) and a writable shared mmap(2) fail on it.
            let fds = memfds();
            assert_eq!(fds.len(), 1, "the VMO arrived as one description");
            let fd = borrow(fds[0]);
            let flags = rustix::fs::fcntl_getfl(fd).unwrap();
            assert!(!flags.contains(rustix::fs::OFlags::RDWR), "{flags:?}");
            assert!(
                rustix::io::pwrite(fd, b"x", 0).is_err(),
                "write(2) on a read-only VMO"
            );
            // SAFETY: a new mapping at an address the OS picks; it would be unmapped at once
            // if it (wrongly) succeeded.
            let mapped = unsafe {
                rustix::mm::mmap(
                    std::ptr::null_mut(),
                    4096,
                    rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
                    rustix::mm::MapFlags::SHARED,
                    fd,
                    0,
                )
            };
            assert!(
                mapped.is_err(),
                "a writable shared mapping of a read-only VMO"
            );
            send(&parent, b"read-only checked", vec![]);
            let (_, mut handles) = recv(&parent).split();
            let writable = Vmo::from_handle(handles.remove(0));
            writable.write(b"from the child", 100).unwrap();
            drop((read_only, writable));
            send(&parent, b"checked", vec![]);
        }
        "channel" => {
            let (_, mut handles) = recv(&parent).split();
            let end = Channel::from_handle(handles.remove(0));
            send(&end, b"hello over the sent end", vec![]);
            assert_eq!(recv(&end).bytes(), b"ping");
            let info = end.basic_info().unwrap();
            let mut reply = b"pong".to_vec();
            reply.extend_from_slice(&info.koid.raw_koid().to_le_bytes());
            reply.extend_from_slice(&info.related_koid.raw_koid().to_le_bytes());
            send(&end, &reply, vec![]);
        }
        "fd-limit" => {
            // Leave room for three more descriptors, then use them up with VMOs.
            let open = open_fds() as u64;
            let limit = rustix::process::Rlimit {
                current: Some(open + 3),
                maximum: None,
            };
            let old = rustix::process::getrlimit(rustix::process::Resource::Nofile);
            rustix::process::setrlimit(
                rustix::process::Resource::Nofile,
                rustix::process::Rlimit {
                    maximum: old.maximum,
                    ..limit
                },
            )
            .expect("lower RLIMIT_NOFILE");
            let mut vmos = Vec::new();
            let status = loop {
                match Vmo::create(4096) {
                    Ok(vmo) => vmos.push(vmo),
                    Err(status) => break status,
                }
                assert!(vmos.len() < 64, "the limit did not hold");
            };
            assert_eq!(status, Status::NO_RESOURCES, "vmo_create at the fd limit");
            assert_eq!(
                Channel::create().unwrap_err(),
                Status::NO_RESOURCES,
                "channel_create"
            );
            drop(vmos.pop());
            send(&parent, b"at the limit", vec![]);
            parent
                .wait_handle(Signals::CHANNEL_READABLE, deadline())
                .to_result()
                .expect("the parent's message");
            let mut buf = MessageBuf::new();
            assert_eq!(
                parent.read(&mut buf),
                Err(Status::NO_RESOURCES),
                "a read at the fd limit"
            );
            drop(vmos);
            send(&parent, b"read was NO_RESOURCES", vec![]);
            assert_eq!(recv(&parent).bytes(), b"after", "the channel still works");
            rustix::process::setrlimit(rustix::process::Resource::Nofile, old).expect("restore");
        }
        "hold" => {
            let (_, handles) = recv(&parent).split();
            send(&parent, b"holding", vec![]);
            // Wait to be killed.
            std::thread::sleep(Duration::from_secs(60));
            drop(handles);
        }
        other => panic!("unknown role {other}"),
    }
    drop(parent);
    assert_eq!(
        live(host::counters()),
        live(base),
        "the child leaked (handles, vmos, channels, mappings)"
    );
}

fn borrow(fd: i32) -> std::os::fd::BorrowedFd<'static> {
    // SAFETY: `fd` is open for the rest of the child's check (it came from /proc/self/fd and
    // nothing closes it meanwhile).
    unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) }
}

fn main() {
    match std::env::var(ROLE) {
        Ok(role) => child(&role),
        Err(_) => parent(),
    }
}
