// CPU reference for seeded random numbers; the formulas are in cuda/random.h, shared with the
// CUDA twin cuda/random.cu, so both paths draw the same numbers for the same seed and offset.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cuda/random.h"

namespace hg::cpu {

template <typename T>
void random_fill(Distribution distribution, T a, T b, T* output, int64_t count, uint64_t seed,
                 uint64_t offset) {
#pragma omp parallel for if (count > 32768)
  for (int64_t i = 0; i < count; ++i)
    output[i] = sample<T>(distribution, a, b, seed, offset + static_cast<uint64_t>(i));
}

template <typename T>
void bernoulli(const T* probabilities, StridedIndex probability_index, T* output, int64_t count,
               uint64_t seed, uint64_t offset) {
#pragma omp parallel for if (count > 32768)
  for (int64_t i = 0; i < count; ++i)
    output[i] = bernoulli_sample<T>(probabilities[probability_index.offset(i)], seed,
                                    offset + static_cast<uint64_t>(i));
}

// A permutation as the order of n random keys; equal keys (rare with 64 bits) keep index order,
// which is what the CUDA radix sort, being stable, does too.
inline void randperm(int64_t* output, int64_t n, uint64_t seed, uint64_t offset) {
  std::vector<std::pair<uint64_t, int64_t>> keyed(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    keyed[i] = {permutation_key(seed, offset + static_cast<uint64_t>(i)), i};
  std::sort(keyed.begin(), keyed.end());
  for (int64_t i = 0; i < n; ++i) output[i] = keyed[i].second;
}

}  // namespace hg::cpu
