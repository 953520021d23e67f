//! The sysmem2 rows: a collection of N buffers of 1 MiB through the Allocator protocol, beside
//! creating the same VMOs directly.

use super::*;

fn constraints(count: u32) -> BufferCollectionConstraints {
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            cpu: Some(usage::CPU_USAGE_READ | usage::CPU_USAGE_WRITE),
            ..Default::default()
        }),
        min_buffer_count: Some(count),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(MIB),
            cpu_domain_supported: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub(super) fn bench_sysmem(count: u32, warmup: usize, runs: usize) -> Result<Row> {
    #[cfg(not(target_os = "fuchsia"))]
    let service = vmo_interop::sysmem::HostSysmem::start()?;
    #[cfg(not(target_os = "fuchsia"))]
    let allocator = service.connect()?;
    #[cfg(target_os = "fuchsia")]
    let allocator = Allocator::connect()?;
    let deadline = || zx::MonotonicInstant::after(Duration::from_secs(10));
    let collection = measure(warmup, runs, || allocate(&allocator, count, deadline()))?;
    let direct = measure(warmup, runs, || {
        let vmos = (0..count)
            .map(|_| zx::Vmo::create(MIB))
            .collect::<Result<Vec<_>, _>>()?;
        drop(vmos);
        Ok(())
    })?;
    Ok(Row {
        group: "sysmem2",
        case: format!("{count} × 1 MiB"),
        subject: ("Allocator: collection", collection),
        baseline: ("zx_vmo_create × N", direct),
        size: None,
    })
}

/// One non-shared collection of `count` buffers, allocated and dropped.
fn allocate(allocator: &Allocator, count: u32, deadline: zx::MonotonicInstant) -> Result<()> {
    let collection = allocator.allocate_non_shared_collection()?;
    collection.set_constraints(Some(constraints(count)))?;
    let info = collection.wait_for_all_buffers_allocated(deadline)?;
    let buffers = info.buffers.unwrap_or_default();
    if buffers.len() != count as usize {
        return Err(anyhow!(
            "asked for {count} buffers, sysmem allocated {}",
            buffers.len()
        ));
    }
    collection.release()?;
    Ok(())
}
