//! The buffer transfers the suites record on the GPU, each made visible to the host afterwards.

use ash::vk;

use super::Gpu;

impl Gpu {
    /// Makes transfer writes visible to the host (`vkCmdPipelineBarrier` TRANSFER → HOST).
    pub fn transfer_to_host_barrier(&self, cmd: vk::CommandBuffer) {
        let barrier = [vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
            .dst_access_mask(vk::AccessFlags::HOST_READ)];
        // SAFETY: a recording command buffer of ours.
        unsafe {
            self.device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::TRANSFER,
                vk::PipelineStageFlags::HOST,
                vk::DependencyFlags::empty(),
                &barrier,
                &[],
                &[],
            )
        }
    }

    /// Fills `size` bytes of `buffer` at `offset` with `value` on the GPU (`vkCmdFillBuffer`),
    /// visible to the host afterwards.
    pub fn fill(&self, buffer: vk::Buffer, offset: u64, size: u64, value: u32) {
        self.submit(|cmd| {
            // SAFETY: the caller passes a buffer of ours with TRANSFER_DST, bound to memory.
            unsafe {
                self.device
                    .cmd_fill_buffer(cmd, buffer, offset, size, value)
            };
            self.transfer_to_host_barrier(cmd);
        });
    }

    /// Copies `size` bytes from `src` to `dst` on the GPU (`vkCmdCopyBuffer`), visible to the
    /// host afterwards.
    pub fn copy(&self, src: vk::Buffer, dst: vk::Buffer, size: u64) {
        let region = [vk::BufferCopy::default().size(size)];
        self.submit(|cmd| {
            // SAFETY: the caller passes buffers of ours with TRANSFER_SRC / TRANSFER_DST.
            unsafe { self.device.cmd_copy_buffer(cmd, src, dst, &region) };
            self.transfer_to_host_barrier(cmd);
        });
    }
}
