// convert<To>(from): the one conversion rule every copy uses, on the CPU and on the GPU.
// bf16 goes through float. A floating value becomes an integer by truncation toward zero,
// saturated to the integer's range, NaN to 0: C++ leaves out-of-range conversions undefined, and
// the two devices do differ there (x86 gives INT_MIN for every one, CUDA's cvt saturates), so
// both sides take CUDA's rule. Everything else is a static_cast.
#pragma once

#include <limits>
#include <type_traits>

#include "core/host_device.h"
#include "cuda/bf16.h"

namespace hg {

template <typename To, typename From>
HG_HOST_DEVICE To convert(From value) {
  if constexpr (std::is_same_v<To, From>) {
    return value;
  } else if constexpr (std::is_same_v<From, bf16>) {
    return static_cast<To>(bf16_to_float(value));
  } else if constexpr (std::is_same_v<To, bf16>) {
    return float_to_bf16(static_cast<float>(value));
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    // As doubles the limits are exact up to 32 bits; the 64-bit ones round up to 2^63 and 2^64,
    // which no value inside the range reaches either.
    const double x = static_cast<double>(value);
    if (x != x) return To(0);
    if (x <= static_cast<double>(std::numeric_limits<To>::lowest()))
      return std::numeric_limits<To>::lowest();
    if (x >= static_cast<double>(std::numeric_limits<To>::max()))
      return std::numeric_limits<To>::max();
    return static_cast<To>(value);
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
