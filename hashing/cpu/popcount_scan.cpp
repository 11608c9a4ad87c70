// The three builds of the Hamming scan (see popcount_scan.h) and the run-time choice.
//
// Each build is a template on the word count W (1..16), so the word loop unrolls and the
// query words stay in registers. The AVX-512 build handles 8 codes per step:
//   d = Σ_w VPOPCNTQ(load(word w of codes 8b..8b+7) XOR broadcast(query[w]))
// and, because hits are rare once the limit is tight, tests four blocks at once through
// min(d0, d1, d2, d3) ≤ limit (one compare instead of four on the busy port) before looking
// at each block. Hits leave through a compress-store of their keys.
#include "hashing/cpu/popcount_scan.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include "core/error.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hg::hashing::cpu {

void block_codes(const uint64_t* codes, int64_t count, int64_t words, uint64_t* blocked) {
  std::memset(blocked, 0, static_cast<size_t>(blocked_words(count, words)) * sizeof(uint64_t));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t block = i / kBlockCodes, lane = i % kBlockCodes;
    for (int64_t w = 0; w < words; ++w)
      blocked[(block * words + w) * kBlockCodes + lane] = codes[i * words + w];
  }
}

namespace {

// The scalar loop, inlined into the portable and the POPCNT build: inside a function compiled
// with target("popcnt"), __builtin_popcountll becomes the POPCNT instruction.
template <int kWords>
__attribute__((always_inline)) inline int64_t scan_scalar(const uint64_t* blocked, int64_t count,
                                                          const uint64_t* query, int limit,
                                                          int64_t base, uint64_t* out) {
  if (limit < 0) return 0;
  uint64_t q[kWords];
  for (int w = 0; w < kWords; ++w) q[w] = query[w];
  int64_t appended = 0;
  for (int64_t i = 0; i < count; ++i) {
    const uint64_t* code = blocked + (i / kBlockCodes) * kWords * kBlockCodes + i % kBlockCodes;
    int distance = 0;
    for (int w = 0; w < kWords; ++w) distance += __builtin_popcountll(code[w * kBlockCodes] ^ q[w]);
    // Branch-free append: the slot is always written, and kept only for a hit.
    out[appended] = candidate_key(distance, base + i);
    appended += distance <= limit;
  }
  return appended;
}

template <int kWords>
int64_t scan_portable(const uint64_t* blocked, int64_t count, const uint64_t* query, int limit,
                      int64_t base, uint64_t* out) {
  return scan_scalar<kWords>(blocked, count, query, limit, base, out);
}

#if defined(__x86_64__)

template <int kWords>
__attribute__((target("popcnt"))) int64_t scan_popcnt(const uint64_t* blocked, int64_t count,
                                                      const uint64_t* query, int limit,
                                                      int64_t base, uint64_t* out) {
  return scan_scalar<kWords>(blocked, count, query, limit, base, out);
}

#define HG_AVX512_POPCOUNT __attribute__((target("avx512f,avx512vpopcntdq")))

// Distances of the 8 codes of block b (lanes past `valid` read as zero words).
template <int kWords>
HG_AVX512_POPCOUNT __attribute__((always_inline)) inline __m512i block_distances(
    const uint64_t* blocked, int64_t block, const __m512i* q, __mmask8 valid) {
  __m512i distance = _mm512_setzero_si512();
  for (int w = 0; w < kWords; ++w) {
    __m512i words = _mm512_maskz_loadu_epi64(valid, blocked + (block * kWords + w) * kBlockCodes);
    distance = _mm512_add_epi64(distance, _mm512_popcnt_epi64(_mm512_xor_si512(words, q[w])));
  }
  return distance;
}

// Compress-stores the keys of the lanes in `hits`; returns how many.
HG_AVX512_POPCOUNT __attribute__((always_inline)) inline int64_t append_hits(__m512i distance,
                                                                             __mmask8 hits,
                                                                             int64_t first_position,
                                                                             uint64_t* out) {
  const __m512i lanes = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  __m512i positions = _mm512_add_epi64(_mm512_set1_epi64(first_position), lanes);
  __m512i keys =
      _mm512_or_si512(_mm512_maskz_slli_epi64(0xFF, distance, kKeyPositionBits), positions);
  _mm512_mask_compressstoreu_epi64(out, hits, keys);
  return __builtin_popcount(hits);
}

template <int kWords>
HG_AVX512_POPCOUNT int64_t scan_avx512(const uint64_t* blocked, int64_t count,
                                       const uint64_t* query, int limit, int64_t base,
                                       uint64_t* out) {
  if (limit < 0) return 0;
  __m512i q[kWords];
  for (int w = 0; w < kWords; ++w) q[w] = _mm512_set1_epi64(static_cast<long long>(query[w]));
  const __m512i limit_vector = _mm512_set1_epi64(limit);
  const __mmask8 all = 0xFF;
  const int64_t full_blocks = count / kBlockCodes;
  int64_t appended = 0;
  int64_t b = 0;
  for (; b + 4 <= full_blocks; b += 4) {
    __m512i d[4];
    for (int j = 0; j < 4; ++j) d[j] = block_distances<kWords>(blocked, b + j, q, all);
    __m512i nearest = _mm512_maskz_min_epu64(all, _mm512_maskz_min_epu64(all, d[0], d[1]),
                                             _mm512_maskz_min_epu64(all, d[2], d[3]));
    if (_mm512_cmple_epi64_mask(nearest, limit_vector) == 0) continue;
    for (int j = 0; j < 4; ++j) {
      __mmask8 hits = _mm512_cmple_epi64_mask(d[j], limit_vector);
      if (hits != 0)
        appended += append_hits(d[j], hits, base + (b + j) * kBlockCodes, out + appended);
    }
  }
  for (; b * kBlockCodes < count; ++b) {
    const int64_t left = count - b * kBlockCodes;
    const __mmask8 valid = left >= kBlockCodes ? all : static_cast<__mmask8>((1u << left) - 1);
    __m512i d = block_distances<kWords>(blocked, b, q, valid);
    __mmask8 hits = _mm512_mask_cmple_epi64_mask(valid, d, limit_vector);
    if (hits != 0) appended += append_hits(d, hits, base + b * kBlockCodes, out + appended);
  }
  return appended;
}

#endif  // __x86_64__

template <int kWords>
ScanFunction pick(ScanBuild build) {
#if defined(__x86_64__)
  if (build == ScanBuild::avx512) return &scan_avx512<kWords>;
  if (build == ScanBuild::popcnt) return &scan_popcnt<kWords>;
#endif
  (void)build;
  return &scan_portable<kWords>;
}

template <size_t... kIndex>
ScanFunction pick_for_words(int64_t words, ScanBuild build, std::index_sequence<kIndex...>) {
  ScanFunction table[] = {pick<static_cast<int>(kIndex) + 1>(build)...};
  return table[words - 1];
}

ScanBuild detect_best_build() {
  if (const char* forced = std::getenv("HASHGRAD_CPU_SCAN")) {
    for (ScanBuild build : {ScanBuild::avx512, ScanBuild::popcnt, ScanBuild::portable})
      if (std::strcmp(forced, scan_build_name(build)) == 0) {
        HG_CHECK(scan_build_supported(build), "HASHGRAD_CPU_SCAN=", forced,
                 ": this CPU does not support that build");
        return build;
      }
    throw Error(
        detail::concat("HASHGRAD_CPU_SCAN=", forced, " is not one of avx512, popcnt, portable"));
  }
  if (scan_build_supported(ScanBuild::avx512)) return ScanBuild::avx512;
  if (scan_build_supported(ScanBuild::popcnt)) return ScanBuild::popcnt;
  return ScanBuild::portable;
}

}  // namespace

const char* scan_build_name(ScanBuild build) {
  switch (build) {
    case ScanBuild::avx512:
      return "avx512";
    case ScanBuild::popcnt:
      return "popcnt";
    case ScanBuild::portable:
      return "portable";
  }
  return "portable";
}

bool scan_build_supported(ScanBuild build) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (build == ScanBuild::avx512)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
  if (build == ScanBuild::popcnt) return __builtin_cpu_supports("popcnt");
#endif
  return build == ScanBuild::portable;
}

ScanBuild best_scan_build() {
  static const ScanBuild build = detect_best_build();
  return build;
}

ScanFunction scan_function(int64_t words, ScanBuild build) {
  HG_CHECK(words >= 1 && words <= 16, "Hamming scan: codes of ", words,
           " words are outside 1..16 (8 to 1024 bits)");
  HG_CHECK(scan_build_supported(build), "Hamming scan: this CPU cannot run the ",
           scan_build_name(build), " build");
  return pick_for_words(words, build, std::make_index_sequence<16>{});
}

}  // namespace hg::hashing::cpu
