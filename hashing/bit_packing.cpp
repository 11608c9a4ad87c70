// Packing sign codes into words and converting to and from numpy.packbits rows (see
// bit_packing.h for the layout).
#include "hashing/bit_packing.h"

#include <cstring>

namespace hg::hashing {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the packed-code layout stores code bytes in little-endian u64 words");

void check_code_bits(int64_t bits, const char* what) {
  HG_CHECK(bits >= kMinCodeBits && bits <= kMaxCodeBits, what, ": code length ", bits,
           " bits is outside the supported range ", kMinCodeBits, "..", kMaxCodeBits);
}

namespace {

// Byte j/8 of a code, viewed through its words.
inline uint8_t* code_bytes(uint64_t* code) { return reinterpret_cast<uint8_t*>(code); }
inline const uint8_t* code_bytes(const uint64_t* code) {
  return reinterpret_cast<const uint8_t*>(code);
}
inline uint8_t bit_mask(int j) { return static_cast<uint8_t>(0x80u >> (j % 8)); }

}  // namespace

uint64_t used_bits_mask(int bits, int64_t word) {
  const int64_t first_bit = word * 64;
  if (first_bit + 64 <= bits) return ~uint64_t{0};
  uint64_t mask = 0;
  for (int64_t j = first_bit; j < bits; ++j)
    code_bytes(&mask)[(j - first_bit) / 8] |= bit_mask(static_cast<int>(j));
  return mask;
}

void check_code_padding(const PackedCodes& codes, const char* what) {
  const int64_t last = codes.words_per_code() - 1;
  const uint64_t padding = ~used_bits_mask(codes.bits, last);
  if (padding == 0) return;
  for (int64_t i = 0; i < codes.count; ++i)
    HG_CHECK((codes.code(i)[last] & padding) == 0, what, ": code ", i, " has bits set past its ",
             codes.bits, " bits (the unused trailing bits of a packed code must be 0)");
}

template <typename T>
void pack_signs(const T* values, int64_t count, int bits, uint64_t* words) {
  check_code_bits(bits, "pack_signs");
  const int64_t stride = words_per_code(bits);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) {
    uint64_t* code = words + i * stride;
    std::memset(code, 0, static_cast<size_t>(stride) * sizeof(uint64_t));
    const T* row = values + i * bits;
    for (int j = 0; j < bits; ++j)
      if (row[j] > T(0)) code_bytes(code)[j / 8] |= bit_mask(j);
  }
}

template void pack_signs<float>(const float*, int64_t, int, uint64_t*);
template void pack_signs<double>(const double*, int64_t, int, uint64_t*);
template void pack_signs<int32_t>(const int32_t*, int64_t, int, uint64_t*);
template void pack_signs<int64_t>(const int64_t*, int64_t, int, uint64_t*);
template void pack_signs<uint8_t>(const uint8_t*, int64_t, int, uint64_t*);
template void pack_signs<uint64_t>(const uint64_t*, int64_t, int, uint64_t*);

void unpack_signs(const uint64_t* words, int64_t count, int bits, float* values) {
  check_code_bits(bits, "unpack_signs");
  const int64_t stride = words_per_code(bits);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* bytes = code_bytes(words + i * stride);
    for (int j = 0; j < bits; ++j)
      values[i * bits + j] = (bytes[j / 8] & bit_mask(j)) != 0 ? 1.0f : -1.0f;
  }
}

Tensor pack_signs(const Tensor& codes) {
  check_defined(codes, "pack_signs");
  HG_CHECK(codes.dim() == 2, "pack_signs: expected codes [n, bits], got ", codes.description());
  int64_t bits = codes.size(1);
  check_code_bits(bits, "pack_signs");
  Tensor host = codes.to(Device::cpu).contiguous();
  Tensor packed =
      Tensor::empty({codes.size(0), words_per_code(static_cast<int>(bits))}, DType::u64);
  dispatch_numeric(host.dtype(), "pack_signs", [&](auto zero) {
    using T = decltype(zero);
    pack_signs<T>(host.data<T>(), host.size(0), static_cast<int>(bits), packed.data<uint64_t>());
  });
  return packed;
}

Tensor unpack_signs(const Tensor& packed, int bits) {
  check_defined(packed, "unpack_signs");
  check_code_bits(bits, "unpack_signs");
  HG_CHECK(
      packed.dtype() == DType::u64 && packed.dim() == 2 && packed.size(1) == words_per_code(bits),
      "unpack_signs: expected u64 [n, ", words_per_code(bits), "] for ", bits, "-bit codes, got ",
      packed.description());
  Tensor host = packed.to(Device::cpu).contiguous();
  Tensor values = Tensor::empty({packed.size(0), bits}, DType::f32);
  unpack_signs(host.data<uint64_t>(), host.size(0), bits, values.data<float>());
  return values;
}

void words_from_packbits(const uint8_t* bytes, int64_t count, int bits, int64_t row_bytes,
                         uint64_t* words) {
  check_code_bits(bits, "words_from_packbits");
  const int64_t used_bytes = bytes_per_code(bits);
  HG_CHECK(row_bytes >= used_bytes, "words_from_packbits: rows of ", row_bytes,
           " bytes cannot hold ", bits, "-bit codes (", used_bytes, " bytes needed)");
  const int64_t stride = words_per_code(bits);
  const uint64_t last_word_mask = used_bits_mask(bits, stride - 1);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) {
    uint64_t* code = words + i * stride;
    std::memset(code, 0, static_cast<size_t>(stride) * sizeof(uint64_t));
    std::memcpy(code, bytes + i * row_bytes, static_cast<size_t>(used_bytes));
    code[stride - 1] &= last_word_mask;
  }
}

void packbits_from_words(const uint64_t* words, int64_t count, int bits, uint8_t* bytes) {
  check_code_bits(bits, "packbits_from_words");
  const int64_t used_bytes = bytes_per_code(bits);
  const int64_t stride = words_per_code(bits);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i)
    std::memcpy(bytes + i * used_bytes, words + i * stride, static_cast<size_t>(used_bytes));
}

}  // namespace hg::hashing
