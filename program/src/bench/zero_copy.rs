//! The zero-copy rows: a VMO's bytes made addressable by the GPU by importing it, beside
//! copying them through a staging buffer.

use super::*;

/// Time until a VMO's bytes are addressable by the GPU. Zero-copy: import the VMO and bind a
/// buffer to it. Copy: read the VMO into a mapped staging buffer and `vkCmdCopyBuffer` it into a
/// device-local buffer (both buffers allocated once, outside the measurement, so only the copying
/// is timed). Not measured: what the GPU's later accesses cost, which differ (the imported
/// buffer is host memory, the copy's target device-local memory).
pub(super) fn bench_zero_copy(
    device: &Device<'_>,
    size: u64,
    warmup: usize,
    runs: usize,
) -> Result<Row> {
    let interop = device.interop();
    let vmo = zx::Vmo::create(size)?;
    let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
    let buffer_info = vk::BufferCreateInfo::default()
        .size(size)
        .usage(usage)
        .sharing_mode(vk::SharingMode::EXCLUSIVE);
    let zero_copy = measure(warmup, runs, || {
        // SAFETY: a valid create info with no chained structures.
        let buffer = unsafe { interop.create_buffer(&buffer_info) }?;
        let memory = interop
            .import_memory(
                vmo.duplicate_handle(Rights::SAME_RIGHTS)?,
                &AllocationInfo::new()
                    .allocation_size(buffer.requirements().memory.size)
                    .resource(Resource::Buffer(&buffer)),
            )
            .map_err(|e| anyhow!("{e}"))?;
        // SAFETY: both live; the type was validated against the buffer's requirements.
        unsafe {
            interop
                .device()
                .bind_buffer_memory(buffer.as_raw(), memory.as_raw(), 0)
        }
        .map_err(VkError)?;
        drop(buffer);
        drop(memory);
        Ok(())
    })?;

    let staging = PlainBuffer::new(
        device,
        size,
        vk::BufferUsageFlags::TRANSFER_SRC,
        vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT,
    )?;
    let target = PlainBuffer::new(
        device,
        size,
        vk::BufferUsageFlags::TRANSFER_DST,
        vk::MemoryPropertyFlags::DEVICE_LOCAL,
    )?;
    let len = usize::try_from(size)?;
    // SAFETY: the staging memory is host-visible, live, and mapped once for the whole run.
    let mapped = unsafe {
        device
            .device
            .map_memory(staging.memory, 0, size, vk::MemoryMapFlags::empty())
    }
    .map_err(VkError)
    .context("vkMapMemory")?;
    let copy = measure(warmup, runs, || {
        // SAFETY: the mapping covers `len` bytes and nothing else touches it during the read.
        let destination = unsafe { std::slice::from_raw_parts_mut(mapped.cast::<u8>(), len) };
        vmo.read(destination, 0)?;
        let region = [vk::BufferCopy::default().size(size)];
        device.submit(|d, cmd| {
            // SAFETY: both buffers are live, bound, and have the transfer usages.
            unsafe { d.cmd_copy_buffer(cmd, staging.buffer, target.buffer, &region) }
        })
    });
    // SAFETY: mapped above; the GPU finished (every submit waits).
    unsafe { device.device.unmap_memory(staging.memory) };
    Ok(Row {
        group: "zero-copy",
        case: bytes(size),
        subject: ("import + bind", zero_copy),
        baseline: ("copy via staging to a GPU buffer", copy?),
        size: Some(size),
    })
}

/// A buffer with its own plain allocation (no external memory), for the copying baseline.
struct PlainBuffer<'d> {
    device: &'d ash::Device,
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
}

impl<'d> PlainBuffer<'d> {
    fn new(
        device: &'d Device<'_>,
        size: u64,
        usage: vk::BufferUsageFlags,
        flags: vk::MemoryPropertyFlags,
    ) -> Result<Self> {
        let d = &device.device;
        let info = vk::BufferCreateInfo::default()
            .size(size)
            .usage(usage)
            .sharing_mode(vk::SharingMode::EXCLUSIVE);
        // SAFETY: valid create and allocate infos; on any failure what was made is destroyed
        // before returning, and on success `Drop` destroys it.
        unsafe {
            let buffer = d
                .create_buffer(&info, None)
                .map_err(VkError)
                .context("vkCreateBuffer")?;
            let requirements = d.get_buffer_memory_requirements(buffer);
            let properties = &device.physical.memory_properties;
            let index = (0..properties.memory_type_count).find(|&i| {
                requirements.memory_type_bits & (1 << i) != 0
                    && properties.memory_types[i as usize]
                        .property_flags
                        .contains(flags)
            });
            let Some(index) = index else {
                d.destroy_buffer(buffer, None);
                return Err(anyhow!(
                    "no memory type with {} for a staging buffer",
                    dbg(flags)
                ));
            };
            let allocate = vk::MemoryAllocateInfo::default()
                .allocation_size(requirements.size)
                .memory_type_index(index);
            let memory = match d.allocate_memory(&allocate, None) {
                Ok(memory) => memory,
                Err(e) => {
                    d.destroy_buffer(buffer, None);
                    return Err(anyhow!("vkAllocateMemory: {e}"));
                }
            };
            if let Err(e) = d.bind_buffer_memory(buffer, memory, 0) {
                d.destroy_buffer(buffer, None);
                d.free_memory(memory, None);
                return Err(anyhow!("vkBindBufferMemory: {e}"));
            }
            Ok(Self {
                device: d,
                buffer,
                memory,
            })
        }
    }
}

impl Drop for PlainBuffer<'_> {
    fn drop(&mut self) {
        // SAFETY: made in `new`; all GPU work using them finished (every submit waits).
        unsafe {
            self.device.destroy_buffer(self.buffer, None);
            self.device.free_memory(self.memory, None);
        }
    }
}
