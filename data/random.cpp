// The bounded draw and the seed derivation of random.h.
#include "data/random.h"

#include "core/error.h"

namespace hg::data {

uint64_t Random::below(uint64_t bound) {
  HG_CHECK(bound > 0, "Random::below: the bound must be positive");
  // (0 − bound) mod bound == 2^64 mod bound in unsigned arithmetic.
  const uint64_t rejected = (0 - bound) % bound;
  uint64_t draw = next();
  while (draw < rejected) draw = next();
  return draw % bound;
}

uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  // SplitMix64 (Steele, Lea & Flood 2014) applied to seed + golden-ratio step × (stream + 1):
  // neighbouring streams get unrelated seeds.
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace hg::data
