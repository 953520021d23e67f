// A C application on the host: the Vulkan loader loads the vmo-interop layer from its manifest
// (VkLayer_vmo_interop.json), with the Khronos validation layer below it. The program (the
// exporter) allocates exportable memory, writes it, exports it as a VMO with
// vkGetMemoryZirconHandleFUCHSIA, serves a protocol in the host's /svc and starts itself again
// as a second process (the importer), which connects with fdio_service_connect. The exporter
// sends the VMO over that channel; the importer imports it with
// VkImportMemoryZirconHandleInfoFUCHSIA on its own instance and device, reads the exporter's
// bytes through vkMapMemory and answers. The zx_* functions come from the layer's library (the
// host kernel it carries), one handle table per process.
//
// Exit status 0 and "ok" on success; any failure prints what failed and exits 1.

#define _POSIX_C_SOURCE 200809L
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define VK_USE_PLATFORM_FUCHSIA 1
#include <vulkan/vulkan.h>  // with <zircon/types.h> from tests/c/include on the host
zx_status_t zx_vmo_create(uint64_t size, uint32_t options, zx_handle_t* out);
zx_status_t zx_vmo_read(zx_handle_t vmo, void* buffer, uint64_t offset, size_t len);
zx_status_t zx_handle_close(zx_handle_t handle);
zx_status_t zx_channel_create(uint32_t options, zx_handle_t* out0, zx_handle_t* out1);
zx_status_t zx_channel_write(zx_handle_t channel, uint32_t options, const void* bytes,
                             uint32_t num_bytes, const zx_handle_t* handles, uint32_t num_handles);
zx_status_t zx_channel_read(zx_handle_t channel, uint32_t options, void* bytes,
                            zx_handle_t* handles, uint32_t num_bytes, uint32_t num_handles,
                            uint32_t* actual_bytes, uint32_t* actual_handles);
zx_status_t zx_object_wait_one(zx_handle_t handle, uint32_t signals, int64_t deadline,
                               uint32_t* observed);
zx_status_t fdio_service_connect(const char* path, zx_handle_t request);
zx_status_t zx_host_service_bind(const char* name, zx_handle_t* out);
#define ZX_CHANNEL_READABLE 1u
#define ZX_CHANNEL_PEER_CLOSED 4u
#define ZX_TIME_INFINITE INT64_MAX

extern char** environ;

/// Waits for the next message on `channel` and reads it (at most one handle).
static zx_status_t receive(zx_handle_t channel, char* bytes, uint32_t size, zx_handle_t* handle,
                           uint32_t* actual_handles) {
  uint32_t observed = 0, actual_bytes = 0;
  zx_object_wait_one(channel, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE,
                     &observed);
  return zx_channel_read(channel, 0, bytes, handle, size, handle ? 1 : 0, &actual_bytes,
                         actual_handles);
}

#define CHECK(cond, what)                          \
  do {                                             \
    if (!(cond)) {                                 \
      fprintf(stderr, "failed: %s\n", what);       \
      return 1;                                    \
    }                                              \
  } while (0)

static int messages = 0;

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                 VkDebugUtilsMessageTypeFlagsEXT types,
                                                 const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                 void* user) {
  (void)types;
  (void)user;
  if (data->pMessageIdName && strcmp(data->pMessageIdName, "Loader Message") == 0 &&
      severity != VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
    return VK_FALSE;
  }
  fprintf(stderr, "validation: %s\n", data->pMessage);
  messages++;
  return VK_FALSE;
}

int main(int argc, char** argv) {
  int importer = argc == 3 && strcmp(argv[1], "import") == 0;
  const char* layers[] = {"VK_LAYER_VMO_INTEROP_fuchsia_external_memory",
                          "VK_LAYER_KHRONOS_validation"};
  const char* instance_extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
  VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
      .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
      .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
      .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
      .pfnUserCallback = on_message,
  };
  VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                           .apiVersion = VK_API_VERSION_1_1};
  VkInstanceCreateInfo instance_info = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                        .pNext = &messenger_info,
                                        .pApplicationInfo = &app,
                                        .enabledLayerCount = 2,
                                        .ppEnabledLayerNames = layers,
                                        .enabledExtensionCount = 1,
                                        .ppEnabledExtensionNames = instance_extensions};
  VkInstance instance;
  CHECK(vkCreateInstance(&instance_info, NULL, &instance) == VK_SUCCESS, "vkCreateInstance");
  PFN_vkCreateDebugUtilsMessengerEXT create_messenger =
      (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(instance,
                                                                "vkCreateDebugUtilsMessengerEXT");
  PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger =
      (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
          instance, "vkDestroyDebugUtilsMessengerEXT");
  VkDebugUtilsMessengerEXT messenger;
  CHECK(create_messenger && destroy_messenger &&
            create_messenger(instance, &messenger_info, NULL, &messenger) == VK_SUCCESS,
        "a debug messenger");

  uint32_t count = 1;
  VkPhysicalDevice physical_device;
  VkResult r = vkEnumeratePhysicalDevices(instance, &count, &physical_device);
  CHECK((r == VK_SUCCESS || r == VK_INCOMPLETE) && count == 1, "a physical device");

  // The layer offers the extension, named both in the device's list and the layer's own.
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(physical_device, NULL, &n, NULL);
  VkExtensionProperties all[512];
  CHECK(n <= 512, "extension count");
  vkEnumerateDeviceExtensionProperties(physical_device, NULL, &n, all);
  int offered = 0;
  for (uint32_t i = 0; i < n; i++) {
    offered |= strcmp(all[i].extensionName, VK_FUCHSIA_EXTERNAL_MEMORY_EXTENSION_NAME) == 0;
  }
  CHECK(offered, "VK_FUCHSIA_external_memory is offered");

  // The capability query answers for ZIRCON_VMO (from what the layer can back).
  VkPhysicalDeviceExternalBufferInfo buffer_info = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
      .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
      .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA};
  VkExternalBufferProperties buffer_properties = {
      .sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES};
  vkGetPhysicalDeviceExternalBufferProperties(physical_device, &buffer_info, &buffer_properties);
  VkExternalMemoryFeatureFlags both =
      VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT | VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT;
  CHECK((buffer_properties.externalMemoryProperties.externalMemoryFeatures & both) == both,
        "transfer buffers can be exported and imported as ZIRCON_VMO");

  float priority = 1.0f;
  VkDeviceQueueCreateInfo queue = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                   .queueFamilyIndex = 0,
                                   .queueCount = 1,
                                   .pQueuePriorities = &priority};
  const char* device_extensions[] = {VK_FUCHSIA_EXTERNAL_MEMORY_EXTENSION_NAME};
  VkDeviceCreateInfo device_info = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                                    .queueCreateInfoCount = 1,
                                    .pQueueCreateInfos = &queue,
                                    .enabledExtensionCount = 1,
                                    .ppEnabledExtensionNames = device_extensions};
  VkDevice device;
  CHECK(vkCreateDevice(physical_device, &device_info, NULL, &device) == VK_SUCCESS,
        "vkCreateDevice with VK_FUCHSIA_external_memory");

  PFN_vkGetMemoryZirconHandleFUCHSIA get_handle =
      (PFN_vkGetMemoryZirconHandleFUCHSIA)vkGetDeviceProcAddr(device,
                                                              "vkGetMemoryZirconHandleFUCHSIA");
  PFN_vkGetMemoryZirconHandlePropertiesFUCHSIA get_properties =
      (PFN_vkGetMemoryZirconHandlePropertiesFUCHSIA)vkGetDeviceProcAddr(
          device, "vkGetMemoryZirconHandlePropertiesFUCHSIA");
  CHECK(get_handle && get_properties, "vkGetDeviceProcAddr of the extension's commands");

  // Which memory types can a VMO be imported as?
  zx_handle_t probe;
  CHECK(zx_vmo_create(4096, 0, &probe) == 0, "zx_vmo_create");
  VkMemoryZirconHandlePropertiesFUCHSIA properties = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_ZIRCON_HANDLE_PROPERTIES_FUCHSIA};
  CHECK(get_properties(device, VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA, probe,
                       &properties) == VK_SUCCESS && properties.memoryTypeBits != 0,
        "vkGetMemoryZirconHandlePropertiesFUCHSIA");
  zx_handle_close(probe);
  VkPhysicalDeviceMemoryProperties memory_properties;
  vkGetPhysicalDeviceMemoryProperties(physical_device, &memory_properties);
  uint32_t type = UINT32_MAX;
  VkMemoryPropertyFlags wanted =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (uint32_t i = 0; i < memory_properties.memoryTypeCount && type == UINT32_MAX; i++) {
    if ((properties.memoryTypeBits & (1u << i)) &&
        (memory_properties.memoryTypes[i].propertyFlags & wanted) == wanted) {
      type = i;
    }
  }
  CHECK(type != UINT32_MAX, "a host-coherent type a VMO can have");

  VkExportMemoryAllocateInfo export_info = {
      .sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO,
      .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA};
  VkMemoryAllocateInfo allocate = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                   .pNext = &export_info,
                                   .allocationSize = 4096,
                                   .memoryTypeIndex = type};
  void* ptr;
  if (importer) {
    // Connect to the exporter's service and receive the VMO.
    zx_handle_t mine, theirs, received;
    uint32_t actual_handles = 0;
    char frame[8];
    CHECK(zx_channel_create(0, &mine, &theirs) == 0, "zx_channel_create");
    CHECK(fdio_service_connect(argv[2], theirs) == 0, "fdio_service_connect");
    CHECK(receive(mine, frame, sizeof(frame), &received, &actual_handles) == 0 &&
              actual_handles == 1,
          "the frame with its VMO");
    char seen[13];
    CHECK(zx_vmo_read(received, seen, 0, 13) == 0 && memcmp(seen, "written in C", 13) == 0,
          "the VMO holds the exporter's bytes");

    // Import: the received handle moves into Vulkan.
    VkImportMemoryZirconHandleInfoFUCHSIA import_info = {
        .sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_ZIRCON_HANDLE_INFO_FUCHSIA,
        .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA,
        .handle = received};
    allocate.pNext = &import_info;
    VkDeviceMemory imported;
    CHECK(vkAllocateMemory(device, &allocate, NULL, &imported) == VK_SUCCESS,
          "vkAllocateMemory with VkImportMemoryZirconHandleInfoFUCHSIA");
    CHECK(vkMapMemory(device, imported, 0, VK_WHOLE_SIZE, 0, &ptr) == VK_SUCCESS,
          "vkMapMemory");
    CHECK(memcmp(ptr, "written in C", 13) == 0, "the import aliases the exporter's bytes");
    memcpy(ptr, "imported!", 9);
    vkUnmapMemory(device, imported);
    vkFreeMemory(device, imported, NULL);
    CHECK(zx_channel_write(mine, 0, "imported", 8, NULL, 0) == 0, "the answer");
    zx_handle_close(mine);
  } else {
    // Export: exportable memory, written through vkMapMemory.
    VkDeviceMemory exporter;
    CHECK(vkAllocateMemory(device, &allocate, NULL, &exporter) == VK_SUCCESS,
          "vkAllocateMemory for export");
    CHECK(vkMapMemory(device, exporter, 0, VK_WHOLE_SIZE, 0, &ptr) == VK_SUCCESS,
          "vkMapMemory");
    memcpy(ptr, "written in C", 13);
    VkMemoryGetZirconHandleInfoFUCHSIA get_info = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_GET_ZIRCON_HANDLE_INFO_FUCHSIA,
        .memory = exporter,
        .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA};
    zx_handle_t vmo;
    CHECK(get_handle(device, &get_info, &vmo) == VK_SUCCESS, "vkGetMemoryZirconHandleFUCHSIA");

    // Serve a protocol and start the importer, which connects to it.
    char name[64], path[80];
    snprintf(name, sizeof(name), "vmo-interop.c-layer-test.%d", (int)getpid());
    snprintf(path, sizeof(path), "/svc/%s", name);
    zx_handle_t listener, to_importer;
    CHECK(zx_host_service_bind(name, &listener) == 0, "zx_host_service_bind");
    char* child_argv[] = {argv[0], "import", path, NULL};
    pid_t child;
    CHECK(posix_spawn(&child, argv[0], NULL, NULL, child_argv, environ) == 0,
          "start the importer");
    uint32_t actual_handles = 0;
    char request[8], answer[16];
    CHECK(receive(listener, request, sizeof(request), &to_importer, &actual_handles) == 0 &&
              actual_handles == 1,
          "the importer's connection request");
    CHECK(zx_channel_write(to_importer, 0, "frame", 5, &vmo, 1) == 0, "send the VMO");
    CHECK(receive(to_importer, answer, sizeof(answer), NULL, &actual_handles) == 0 &&
              memcmp(answer, "imported", 8) == 0,
          "the importer's answer");
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the importer exited with 0");
    CHECK(memcmp(ptr, "imported!", 9) == 0, "the importer's write is seen here: one memory");
    vkUnmapMemory(device, exporter);
    vkFreeMemory(device, exporter, NULL);
    zx_handle_close(to_importer);
    zx_handle_close(listener);
  }
  vkDestroyDevice(device, NULL);
  destroy_messenger(instance, messenger, NULL);
  vkDestroyInstance(instance, NULL);
  CHECK(messages == 0, "zero validation messages");
  if (!importer) {
    printf("ok\n");
  }
  return 0;
}
