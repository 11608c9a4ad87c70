// Bit packing: the numpy.packbits byte order inside u64 words, round trips for every code length
// class (one word, word boundaries, partial bytes, 1024 bits), Hamming distances against a count
// of differing signs, and the errors for unsupported lengths.
#include <gtest/gtest.h>

#include <random>

#include "hashing/bit_packing.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

std::vector<float> random_signs(int64_t count, int bits, uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::vector<float> signs(static_cast<size_t>(count * bits));
  for (float& value : signs) value = (generator() & 1) ? 1.0f : -1.0f;
  return signs;
}

std::vector<uint64_t> pack(const std::vector<float>& signs, int64_t count, int bits) {
  std::vector<uint64_t> words(static_cast<size_t>(count * words_per_code(bits)));
  pack_signs(signs.data(), count, bits, words.data());
  return words;
}

TEST(BitPacking, TwelveBitCodeLandsInNumpyPackbitsOrder) {
  // signs + - + + - - - + | + - - -  -> packbits bytes 0b10110001 = 0xB1, 0b10000000 = 0x80;
  // byte 0 is the low byte of the little-endian word.
  std::vector<float> signs = {1, -1, 1, 1, -1, -1, -1, 1, 1, -1, -1, -1};
  std::vector<uint64_t> words = pack(signs, 1, 12);
  ASSERT_EQ(words.size(), 1u);
  EXPECT_EQ(words[0], 0x80B1u);
  std::vector<uint8_t> bytes(2);
  packbits_from_words(words.data(), 1, 12, bytes.data());
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0xB1, 0x80}));
}

TEST(BitPacking, ZeroOneCodesPackLikeSignCodes) {
  std::vector<uint8_t> zero_one = {1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0};
  std::vector<uint64_t> words(1);
  pack_signs(zero_one.data(), 1, 12, words.data());
  EXPECT_EQ(words[0], 0x80B1u);
}

TEST(BitPacking, SixtyFifthBitStartsTheSecondWord) {
  std::vector<float> signs(65, -1.0f);
  signs[64] = 1.0f;  // bit 64: byte 8 (word 1, byte 0), mask 0x80
  signs[7] = 1.0f;   // bit 7: byte 0, mask 0x01
  std::vector<uint64_t> words = pack(signs, 1, 65);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0], 0x01u);
  EXPECT_EQ(words[1], 0x80u);
}

TEST(BitPacking, UnpackInvertsPackForEveryLengthClass) {
  for (int bits : {8, 12, 48, 63, 64, 65, 100, 128, 1000, 1024}) {
    std::vector<float> signs = random_signs(37, bits, 1000 + bits);
    std::vector<uint64_t> words = pack(signs, 37, bits);
    std::vector<float> back(signs.size());
    unpack_signs(words.data(), 37, bits, back.data());
    EXPECT_EQ(back, signs) << bits << " bits";
    // Padding bits past `bits` stay zero: the set bits are exactly the +1 signs.
    for (int64_t i = 0; i < 37; ++i) {
      int set = 0, positive = 0;
      for (int64_t w = 0; w < words_per_code(bits); ++w)
        set += __builtin_popcountll(words[i * words_per_code(bits) + w]);
      for (int j = 0; j < bits; ++j) positive += signs[i * bits + j] > 0;
      EXPECT_EQ(set, positive) << bits << " bits, code " << i;
    }
  }
}

TEST(BitPacking, HammingDistanceCountsDifferingSigns) {
  for (int bits : {8, 33, 64, 129, 1024}) {
    std::vector<float> a = random_signs(1, bits, 7), b = random_signs(1, bits, 8);
    int differing = 0;
    for (int j = 0; j < bits; ++j) differing += a[j] != b[j];
    std::vector<uint64_t> pa = pack(a, 1, bits), pb = pack(b, 1, bits);
    EXPECT_EQ(hamming_distance(pa.data(), pb.data(), words_per_code(bits)), differing) << bits;
  }
}

TEST(BitPacking, PackbitsRowsMatchAnMsbFirstReference) {
  const int bits = 20;
  std::vector<float> signs = random_signs(5, bits, 11);
  std::vector<uint64_t> words = pack(signs, 5, bits);
  std::vector<uint8_t> bytes(5 * bytes_per_code(bits));
  packbits_from_words(words.data(), 5, bits, bytes.data());
  // numpy.packbits: bit j of a row -> byte j / 8, value 128 >> (j % 8).
  std::vector<uint8_t> reference(bytes.size(), 0);
  for (int64_t i = 0; i < 5; ++i)
    for (int j = 0; j < bits; ++j)
      if (signs[i * bits + j] > 0) reference[i * 3 + j / 8] |= static_cast<uint8_t>(128 >> (j % 8));
  EXPECT_EQ(bytes, reference);
  // And back, with junk in the unused low bits of the last byte, which must be cleared.
  for (int64_t i = 0; i < 5; ++i) reference[i * 3 + 2] |= 0x0F;
  std::vector<uint64_t> back(words.size());
  words_from_packbits(reference.data(), 5, bits, 3, back.data());
  EXPECT_EQ(back, words);
}

TEST(BitPacking, TensorFormsKeepShapesAndValues) {
  Tensor codes = Tensor::from_vector(std::vector<float>{0.3f, -2.0f, 5.0f, 1.0f, -0.1f, -0.2f,
                                                        -0.3f, 0.4f, 0.1f, -1.0f, -1.0f, -1.0f},
                                     {1, 12});
  Tensor packed = pack_signs(codes);
  EXPECT_EQ(packed.dtype(), DType::u64);
  EXPECT_EQ(packed.shape(), (Shape{1, 1}));
  EXPECT_EQ(packed.to_vector<uint64_t>()[0], 0x80B1u);
  Tensor signs = unpack_signs(packed, 12);
  EXPECT_EQ(signs.to_vector<float>(),
            (std::vector<float>{1, -1, 1, 1, -1, -1, -1, 1, 1, -1, -1, -1}));
}

TEST(BitPacking, UsedBitsMaskIsTheCodeOfAllPlusSigns) {
  // 12 bits: bytes 0xFF, 0xF0 (packbits fills a byte from its high bit), so the word 0xF0FF.
  EXPECT_EQ(used_bits_mask(12, 0), 0xF0FFu);
  for (int bits : {8, 12, 48, 64, 65, 100, 1000, 1024}) {
    std::vector<uint64_t> all_plus = pack(std::vector<float>(bits, 1.0f), 1, bits);
    for (int64_t w = 0; w < words_per_code(bits); ++w)
      EXPECT_EQ(used_bits_mask(bits, w), all_plus[w]) << bits << " bits, word " << w;
  }
}

TEST(BitPacking, SetPaddingBitsAreRefusedNamingTheCode) {
  // 12-bit codes: 0x0100 sets byte 1's mask 0x01, bit 15, past the code's 12 bits.
  std::vector<uint64_t> words = {0x80B1, 0x0100};
  EXPECT_NO_THROW(check_code_padding({words.data(), 1, 12}, "codes"));
  try {
    check_code_padding({words.data(), 2, 12}, "test codes");
    FAIL() << "a set padding bit was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("test codes: code 1 has bits set past its 12 bits"),
              std::string::npos)
        << error.what();
  }
}

TEST(BitPacking, UnsupportedLengthsAreRefusedWithTheRange) {
  std::vector<float> signs(7, 1.0f);
  std::vector<uint64_t> words(1);
  try {
    pack_signs(signs.data(), 1, 7, words.data());
    FAIL() << "7 bits accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("7 bits is outside the supported range 8..1024"),
              std::string::npos)
        << error.what();
  }
  EXPECT_THROW(check_code_bits(1025, "codes"), Error);
  EXPECT_NO_THROW(check_code_bits(1024, "codes"));
}

}  // namespace
}  // namespace hg::hashing
