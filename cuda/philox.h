// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
// counter-based generator behind curand and PyTorch's CUDA RNG.
//
// A counter-based generator computes random number i directly from (seed, i): no state is
// carried from one number to the next. So the CPU loop and a CUDA thread per element produce
// the very same numbers for the same seed, which is what makes CPU-vs-GPU tests of dropout or
// random init possible.
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace hg {

struct PhiloxOutput {
  uint32_t x[4];
};

HG_HOST_DEVICE void philox_multiply(uint32_t a, uint32_t b, uint32_t& high, uint32_t& low) {
  uint64_t product = static_cast<uint64_t>(a) * b;
  high = static_cast<uint32_t>(product >> 32);
  low = static_cast<uint32_t>(product);
}

// Ten rounds of the Philox S-box over a 128-bit counter with a 64-bit key.
HG_HOST_DEVICE PhiloxOutput philox4x32(uint64_t counter, uint64_t stream, uint64_t seed) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = static_cast<uint32_t>(stream), c3 = static_cast<uint32_t>(stream >> 32);
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t high0, low0, high1, low1;
    philox_multiply(0xD2511F53u, c0, high0, low0);
    philox_multiply(0xCD9E8D57u, c2, high1, low1);
    uint32_t n0 = high1 ^ c1 ^ k0, n1 = low1, n2 = high0 ^ c3 ^ k1, n3 = low0;
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return PhiloxOutput{{c0, c1, c2, c3}};
}

// A uniform float in [0, 1) from the top 24 bits of a 32-bit random word.
HG_HOST_DEVICE float uint_to_unit_float(uint32_t word) {
  return static_cast<float>(word >> 8) * (1.0f / 16777216.0f);
}

}  // namespace hg
