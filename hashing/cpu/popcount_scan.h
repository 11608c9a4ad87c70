// The inner loop of CPU Hamming search: one query against a tile of database codes, keeping
// the codes within a distance limit.
//
//   for i in [0, count):  d_i = Σ_w popcount(query[w] XOR code_i[w]);
//                         if d_i ≤ limit: append key(d_i, base + i)
//
// Three builds of the same loop, picked once at run time from what the CPU reports
// (__builtin_cpu_supports), never from the build machine (no -march=native):
//   avx512     AVX-512F + VPOPCNTDQ: 8 codes per instruction, compress-store of the rare hits;
//   popcnt     one hardware POPCNT per word;
//   portable   __builtin_popcountll compiled for any x86-64 (or another architecture).
//
// Candidates are u64 keys (distance << 48) | position: ordering keys orders by distance, then
// by database position, which is exactly the tie rule of DESIGN §5.
#pragma once

#include <cstdint>

namespace hg::hashing::cpu {

constexpr int kKeyPositionBits = 48;
constexpr int64_t kMaxPositions = int64_t{1} << kKeyPositionBits;

inline uint64_t candidate_key(int distance, int64_t position) {
  return (static_cast<uint64_t>(distance) << kKeyPositionBits) | static_cast<uint64_t>(position);
}
inline int key_distance(uint64_t key) { return static_cast<int>(key >> kKeyPositionBits); }
inline int64_t key_position(uint64_t key) {
  return static_cast<int64_t>(key & (static_cast<uint64_t>(kMaxPositions) - 1));
}

// Codes a scan sees are in the blocked layout: blocks of 8 codes, word-major inside a block,
//   blocked[(b·W + w)·8 + lane] = word w of code 8b + lane,
// so that one 512-bit load brings word w of 8 consecutive codes. For W = 1 that is the plain
// row-major layout, so a one-word database is scanned in place. The last block is padded
// with zero words.
constexpr int kBlockCodes = 8;
void block_codes(const uint64_t* codes, int64_t count, int64_t words, uint64_t* blocked);
inline int64_t blocked_words(int64_t count, int64_t words) {
  return (count + kBlockCodes - 1) / kBlockCodes * kBlockCodes * words;
}

// Appends to `out` the keys of the codes of `blocked` (count codes of `words` words, positions
// base, base + 1, ...) within `limit` of `query`, in position order; returns how many. `out`
// must have room for `count` keys. A negative limit appends nothing.
using ScanFunction = int64_t (*)(const uint64_t* blocked, int64_t count, const uint64_t* query,
                                 int limit, int64_t base, uint64_t* out);

enum class ScanBuild { avx512, popcnt, portable };
const char* scan_build_name(ScanBuild build);
bool scan_build_supported(ScanBuild build);  // does this CPU run it?

// The build search uses: the fastest one this CPU supports, unless the environment variable
// HASHGRAD_CPU_SCAN names another (avx512, popcnt or portable; for benchmarks and debugging).
ScanBuild best_scan_build();

// The scan for codes of `words` words (1..16) in `build` (which the CPU must support).
ScanFunction scan_function(int64_t words, ScanBuild build = best_scan_build());

}  // namespace hg::hashing::cpu
