// Where a tensor's bytes live: host memory or the (single) CUDA device.
#pragma once

#include <string>

namespace hg {

enum class Device { cpu, cuda };

inline const char* device_name(Device device) { return device == Device::cpu ? "cpu" : "cuda"; }

// Parses "cpu", "cuda" or "auto" (cuda when a device is present); throws naming the text.
Device parse_device(const std::string& text);

}  // namespace hg
