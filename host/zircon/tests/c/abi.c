// A C program on the host kernel's Zircon C ABI: the same calls it would make on Fuchsia.
// Each check prints what it found and exits 1 at the first failure.

#include <stdio.h>
#include <string.h>

#include <zircon/host.h>

static int failures = 0;

#define CHECK(cond, ...)                      \
  do {                                        \
    if (!(cond)) {                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);           \
      fprintf(stderr, "\n");                  \
      failures++;                             \
      return;                                 \
    }                                         \
  } while (0)

static zx_info_handle_basic_t basic(zx_handle_t handle) {
  zx_info_handle_basic_t info;
  memset(&info, 0, sizeof(info));
  size_t actual = 0, avail = 0;
  zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), &actual, &avail);
  return info;
}

static void vmo_and_rights(void) {
  zx_handle_t vmo;
  CHECK(zx_vmo_create(5000, 0, &vmo) == ZX_OK, "zx_vmo_create");
  uint64_t size = 0;
  CHECK(zx_vmo_get_size(vmo, &size) == ZX_OK && size == 8192, "size rounds to pages: %llu",
        (unsigned long long)size);
  CHECK(zx_vmo_write(vmo, "hello", 0, 5) == ZX_OK, "zx_vmo_write");
  zx_handle_t reader;
  zx_rights_t rights = ZX_RIGHT_READ | ZX_RIGHT_MAP | ZX_RIGHT_TRANSFER;
  CHECK(zx_handle_duplicate(vmo, rights, &reader) == ZX_OK, "zx_handle_duplicate");
  zx_info_handle_basic_t a = basic(vmo), b = basic(reader);
  CHECK(a.koid == b.koid && a.koid >= 1024, "one koid: %llu %llu", (unsigned long long)a.koid,
        (unsigned long long)b.koid);
  CHECK(b.rights == rights && b.type == ZX_OBJ_TYPE_VMO, "rights 0x%x", b.rights);
  CHECK(zx_vmo_write(reader, "x", 0, 1) == ZX_ERR_ACCESS_DENIED, "no WRITE");
  zx_vaddr_t addr = 0;
  CHECK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, reader, 0, 4096, &addr) == ZX_OK,
        "zx_vmar_map");
  CHECK(memcmp((const void*)addr, "hello", 5) == 0, "the mapping shows the write");
  CHECK(zx_vmar_unmap(zx_vmar_root_self(), addr, 4096) == ZX_OK, "zx_vmar_unmap");
  CHECK(zx_handle_close(reader) == ZX_OK && zx_handle_close(vmo) == ZX_OK, "close");
  CHECK(zx_handle_close(vmo) == ZX_ERR_BAD_HANDLE, "a closed value is BAD_HANDLE");
  CHECK(zx_handle_close(ZX_HANDLE_INVALID) == ZX_OK, "closing ZX_HANDLE_INVALID is OK");
}

static void channel_with_a_handle(void) {
  zx_handle_t a, b, vmo;
  CHECK(zx_channel_create(0, &a, &b) == ZX_OK, "zx_channel_create");
  CHECK(basic(a).related_koid == basic(b).koid, "peers name each other");
  CHECK(zx_vmo_create(4096, 0, &vmo) == ZX_OK, "zx_vmo_create");
  zx_koid_t koid = basic(vmo).koid;
  CHECK(zx_channel_write(a, 0, "msg", 3, &vmo, 1) == ZX_OK, "zx_channel_write");
  CHECK(zx_handle_close(vmo) == ZX_ERR_BAD_HANDLE, "the write consumed the handle");
  zx_signals_t observed = 0;
  CHECK(zx_object_wait_one(b, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE, &observed) == ZX_OK,
        "wait");
  char bytes[16];
  zx_handle_t received = ZX_HANDLE_INVALID;
  uint32_t nb = 0, nh = 0;
  CHECK(zx_channel_read(b, 0, bytes, &received, sizeof(bytes), 1, &nb, &nh) == ZX_OK, "read");
  CHECK(nb == 3 && nh == 1 && memcmp(bytes, "msg", 3) == 0, "the message");
  CHECK(basic(received).koid == koid, "the same VMO arrived");
  zx_handle_t all[] = {a, b, received};
  CHECK(zx_handle_close_many(all, 3) == ZX_OK, "zx_handle_close_many");
}

static void port_and_event(void) {
  zx_handle_t port, event;
  CHECK(zx_port_create(0, &port) == ZX_OK, "zx_port_create");
  CHECK(zx_event_create(0, &event) == ZX_OK, "zx_event_create");
  CHECK(zx_object_wait_async(event, port, 77, ZX_EVENT_SIGNALED, 0) == ZX_OK, "wait_async");
  CHECK(zx_object_signal(event, 0, ZX_EVENT_SIGNALED) == ZX_OK, "zx_object_signal");
  zx_port_packet_t packet;
  memset(&packet, 0, sizeof(packet));
  CHECK(zx_port_wait(port, ZX_TIME_INFINITE, &packet) == ZX_OK, "zx_port_wait");
  CHECK(packet.key == 77 && packet.type == ZX_PKT_TYPE_SIGNAL_ONE, "key %llu type %u",
        (unsigned long long)packet.key, packet.type);
  CHECK(packet.signal.observed & ZX_EVENT_SIGNALED, "observed 0x%x", packet.signal.observed);
  zx_port_packet_t user;
  memset(&user, 0, sizeof(user));
  user.key = 5;
  user.type = 12345;  // any type: the kernel queues it as a user packet
  CHECK(zx_port_queue(port, &user) == ZX_OK, "zx_port_queue");
  CHECK(zx_port_wait(port, 0, &packet) == ZX_OK && packet.key == 5 &&
            packet.type == ZX_PKT_TYPE_USER,
        "the user packet");
  CHECK(zx_handle_close(event) == ZX_OK && zx_handle_close(port) == ZX_OK, "close");
}

int main(void) {
  zx_host_counters_t before, after;
  zx_host_counters_get(&before);
  vmo_and_rights();
  channel_with_a_handle();
  port_and_event();
  zx_host_counters_get(&after);
  if (failures == 0 &&
      (after.live_handles != before.live_handles || after.live_vmos != before.live_vmos ||
       after.live_channels != before.live_channels || after.live_ports != before.live_ports ||
       after.live_events != before.live_events || after.live_mappings != before.live_mappings)) {
    fprintf(stderr, "FAIL: leaked (handles %llu -> %llu)\n",
            (unsigned long long)before.live_handles, (unsigned long long)after.live_handles);
    failures++;
  }
  if (failures == 0) {
    printf("ok: %llu kernel calls\n",
           (unsigned long long)(after.kernel_calls - before.kernel_calls));
  }
  return failures == 0 ? 0 : 1;
}
