// Hamming search: for each query code, the database codes nearest in Hamming distance
// d(q, x) = popcount(q XOR x).
//
// One interface, two engines with identical results (FAISS style):
//   CPU   exhaustive popcount scan (hashing/cpu/popcount_scan.h), OpenMP over queries, top-k by
//         counting selection: distances are integers in [0, bits], so a histogram of candidate
//         distances gives the k-th smallest distance in one pass;
//   CUDA  cuda/hamming_search.cu: the database on the device (streamed in parts when it is
//         larger than the GPU's memory), tiles in shared memory, top-k fused into the kernels.
// Results are sorted by (distance, database position): ties go to the lower position, the
// order DESIGN §5 defines the metrics on.
//
// Also here: radius search (every code within distance r) and the AM-VGGH re-rank (Hamming
// top-k, then those k re-ordered by the Euclidean distance of float features).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "hashing/bit_packing.h"
#include "tensor/tensor.h"

namespace hg::hashing {

// Top-k neighbours of n_query queries. Row q holds entries [q·k, (q+1)·k).
struct SearchResult {
  int64_t n_query = 0;
  int64_t k = 0;
  std::vector<int64_t> ids;        // database positions (rows of the database codes)
  std::vector<int32_t> distances;  // Hamming distances
  // Filled by rerank_by_features: the Euclidean feature distance of each entry.
  std::vector<float> feature_distances;
};

// Every database code within a Hamming radius; query q's entries are
// [offsets[q], offsets[q + 1]), sorted by (distance, position).
struct RadiusResult {
  int64_t n_query = 0;
  std::vector<int64_t> offsets;  // n_query + 1
  std::vector<int64_t> ids;
  std::vector<int32_t> distances;
};

// Throws unless queries and database hold codes of the same supported length.
void check_search_inputs(const PackedCodes& queries, const PackedCodes& database);

// The CPU engine. k is clamped to the database size. The second form fills `result` and reuses
// its memory: a caller that searches batch after batch, as the full rankings of mAP@all do, then
// pays for fresh pages once instead of once per batch.
SearchResult hamming_topk_cpu(const PackedCodes& queries, const PackedCodes& database, int64_t k);
void hamming_topk_cpu(const PackedCodes& queries, const PackedCodes& database, int64_t k,
                      SearchResult& result);
RadiusResult hamming_radius_cpu(const PackedCodes& queries, const PackedCodes& database,
                                int radius);

// A database ready for repeated searches on one device. On the GPU the codes are uploaded once;
// a database over `device_budget_bytes` (0: half the free device memory) is kept on the host
// and streamed through the GPU in parts of that size, the parts' results merged. On the CPU a
// nonzero budget streams the database in parts the same way: a memory-mapped code file larger
// than memory (mapped_code_file.h) is then paged in once per call rather than once per query.
// The database memory must outlive the index.
class HammingIndex {
 public:
  HammingIndex(const PackedCodes& database, Device device, size_t device_budget_bytes = 0);

  SearchResult search(const PackedCodes& queries, int64_t k) const;
  // The same into `result`, reusing its memory (see hamming_topk_cpu).
  void search(const PackedCodes& queries, int64_t k, SearchResult& result) const;
  RadiusResult search_radius(const PackedCodes& queries, int radius) const;

  const PackedCodes& database() const { return database_; }
  Device device() const { return device_; }
  // Codes per GPU part: the database size when it is resident.
  int64_t part_codes() const { return part_codes_; }

 private:
  void search_cpu_in_parts(const PackedCodes& queries, int64_t k, SearchResult& result) const;
  // Calls body(start, count, codes on the GPU) for each part of the database, in order.
  void for_each_part(
      const std::function<void(int64_t start, int64_t count, const Tensor& part)>& body) const;

  PackedCodes database_;
  Device device_;
  int64_t part_codes_ = 0;
  Tensor resident_;  // the whole database on the GPU, when it fits in one part
};

// AM-VGGH retrieval: re-orders each row of `candidates` by the Euclidean distance between the
// query's features and the candidate's (ties by database position). Features are row-major
// float: query_features n_query × dim, database_features n_database × dim. The Hamming
// distances travel with their ids; feature_distances receives the Euclidean distances.
SearchResult rerank_by_features(const SearchResult& candidates, const float* query_features,
                                const float* database_features, int64_t n_database, int64_t dim);

}  // namespace hg::hashing
