// Seeded random numbers that are the same on every machine and with every standard library.
//
// A split protocol is only a protocol if the same seed picks the same query images everywhere.
// std::mt19937_64 is pinned down by the C++ standard (its 10,000th output is fixed), but
// std::uniform_int_distribution and std::shuffle are not: libstdc++ and libc++ map the engine's
// output to a range differently. So the two steps that turn raw 64-bit draws into choices, the
// bounded draw and the Fisher–Yates shuffle, are written out here, and everything in data/ that
// makes a random choice goes through them.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace hg::data {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  uint64_t next() { return engine_(); }

  // Uniform integer in [0, bound), bound > 0, by rejection: 2^64 mod bound values at the bottom
  // of the range are redrawn, so that the accepted range holds every residue equally often and
  // `x mod bound` is exactly uniform.
  uint64_t below(uint64_t bound);

  // Uniform double in [0, 1): the top 53 bits of a draw, scaled by 2^-53.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Fisher–Yates: for i = n−1 down to 1, swap element i with element below(i + 1).
  template <typename T>
  void shuffle(std::vector<T>& values) {
    for (size_t i = values.size(); i > 1; --i) {
      size_t j = static_cast<size_t>(below(i));
      std::swap(values[i - 1], values[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

// The seed of an independent stream `stream` of `seed` (SplitMix64 of the pair). The loader
// seeds each sample's augmentation with derive_seed(derive_seed(seed, epoch), index), so the
// crops do not depend on which worker thread happened to take the sample.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

}  // namespace hg::data
