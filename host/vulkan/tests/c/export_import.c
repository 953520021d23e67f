// A C application on the host: the Vulkan loader loads the vmo-interop layer from its manifest
// (VkLayer_vmo_interop.json), with the Khronos validation layer below it; the program allocates
// exportable memory, writes it, exports it as a VMO with vkGetMemoryZirconHandleFUCHSIA, sends
// the VMO over a Zircon channel, receives it, imports it with
// VkImportMemoryZirconHandleInfoFUCHSIA and reads the bytes back. The zx_* functions come from
// the layer's library (the host kernel it carries), so both sides share one handle table.
//
// Exit status 0 and "ok" on success; any failure prints what failed and exits 1.

#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

int main(void) {
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

  // Export: exportable memory, written through vkMapMemory.
  VkExportMemoryAllocateInfo export_info = {
      .sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO,
      .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA};
  VkMemoryAllocateInfo allocate = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                   .pNext = &export_info,
                                   .allocationSize = 4096,
                                   .memoryTypeIndex = type};
  VkDeviceMemory exporter;
  CHECK(vkAllocateMemory(device, &allocate, NULL, &exporter) == VK_SUCCESS,
        "vkAllocateMemory for export");
  void* ptr;
  CHECK(vkMapMemory(device, exporter, 0, VK_WHOLE_SIZE, 0, &ptr) == VK_SUCCESS, "vkMapMemory");
  memcpy(ptr, "written in C", 13);
  vkUnmapMemory(device, exporter);
  VkMemoryGetZirconHandleInfoFUCHSIA get_info = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_GET_ZIRCON_HANDLE_INFO_FUCHSIA,
      .memory = exporter,
      .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA};
  zx_handle_t vmo;
  CHECK(get_handle(device, &get_info, &vmo) == VK_SUCCESS, "vkGetMemoryZirconHandleFUCHSIA");

  // Send the VMO over a channel and receive it on the other end.
  zx_handle_t a, b, received;
  uint32_t actual_bytes, actual_handles;
  char frame[8];
  CHECK(zx_channel_create(0, &a, &b) == 0, "zx_channel_create");
  CHECK(zx_channel_write(a, 0, "frame", 5, &vmo, 1) == 0, "zx_channel_write");
  CHECK(zx_channel_read(b, 0, frame, &received, sizeof(frame), 1, &actual_bytes,
                        &actual_handles) == 0 && actual_handles == 1,
        "zx_channel_read");
  char seen[13];
  CHECK(zx_vmo_read(received, seen, 0, 13) == 0 && memcmp(seen, "written in C", 13) == 0,
        "the VMO holds the bytes");

  // Import: the received handle moves into Vulkan.
  VkImportMemoryZirconHandleInfoFUCHSIA import_info = {
      .sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_ZIRCON_HANDLE_INFO_FUCHSIA,
      .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_ZIRCON_VMO_BIT_FUCHSIA,
      .handle = received};
  allocate.pNext = &import_info;
  VkDeviceMemory importer;
  CHECK(vkAllocateMemory(device, &allocate, NULL, &importer) == VK_SUCCESS,
        "vkAllocateMemory with VkImportMemoryZirconHandleInfoFUCHSIA");
  CHECK(vkMapMemory(device, importer, 0, VK_WHOLE_SIZE, 0, &ptr) == VK_SUCCESS, "vkMapMemory");
  CHECK(memcmp(ptr, "written in C", 13) == 0, "the import aliases the exporter's bytes");
  vkUnmapMemory(device, importer);

  vkFreeMemory(device, importer, NULL);
  vkFreeMemory(device, exporter, NULL);
  zx_handle_close(a);
  zx_handle_close(b);
  vkDestroyDevice(device, NULL);
  destroy_messenger(instance, messenger, NULL);
  vkDestroyInstance(instance, NULL);
  CHECK(messages == 0, "zero validation messages");
  printf("ok\n");
  return 0;
}
