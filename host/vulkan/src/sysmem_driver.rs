//! The driver's connection to sysmem: what a Fuchsia Vulkan driver's sysmem client does for
//! `VK_FUCHSIA_buffer_collection` (bind a token into a collection, set constraints once, wait
//! for the allocation, hand out the VMOs, settings and chosen image format, release), as a
//! trait the layer calls and a process-wide registration.
//!
//! The layer does not speak FIDL itself: the library (`vmo_interop`) has a sysmem2 client, and
//! registers an implementation of [`SysmemDriver`] over it (`vmo_interop::platform::
//! vulkan_entry()` does so on the Linux host) — the layer cannot depend on the library, which
//! depends on it. Until something registers a backend, the layer does not offer
//! `VK_FUCHSIA_buffer_collection` (only `VK_FUCHSIA_external_memory`): a C application that
//! loads the layer through the Vulkan loader, without the library, does not see it.
//!
//! The vocabulary here is sysmem2's (`fuchsia.sysmem2`), in plain integers: the layer
//! translates Vulkan structures to it, the backend to its own FIDL types.

use std::sync::OnceLock;

use fuchsia_zircon_types::zx_handle_t;

/// `fuchsia.sysmem2/CoherencyDomain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoherencyDomain {
    /// CPU caches are coherent with the memory.
    Cpu,
    /// RAM: caches must be flushed / invalidated around device access.
    Ram,
    /// Only devices can reach the memory.
    Inaccessible,
}

/// One `fuchsia.sysmem2/ImageFormatConstraints` entry (LINEAR modifier; the host knows no
/// other).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageFormat {
    /// `fuchsia.images2/PixelFormat`.
    pub pixel_format: u32,
    /// `fuchsia.images2/PixelFormatModifier`.
    pub pixel_format_modifier: u64,
    /// `fuchsia.images2/ColorSpace` values, as given by the application.
    pub color_spaces: Vec<u32>,
    /// `min_size` (width, height).
    pub min_size: (u32, u32),
    /// `min_bytes_per_row`: the driver's row pitch at the minimum width.
    pub min_bytes_per_row: u32,
    /// `bytes_per_row_divisor`: the driver's row pitch alignment.
    pub bytes_per_row_divisor: u32,
}

/// One participant's `fuchsia.sysmem2/BufferCollectionConstraints`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Constraints {
    /// `usage.vulkan` (`VULKAN_IMAGE_USAGE_*` / `VULKAN_BUFFER_USAGE_*` bits).
    pub vulkan_usage: u32,
    /// `usage.cpu` (`CPU_USAGE_*`), from `VkImageConstraintsInfoFlagsFUCHSIA`.
    pub cpu_usage: u32,
    /// `min_buffer_count` (0: unset).
    pub min_buffer_count: u32,
    /// `max_buffer_count` (0: unset).
    pub max_buffer_count: u32,
    /// `min_buffer_count_for_camping`.
    pub min_buffer_count_for_camping: u32,
    /// `min_buffer_count_for_dedicated_slack`.
    pub min_buffer_count_for_dedicated_slack: u32,
    /// `min_buffer_count_for_shared_slack`.
    pub min_buffer_count_for_shared_slack: u32,
    /// `buffer_memory_constraints.min_size_bytes`.
    pub min_size_bytes: u64,
    /// `buffer_memory_constraints.{cpu,ram,inaccessible}_domain_supported`.
    pub cpu_domain_supported: bool,
    /// See `cpu_domain_supported`.
    pub ram_domain_supported: bool,
    /// See `cpu_domain_supported`.
    pub inaccessible_domain_supported: bool,
    /// `image_format_constraints` (empty for a buffer collection).
    pub image_formats: Vec<ImageFormat>,
}

/// One plane of an image in sysmem's layout, from the start of the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plane {
    /// Byte offset of the plane.
    pub offset: u64,
    /// Bytes per row.
    pub row_bytes: u32,
}

/// The image format sysmem chose (`SingleBufferSettings.image_format_constraints`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChosenImage {
    /// The chosen `PixelFormat`.
    pub pixel_format: u32,
    /// The chosen modifier.
    pub pixel_format_modifier: u64,
    /// The chosen color space (the first of the aggregated list).
    pub color_space: u32,
}

/// A buffer of the allocation: an owned VMO handle (the layer's to close) and where its usable
/// bytes start.
#[derive(Debug)]
pub struct Buffer {
    /// An owned VMO handle value; `None` when this participant gets no VMO.
    pub vmo: Option<zx_handle_t>,
    /// `vmo_usable_start`.
    pub vmo_usable_start: u64,
}

/// What `WaitForAllBuffersAllocated` gave this participant.
#[derive(Debug)]
pub struct Allocation {
    /// One per buffer, in index order.
    pub buffers: Vec<Buffer>,
    /// `BufferMemorySettings.size_bytes`.
    pub size_bytes: u64,
    /// `BufferMemorySettings.coherency_domain`.
    pub coherency_domain: CoherencyDomain,
    /// The chosen image format; `None` for a buffer collection.
    pub image: Option<ChosenImage>,
}

/// Why a sysmem operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SysmemError {
    /// The handle is not a token sysmem knows (not a channel, or
    /// `ValidateBufferCollectionToken` said unknown); it was not consumed.
    NotAToken,
    /// No constraints any participant can meet (`CONSTRAINTS_INTERSECTION_EMPTY`).
    ConstraintsIntersectionEmpty,
    /// Sysmem could not allocate (`NO_MEMORY`).
    NoMemory,
    /// The collection failed or sysmem is unreachable; the text says why.
    Failed(String),
}

/// A participant's collection, bound from a token.
pub trait SysmemCollection: Send {
    /// `BufferCollection.SetConstraints` (once).
    fn set_constraints(&mut self, constraints: Constraints) -> Result<(), SysmemError>;

    /// `BufferCollection.WaitForAllBuffersAllocated`: blocks until every participant set its
    /// constraints (or a generous deadline passes: then [`SysmemError::Failed`]).
    fn wait_for_all_buffers_allocated(&mut self) -> Result<Allocation, SysmemError>;

    /// The planes of a `width` x `height` image in the chosen format, as sysmem lays it out
    /// (sysmem's image-format library over the chosen constraints); `None` before allocation
    /// or when the size does not fit the constraints.
    fn planes(&self, width: u32, height: u32) -> Option<Vec<Plane>>;

    /// `Node.Release` and close: leaves the collection cleanly.
    fn release(self: Box<Self>);
}

/// The driver's connection to sysmem.
pub trait SysmemDriver: Send + Sync {
    /// Checks that `token` is a live buffer collection token sysmem knows
    /// (`Allocator.ValidateBufferCollectionToken`) and binds it
    /// (`Allocator.BindSharedCollection`).
    ///
    /// Takes the handle only on success (or once it was sent to sysmem); on
    /// [`SysmemError::NotAToken`] the handle is untouched and still the caller's.
    fn bind_shared_collection(
        &self,
        token: zx_handle_t,
    ) -> Result<Box<dyn SysmemCollection>, SysmemError>;
}

static DRIVER: OnceLock<Box<dyn SysmemDriver>> = OnceLock::new();

/// Registers the process's sysmem backend (the first registration wins; later ones are
/// ignored). From then on devices offer `VK_FUCHSIA_buffer_collection`.
pub fn register_sysmem_driver(driver: Box<dyn SysmemDriver>) {
    let _ = DRIVER.set(driver);
}

/// The registered backend.
pub(crate) fn driver() -> Option<&'static dyn SysmemDriver> {
    DRIVER.get().map(|d| &**d)
}
