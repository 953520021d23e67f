//! `vmo-interop demo-producer` (hidden; started by the cross-process demo): the producer
//! process. It connects to the sysmem service process, allocates a shared collection, serves
//! `/svc/vmo-interop.demo.producer` and hands each consumer process that connects a token
//! duplicated from its own (consumer B's without DUPLICATE), derives its constraints from
//! `VkBuffer`s, imports the VMOs sysmem allocated into Vulkan, has the GPU write the pattern,
//! tells the consumers, and waits for their verdicts.

use std::time::Instant;

use anyhow::{anyhow, bail, Result};
use vmo_interop::sysmem::Allocator;
use vmo_interop::vk::Memory;
use vmo_interop::zx::HandleBased;

use crate::demo::{consumer_tokens, gpu_write, import_and_bind, producer_buffers, STRIPE};
use crate::gpu::{Device, Instance};
use crate::link::{self, deadline, Listener};
use crate::processes::{exit_with_parent, ready, say, timing};
use crate::report::{bytes, human};
use crate::Outcome;

/// The protocol the producer serves for the consumers.
pub const LINK: &str = "vmo-interop.demo.producer";

pub fn run(device_index: usize, size: u64, buffer_count: u32, fault: bool) -> Result<Outcome> {
    exit_with_parent();
    let baseline = vmo_interop::platform::host::counters();
    let outcome = produce(device_index, size, buffer_count, fault)?;
    let after = vmo_interop::platform::host::counters();
    say(format!(
        "host kernel of this process after teardown: {} live handles, {} VMOs, {} mappings \
         (baseline {} handles)",
        after.live_handles, after.live_vmos, after.live_mappings, baseline.live_handles
    ));
    if after.live_handles != baseline.live_handles || after.live_vmos != baseline.live_vmos {
        bail!("the producer leaked handles or VMOs");
    }
    Ok(outcome)
}

fn produce(device_index: usize, size: u64, buffer_count: u32, fault: bool) -> Result<Outcome> {
    // Vulkan first: a device that does not exist ends the demo before anyone else starts.
    let vulkan = Instant::now();
    let instance = Instance::new(true)?;
    let physical = instance.physical_device(device_index)?;
    let device = Device::new(&instance, physical)?;
    let interop = device.interop();
    say(instance.describe(device_index, physical));
    timing("producer: Vulkan instance and device", vulkan.elapsed());

    let start = Instant::now();
    let allocator = Allocator::connect()?;
    allocator.set_debug_client_info("producer", u64::from(std::process::id()))?;
    let token = allocator.allocate_shared_collection()?;
    let (token_a, token_b) = consumer_tokens(&token, deadline())?;
    let listener = Listener::serve(LINK)?;
    say(format!(
        "connected to the sysmem process through /svc; shared collection allocated; tokens for \
         consumer A (as is) and B (no DUPLICATE); serving /svc/{LINK}"
    ));
    timing(
        "producer: connect, allocate collection, duplicate tokens",
        start.elapsed(),
    );
    ready();

    // The consumers connect in whichever order their processes start: each names itself.
    let handoff = Instant::now();
    let (mut token_a, mut token_b) = (Some(token_a), Some(token_b));
    let mut consumers = Vec::new();
    for _ in 0..2 {
        let channel = listener.accept()?;
        let (name, _) = link::receive(&channel)?;
        let (token, rights) = match name.as_slice() {
            b"A" => (token_a.take(), "as is"),
            b"B" => (token_b.take(), "without DUPLICATE"),
            other => bail!(
                "a client of /svc/{LINK} named itself {:?}, not A or B",
                String::from_utf8_lossy(other)
            ),
        };
        let token = token.ok_or_else(|| anyhow!("two consumers named themselves the same"))?;
        link::send(&channel, b"token", vec![token.into_channel().into_handle()])?;
        say(format!(
            "handed consumer {} a token ({rights}) over a channel",
            String::from_utf8_lossy(&name)
        ));
        consumers.push((String::from_utf8_lossy(&name).into_owned(), channel));
    }
    timing(
        "producer: consumers connected, tokens handed over",
        handoff.elapsed(),
    );

    let (buffers, constraints, requirements) = producer_buffers(interop, size, buffer_count)?;
    let collection = allocator.bind_shared_collection(token)?;
    collection.set_name(10, "vmo-interop demo")?;
    collection.set_constraints(Some(constraints))?;
    say(format!(
        "constraints: {buffer_count} buffer(s) of ≥ {} (VkMemoryRequirements size {}, \
         alignment {}, memoryTypeBits {:#b})",
        bytes(size),
        requirements.size,
        requirements.alignment,
        requirements.memory_type_bits
    ));
    if fault {
        say("injected fault: the producer exits at once (status 70) without Release");
        // SAFETY: `_exit` ends the process at once, as a crash would: no destructor and no
        // atexit handler runs (std::process::exit would run LeakSanitizer's, which reports what
        // this process deliberately never released). Nothing needs them: the point of the
        // fault is that the service and the others see this process vanish.
        unsafe { libc::_exit(70) }
    }
    let allocation = Instant::now();
    let info = collection.wait_for_all_buffers_allocated(deadline())?;
    let settings = info
        .settings
        .as_ref()
        .and_then(|s| s.buffer_settings.as_ref());
    say(format!(
        "sysmem allocated {} buffer(s) of {} bytes (coherency domain {:?}, collection id {})",
        info.buffers.as_ref().map_or(0, Vec::len),
        settings.and_then(|s| s.size_bytes).unwrap_or(0),
        settings.and_then(|s| s.coherency_domain),
        info.buffer_collection_id.unwrap_or(0)
    ));
    timing(
        "producer: SetConstraints → WaitForAllBuffersAllocated",
        allocation.elapsed(),
    );

    let import = Instant::now();
    let imported = import_and_bind(interop, info, &buffers)?;
    say(format!(
        "imported {} VMO(s) into Vulkan (memory type {})",
        imported.memories.len(),
        imported
            .memories
            .first()
            .map_or(0, Memory::memory_type_index)
    ));
    timing(
        "producer: import VMOs into Vulkan and bind",
        import.elapsed(),
    );
    let write = Instant::now();
    gpu_write(&device, &buffers, size)?;
    say(format!(
        "GPU wrote the pattern (vkCmdFillBuffer, {} stripes per buffer) in {}",
        size.div_ceil(STRIPE),
        human(write.elapsed())
    ));
    timing("producer: GPU write (submit → fence)", write.elapsed());

    let verdicts = Instant::now();
    for (_, channel) in &consumers {
        link::send(channel, b"written", vec![])?;
    }
    let mut pass = true;
    for (name, channel) in &consumers {
        let (verdict, _) = link::receive(channel)?;
        let verdict = String::from_utf8_lossy(&verdict).into_owned();
        pass &= verdict.starts_with("verified");
        say(format!("consumer {name}: {verdict}"));
    }
    timing(
        "producer: \"written\" → both consumers' verdicts",
        verdicts.elapsed(),
    );

    drop(buffers);
    drop(imported);
    collection.release()?;
    drop((consumers, listener, allocator));
    drop(device);
    let messages = instance.validation_messages();
    for line in instance.messages.first() {
        say(format!("validation: {line}"));
    }
    say(format!(
        "released: Vulkan memory freed, collection released; {messages} validation message(s)"
    ));
    if messages > 0 {
        bail!("the validation layer reported {messages} message(s)");
    }
    Ok(if pass { Outcome::Pass } else { Outcome::Fail })
}
