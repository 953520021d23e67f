// Copyright 2026 The vmo-interop Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be
// found in the LICENSE file.

// The Zircon C ABI as the host kernel (host/zircon, libhost_zircon) exports it: the types,
// constants and zx_* functions vmo-interop uses, with the signatures of
// <zircon/syscalls.h>, plus fdio_service_connect and the host-only zx_host_* extension.
// A C program links libhost_zircon.a (or the host Vulkan layer's shared library, which
// contains it) and calls these exactly as it would on Fuchsia.

#ifndef VMO_INTEROP_ZIRCON_HOST_H_
#define VMO_INTEROP_ZIRCON_HOST_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t zx_handle_t;
typedef int32_t zx_status_t;
typedef uint32_t zx_rights_t;
typedef uint32_t zx_signals_t;
typedef uint32_t zx_obj_type_t;
typedef uint64_t zx_koid_t;
typedef int64_t zx_time_t;
typedef uintptr_t zx_vaddr_t;
typedef uint32_t zx_vm_option_t;

#define ZX_HANDLE_INVALID ((zx_handle_t)0)
#define ZX_TIME_INFINITE INT64_MAX

#define ZX_OK ((zx_status_t)0)
#define ZX_ERR_INTERNAL ((zx_status_t)-1)
#define ZX_ERR_NOT_SUPPORTED ((zx_status_t)-2)
#define ZX_ERR_NO_RESOURCES ((zx_status_t)-3)
#define ZX_ERR_NO_MEMORY ((zx_status_t)-4)
#define ZX_ERR_INVALID_ARGS ((zx_status_t)-10)
#define ZX_ERR_BAD_HANDLE ((zx_status_t)-11)
#define ZX_ERR_WRONG_TYPE ((zx_status_t)-12)
#define ZX_ERR_OUT_OF_RANGE ((zx_status_t)-14)
#define ZX_ERR_BUFFER_TOO_SMALL ((zx_status_t)-15)
#define ZX_ERR_BAD_STATE ((zx_status_t)-20)
#define ZX_ERR_TIMED_OUT ((zx_status_t)-21)
#define ZX_ERR_SHOULD_WAIT ((zx_status_t)-22)
#define ZX_ERR_CANCELED ((zx_status_t)-23)
#define ZX_ERR_PEER_CLOSED ((zx_status_t)-24)
#define ZX_ERR_NOT_FOUND ((zx_status_t)-25)
#define ZX_ERR_ALREADY_EXISTS ((zx_status_t)-26)
#define ZX_ERR_ACCESS_DENIED ((zx_status_t)-30)

#define ZX_RIGHT_DUPLICATE ((zx_rights_t)1u << 0)
#define ZX_RIGHT_TRANSFER ((zx_rights_t)1u << 1)
#define ZX_RIGHT_READ ((zx_rights_t)1u << 2)
#define ZX_RIGHT_WRITE ((zx_rights_t)1u << 3)
#define ZX_RIGHT_MAP ((zx_rights_t)1u << 5)
#define ZX_RIGHT_WAIT ((zx_rights_t)1u << 14)
#define ZX_RIGHT_SAME_RIGHTS ((zx_rights_t)1u << 31)

#define ZX_OBJ_TYPE_VMO ((zx_obj_type_t)3)
#define ZX_OBJ_TYPE_CHANNEL ((zx_obj_type_t)4)
#define ZX_OBJ_TYPE_EVENT ((zx_obj_type_t)5)
#define ZX_OBJ_TYPE_PORT ((zx_obj_type_t)6)
#define ZX_OBJ_TYPE_EVENTPAIR ((zx_obj_type_t)16)

#define ZX_CHANNEL_READABLE ((zx_signals_t)1u << 0)
#define ZX_CHANNEL_WRITABLE ((zx_signals_t)1u << 1)
#define ZX_CHANNEL_PEER_CLOSED ((zx_signals_t)1u << 2)
#define ZX_EVENT_SIGNALED ((zx_signals_t)1u << 3)
#define ZX_USER_SIGNAL_0 ((zx_signals_t)1u << 24)

#define ZX_VM_PERM_READ ((zx_vm_option_t)1u << 0)
#define ZX_VM_PERM_WRITE ((zx_vm_option_t)1u << 1)

#define ZX_INFO_HANDLE_VALID ((uint32_t)1)
#define ZX_INFO_HANDLE_BASIC ((uint32_t)2)

#define ZX_PKT_TYPE_USER ((uint32_t)0)
#define ZX_PKT_TYPE_SIGNAL_ONE ((uint32_t)1)

typedef struct zx_info_handle_basic {
  zx_koid_t koid;
  zx_rights_t rights;
  zx_obj_type_t type;
  zx_koid_t related_koid;
  uint32_t reserved;
} zx_info_handle_basic_t;

typedef struct zx_wait_item {
  zx_handle_t handle;
  zx_signals_t waitfor;
  zx_signals_t pending;
} zx_wait_item_t;

typedef struct zx_packet_signal {
  zx_signals_t trigger;
  zx_signals_t observed;
  uint64_t count;
  zx_time_t timestamp;
  uint64_t reserved1;
} zx_packet_signal_t;

typedef struct zx_port_packet {
  uint64_t key;
  uint32_t type;
  zx_status_t status;
  union {
    uint8_t user[32];
    zx_packet_signal_t signal;
  };
} zx_port_packet_t;

// Host-only: the kernel's counters for this process (zx_host_counters_get).
typedef struct zx_host_counters {
  uint64_t live_handles;
  uint64_t live_vmos;
  uint64_t live_channels;
  uint64_t live_mappings;
  uint64_t live_events;
  uint64_t live_ports;
  uint64_t kernel_calls;
  uint64_t thread_kernel_calls;
  uint64_t blocked_waiters;
} zx_host_counters_t;

zx_status_t zx_handle_close(zx_handle_t handle);
zx_status_t zx_handle_close_many(const zx_handle_t* handles, size_t num_handles);
zx_status_t zx_handle_duplicate(zx_handle_t handle, zx_rights_t rights, zx_handle_t* out);
zx_status_t zx_handle_replace(zx_handle_t handle, zx_rights_t rights, zx_handle_t* out);
zx_status_t zx_object_get_info(zx_handle_t handle, uint32_t topic, void* buffer,
                               size_t buffer_size, size_t* actual, size_t* avail);
zx_status_t zx_object_wait_one(zx_handle_t handle, zx_signals_t signals, zx_time_t deadline,
                               zx_signals_t* observed);
zx_status_t zx_object_wait_many(zx_wait_item_t* items, size_t num_items, zx_time_t deadline);
zx_status_t zx_object_wait_async(zx_handle_t handle, zx_handle_t port, uint64_t key,
                                 zx_signals_t signals, uint32_t options);
zx_status_t zx_object_signal(zx_handle_t handle, uint32_t clear_mask, uint32_t set_mask);
zx_status_t zx_object_signal_peer(zx_handle_t handle, uint32_t clear_mask, uint32_t set_mask);

zx_status_t zx_vmo_create(uint64_t size, uint32_t options, zx_handle_t* out);
zx_status_t zx_vmo_read(zx_handle_t handle, void* buffer, uint64_t offset, size_t buffer_size);
zx_status_t zx_vmo_write(zx_handle_t handle, const void* buffer, uint64_t offset,
                         size_t buffer_size);
zx_status_t zx_vmo_get_size(zx_handle_t handle, uint64_t* size);
zx_status_t zx_vmo_set_size(zx_handle_t handle, uint64_t size);

uint32_t zx_system_get_page_size(void);
zx_handle_t zx_vmar_root_self(void);
zx_status_t zx_vmar_map(zx_handle_t handle, zx_vm_option_t options, size_t vmar_offset,
                        zx_handle_t vmo, uint64_t vmo_offset, size_t len,
                        zx_vaddr_t* mapped_addr);
zx_status_t zx_vmar_unmap(zx_handle_t handle, zx_vaddr_t addr, size_t len);

zx_status_t zx_channel_create(uint32_t options, zx_handle_t* out0, zx_handle_t* out1);
zx_status_t zx_channel_write(zx_handle_t handle, uint32_t options, const void* bytes,
                             uint32_t num_bytes, const zx_handle_t* handles,
                             uint32_t num_handles);
zx_status_t zx_channel_read(zx_handle_t handle, uint32_t options, void* bytes,
                            zx_handle_t* handles, uint32_t num_bytes, uint32_t num_handles,
                            uint32_t* actual_bytes, uint32_t* actual_handles);

zx_status_t zx_port_create(uint32_t options, zx_handle_t* out);
zx_status_t zx_port_queue(zx_handle_t handle, const zx_port_packet_t* packet);
zx_status_t zx_port_wait(zx_handle_t handle, zx_time_t deadline, zx_port_packet_t* packet);
zx_status_t zx_port_cancel(zx_handle_t handle, zx_handle_t source, uint64_t key);
zx_status_t zx_event_create(uint32_t options, zx_handle_t* out);
zx_status_t zx_eventpair_create(uint32_t options, zx_handle_t* out0, zx_handle_t* out1);

zx_time_t zx_clock_get_monotonic(void);

// libfdio on Fuchsia.
zx_status_t fdio_service_connect(const char* path, zx_handle_t request);

// Host-only extension.
zx_status_t zx_host_counters_get(zx_host_counters_t* out);
zx_status_t zx_host_service_bind(const char* name, zx_handle_t* out);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // VMO_INTEROP_ZIRCON_HOST_H_
