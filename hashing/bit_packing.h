// Binary codes packed into 64-bit words: the form every search and metric in hashgrad reads.
//
// A code of c bits (8 ≤ c ≤ 1024) is the sign pattern b ∈ {−1,+1}^c of a hash layer's output.
// Bit j is 1 when the j-th value is > 0 (so both ±1 codes and 0/1 codes pack as expected).
//
// Layout, chosen so that the bytes of a packed code are exactly the bytes NumPy and FAISS use:
//   bit j lives in byte j/8 of the code, at mask 0x80 >> (j % 8)   (numpy.packbits order);
//   a code's bytes fill ceil(c/64) little-endian u64 words, unused trailing bits are 0.
// Only popcount(a XOR b) ever looks inside a word, and popcount does not care where a bit
// sits, so this order costs nothing and makes .npy / FAISS interop a byte copy.
//
// Packed codes for n items are a row-major n × words_per_code(c) array of u64 (PackedCodes
// views one without owning it).
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace hg::hashing {

constexpr int kMinCodeBits = 8;
constexpr int kMaxCodeBits = 1024;

inline int64_t words_per_code(int bits) { return (bits + 63) / 64; }
inline int64_t bytes_per_code(int bits) { return (bits + 7) / 8; }

// Throws unless kMinCodeBits ≤ bits ≤ kMaxCodeBits; `what` names the codes in the message.
void check_code_bits(int64_t bits, const char* what);

// A read-only view of n packed codes (the memory belongs to the caller).
struct PackedCodes {
  const uint64_t* words = nullptr;
  int64_t count = 0;
  int bits = 0;

  int64_t words_per_code() const { return hashing::words_per_code(bits); }
  const uint64_t* code(int64_t i) const { return words + i * words_per_code(); }
};

// The bits of word `word` of a code that belong to the code: every bit but in the last word,
// whose unused trailing bits must stay 0 (a set one would count in every distance).
uint64_t used_bits_mask(int bits, int64_t word);

// Throws, naming `what` and the first offending code, unless every code's unused trailing bits
// are 0. Searches call it: codes from pack_signs and code files always pass, hand-built words may
// not.
void check_code_padding(const PackedCodes& codes, const char* what);

// The Hamming distance popcount(a XOR b) of two packed codes of `words` words.
inline int hamming_distance(const uint64_t* a, const uint64_t* b, int64_t words) {
  int distance = 0;
  for (int64_t w = 0; w < words; ++w) distance += __builtin_popcountll(a[w] ^ b[w]);
  return distance;
}

// values: count × bits (row-major), any numeric type; words: count × words_per_code(bits).
template <typename T>
void pack_signs(const T* values, int64_t count, int bits, uint64_t* words);
// values: count × bits of ±1.
void unpack_signs(const uint64_t* words, int64_t count, int bits, float* values);

// Tensor forms: [n, bits] numeric (any device) -> u64 [n, words] on the CPU, and back to ±1 f32.
Tensor pack_signs(const Tensor& codes);
Tensor unpack_signs(const Tensor& packed, int bits);

// numpy.packbits rows (count × row_bytes uint8, row_bytes ≥ bytes_per_code(bits)) to packed
// words. Bits past `bits` in the last byte are cleared so they cannot count in a distance.
void words_from_packbits(const uint8_t* bytes, int64_t count, int bits, int64_t row_bytes,
                         uint64_t* words);
// Packed words to numpy.packbits rows of bytes_per_code(bits) bytes.
void packbits_from_words(const uint64_t* words, int64_t count, int bits, uint8_t* bytes);

}  // namespace hg::hashing
