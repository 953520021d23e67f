//! Reading `pNext` chains by `sType`.
//!
//! Only [`walk`] can make a [`Node`]: a node's safe [`get`](Node::get) relies on the walk's
//! caller having vouched for the chain.

use std::ffi::c_void;
use std::marker::PhantomData;

use ash::vk::{self, TaggedStructure};

/// A structure of a valid input chain, lent to [`walk`]'s visitor.
///
/// Invariant: for `'a` (no longer than the visit, as the visitor takes any lifetime),
/// `ptr` points at a live, unwritten Vulkan structure whose `sType` is `s_type`.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a> {
    ptr: *const vk::BaseInStructure<'a>,
    s_type: vk::StructureType,
    _chain: PhantomData<&'a vk::BaseInStructure<'a>>,
}

impl Node<'_> {
    /// A copy of the structure, if it is a `T`.
    pub(crate) fn get<T: TaggedStructure + Copy>(self) -> Option<T> {
        if self.s_type != T::STRUCTURE_TYPE {
            return None;
        }
        // SAFETY: by the invariant `ptr` points at a live structure whose sType is
        // `T::STRUCTURE_TYPE`, and by `TaggedStructure`'s (unsafe) contract a structure of
        // that sType is a `T`: so it is aligned and initialized as one. `read` copies it.
        Some(unsafe { self.ptr.cast::<T>().read() })
    }
}

/// Walks an input `pNext` chain, calling `visit` with each structure.
///
/// # Safety
/// `p_next` is null or the start of a valid chain of Vulkan structures (each one's `sType`
/// names its type, its `pNext` is null or the next structure) that stays live and unwritten
/// during the walk.
pub(crate) unsafe fn walk(p_next: *const c_void, mut visit: impl FnMut(Node<'_>)) {
    let mut ptr = p_next.cast::<vk::BaseInStructure<'_>>();
    while !ptr.is_null() {
        // SAFETY: `ptr` is a structure of the valid chain (the caller's contract), and every
        // Vulkan structure starts with sType and pNext, which are VkBaseInStructure.
        let header = unsafe { ptr.read() };
        // The node cannot outlive this call of `visit`, during which the chain is live.
        visit(Node {
            ptr: ptr.cast(),
            s_type: header.s_type,
            _chain: PhantomData,
        });
        ptr = header.p_next;
    }
}

/// Walks an output `pNext` chain, calling `visit` with each `T` in it.
///
/// # Safety
/// `p_next` is null or the start of a valid chain of writable Vulkan structures (each one's
/// `sType` names its type, its `pNext` is null or the next structure) that nothing else
/// accesses during the walk.
pub(crate) unsafe fn for_each_mut<T: TaggedStructure>(
    p_next: *mut c_void,
    mut visit: impl FnMut(&mut T),
) {
    let mut ptr = p_next.cast::<vk::BaseOutStructure<'_>>();
    while !ptr.is_null() {
        // SAFETY: `ptr` is a structure of the valid chain (the caller's contract), and every
        // Vulkan structure starts with sType and pNext, which are VkBaseOutStructure. The
        // header is copied before `visit` may write the structure.
        let header = unsafe { ptr.read() };
        if header.s_type == T::STRUCTURE_TYPE {
            // SAFETY: `ptr` is a live, writable structure whose sType names `T`
            // (`TaggedStructure`'s promise), and nothing else accesses it (the caller's
            // contract) while `visit` holds the only reference.
            visit(unsafe { &mut *ptr.cast::<T>() });
        }
        ptr = header.p_next;
    }
}

/// The `count` values at `ptr` (none when `ptr` is null or `count` is 0).
///
/// # Safety
/// A non-null `ptr` with a non-zero `count` addresses `count` values that outlive `'a`.
pub(crate) unsafe fn raw_slice<'a, T>(ptr: *const T, count: u32) -> &'a [T] {
    if ptr.is_null() || count == 0 {
        return &[];
    }
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts(ptr, count as usize) }
}

/// The structures of an image's input chain that both its creation (`VkImageCreateInfo`) and
/// its format query (`VkPhysicalDeviceImageFormatInfo2`) take, and that the layer forwards as
/// given when it rebuilds either chain: `VkImageFormatListCreateInfo` (its formats, the
/// application's array) and `VkImageStencilUsageCreateInfo`.
#[derive(Default)]
pub(crate) struct ForwardedImageStructures<'a> {
    view_formats: Option<&'a [vk::Format]>,
    stencil_usage: Option<vk::ImageUsageFlags>,
}

impl<'a> ForwardedImageStructures<'a> {
    /// Keeps what the layer forwards of `node` if it is one of these structures; whether it was.
    ///
    /// # Safety
    /// `node`'s arrays (a format list's view formats) stay live and unwritten for `'a`.
    pub(crate) unsafe fn take(&mut self, node: Node<'_>) -> bool {
        if let Some(s) = node.get::<vk::ImageFormatListCreateInfo<'_>>() {
            // SAFETY: a valid VkImageFormatListCreateInfo addresses `view_format_count` formats,
            // live for `'a` (the caller's contract).
            self.view_formats = Some(unsafe { raw_slice(s.p_view_formats, s.view_format_count) });
        } else if let Some(s) = node.get::<vk::ImageStencilUsageCreateInfo<'_>>() {
            self.stencil_usage = Some(s.stencil_usage);
        } else {
            return false;
        }
        true
    }

    /// The format list's view formats (none without a format list).
    pub(crate) fn view_formats(&self) -> &'a [vk::Format] {
        self.view_formats.unwrap_or_default()
    }

    /// A copy of the format list to chain again, if the application chained one.
    pub(crate) fn format_list(&self) -> Option<vk::ImageFormatListCreateInfo<'a>> {
        let formats = self.view_formats?;
        Some(vk::ImageFormatListCreateInfo::default().view_formats(formats))
    }

    /// A copy of the stencil usage to chain again, if the application chained one.
    pub(crate) fn stencil_usage(&self) -> Option<vk::ImageStencilUsageCreateInfo<'static>> {
        let usage = self.stencil_usage?;
        Some(vk::ImageStencilUsageCreateInfo::default().stencil_usage(usage))
    }
}
