//! `vmo-interop demo-consumer --name A|B` (hidden; started by the cross-process demo): one
//! consumer process. It connects to the producer through `/svc`, receives its token over the
//! channel, binds it at the sysmem process, asks for CPU reads, and once the producer says the
//! GPU wrote, verifies every buffer through a read-only mapping. It then shows that writing is
//! refused twice over: by the kernel (its VMO handles lack WRITE: `zx_vmo_write` and a
//! writable `zx_vmar_map` fail) and by the OS (the memfd descriptions this process received
//! are read-only: `write(2)` and a writable shared `mmap(2)` of each fail).

use std::time::Instant;

use anyhow::{anyhow, bail, Context as _, Result};
use vmo_interop::sysmem::{Allocator, BufferCollectionToken};
use vmo_interop::zx::{self, AsHandleRef, HandleBased, Rights, VmarFlags};

use crate::demo::{consumer_constraints, verify, STRIPE};
use crate::demo_producer::LINK;
use crate::link::{self, deadline};
use crate::processes::{exit_with_parent, say, timing};
use crate::Outcome;

pub fn run(name: &str, size: u64, fault: bool, hang: bool) -> Result<Outcome> {
    exit_with_parent();
    let baseline = vmo_interop::platform::host::counters();
    let outcome = consume(name, size, fault, hang)?;
    let after = vmo_interop::platform::host::counters();
    if after.live_handles != baseline.live_handles || after.live_vmos != baseline.live_vmos {
        bail!(
            "consumer {name} leaked: {} live handles and {} VMOs, {} and {} before",
            after.live_handles,
            after.live_vmos,
            baseline.live_handles,
            baseline.live_vmos
        );
    }
    Ok(outcome)
}

fn consume(name: &str, size: u64, fault: bool, hang: bool) -> Result<Outcome> {
    let start = Instant::now();
    let producer = link::connect(LINK)?;
    link::send(&producer, name.as_bytes(), vec![])?;
    let (_, mut handles) = link::receive(&producer)?;
    let token = handles
        .pop()
        .ok_or_else(|| anyhow!("the producer sent no token"))?;
    let token = BufferCollectionToken::from_channel(zx::Channel::from_handle(token));
    if hang {
        // At once, holding the token: were it to bind first, the other consumer's exit could
        // fail the collection under it and this one would exit instead of hanging.
        say("injected fault: this consumer hangs (until it is killed)");
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
    let allocator = Allocator::connect()?;
    allocator.set_debug_client_info(&format!("consumer {name}"), u64::from(std::process::id()))?;
    let collection = allocator.bind_shared_collection(token)?;
    collection.set_constraints(Some(consumer_constraints(size)))?;
    say("received a token from the producer over a channel, bound it at sysmem, set CPU-read constraints");
    if fault {
        say("injected fault: this consumer exits at once (status 70) without Release");
        // SAFETY: `_exit` ends the process at once, as a crash would: no destructor and no
        // atexit handler runs (std::process::exit would run LeakSanitizer's, which reports what
        // this process deliberately never released). Nothing needs them: the point of the
        // fault is that the service and the others see this process vanish.
        unsafe { libc::_exit(70) }
    }
    let info = collection.wait_for_all_buffers_allocated(deadline())?;
    let vmos: Vec<zx::Vmo> = info
        .buffers
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(index, buffer)| {
            buffer
                .vmo
                .ok_or_else(|| anyhow!("sysmem sent no VMO for buffer {index}"))
        })
        .collect::<Result<_>>()?;
    let rights = vmos
        .first()
        .ok_or_else(|| anyhow!("sysmem allocated no buffer"))?
        .basic_info()?
        .rights;
    say(format!(
        "allocated: {} VMO(s), rights {rights:?} (WRITE {})",
        vmos.len(),
        if rights.contains(Rights::WRITE) {
            "present"
        } else {
            "absent"
        }
    ));
    timing(
        &format!("consumer {name}: start → allocated"),
        start.elapsed(),
    );

    link::expect(&producer, b"written")?;
    let reading = Instant::now();
    let mut failures = Vec::new();
    for (index, vmo) in vmos.iter().enumerate() {
        if let Err(error) = verify(vmo, index, size) {
            failures.push(format!("buffer {index}: {error:#}"));
        }
    }
    let read_time = reading.elapsed();
    timing(&format!("consumer {name}: verify every byte"), read_time);
    if failures.is_empty() {
        say(format!(
            "verified {} buffer(s) of {} bytes through read-only mappings",
            vmos.len(),
            size
        ));
    }

    // The kernel refuses what the rights forbid.
    for (index, vmo) in vmos.iter().enumerate() {
        let write = vmo.write(&[0xff], 0);
        let map = vmo
            .map(
                0,
                STRIPE as usize,
                VmarFlags::PERM_READ | VmarFlags::PERM_WRITE,
            )
            .map(drop);
        if write != Err(zx::Status::ACCESS_DENIED) || map != Err(zx::Status::ACCESS_DENIED) {
            failures.push(format!(
                "buffer {index}: a write was not refused (zx_vmo_write {write:?}, writable \
                 zx_vmar_map {map:?})"
            ));
        }
    }
    if rights.contains(Rights::WRITE) {
        failures.push(format!("the VMOs came with WRITE ({rights:?})"));
    }
    // And so does the OS, underneath.
    let os = crate::read_only::check(vmos.len())?;
    let verdict = if failures.is_empty() {
        say("kernel: zx_vmo_write and a writable zx_vmar_map refused: ZX_ERR_ACCESS_DENIED");
        say(format!("OS: {os}"));
        format!(
            "verified {} buffer(s) in {}; writes refused by the kernel and the OS",
            vmos.len(),
            crate::report::human(read_time)
        )
    } else {
        for failure in &failures {
            say(format!("FAIL {failure}"));
        }
        format!("FAILED: {}", failures.join("; "))
    };
    link::send(&producer, verdict.as_bytes(), vec![]).context("sending the verdict")?;
    drop(vmos);
    collection.release()?;
    drop((allocator, producer));
    Ok(if failures.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}
