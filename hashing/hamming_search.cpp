// What every HammingIndex shares: the input checks, the sizing of results, the profiler scopes,
// and the choice of implementation by device.
#include "hashing/hamming_search.h"

#include <algorithm>

#include "core/profiler.h"
#include "hashing/cpu/popcount_scan.h"
#include "hashing/cpu_hamming_index.h"
#include "hashing/cuda_hamming_index.h"
#include "hashing/partitioned_index.h"

namespace hg::hashing {

void check_search_inputs(const PackedCodes& queries, const PackedCodes& database) {
  check_code_bits(database.bits, "Hamming search database");
  HG_CHECK(queries.bits == database.bits, "Hamming search: queries have ", queries.bits,
           "-bit codes but the database has ", database.bits, "-bit codes");
  HG_CHECK(database.count < cpu::kMaxPositions, "Hamming search: ", database.count,
           " database codes is more than the ", cpu::kMaxPositions, " supported");
  HG_CHECK(queries.count >= 0 && database.count >= 0, "Hamming search: negative code count");
  HG_CHECK((queries.count == 0 || queries.words != nullptr) &&
               (database.count == 0 || database.words != nullptr),
           "Hamming search: null code pointer");
  check_code_padding(queries, "Hamming search queries");
  check_code_padding(database, "Hamming search database");
}

HammingIndex::HammingIndex(const PackedCodes& database) : database_(database) {
  check_code_bits(database.bits, "HammingIndex database");
}

SearchResult HammingIndex::search(const PackedCodes& queries, int64_t k) const {
  SearchResult result;
  search(queries, k, result);
  return result;
}

void HammingIndex::search(const PackedCodes& queries, int64_t k, SearchResult& result) const {
  check_search_inputs(queries, database_);
  HG_CHECK(k >= 0, "Hamming search: k must be ≥ 0, got ", k);
  profiler::Scope scope("hamming_topk", device() == Device::cuda);
  result.n_query = queries.count;
  result.k = std::min(k, database_.count);
  // Every row is written in full by search_rows: resizing keeps the capacity.
  result.ids.resize(static_cast<size_t>(result.n_query * result.k));
  result.distances.resize(result.ids.size());
  result.feature_distances.clear();
  if (result.k == 0 || result.n_query == 0) return;
  search_rows(queries, result);
}

RadiusResult HammingIndex::search_radius(const PackedCodes& queries, int radius) const {
  check_search_inputs(queries, database_);
  HG_CHECK(radius >= 0, "Hamming radius search: radius must be ≥ 0, got ", radius);
  profiler::Scope scope("hamming_radius", device() == Device::cuda);
  return search_within(queries, radius);
}

std::unique_ptr<HammingIndex> make_hamming_index(const PackedCodes& database, Device device,
                                                 size_t part_budget_bytes,
                                                 const std::vector<int>& gpus) {
  if (device == Device::cpu) {
    HG_CHECK(gpus.empty(), "HammingIndex: ", gpus.size(), " GPUs given for a search on the CPU");
    return std::make_unique<CpuHammingIndex>(database, part_budget_bytes);
  }
  if (gpus.size() <= 1)
    return std::make_unique<CudaHammingIndex>(
        database, part_budget_bytes, gpus.empty() ? CudaHammingIndex::kCurrentGpu : gpus[0]);
  return std::make_unique<PartitionedIndex>(
      database, static_cast<int>(gpus.size()), Device::cuda,
      [&](const PackedCodes& codes, int part) {
        return std::make_unique<CudaHammingIndex>(codes, part_budget_bytes,
                                                  gpus[static_cast<size_t>(part)]);
      },
      /*concurrent=*/true);
}

}  // namespace hg::hashing
