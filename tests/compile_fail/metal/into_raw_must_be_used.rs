// `into_raw` gives up freeing the memory: dropping its result leaks a VkDeviceMemory.
#![deny(unused_must_use)]
use vmo_interop::metal::Memory;

fn forget(memory: Memory) {
    memory.into_raw();
}

fn main() {}
