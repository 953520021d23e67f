//! How the demo's participant processes find each other and pass handles, as Fuchsia
//! components do: one serves a protocol in `/svc` ([`Listener`]), the others connect with
//! `fdio_service_connect` ([`connect`]), and tokens and messages then travel over Zircon
//! channels ([`send`], [`receive`]).

use std::time::Duration;

use anyhow::{anyhow, Context as _, Result};
use vmo_interop::zx::{self, AsHandleRef, HandleBased};

/// How long any participant waits for another before giving up.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn deadline() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(PATIENCE)
}

/// A protocol this process serves in the host's `/svc`.
pub struct Listener {
    name: &'static str,
    channel: zx::Channel,
}

impl Listener {
    pub fn serve(name: &'static str) -> Result<Self> {
        let channel = vmo_interop::platform::host::serve(name)
            .map_err(|s| anyhow!("serving /svc/{name}: {s}"))?;
        Ok(Self { name, channel })
    }

    /// The next client's channel (its connection request carries the server end).
    pub fn accept(&self) -> Result<zx::Channel> {
        let (_, mut handles) = receive(&self.channel)
            .with_context(|| format!("waiting for a client of /svc/{}", self.name))?;
        let handle = handles
            .pop()
            .ok_or_else(|| anyhow!("a connection request to {} had no channel", self.name))?;
        Ok(zx::Channel::from_handle(handle))
    }
}

/// Connects to `/svc/<name>`.
pub fn connect(name: &str) -> Result<zx::Channel> {
    vmo_interop::fdio::connect_at_path(&format!("/svc/{name}"))
        .map_err(|s| anyhow!("connecting to /svc/{name}: {s}"))
}

/// Writes one message.
pub fn send(channel: &zx::Channel, bytes: &[u8], handles: Vec<zx::Handle>) -> Result<()> {
    let mut handles = handles;
    channel
        .write(bytes, &mut handles)
        .map_err(|s| anyhow!("writing to the peer: {s}"))
}

/// Reads one message, waiting at most [`PATIENCE`].
pub fn receive(channel: &zx::Channel) -> Result<(Vec<u8>, Vec<zx::Handle>)> {
    channel
        .wait_handle(
            zx::Signals::CHANNEL_READABLE | zx::Signals::CHANNEL_PEER_CLOSED,
            deadline(),
        )
        .to_result()
        .map_err(|s| anyhow!("waiting for the peer: {s}"))?;
    let (mut bytes, mut handles) = (Vec::new(), Vec::new());
    channel
        .read_etc(&mut bytes, &mut handles)
        .map_err(|s| anyhow!("reading from the peer: {s}"))?;
    Ok((bytes, handles.into_iter().map(|info| info.handle).collect()))
}

/// Reads one message and checks that it is `expected` (with no handles).
pub fn expect(channel: &zx::Channel, expected: &[u8]) -> Result<()> {
    let (bytes, _) = receive(channel)?;
    if bytes != expected {
        return Err(anyhow!(
            "expected {:?} from the peer, got {:?}",
            String::from_utf8_lossy(expected),
            String::from_utf8_lossy(&bytes)
        ));
    }
    Ok(())
}
