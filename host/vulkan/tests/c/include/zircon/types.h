// The one Zircon type <vulkan/vulkan_fuchsia.h> needs, for host builds (on Fuchsia the SDK's
// <zircon/types.h> provides it).
#pragma once
#include <stdint.h>
typedef uint32_t zx_handle_t;
typedef int32_t zx_status_t;
