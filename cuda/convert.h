// convert<To>(from): the one conversion rule every copy uses, on the CPU and on the GPU.
// bf16 goes through float; everything else is a static_cast.
#pragma once

#include <type_traits>

#include "cuda/bf16.h"
#include "cuda/host_device.h"

namespace hg {

template <typename To, typename From>
HG_HOST_DEVICE To convert(From value) {
  if constexpr (std::is_same_v<To, From>) {
    return value;
  } else if constexpr (std::is_same_v<From, bf16>) {
    return static_cast<To>(bf16_to_float(value));
  } else if constexpr (std::is_same_v<To, bf16>) {
    return float_to_bf16(static_cast<float>(value));
  } else {
    return static_cast<To>(value);
  }
}

}  // namespace hg

// Explicit instantiation helper: HG_FOR_EACH_TYPE(MACRO) calls MACRO(T) for every dtype's type.
#define HG_FOR_EACH_TYPE(MACRO) \
  MACRO(float)                  \
  MACRO(double) MACRO(::hg::bf16) MACRO(int32_t) MACRO(int64_t) MACRO(uint8_t) MACRO(uint64_t)
#define HG_FOR_EACH_FLOATING(MACRO) MACRO(float) MACRO(double)
