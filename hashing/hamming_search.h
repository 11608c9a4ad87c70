// Hamming search: for each query code, the database codes nearest in Hamming distance
// d(q, x) = popcount(q XOR x).
//
// One interface, HammingIndex, with implementations that give identical results (FAISS's
// IndexBinaryFlat, GpuIndexBinaryFlat and IndexShards):
//   CpuHammingIndex   exhaustive popcount scan (hashing/cpu/popcount_scan.h), OpenMP over
//                     queries, top-k by counting selection: distances are integers in [0, bits],
//                     so a histogram of candidate distances gives the k-th smallest in one pass;
//   CudaHammingIndex  cuda/hamming_search.cu: the database on the device (streamed in parts when
//                     it is larger than the GPU's memory), tiles in shared memory, top-k fused
//                     into the kernels;
//   PartitionedIndex  hashing/partitioned_index.h: the database split into consecutive parts,
//                     one index per part (one per GPU), the parts' rows merged.
// Results are sorted by (distance, database position): ties go to the lower position, the
// order DESIGN §5 defines the metrics on. The re-rank by features is hashing/rerank.h.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hashing/bit_packing.h"
#include "tensor/device.h"

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

// A database ready for repeated searches. The database memory must outlive the index.
class HammingIndex {
 public:
  virtual ~HammingIndex() = default;

  // Top-k of every query; k is clamped to the database size.
  SearchResult search(const PackedCodes& queries, int64_t k) const;
  // The same into `result`, reusing its memory: a caller that searches batch after batch, as the
  // full rankings of mAP@all do, then pays for fresh pages once instead of once per batch.
  void search(const PackedCodes& queries, int64_t k, SearchResult& result) const;
  RadiusResult search_radius(const PackedCodes& queries, int radius) const;

  const PackedCodes& database() const { return database_; }
  virtual Device device() const = 0;

 protected:
  explicit HammingIndex(const PackedCodes& database);

  // What each implementation does, once search() has checked the inputs and sized `result`
  // (n_query ≥ 1 rows of k ≥ 1): fill every row.
  virtual void search_rows(const PackedCodes& queries, SearchResult& result) const = 0;
  // Likewise for radius search, radius ≥ 0, inputs checked.
  virtual RadiusResult search_within(const PackedCodes& queries, int radius) const = 0;

 private:
  PackedCodes database_;
};

// The index on `device`. `part_budget_bytes` streams the database in parts of that size, their
// results merged: on the GPU a database over the budget (0: half the free device memory, and
// parts of 1 GiB) stays on the host and goes through the device part by part; on the CPU a nonzero
// budget makes a memory-mapped code file larger than memory (mapped_code_file.h) page in once per
// call rather than once per query.
// `gpus` (CUDA only): the ordinals of the GPUs to search on (search_gpus, cuda/device_choice.h).
// Empty: the calling thread's GPU. Several: the database is split into one part per entry, each
// on its GPU with the budget above, searched concurrently and merged exactly
// (partitioned_index.h); an ordinal may repeat (two parts on one GPU).
std::unique_ptr<HammingIndex> make_hamming_index(const PackedCodes& database, Device device,
                                                 size_t part_budget_bytes = 0,
                                                 const std::vector<int>& gpus = {});

}  // namespace hg::hashing
