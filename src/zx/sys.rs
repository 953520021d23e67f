//! The raw Zircon C ABI: its types and constants (`fuchsia-zircon-types`) and the `zx_*`
//! functions the library calls, as the Fuchsia tree's `zx::sys` offers them.
//!
//! On Fuchsia the functions are `fuchsia-zircon-sys`'s declarations, resolved by the vDSO.
//! That crate declares nothing on other targets, so there the same functions are declared
//! here, with the same signatures, and resolved by the host kernel (`host/zircon`), which
//! exports them `#[no_mangle] extern "C"` (and which `platform::host` links in). This is the
//! only place where the target decides anything in `zx`, and it decides only where symbols
//! come from.

pub use self::abi::*;

#[cfg(target_os = "fuchsia")]
mod abi {
    pub use fuchsia_zircon_sys::*;

    extern "C" {
        /// The root VMAR of this process; provided by libc (`zircon/process.h`), not a
        /// syscall.
        pub fn zx_vmar_root_self() -> zx_handle_t;
        /// This process's own handle; provided by libc (`zircon/process.h`), not a syscall.
        pub fn zx_process_self() -> zx_handle_t;
    }
}

#[cfg(not(target_os = "fuchsia"))]
// The syscall reference documents each function; the declarations only restate signatures.
#[allow(missing_docs)]
mod abi {
    pub use fuchsia_zircon_types::*;

    extern "C" {
        /// The root VMAR of this process (libc's `zircon/process.h` on Fuchsia).
        pub fn zx_vmar_root_self() -> zx_handle_t;
        /// This process's own handle (libc's `zircon/process.h` on Fuchsia).
        pub fn zx_process_self() -> zx_handle_t;
        pub fn zx_handle_close(handle: zx_handle_t) -> zx_status_t;
        pub fn zx_handle_close_many(handles: *const zx_handle_t, num_handles: usize)
            -> zx_status_t;
        pub fn zx_handle_duplicate(
            handle: zx_handle_t,
            rights: zx_rights_t,
            out: *mut zx_handle_t,
        ) -> zx_status_t;
        pub fn zx_handle_replace(
            handle: zx_handle_t,
            rights: zx_rights_t,
            out: *mut zx_handle_t,
        ) -> zx_status_t;
        pub fn zx_object_get_info(
            handle: zx_handle_t,
            topic: u32,
            buffer: *mut u8,
            buffer_size: usize,
            actual: *mut usize,
            avail: *mut usize,
        ) -> zx_status_t;
        pub fn zx_object_get_property(
            handle: zx_handle_t,
            property: u32,
            value: *mut u8,
            value_size: usize,
        ) -> zx_status_t;
        pub fn zx_object_wait_one(
            handle: zx_handle_t,
            signals: zx_signals_t,
            deadline: zx_time_t,
            observed: *mut zx_signals_t,
        ) -> zx_status_t;
        pub fn zx_object_wait_many(
            items: *mut zx_wait_item_t,
            num_items: usize,
            deadline: zx_time_t,
        ) -> zx_status_t;
        pub fn zx_object_wait_async(
            handle: zx_handle_t,
            port: zx_handle_t,
            key: u64,
            signals: zx_signals_t,
            options: u32,
        ) -> zx_status_t;
        pub fn zx_object_signal(handle: zx_handle_t, clear_mask: u32, set_mask: u32)
            -> zx_status_t;
        pub fn zx_object_signal_peer(
            handle: zx_handle_t,
            clear_mask: u32,
            set_mask: u32,
        ) -> zx_status_t;
        pub fn zx_vmo_create(size: u64, options: u32, out: *mut zx_handle_t) -> zx_status_t;
        pub fn zx_vmo_read(
            handle: zx_handle_t,
            buffer: *mut u8,
            offset: u64,
            buffer_size: usize,
        ) -> zx_status_t;
        pub fn zx_vmo_write(
            handle: zx_handle_t,
            buffer: *const u8,
            offset: u64,
            buffer_size: usize,
        ) -> zx_status_t;
        pub fn zx_vmo_get_size(handle: zx_handle_t, size: *mut u64) -> zx_status_t;
        pub fn zx_vmo_set_size(handle: zx_handle_t, size: u64) -> zx_status_t;
        pub fn zx_system_get_page_size() -> u32;
        pub fn zx_vmar_map(
            handle: zx_handle_t,
            options: zx_vm_option_t,
            vmar_offset: usize,
            vmo: zx_handle_t,
            vmo_offset: u64,
            len: usize,
            mapped_addr: *mut zx_vaddr_t,
        ) -> zx_status_t;
        pub fn zx_vmar_unmap(handle: zx_handle_t, addr: zx_vaddr_t, len: usize) -> zx_status_t;
        pub fn zx_channel_create(
            options: u32,
            out0: *mut zx_handle_t,
            out1: *mut zx_handle_t,
        ) -> zx_status_t;
        pub fn zx_channel_write(
            handle: zx_handle_t,
            options: u32,
            bytes: *const u8,
            num_bytes: u32,
            handles: *const zx_handle_t,
            num_handles: u32,
        ) -> zx_status_t;
        pub fn zx_channel_write_etc(
            handle: zx_handle_t,
            options: u32,
            bytes: *const u8,
            num_bytes: u32,
            handles: *mut zx_handle_disposition_t,
            num_handles: u32,
        ) -> zx_status_t;
        pub fn zx_channel_read(
            handle: zx_handle_t,
            options: u32,
            bytes: *mut u8,
            handles: *mut zx_handle_t,
            num_bytes: u32,
            num_handles: u32,
            actual_bytes: *mut u32,
            actual_handles: *mut u32,
        ) -> zx_status_t;
        pub fn zx_channel_read_etc(
            handle: zx_handle_t,
            options: u32,
            bytes: *mut u8,
            handles: *mut zx_handle_info_t,
            num_bytes: u32,
            num_handles: u32,
            actual_bytes: *mut u32,
            actual_handles: *mut u32,
        ) -> zx_status_t;
        pub fn zx_channel_call_etc(
            handle: zx_handle_t,
            options: u32,
            deadline: zx_time_t,
            args: *mut zx_channel_call_etc_args_t,
            actual_bytes: *mut u32,
            actual_handles: *mut u32,
        ) -> zx_status_t;
        pub fn zx_clock_get_monotonic() -> zx_time_t;
        pub fn zx_port_create(options: u32, out: *mut zx_handle_t) -> zx_status_t;
        pub fn zx_port_queue(handle: zx_handle_t, packet: *const zx_port_packet_t) -> zx_status_t;
        pub fn zx_port_wait(
            handle: zx_handle_t,
            deadline: zx_time_t,
            packet: *mut zx_port_packet_t,
        ) -> zx_status_t;
        pub fn zx_port_cancel(handle: zx_handle_t, source: zx_handle_t, key: u64) -> zx_status_t;
        pub fn zx_event_create(options: u32, out: *mut zx_handle_t) -> zx_status_t;
        pub fn zx_eventpair_create(
            options: u32,
            out0: *mut zx_handle_t,
            out1: *mut zx_handle_t,
        ) -> zx_status_t;
    }
}
