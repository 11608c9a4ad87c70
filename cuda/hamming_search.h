// CUDA Hamming search over packed binary codes (stubs that throw in a CPU-only build:
// cuda/without_cuda/). The CPU engine with the same results is hashing/hamming_search_cpu.cpp;
// hashing/hamming_search.cpp calls these launchers.
//
// Codes are row-major n × words arrays of u64 in device memory (hashing/bit_packing.h layout),
// 1 ≤ words ≤ 16 (8 to 1024 bits), the bits of the last word past `bits` zero (HammingIndex
// checks it; a distance above `bits` would fall outside the kernels' histograms). Results are
// sorted by (distance, database position) with positions relative to `database`. As for every
// launcher with scratch memory (cuda/scratch_buffer.h), `stream` is hashgrad's own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cuda/stream.h"

namespace hg::cuda {

struct HammingProblem {
  const uint64_t* queries = nullptr;  // device, n_query × words
  int64_t n_query = 0;
  const uint64_t* database = nullptr;  // device, n_database × words
  int64_t n_database = 0;              // at most 2^31 − 1 (stream larger databases in parts)
  int words = 1;
  int bits = 8;  // distances lie in [0, bits]
  // Top-k: every how many codes the limit-estimating sample takes one (0: chosen from the sizes;
  // tests force one to exercise the retry when the sample misleads).
  int64_t sample_stride = 0;
};

// Top-k: ids[q·k + j], distances[q·k + j] in device memory, 1 ≤ k ≤ n_database.
void hamming_topk(const HammingProblem& problem, int64_t k, int64_t* ids, int32_t* distances,
                  Stream stream);

// Radius: every database code within `radius`, returned on the host; query q's entries are
// [row_offsets[q], row_offsets[q + 1]). Synchronises the stream.
void hamming_radius(const HammingProblem& problem, int radius, std::vector<int64_t>& row_offsets,
                    std::vector<int64_t>& ids, std::vector<int32_t>& distances, Stream stream);

// Bytes of device memory a resident database may take: half of what is free now.
size_t hamming_database_budget();

}  // namespace hg::cuda
