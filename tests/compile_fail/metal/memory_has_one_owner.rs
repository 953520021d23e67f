// `metal::Memory` frees its `VkDeviceMemory` on drop, so it has exactly one owner.
use vmo_interop::metal::Memory;

fn share(memory: &Memory) -> Memory {
    memory.clone()
}

fn main() {}
