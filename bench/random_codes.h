// Random codes for the benchmarks (bench_search_bench, bench_code_files): uniform random bits
// from a seeded generator, the padding bits of the last word zero. Uniform bits are the worst
// case for top-k selection (no structure to exploit).
#pragma once

#include <omp.h>

#include <cstdint>
#include <random>
#include <vector>

#include "hashing/bit_packing.h"

namespace hg::bench {

// count × words_per_code(bits) words; the same for the same seed and OpenMP thread count.
inline std::vector<uint64_t> random_codes(int64_t count, int bits, uint64_t seed) {
  const int64_t words = hashing::words_per_code(bits);
  std::vector<uint64_t> codes(static_cast<size_t>(count * words));
  std::vector<uint64_t> masks(static_cast<size_t>(words));  // the padding stays zero
  for (int64_t w = 0; w < words; ++w) masks[w] = hashing::used_bits_mask(bits, w);
#pragma omp parallel
  {
    // One generator per thread, seeded from (seed, thread): reproducible for a thread count.
    std::mt19937_64 generator(seed * 1000003 + static_cast<uint64_t>(omp_get_thread_num()));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < count; ++i)
      for (int64_t w = 0; w < words; ++w) codes[i * words + w] = generator() & masks[w];
  }
  return codes;
}

}  // namespace hg::bench
