// Seeded random numbers from counter-based Philox (cuda/philox.h): the formulas both paths
// share, and the CUDA launchers (stubs that throw in a CPU-only build: cuda/without_cuda/). CPU
// twins: tensor/cpu/random.h.
//
// Element i of a draw that starts at generator offset `offset` is made from the one Philox
// block philox4x32(counter = offset + i, stream = 0, key = seed). Nothing depends on which
// thread computes it or in which order, so the CPU loop and the CUDA grid give the same
// numbers bit for bit wherever the formula is exact (uniform bits, bernoulli, randperm), and
// within a few ulps where it uses log/cos (normal).
#pragma once

#include <math.h>

#include <cstdint>
#include <type_traits>

#include "core/host_device.h"
#include "cuda/philox.h"
#include "cuda/strided_index.h"

namespace hg {

enum class Distribution {
  uniform,  // low + (high − low)·u,  u uniform in [0, 1)
  normal,  // mean + std·√(−2 ln u₁)·cos(2π u₂)  (Box–Muller, u₁ ∈ (0, 1], u₂ ∈ [0, 1))
};

// A uniform number in [0, 1) from the words of a Philox block starting at `word`: 24 random
// bits for float (one word), 53 for double (two words), so every representable step is reachable.
template <typename T>
HG_HOST_DEVICE T unit_interval(const PhiloxOutput& bits, int word) {
  if constexpr (std::is_same_v<T, float>) {
    return uint_to_unit_float(bits.x[word]);
  } else {
    uint64_t high = bits.x[word] >> 5, low = bits.x[word + 1] >> 6;  // 27 + 26 = 53 bits
    return static_cast<double>((high << 26) | low) * (1.0 / 9007199254740992.0);
  }
}

// The value of element `counter` of `distribution` with parameters (a, b) = (low, high) or
// (mean, std).
template <typename T>
HG_HOST_DEVICE T sample(Distribution distribution, T a, T b, uint64_t seed, uint64_t counter) {
  PhiloxOutput bits = philox4x32(counter, 0, seed);
  if (distribution == Distribution::uniform) return a + (b - a) * unit_interval<T>(bits, 0);
  T radius_unit = T(1) - unit_interval<T>(bits, 0);  // (0, 1]: log never sees 0
  T angle = T(6.283185307179586476925) * unit_interval<T>(bits, 2);
  T z;
  if constexpr (std::is_same_v<T, float>) {
    z = sqrtf(-2.0f * logf(radius_unit)) * cosf(angle);
  } else {
    z = sqrt(-2.0 * log(radius_unit)) * cos(angle);
  }
  return a + b * z;
}

// 1 with probability p, else 0: the uniform of element `counter` compared with p.
template <typename T>
HG_HOST_DEVICE T bernoulli_sample(T probability, uint64_t seed, uint64_t counter) {
  return unit_interval<T>(philox4x32(counter, 0, seed), 0) < probability ? T(1) : T(0);
}

// The 64-bit sort key of element `counter` of a random permutation.
HG_HOST_DEVICE uint64_t permutation_key(uint64_t seed, uint64_t counter) {
  PhiloxOutput bits = philox4x32(counter, 0, seed);
  return (static_cast<uint64_t>(bits.x[0]) << 32) | bits.x[1];
}

}  // namespace hg

#include "cuda/stream.h"

namespace hg::cuda {

// Where a GPU draw starts: generator offset `offset`, plus, for a draw captured in a CUDA graph,
// the u64 at `device_base` as it is when the kernel runs. A captured kernel keeps the arguments
// it was captured with; the base is what lets each replay draw new numbers
// (tensor/captured_draws.h).
struct DrawStart {
  uint64_t seed = 0;
  uint64_t offset = 0;
  const uint64_t* device_base = nullptr;
};

// output[i] = sample(distribution, a, b, seed, offset + i) for i < count.
template <typename T>
void random_fill(Distribution distribution, T a, T b, T* output, int64_t count, DrawStart start,
                 Stream stream);

// output[i] = bernoulli_sample(probabilities[probability_index(i)], seed, offset + i).
template <typename T>
void bernoulli(const T* probabilities, StridedIndex probability_index, T* output, int64_t count,
               DrawStart start, Stream stream);

// output = the indices 0..n−1 sorted by (permutation_key(seed, offset + i), i).
void randperm(int64_t* output, int64_t n, DrawStart start, Stream stream);

}  // namespace hg::cuda
