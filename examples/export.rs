//! Export: the GPU writes a buffer of exportable memory, the memory is exported as a VMO with
//! narrowed rights (read-only: READ | MAP | TRANSFER), sent over a channel, and the consumer
//! maps it and sees the GPU's bytes.
//!
//! Run with `cargo run --example export` (lavapipe or any driver with
//! VK_EXT_external_memory_host on the host; the driver's extension on Fuchsia).

mod common;

use ash::vk;
use vmo_interop::vk::{AllocationInfo, Resource};
use vmo_interop::zx::{self, HandleBased, Rights, VmarFlags};

const SIZE: u64 = 1 << 16;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vulkan = common::Vulkan::new()?;
    let interop = vulkan.interop();

    // A buffer and memory dedicated to it that can be exported.
    let info = vk::BufferCreateInfo::default()
        .size(SIZE)
        .usage(vk::BufferUsageFlags::TRANSFER_DST);
    // SAFETY: a valid create info.
    let buffer = unsafe { interop.create_buffer(&info) }?;
    let memory = interop.allocate_exportable_memory(
        &AllocationInfo::new().resource(Resource::DedicatedBuffer(&buffer)),
    )?;
    // SAFETY: both objects are live and of this device; the memory was allocated for the buffer.
    unsafe {
        interop
            .device()
            .bind_buffer_memory(buffer.as_raw(), memory.as_raw(), 0)
    }?;

    // The GPU writes 0xC0FFEE into every word, then makes it visible to the host.
    vulkan.submit(|device, cmd| {
        let barrier = [vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
            .dst_access_mask(vk::AccessFlags::HOST_READ)];
        // SAFETY: a recording command buffer; the buffer is bound and has TRANSFER_DST.
        unsafe {
            device.cmd_fill_buffer(cmd, buffer.as_raw(), 0, SIZE, 0x00C0_FFEE);
            device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::TRANSFER,
                vk::PipelineStageFlags::HOST,
                vk::DependencyFlags::empty(),
                &barrier,
                &[],
                &[],
            );
        }
    })?;

    // Export a read-only handle and send it to the consumer.
    let vmo =
        interop.get_memory_zircon_handle(&memory, Rights::READ | Rights::MAP | Rights::TRANSFER)?;
    let (producer, consumer) = zx::Channel::create()?;
    producer.write(b"frame", &mut vec![vmo.into_handle()])?;

    let reader = std::thread::spawn(move || -> Result<u32, zx::Status> {
        let mut message = zx::MessageBuf::new();
        consumer.read(&mut message)?;
        let (_, mut handles) = message.split();
        let vmo = zx::Vmo::from(handles.remove(0));
        let mapping = vmo.map(0, SIZE as usize, VmarFlags::PERM_READ)?;
        // SAFETY: the mapping is SIZE readable bytes, aligned for u32.
        let words = unsafe {
            std::slice::from_raw_parts(mapping.as_ptr().cast::<u32>(), SIZE as usize / 4)
        };
        assert!(words.iter().all(|&w| w == 0x00C0_FFEE), "the GPU's bytes");
        // The handle is read-only: a writable mapping is refused.
        assert_eq!(
            vmo.map(0, 4096, VmarFlags::PERM_READ | VmarFlags::PERM_WRITE)
                .err(),
            Some(zx::Status::ACCESS_DENIED)
        );
        Ok(words[0])
    });
    let word = reader.join().expect("the consumer thread")?;
    println!("the consumer read {word:#x} through a read-only VMO");
    drop((memory, buffer));
    Ok(())
}
