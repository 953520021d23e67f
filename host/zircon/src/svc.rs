//! Named services, as `fdio_service_connect("/svc/...")` reaches them on Fuchsia.
//!
//! The host platform keeps its state in one directory, [`platform_dir`]:
//! `$VMO_INTEROP_HOST_DIR`, or `/tmp/vmo-interop-<uid>` when unset (the koid counter lives
//! there). The directory standing for `/svc` is [`svc_dir`]: `$VMO_INTEROP_SVC_DIR`, or the
//! platform directory's `svc/`.
//!
//! A service binds a `SOCK_DGRAM` socket named after its protocol in that directory
//! (`zx_host_service_bind`) and gets a handle to it that reads like a channel: each message is
//! one connection request carrying the server end of a channel. A client connects exactly as
//! on Fuchsia: it makes a channel, keeps one end, and passes the other to
//! `fdio_service_connect`, which sends it to the service's socket. A service holds an
//! exclusive lock on `.<name>.lock` beside its socket for as long as it is bound, so a second
//! service on the same name is refused (`ALREADY_EXISTS`) and a socket left by a crashed one
//! is recognised as stale (nobody holds its lock) and replaced.

use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use fuchsia_zircon_types::{self as sys, zx_handle_t, zx_status_t};

use crate::channel::{wire, ChannelEnd, Socket};
use crate::object::{KernelHandle, Kind, Object};
use crate::syscalls::{insert, status};
use crate::{count_call, koid, table, transfer};

/// The rights of a service's listening handle: read its requests, wait on it.
const LISTENER_RIGHTS: u32 = sys::ZX_RIGHT_READ | sys::ZX_RIGHT_WAIT | sys::ZX_RIGHT_INSPECT;

/// The host platform's directory.
pub(crate) fn platform_dir() -> PathBuf {
    match std::env::var_os("VMO_INTEROP_HOST_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => std::env::temp_dir().join(format!(
            "vmo-interop-{}",
            rustix::process::getuid().as_raw()
        )),
    }
}

/// The directory standing for `/svc`.
pub(crate) fn svc_dir() -> PathBuf {
    match std::env::var_os("VMO_INTEROP_SVC_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => platform_dir().join("svc"),
    }
}

/// A protocol name is one path component: no separators, not empty, not hidden.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains('/') && name.len() <= 80
}

/// Emulates `fdio_service_connect(path, request)`: `path` is `/svc/<name>`; `request` (a
/// channel end with TRANSFER) is consumed on every path. `NOT_FOUND` when no service serves
/// `<name>`, `INVALID_ARGS` for a path outside `/svc`.
pub(crate) fn service_connect(path: &str, request: zx_handle_t) -> zx_status_t {
    count_call();
    let Some(handle) = table::lock().remove(request) else {
        return sys::ZX_ERR_BAD_HANDLE;
    };
    status((|| {
        let name = path.strip_prefix("/svc/").ok_or(sys::ZX_ERR_INVALID_ARGS)?;
        if !valid_name(name) {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        if handle
            .object
            .as_channel()
            .is_none_or(ChannelEnd::is_listener)
        {
            return Err(sys::ZX_ERR_WRONG_TYPE);
        }
        if handle.rights & sys::ZX_RIGHT_TRANSFER == 0 {
            return Err(sys::ZX_ERR_ACCESS_DENIED);
        }
        let address = rustix::net::SocketAddrUnix::new(svc_dir().join(name))
            .map_err(|_| sys::ZX_ERR_INVALID_ARGS)?;
        let socket = datagram_socket()?;
        // A service that has not read its queued requests for this long is stuck: the
        // request fails with SHOULD_WAIT rather than blocking the client forever.
        let _ = rustix::net::sockopt::set_socket_timeout(
            &socket,
            rustix::net::sockopt::Timeout::Send,
            Some(std::time::Duration::from_secs(10)),
        );
        transfer::send_request(&socket, &address, handle)
    })())
}

/// A close-on-exec Unix datagram socket: a service's request socket, or a client's to send one
/// request on.
fn datagram_socket() -> Result<std::os::fd::OwnedFd, zx_status_t> {
    rustix::net::socket_with(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::DGRAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|_| sys::ZX_ERR_NO_RESOURCES)
}

/// Host-only `zx_host_service_bind(name, out)`: serves `name` in the `/svc` directory and
/// returns the handle its connection requests arrive on. `ALREADY_EXISTS` when another
/// process serves it; a stale socket (its server gone) is replaced.
pub(crate) fn service_bind(name: &str, out: &mut zx_handle_t) -> zx_status_t {
    count_call();
    status((|| {
        if !valid_name(name) {
            return Err(sys::ZX_ERR_INVALID_ARGS);
        }
        let dir = svc_dir();
        std::fs::create_dir_all(&dir).map_err(|_| sys::ZX_ERR_ACCESS_DENIED)?;
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(dir.join(format!(".{name}.lock")))
            .map_err(|_| sys::ZX_ERR_ACCESS_DENIED)?;
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive)
            .map_err(|_| sys::ZX_ERR_ALREADY_EXISTS)?;
        let path = dir.join(name);
        // Holding the lock, any socket already there is a crashed server's.
        let _ = std::fs::remove_file(&path);
        let socket = datagram_socket()?;
        let address =
            rustix::net::SocketAddrUnix::new(&path).map_err(|_| sys::ZX_ERR_INVALID_ARGS)?;
        rustix::net::bind(&socket, &address).map_err(|_| sys::ZX_ERR_ACCESS_DENIED)?;
        let _ = rustix::net::sockopt::set_socket_recv_buffer_size(&socket, 16 * wire::MAX_DATAGRAM);
        let end = ChannelEnd::new(
            socket,
            Socket::Listener {
                path,
                _lock: lock.into(),
            },
        );
        let object = Object::new(koid::allocate(1), 0, Kind::Channel(end));
        insert(KernelHandle::new(object, LISTENER_RIGHTS), out)
    })())
}
