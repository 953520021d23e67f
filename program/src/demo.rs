//! `vmo-interop demo --in-process` (the only form on Fuchsia and macOS): the main job, end to
//! end, in one process; the pieces the producer and consumers share with the demo across
//! processes (`demo_processes.rs`, on a Linux host) are here too.
//!
//! A producer and two consumers share one sysmem2 buffer collection:
//!
//! 1. the producer allocates a shared collection and hands out two tokens: one as is, one
//!    attenuated (no DUPLICATE);
//! 2. the producer derives its constraints from a `VkBuffer`'s memory requirements (a GPU write
//!    usage, host-visible memory); each consumer asks for CPU reads only;
//! 3. sysmem allocates; the producer imports every VMO into Vulkan (validated against
//!    `memoryTypeBits` and the buffer's requirements) and its GPU writes a pattern;
//! 4. each consumer maps its own read-only VMOs, verifies the pattern byte for byte, and shows
//!    that a write is refused with `ZX_ERR_ACCESS_DENIED`.
//!
//! On the host the kernel and sysmem are this crate's emulations and the GPU is whatever Vulkan
//! driver is present (lavapipe at least); at the end the host kernel's counters show that
//! nothing leaked. Any mismatch or unexpected success exits non-zero.

use crate::vk_error::VkError;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _, Result};
use ash::vk;
use vmo_interop::sysmem::types::{
    usage, BufferCollectionConstraints, BufferCollectionInfo, BufferMemoryConstraints, BufferUsage,
};
use vmo_interop::sysmem::vulkan::{import_buffers, ImportedCollection, VulkanConstraints};
use vmo_interop::sysmem::{Allocator, BufferCollection, BufferCollectionToken};
use vmo_interop::vk::{AllocationInfo, Buffer, Interop, Memory, Resource};
use vmo_interop::zx::{self, AsHandleRef, Rights, VmarFlags};

use crate::gpu::{transfer_to_host_barrier, Device, Instance};
use crate::report::{bytes, human};
use crate::Outcome;

/// Consumer B's token attenuation: everything but DUPLICATE.
pub(crate) const CONSUMER_B_MASK: Rights = Rights::from_bits_truncate(!Rights::DUPLICATE.bits());
/// Tokens for consumer A (as `token` is) and consumer B (without DUPLICATE), known to sysmem.
pub(crate) fn consumer_tokens(
    token: &BufferCollectionToken,
    deadline: zx::MonotonicInstant,
) -> Result<(BufferCollectionToken, BufferCollectionToken)> {
    let mut tokens = token
        .duplicate_sync(&[Rights::SAME_RIGHTS, CONSUMER_B_MASK], deadline)?
        .into_iter();
    tokens
        .next()
        .zip(tokens.next())
        .ok_or_else(|| anyhow!("DuplicateSync returned fewer than two tokens"))
}

/// Stripes of the pattern: each `STRIPE` bytes hold one 32-bit value.
pub(crate) const STRIPE: u64 = 4096;

/// The 32-bit value of stripe `stripe` of buffer `buffer`.
pub(crate) fn pattern(buffer: usize, stripe: u64) -> u32 {
    // A multiplicative hash, so that neighbouring stripes and buffers differ in every byte.
    ((buffer as u32) << 24 ^ stripe as u32)
        .wrapping_add(1)
        .wrapping_mul(0x9e37_79b1)
}

/// Prints one step with the time since the previous one.
struct Steps {
    last: Instant,
    start: Instant,
}

impl Steps {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            last: now,
            start: now,
        }
    }

    fn step(&mut self, text: impl AsRef<str>) {
        let now = Instant::now();
        println!("[{:>9}] {}", human(now - self.last), text.as_ref());
        self.last = now;
    }

    fn detail(&self, text: impl AsRef<str>) {
        println!("{:>11} {}", "", text.as_ref());
    }
}

/// One participant: its own connection to the allocator and its own collection channel.
struct Participant {
    name: &'static str,
    allocator: Allocator,
    collection: Option<BufferCollection>,
}

pub fn run(device_index: usize, size: u64, buffer_count: u32) -> Result<Outcome> {
    let mut steps = Steps::new();
    #[cfg(target_os = "linux")]
    let baseline = vmo_interop::platform::host::counters();
    let outcome = {
        #[cfg(not(target_os = "fuchsia"))]
        let sysmem = vmo_interop::sysmem::HostSysmem::start().context("starting host sysmem")?;
        #[cfg(not(target_os = "fuchsia"))]
        let connect = || sysmem.connect();
        #[cfg(target_os = "fuchsia")]
        let connect = Allocator::connect;
        steps.step(if cfg!(target_os = "fuchsia") {
            "connected to fuchsia.sysmem2.Allocator"
        } else {
            "host sysmem service started (fuchsia.sysmem2 over host-kernel channels)"
        });

        let instance = Instance::new(true)?;
        let physical = instance.physical_device(device_index)?;
        let device = Device::new(&instance, physical)?;
        steps.step(instance.describe(device_index, physical));

        let outcome = run_participants(&mut steps, &device, &connect, size, buffer_count)?;
        drop(device);
        let messages = instance.validation_messages();
        if messages > 0 {
            for line in instance.messages.first() {
                println!("  validation: {line}");
            }
            bail!("the validation layer reported {messages} message(s)");
        }
        outcome
    };
    #[cfg(target_os = "linux")]
    {
        let after = vmo_interop::platform::host::counters();
        let leaked = after.live_handles.saturating_sub(baseline.live_handles);
        steps.step(format!(
            "host kernel after shutdown: {} live handles, {} VMOs, {} channels, {} mappings ({} kernel calls in all)",
            after.live_handles,
            after.live_vmos,
            after.live_channels,
            after.live_mappings,
            after.kernel_calls - baseline.kernel_calls
        ));
        anyhow::ensure!(
            leaked == 0 && after.live_vmos == baseline.live_vmos,
            "{leaked} handle(s) leaked"
        );
    }
    println!(
        "demo {} in {}",
        if matches!(outcome, Outcome::Pass) {
            "passed"
        } else {
            "FAILED"
        },
        human(steps.start.elapsed())
    );
    Ok(outcome)
}

fn run_participants(
    steps: &mut Steps,
    device: &Device<'_>,
    connect: &dyn Fn() -> Result<Allocator, vmo_interop::sysmem::ClientError>,
    size: u64,
    buffer_count: u32,
) -> Result<Outcome> {
    let deadline = || zx::MonotonicInstant::after(Duration::from_secs(10));
    let interop = device.interop();

    // 1. The producer's token, and one token per consumer.
    let mut producer = Participant {
        name: "producer",
        allocator: connect()?,
        collection: None,
    };
    producer.allocator.set_debug_client_info("producer", 1)?;
    let token = producer.allocator.allocate_shared_collection()?;
    let (token_a, token_b) = consumer_tokens(&token, deadline())?;
    steps.step(
        "producer: shared collection allocated; tokens for consumer A (as is) and B (no DUPLICATE)",
    );

    // 2. Constraints: the producer's from a VkBuffer, the consumers' CPU reads.
    let (buffers, constraints, requirements) = producer_buffers(interop, size, buffer_count)?;
    let collection = producer.allocator.bind_shared_collection(token)?;
    collection.set_name(10, "vmo-interop demo")?;
    collection.set_constraints(Some(constraints))?;
    producer.collection = Some(collection);
    steps.detail(format!(
        "producer constraints: {buffer_count} buffer(s) of ≥ {} (VkMemoryRequirements size {}, alignment {}, memoryTypeBits {:#b})",
        bytes(size),
        requirements.size,
        requirements.alignment,
        requirements.memory_type_bits
    ));

    let mut consumers = Vec::new();
    for (name, token) in [("consumer A", token_a), ("consumer B", token_b)] {
        let allocator = connect()?;
        allocator.set_debug_client_info(name, 2 + consumers.len() as u64)?;
        let collection = allocator.bind_shared_collection(token)?;
        collection.set_constraints(Some(consumer_constraints(size)))?;
        consumers.push(Participant {
            name,
            allocator,
            collection: Some(collection),
        });
    }
    steps.step("all three participants bound their tokens and set constraints");

    // 3. Allocation; the producer imports and renders.
    let producer_info = collection_of(&producer)?.wait_for_all_buffers_allocated(deadline())?;
    let consumer_infos: Vec<BufferCollectionInfo> = consumers
        .iter()
        .map(|c| Ok(collection_of(c)?.wait_for_all_buffers_allocated(deadline())?))
        .collect::<Result<_>>()?;
    let settings = producer_info
        .settings
        .as_ref()
        .and_then(|s| s.buffer_settings.as_ref());
    steps.step(format!(
        "sysmem allocated {} buffer(s) of {} bytes (coherency domain {:?}, collection id {})",
        producer_info.buffers.as_ref().map_or(0, Vec::len),
        settings.and_then(|s| s.size_bytes).unwrap_or(0),
        settings.and_then(|s| s.coherency_domain),
        producer_info.buffer_collection_id.unwrap_or(0)
    ));
    for (p, info) in std::iter::once((&producer, &producer_info))
        .chain(consumers.iter().zip(consumer_infos.iter()))
    {
        let rights = first_vmo(info)?.basic_info()?.rights;
        steps.detail(format!("{:<10} VMO rights {rights:?}", p.name));
    }

    let imported = import_and_bind(interop, producer_info, &buffers)?;
    steps.step(format!(
        "producer imported {} VMO(s) into Vulkan (memory type {}, validated against memoryTypeBits and the buffer's requirements)",
        imported.memories.len(),
        imported.memories.first().map_or(0, Memory::memory_type_index)
    ));

    gpu_write(device, &buffers, size)?;
    steps.step(format!(
        "producer GPU wrote the pattern (vkCmdFillBuffer, {} stripes per buffer)",
        size.div_ceil(STRIPE)
    ));

    // 4. Each consumer verifies through its own read-only mapping and tries to write.
    let mut pass = true;
    for (consumer, info) in consumers.iter().zip(&consumer_infos) {
        for (index, buffer) in info.buffers.iter().flatten().enumerate() {
            let vmo = buffer
                .vmo
                .as_ref()
                .ok_or_else(|| anyhow!("{} got no VMO for buffer {index}", consumer.name))?;
            match verify(vmo, index, size) {
                Ok(()) => steps.detail(format!(
                    "{}: buffer {index} (koid {}) verified through a read-only mapping",
                    consumer.name,
                    vmo.get_koid()?
                )),
                Err(error) => {
                    pass = false;
                    steps.detail(format!("{}: buffer {index}: FAIL {error:#}", consumer.name));
                }
            }
            let write = vmo.write(&[0xff], 0);
            let map_write = vmo
                .map(
                    0,
                    STRIPE as usize,
                    VmarFlags::PERM_READ | VmarFlags::PERM_WRITE,
                )
                .map(drop);
            if write == Err(zx::Status::ACCESS_DENIED)
                && map_write == Err(zx::Status::ACCESS_DENIED)
            {
                if index == 0 {
                    steps.detail(format!(
                        "{}: zx_vmo_write and a writable zx_vmar_map refused: {}",
                        consumer.name,
                        zx::Status::ACCESS_DENIED
                    ));
                }
            } else {
                pass = false;
                steps.detail(format!(
                    "{}: buffer {index}: FAIL a write was not refused (vmo_write {write:?}, writable map {map_write:?})",
                    consumer.name
                ));
            }
        }
    }
    steps.step(format!(
        "consumers checked {} buffer(s) each",
        consumer_infos
            .first()
            .and_then(|i| i.buffers.as_ref())
            .map_or(0, Vec::len)
    ));

    // Tear down: Vulkan objects first, then every participant releases its collection.
    drop(buffers);
    drop(imported);
    for participant in std::iter::once(&mut producer).chain(consumers.iter_mut()) {
        if let Some(collection) = participant.collection.take() {
            collection.release()?;
        }
    }
    drop(consumer_infos);
    steps.step("released: Vulkan memory freed, collections released, VMO handles closed");
    Ok(if pass { Outcome::Pass } else { Outcome::Fail })
}

/// The producer's `VkBuffer`s (one per buffer of the collection) and its constraints, derived
/// from their memory requirements: a GPU transfer usage, host-visible memory.
pub(crate) fn producer_buffers(
    interop: &Interop,
    size: u64,
    buffer_count: u32,
) -> Result<(
    Vec<Buffer>,
    BufferCollectionConstraints,
    vk::MemoryRequirements,
)> {
    let usage_flags = vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC;
    let buffer_info = vk::BufferCreateInfo::default()
        .size(size)
        .usage(usage_flags)
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    let buffers: Vec<Buffer> = (0..buffer_count)
        // SAFETY: a valid create info with no chained structures.
        .map(|_| unsafe { interop.create_buffer(&buffer_info) })
        .collect::<Result<_, _>>()?;
    let requirements = buffers[0].requirements().memory;
    let constraints = VulkanConstraints::for_buffer(requirements, usage_flags)
        .memory_properties(vk::MemoryPropertyFlags::HOST_VISIBLE)
        .min_buffer_count_for_camping(buffer_count)
        .to_constraints();
    Ok((buffers, constraints, requirements))
}

/// Imports every VMO of the producer's collection into Vulkan and binds buffer `i` to memory
/// `i`.
pub(crate) fn import_and_bind(
    interop: &Interop,
    info: BufferCollectionInfo,
    buffers: &[Buffer],
) -> Result<ImportedCollection> {
    let imported = import_buffers(
        interop,
        info,
        // The consumers read what the GPU wrote through their VMOs, which cannot be invalidated
        // like a Vulkan mapping: the memory must be host-coherent.
        &AllocationInfo::new()
            .memory_properties(
                vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT,
                vk::MemoryPropertyFlags::empty(),
            )
            .resource(Resource::Buffer(&buffers[0])),
    )?;
    for (buffer, memory) in buffers.iter().zip(&imported.memories) {
        // SAFETY: both live objects of this device; the memory type was validated against the
        // buffer's requirements, and the VMO is at least `requirements.size` bytes.
        unsafe {
            interop
                .device()
                .bind_buffer_memory(buffer.as_raw(), memory.as_raw(), 0)
        }
        .map_err(VkError)
        .context("vkBindBufferMemory")?;
    }
    Ok(imported)
}

/// The producer's GPU writes the pattern into every buffer (`vkCmdFillBuffer` per stripe) and
/// makes it visible to the host.
pub(crate) fn gpu_write(device: &Device<'_>, buffers: &[Buffer], size: u64) -> Result<()> {
    device.submit(|d, cmd| {
        for (index, buffer) in buffers.iter().enumerate() {
            let mut offset = 0;
            while offset < size {
                let len = STRIPE.min(size - offset) & !3;
                if len > 0 {
                    // SAFETY: the buffer is live, bound, TRANSFER_DST; the range is in bounds
                    // and 4-byte aligned.
                    unsafe {
                        d.cmd_fill_buffer(
                            cmd,
                            buffer.as_raw(),
                            offset,
                            len,
                            pattern(index, offset / STRIPE),
                        )
                    };
                }
                offset += STRIPE;
            }
        }
        transfer_to_host_barrier(d, cmd);
    })?;
    Ok(())
}

/// A consumer's constraints: CPU reads of buffers of at least `size` bytes.
pub(crate) fn consumer_constraints(size: u64) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ),
            ..Default::default()
        }),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(size),
            cpu_domain_supported: Some(true),
            ram_domain_supported: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn collection_of(p: &Participant) -> Result<&BufferCollection> {
    p.collection
        .as_ref()
        .ok_or_else(|| anyhow!("{} has no collection", p.name))
}

fn first_vmo(info: &BufferCollectionInfo) -> Result<&zx::Vmo> {
    info.buffers
        .as_ref()
        .and_then(|b| b.first())
        .and_then(|b| b.vmo.as_ref())
        .ok_or_else(|| anyhow!("the collection info has no VMO"))
}

/// Maps `vmo` read-only and checks every stripe of buffer `index`.
pub(crate) fn verify(vmo: &zx::Vmo, index: usize, size: u64) -> Result<()> {
    let len = usize::try_from(size)?;
    // Mappings cover whole pages.
    let mapping = vmo.map(0, len.next_multiple_of(4096), VmarFlags::PERM_READ)?;
    // SAFETY: the mapping is `len` readable bytes and lives until the end of this function; the
    // producer's GPU work has completed, so nothing writes the pages while we read them.
    let bytes = unsafe { std::slice::from_raw_parts(mapping.as_ptr().cast_const(), len) };
    for (stripe, chunk) in bytes.chunks(STRIPE as usize).enumerate() {
        let expected = pattern(index, stripe as u64).to_le_bytes();
        let words = chunk.len() / 4 * 4;
        if let Some(bad) = chunk[..words]
            .chunks_exact(4)
            .position(|w| w != expected.as_slice())
        {
            bail!(
                "stripe {stripe}, byte {}: expected {expected:02x?}",
                stripe * STRIPE as usize + bad * 4
            );
        }
    }
    Ok(())
}
