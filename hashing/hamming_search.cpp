// HammingIndex (which engine, where the database lives, streaming GPU parts and merging their
// results) and the feature re-rank. The engines: hamming_search_cpu.cpp and
// cuda/hamming_search.cu.
#include "hashing/hamming_search.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <numeric>

#include "core/profiler.h"
#include "cuda/hamming_search.h"
#include "cuda/runtime.h"
#include "hashing/cpu/popcount_scan.h"

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

namespace {

// Merges a part's sorted row (positions offset by `offset`, all after the running row's) into
// the running row of `length` entries, keeping at most k. On equal distance the running row
// comes first: its positions are lower. `merged_*` are scratch rows, reused across calls.
void merge_row(int64_t* ids, int32_t* distances, int64_t& length, int64_t k,
               const int64_t* part_ids, const int32_t* part_distances, int64_t part_length,
               int64_t offset, std::vector<int64_t>& merged_ids,
               std::vector<int32_t>& merged_distances) {
  merged_ids.clear();
  merged_distances.clear();
  int64_t a = 0, b = 0;
  while (static_cast<int64_t>(merged_ids.size()) < k && (a < length || b < part_length)) {
    if (b >= part_length || (a < length && distances[a] <= part_distances[b])) {
      merged_ids.push_back(ids[a]);
      merged_distances.push_back(distances[a++]);
    } else {
      merged_ids.push_back(part_ids[b] + offset);
      merged_distances.push_back(part_distances[b++]);
    }
  }
  length = static_cast<int64_t>(merged_ids.size());
  std::copy(merged_ids.begin(), merged_ids.end(), ids);
  std::copy(merged_distances.begin(), merged_distances.end(), distances);
}

}  // namespace

namespace {

constexpr int64_t kResultBytesPerBatch = int64_t{256} << 20;

Tensor upload(const uint64_t* words, int64_t count, int64_t words_per_code) {
  Tensor device =
      Tensor::empty({std::max<int64_t>(count, 1), words_per_code}, DType::u64, Device::cuda);
  copy_bytes(device.raw_data(), Device::cuda, words, Device::cpu,
             static_cast<size_t>(count * words_per_code) * sizeof(uint64_t));
  return device;
}

cuda::HammingProblem problem_for(const Tensor& queries, int64_t n_query, const Tensor& part,
                                 int64_t part_count, int bits) {
  cuda::HammingProblem problem;
  problem.queries = queries.data<uint64_t>();
  problem.n_query = n_query;
  problem.database = part.data<uint64_t>();
  problem.n_database = part_count;
  problem.words = static_cast<int>(words_per_code(bits));
  problem.bits = bits;
  return problem;
}

}  // namespace

HammingIndex::HammingIndex(const PackedCodes& database, Device device, size_t device_budget_bytes)
    : database_(database), device_(device), part_codes_(database.count) {
  check_code_bits(database.bits, "HammingIndex database");
  if (device != Device::cuda) {
    if (device_budget_bytes > 0)
      part_codes_ = std::clamp<int64_t>(
          static_cast<int64_t>(device_budget_bytes) / (database.words_per_code() * 8), 1,
          std::max<int64_t>(database.count, 1));
    return;
  }
  HG_CHECK(cuda::available(), "HammingIndex: no CUDA device is available (search on the CPU)");
  const size_t budget =
      device_budget_bytes > 0 ? device_budget_bytes : cuda::hamming_database_budget();
  const int64_t code_bytes = database.words_per_code() * 8;
  part_codes_ = std::clamp<int64_t>(static_cast<int64_t>(budget) / code_bytes, 1, INT_MAX);
  if (part_codes_ >= database.count) {
    part_codes_ = std::max<int64_t>(database.count, 1);
    resident_ = upload(database.words, database.count, database.words_per_code());
  }
}

void HammingIndex::for_each_part(
    const std::function<void(int64_t start, int64_t count, const Tensor& part)>& body) const {
  for (int64_t start = 0; start < database_.count; start += part_codes_) {
    const int64_t count = std::min(part_codes_, database_.count - start);
    body(start, count,
         resident_.defined() ? resident_
                             : upload(database_.code(start), count, database_.words_per_code()));
  }
}

SearchResult HammingIndex::search(const PackedCodes& queries, int64_t k) const {
  SearchResult result;
  search(queries, k, result);
  return result;
}

void HammingIndex::search(const PackedCodes& queries, int64_t k, SearchResult& result) const {
  if (device_ == Device::cpu && part_codes_ >= database_.count)
    return hamming_topk_cpu(queries, database_, k, result);
  if (device_ == Device::cpu) return search_cpu_in_parts(queries, k, result);
  check_search_inputs(queries, database_);
  HG_CHECK(k >= 0, "Hamming search: k must be ≥ 0, got ", k);
  profiler::Scope scope("hamming_topk", true);
  result.n_query = queries.count;
  result.k = std::min(k, database_.count);
  // Every row is written in full below (copied or merged): resizing keeps the capacity.
  result.ids.resize(static_cast<size_t>(result.n_query * result.k));
  result.distances.resize(result.ids.size());
  result.feature_distances.clear();
  if (result.k == 0 || result.n_query == 0) return;
  const int64_t words = database_.words_per_code();
  const int64_t batch =
      std::clamp<int64_t>(kResultBytesPerBatch / (result.k * 12), 1, result.n_query);
  std::vector<int64_t> lengths(static_cast<size_t>(result.n_query), 0);
  std::vector<int64_t> merged_ids;
  std::vector<int32_t> merged_distances;
  for_each_part([&](int64_t part_start, int64_t part_count, const Tensor& part) {
    const int64_t part_k = std::min(result.k, part_count);
    for (int64_t first = 0; first < result.n_query; first += batch) {
      const int64_t count = std::min(batch, result.n_query - first);
      Tensor device_queries = upload(queries.code(first), count, words);
      Tensor ids = Tensor::empty({count, part_k}, DType::i64, Device::cuda);
      Tensor distances = Tensor::empty({count, part_k}, DType::i32, Device::cuda);
      cuda::hamming_topk(problem_for(device_queries, count, part, part_count, database_.bits),
                         part_k, ids.data<int64_t>(), distances.data<int32_t>(),
                         cuda::current_stream());
      if (part_start == 0 && part_k == result.k) {
        // The first part fills whole rows (always so when the database is resident in one part):
        // they go straight into the result. Merging them into empty rows on one thread made the
        // full rankings of mAP@all slower on an H100 than on the CPU.
        copy_bytes(&result.ids[first * result.k], Device::cpu, ids.raw_data(), Device::cuda,
                   static_cast<size_t>(count * part_k) * sizeof(int64_t));
        copy_bytes(&result.distances[first * result.k], Device::cpu, distances.raw_data(),
                   Device::cuda, static_cast<size_t>(count * part_k) * sizeof(int32_t));
        std::fill(lengths.begin() + first, lengths.begin() + first + count, part_k);
        continue;
      }
      std::vector<int64_t> part_ids = ids.to_vector<int64_t>();
      std::vector<int32_t> part_distances = distances.to_vector<int32_t>();
      for (int64_t q = 0; q < count; ++q) {
        const int64_t row = first + q;
        merge_row(&result.ids[row * result.k], &result.distances[row * result.k], lengths[row],
                  result.k, &part_ids[q * part_k], &part_distances[q * part_k], part_k, part_start,
                  merged_ids, merged_distances);
      }
    }
  });
}

void HammingIndex::search_cpu_in_parts(const PackedCodes& queries, int64_t k,
                                       SearchResult& result) const {
  check_search_inputs(queries, database_);
  HG_CHECK(k >= 0, "Hamming search: k must be ≥ 0, got ", k);
  result.n_query = queries.count;
  result.k = std::min(k, database_.count);
  result.ids.resize(static_cast<size_t>(result.n_query * result.k));
  result.distances.resize(result.ids.size());
  result.feature_distances.clear();
  std::vector<int64_t> lengths(static_cast<size_t>(result.n_query), 0);
  SearchResult part;
  for (int64_t start = 0; start < database_.count; start += part_codes_) {
    const int64_t count = std::min(part_codes_, database_.count - start);
    hamming_topk_cpu(queries, {database_.code(start), count, database_.bits}, result.k, part);
#pragma omp parallel
    {
      std::vector<int64_t> merged_ids;
      std::vector<int32_t> merged_distances;
#pragma omp for
      for (int64_t q = 0; q < result.n_query; ++q)
        merge_row(&result.ids[q * result.k], &result.distances[q * result.k], lengths[q], result.k,
                  &part.ids[q * part.k], &part.distances[q * part.k], part.k, start, merged_ids,
                  merged_distances);
    }
  }
}

RadiusResult HammingIndex::search_radius(const PackedCodes& queries, int radius) const {
  if (device_ == Device::cpu) return hamming_radius_cpu(queries, database_, radius);
  RadiusResult result;
  check_search_inputs(queries, database_);
  HG_CHECK(radius >= 0, "Hamming radius search: radius must be ≥ 0, got ", radius);
  profiler::Scope scope("hamming_radius", true);
  const int64_t words = database_.words_per_code();
  Tensor device_queries = upload(queries.words, queries.count, words);
  // Per query, the (distance, position) entries of every part, parts in position order.
  std::vector<std::vector<std::pair<int32_t, int64_t>>> rows(static_cast<size_t>(queries.count));
  for_each_part([&](int64_t part_start, int64_t part_count, const Tensor& part) {
    std::vector<int64_t> offsets, ids;
    std::vector<int32_t> distances;
    cuda::hamming_radius(
        problem_for(device_queries, queries.count, part, part_count, database_.bits), radius,
        offsets, ids, distances, cuda::current_stream());
    for (int64_t q = 0; q < queries.count; ++q)
      for (int64_t j = offsets[q]; j < offsets[q + 1]; ++j)
        rows[q].emplace_back(distances[j], ids[j] + part_start);
  });
  result.n_query = queries.count;
  result.offsets.assign(1, 0);
  for (auto& row : rows) {
    // Each part's entries are sorted; a stable sort by distance keeps positions ascending.
    std::stable_sort(row.begin(), row.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [distance, id] : row) {
      result.ids.push_back(id);
      result.distances.push_back(distance);
    }
    result.offsets.push_back(static_cast<int64_t>(result.ids.size()));
  }
  return result;
}

SearchResult rerank_by_features(const SearchResult& candidates, const float* query_features,
                                const float* database_features, int64_t n_database, int64_t dim) {
  HG_CHECK(dim > 0, "rerank_by_features: feature dimension must be positive, got ", dim);
  for (int64_t id : candidates.ids)
    HG_CHECK(id >= 0 && id < n_database, "rerank_by_features: candidate ", id,
             " has no feature row (the features cover ", n_database, " database items)");
  profiler::Scope scope("rerank_by_features", false);
  SearchResult result = candidates;
  result.feature_distances.assign(result.ids.size(), 0.0f);
  const int64_t k = candidates.k;
#pragma omp parallel for schedule(dynamic)
  for (int64_t q = 0; q < candidates.n_query; ++q) {
    const float* query = query_features + q * dim;
    std::vector<std::pair<double, int64_t>> order(static_cast<size_t>(k));  // (distance², slot)
    for (int64_t j = 0; j < k; ++j) {
      const float* item = database_features + candidates.ids[q * k + j] * dim;
      double squared = 0;
      for (int64_t c = 0; c < dim; ++c) {
        double difference = static_cast<double>(query[c]) - item[c];
        squared += difference * difference;
      }
      order[j] = {squared, j};
    }
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return candidates.ids[q * k + a.second] < candidates.ids[q * k + b.second];
    });
    for (int64_t j = 0; j < k; ++j) {
      const int64_t from = q * k + order[j].second;
      result.ids[q * k + j] = candidates.ids[from];
      result.distances[q * k + j] = candidates.distances[from];
      result.feature_distances[q * k + j] = static_cast<float>(std::sqrt(order[j].first));
    }
  }
  return result;
}

}  // namespace hg::hashing
