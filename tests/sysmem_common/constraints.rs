//! Constraints the sysmem suites share, on the host service (`sysmem_common`) and on the
//! system's sysmem (`sysmem_allocator`).

use vmo_interop::sysmem::types::{
    BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage,
};

/// A participant with CPU usage `cpu`, camping on `camping` buffers of at least `min_size`
/// bytes.
pub fn cpu_constraints(cpu: u32, min_size: u64, camping: u32) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(cpu),
            ..Default::default()
        }),
        min_buffer_count_for_camping: Some(camping),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(min_size),
            ..Default::default()
        }),
        ..Default::default()
    }
}
