// Where a tensor's bytes live: host memory or the (single) CUDA device.
#pragma once

#include <string>

namespace hg {

enum class Device { cpu, cuda };

inline const char* device_name(Device device) { return device == Device::cpu ? "cpu" : "cuda"; }

// Parses "cpu", "cuda" or "auto" (cuda when a device is present); throws naming the text.
Device parse_device(const std::string& text);

// Whether tensors can be made on `device`: always on the CPU, on the GPU when one is present.
bool device_available(Device device);
// The GPU as hashgrad sees it, for messages: "NVIDIA H100 ... (sm_90, 79.1 GiB)", "no CUDA device".
std::string gpu_description();

}  // namespace hg
