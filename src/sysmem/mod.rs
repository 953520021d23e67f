//! `fuchsia.sysmem2` buffer collections: a blocking client and an async one, the host sysmem
//! service, and the Vulkan bridge.
//!
//! | piece | what it is |
//! |---|---|
//! | [`Allocator`], [`BufferCollectionToken`], [`BufferCollection`] | the client: one channel each, one-way methods write, two-way methods block in `zx_channel_call` until a deadline |
//! | [`AllocatorProxy`], [`BufferCollectionTokenProxy`], [`BufferCollectionProxy`] | the async client: two-way methods return futures, woken through a port by one reactor thread per process, for any executor |
//! | [`types`] | the sysmem2 tables a buffer collection uses (constraints, usages, the allocated collection, `Error`) |
//! | [`images`] | `ImageFormatConstraints` and the `fuchsia.images2` pixel formats, modifiers and color spaces |
//! | [`image_format`] | row pitches, plane offsets and image sizes of a format (sysmem's image-format library) |
//! | [`messages`] | method ordinals and request / response payloads, in [`crate::fidl`]'s wire format |
//! | `HostSysmem` (host only) | sysmem2 served by a thread of this process over host-kernel channels, with host-kernel VMOs; `HostSysmem::serve` also serves the host's `/svc` (the `vmo-interop-sysmem` program runs it as a process of its own) |
//! | [`vulkan`] | constraints from `VkMemoryRequirements`, and import of the allocated VMOs into Vulkan |
//! | [`vulkan_image`] | image constraints from what the driver supports, and import of each buffer as a `VkImage` laid out as sysmem chose |
//!
//! `Allocator::connect` reaches `/svc/fuchsia.sysmem2.Allocator`: the system's sysmem on
//! Fuchsia, the host sysmem service (`vmo-interop-sysmem`, or `HostSysmem::serve`) on a Linux
//! host; `HostSysmem::connect` reaches an in-process service. The client code is the same for
//! all of them.
//!
//! # Ownership
//!
//! Every participant receives its **own** VMO handles, with rights derived from its usage and
//! its token chain's attenuation masks; they are the participant's to close. Closing a token or
//! collection without [`release`](BufferCollection::release) fails the collection for every
//! participant, as sysmem does.
//!
//! # Example
//!
//! Two participants share one buffer: a writer, and a reader whose VMO has no WRITE right.
//!
//! ```
//! # #[cfg(not(target_os = "fuchsia"))] {
//! use std::time::Duration;
//! use vmo_interop::sysmem::types::{
//!     usage, BufferCollectionConstraints, BufferMemoryConstraints, BufferUsage,
//! };
//! use vmo_interop::sysmem::HostSysmem;
//! use vmo_interop::zx::{self, Rights};
//!
//! let deadline = || zx::MonotonicInstant::after(Duration::from_secs(5));
//! let cpu = |bits| BufferCollectionConstraints {
//!     usage: Some(BufferUsage { cpu: Some(bits), ..Default::default() }),
//!     min_buffer_count_for_camping: Some(1),
//!     // Some participant must ask for a size.
//!     buffer_memory_constraints: Some(BufferMemoryConstraints {
//!         min_size_bytes: Some(4096),
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//!
//! let service = HostSysmem::start()?;
//! let allocator = service.connect()?;
//! let token = allocator.allocate_shared_collection()?;
//! // Make the second participant's token, known to sysmem before it is handed out.
//! let reader_token = token.duplicate_sync(&[Rights::SAME_RIGHTS], deadline())?.remove(0);
//!
//! let writer = allocator.bind_shared_collection(token)?;
//! let reader = allocator.bind_shared_collection(reader_token)?;
//! writer.set_constraints(Some(cpu(usage::CPU_USAGE_WRITE)))?;
//! reader.set_constraints(Some(cpu(usage::CPU_USAGE_READ)))?;
//!
//! let mut written = writer.wait_for_all_buffers_allocated(deadline())?;
//! let mut read = reader.wait_for_all_buffers_allocated(deadline())?;
//! assert_eq!(written.buffer_count(), 2); // one for each participant to camp on
//! let writer_vmo = written.take_vmo(0).ok_or("no VMO for the writer")?;
//! let reader_vmo = read.take_vmo(0).ok_or("no VMO for the reader")?;
//! writer_vmo.write(b"hello", 0)?;
//! let mut bytes = [0u8; 5];
//! reader_vmo.read(&mut bytes, 0)?;
//! assert_eq!(&bytes, b"hello");
//! assert_eq!(reader_vmo.write(b"no", 0), Err(zx::Status::ACCESS_DENIED));
//!
//! writer.release()?;
//! reader.release()?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod async_call;
mod client;
mod error;
pub mod image_format;
pub mod images;
// The wire messages: public for the fidelity tests and the host service, not the API.
#[doc(hidden)]
pub mod messages;
mod methods;
mod proxy;
mod reactor;
pub mod types;
pub mod vulkan;
pub mod vulkan_image;
mod vulkan_image_drm;
mod vulkan_image_import;
mod vulkan_image_probe;

#[cfg(not(target_os = "fuchsia"))]
pub mod host;

pub use client::{Allocator, BufferCollection, BufferCollectionToken, ALLOCATOR_SERVICE_PATH};
pub use error::{ClientError, Misuse};
#[cfg(not(target_os = "fuchsia"))]
pub use host::{HostSysmem, HostSysmemStats};
pub use proxy::{AllocatorProxy, BufferCollectionProxy, BufferCollectionTokenProxy};
