// bfloat16 storage type: the top 16 bits of an IEEE float (8-bit exponent, 7-bit mantissa).
// Same range as f32 at a third of the precision, which is why mixed precision keeps f32
// master weights and accumulates in f32. Our own struct so CPU-only builds have it too; on the
// GPU it has the bit layout of CUDA's __nv_bfloat16.
#pragma once

#include <cstdint>
#include <cstring>

#include "core/host_device.h"

namespace hg {

struct bf16 {
  uint16_t bits = 0;
};

// Round to nearest, ties to even: add 0x7FFF plus the lowest kept bit, then truncate.
HG_HOST_DEVICE bf16 float_to_bf16(float value) {
  uint32_t word;
#if defined(__CUDA_ARCH__)
  word = __float_as_uint(value);
#else
  std::memcpy(&word, &value, sizeof word);
#endif
  bf16 result;
  if ((word & 0x7F800000u) == 0x7F800000u && (word & 0x007FFFFFu) != 0) {
    result.bits = 0x7FC0;  // NaN stays a (quiet) NaN
    return result;
  }
  word += 0x7FFFu + ((word >> 16) & 1u);
  result.bits = static_cast<uint16_t>(word >> 16);
  return result;
}

HG_HOST_DEVICE float bf16_to_float(bf16 value) {
  uint32_t word = static_cast<uint32_t>(value.bits) << 16;
#if defined(__CUDA_ARCH__)
  return __uint_as_float(word);
#else
  float result;
  std::memcpy(&result, &word, sizeof result);
  return result;
#endif
}

}  // namespace hg
