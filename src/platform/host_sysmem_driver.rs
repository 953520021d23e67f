//! The host Vulkan layer's connection to sysmem, over this library's sysmem2 client: what a
//! Fuchsia Vulkan driver's sysmem client does for `VK_FUCHSIA_buffer_collection`.
//!
//! The layer (`host/vulkan`) cannot depend on the library (the library depends on it), so it
//! defines the trait (`host_vulkan::sysmem_driver`) and this module implements it; it is
//! registered by [`super::vulkan_entry`]. Each `vkCreateBufferCollectionFUCHSIA` connects to
//! `/svc/fuchsia.sysmem2.Allocator` ([`Allocator::connect`]), as a driver on Fuchsia reaches
//! the system's sysmem: the host sysmem service (`vmo-interop-sysmem`, or
//! [`HostSysmem::serve`](crate::sysmem::HostSysmem::serve)) must serve the host's `/svc`.
//!
//! Linux host only: this is host-platform glue, not Fuchsia code.

use std::time::Duration;

use host_vulkan::sysmem_driver::{
    Allocation, Buffer, ChosenImage, CoherencyDomain, Constraints, Plane, SysmemCollection,
    SysmemDriver, SysmemError,
};

use crate::sysmem::image_format::ImageLayout;
use crate::sysmem::images::{
    ColorSpace, ImageFormatConstraints, PixelFormat, PixelFormatAndModifier, PixelFormatModifier,
    SizeU,
};
use crate::sysmem::types::{
    self, BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage,
};
use crate::sysmem::{Allocator, BufferCollection, BufferCollectionToken, ClientError};
use crate::zx::{self, AsHandleRef, HandleBased};

/// How long a driver call waits for sysmem (validation, allocation): long enough for every
/// participant of a test or an application to set its constraints.
const DEADLINE: Duration = Duration::from_secs(30);

fn deadline() -> zx::MonotonicInstant {
    zx::MonotonicInstant::after(DEADLINE)
}

/// The backend: stateless; every collection connects on its own.
struct Driver;

/// One bound collection.
struct Collection {
    collection: Option<BufferCollection>,
    /// The chosen image constraints, after allocation.
    chosen: Option<ImageFormatConstraints>,
}

fn failed(e: ClientError) -> SysmemError {
    match e {
        ClientError::Sysmem(types::Error::CONSTRAINTS_INTERSECTION_EMPTY) => {
            SysmemError::ConstraintsIntersectionEmpty
        }
        ClientError::Sysmem(types::Error::NO_MEMORY) => SysmemError::NoMemory,
        e => SysmemError::Failed(e.to_string()),
    }
}

impl SysmemDriver for Driver {
    fn bind_shared_collection(&self, token: u32) -> Result<Box<dyn SysmemCollection>, SysmemError> {
        let basic = {
            // SAFETY: the `Unowned` never closes the value and only asks for its basic info,
            // which the kernel answers for any value (BAD_HANDLE for one that is no handle);
            // the application does not close it during vkCreateBufferCollectionFUCHSIA.
            let borrowed = unsafe { zx::Unowned::<zx::Channel>::from_raw_handle(token) };
            borrowed.basic_info()
        };
        let info = match basic {
            Ok(info) if info.object_type == zx::ObjectType::CHANNEL => info,
            _ => return Err(SysmemError::NotAToken),
        };
        let allocator = Allocator::connect().map_err(failed)?;
        let known = allocator
            .validate_buffer_collection_token(info.related_koid, deadline())
            .map_err(failed)?;
        if !known {
            return Err(SysmemError::NotAToken);
        }
        // SAFETY: a live channel handle of this process that the application handed over
        // (VK_FUCHSIA_buffer_collection takes the token); from here it is ours.
        let channel = zx::Channel::from_handle(unsafe { zx::Handle::from_raw(token) });
        let collection = allocator
            .bind_shared_collection(BufferCollectionToken::from_channel(channel))
            .map_err(failed)?;
        let _ = collection.set_debug_client_info("vulkan (host layer)", 0);
        Ok(Box::new(Collection {
            collection: Some(collection),
            chosen: None,
        }))
    }
}

/// The sysmem constraints of the layer's.
fn constraints(c: Constraints) -> BufferCollectionConstraints {
    let nonzero = |v: u32| (v != 0).then_some(v);
    let images: Vec<ImageFormatConstraints> = c
        .image_formats
        .iter()
        .map(|f| {
            let spaces: Vec<ColorSpace> = f
                .color_spaces
                .iter()
                .map(|&s| ColorSpace::from_raw(s))
                .collect();
            ImageFormatConstraints {
                min_size: Some(SizeU::new(f.min_size.0, f.min_size.1)),
                min_bytes_per_row: Some(f.min_bytes_per_row),
                bytes_per_row_divisor: Some(f.bytes_per_row_divisor),
                ..ImageFormatConstraints::new(
                    PixelFormatAndModifier::new(
                        PixelFormat::from_raw(f.pixel_format),
                        PixelFormatModifier::from_raw(f.pixel_format_modifier),
                    ),
                    &spaces,
                )
            }
        })
        .collect();
    BufferCollectionConstraints {
        usage: Some(BufferUsage {
            vulkan: nonzero(c.vulkan_usage),
            cpu: nonzero(c.cpu_usage),
            ..Default::default()
        }),
        min_buffer_count: nonzero(c.min_buffer_count),
        max_buffer_count: nonzero(c.max_buffer_count),
        min_buffer_count_for_camping: Some(c.min_buffer_count_for_camping),
        min_buffer_count_for_dedicated_slack: Some(c.min_buffer_count_for_dedicated_slack),
        min_buffer_count_for_shared_slack: Some(c.min_buffer_count_for_shared_slack),
        buffer_memory_constraints: Some(BufferMemoryConstraints {
            min_size_bytes: Some(c.min_size_bytes),
            cpu_domain_supported: Some(c.cpu_domain_supported),
            ram_domain_supported: Some(c.ram_domain_supported),
            inaccessible_domain_supported: Some(c.inaccessible_domain_supported),
            ..Default::default()
        }),
        image_format_constraints: (!images.is_empty()).then_some(images),
    }
}

impl SysmemCollection for Collection {
    fn set_constraints(&mut self, c: Constraints) -> Result<(), SysmemError> {
        let collection = self
            .collection
            .as_ref()
            .ok_or_else(|| SysmemError::Failed("released".into()))?;
        collection
            .set_constraints(Some(constraints(c)))
            .map_err(failed)
    }

    fn wait_for_all_buffers_allocated(&mut self) -> Result<Allocation, SysmemError> {
        let collection = self
            .collection
            .as_ref()
            .ok_or_else(|| SysmemError::Failed("released".into()))?;
        let info = collection
            .wait_for_all_buffers_allocated(deadline())
            .map_err(failed)?;
        let settings = info.settings.unwrap_or_default();
        let memory = settings.buffer_settings.unwrap_or_default();
        let coherency_domain = match memory.coherency_domain {
            Some(types::CoherencyDomain::RAM) => CoherencyDomain::Ram,
            Some(types::CoherencyDomain::INACCESSIBLE) => CoherencyDomain::Inaccessible,
            _ => CoherencyDomain::Cpu,
        };
        let image = settings.image_format_constraints.as_ref().and_then(|c| {
            let format = c.chosen_format()?;
            Some(ChosenImage {
                pixel_format: format.pixel_format.into_raw(),
                pixel_format_modifier: format.pixel_format_modifier.into_raw(),
                color_space: c.color_spaces.as_ref()?.first()?.into_raw(),
            })
        });
        self.chosen = settings.image_format_constraints;
        let buffers = info
            .buffers
            .unwrap_or_default()
            .into_iter()
            .map(|b| Buffer {
                vmo: b.vmo.map(|v| v.into_handle().into_raw()),
                vmo_usable_start: b.vmo_usable_start.unwrap_or(0),
            })
            .collect();
        Ok(Allocation {
            buffers,
            size_bytes: memory.size_bytes.unwrap_or(0),
            coherency_domain,
            image,
        })
    }

    fn planes(&self, width: u32, height: u32) -> Option<Vec<Plane>> {
        let layout = ImageLayout::new(self.chosen.as_ref()?, width, height).ok()?;
        Some(
            layout
                .planes
                .iter()
                .map(|p| Plane {
                    offset: p.offset,
                    row_bytes: p.row_bytes,
                })
                .collect(),
        )
    }

    fn release(self: Box<Self>) {
        // `Drop` sends Release.
    }
}

impl Drop for Collection {
    /// `Node.Release`, then close: the participant leaves cleanly (a collection that already
    /// failed is closed anyway).
    fn drop(&mut self) {
        if let Some(collection) = self.collection.take() {
            let _ = collection.release();
        }
    }
}

/// Registers the backend with the layer (once per process; later calls do nothing).
pub(crate) fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| host_vulkan::register_sysmem_driver(Box::new(Driver)));
}
