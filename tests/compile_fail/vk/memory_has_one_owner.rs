// `Memory` frees its `VkDeviceMemory` on drop, so it has exactly one owner: it is not `Clone`.
use vmo_interop::vk::Memory;

fn share(memory: &Memory) -> Memory {
    memory.clone()
}

fn main() {}
