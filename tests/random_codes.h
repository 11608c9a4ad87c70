// Random codes for the Hamming search tests (hashing_hamming_search_test.cpp, on both devices):
// the signs, which brute-force references compare coordinate by coordinate, beside the same codes
// packed into words.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "hashing/bit_packing.h"

namespace hg::test {

struct Codes {
  int bits;
  int64_t count;
  std::vector<uint8_t> signs;  // count × bits of 0/1
  std::vector<uint64_t> words;
  hashing::PackedCodes packed() const { return {words.data(), count, bits}; }
};

// Each bit 1 with probability `bias`; a bias far from 0.5 makes many codes alike (and so many
// tied distances).
inline Codes random_codes(int64_t count, int bits, uint64_t seed, double bias = 0.5) {
  std::mt19937_64 generator(seed);
  std::bernoulli_distribution bit(bias);
  Codes codes{bits, count, std::vector<uint8_t>(static_cast<size_t>(count * bits)), {}};
  for (uint8_t& value : codes.signs) value = bit(generator) ? 1 : 0;
  codes.words.resize(static_cast<size_t>(count * hashing::words_per_code(bits)));
  hashing::pack_signs(codes.signs.data(), count, bits, codes.words.data());
  return codes;
}

}  // namespace hg::test
