// CudaHammingIndex (cuda_hamming_index.h): uploads, parts, and the merge of part results on
// the host around cuda::hamming_topk and cuda::hamming_radius.
#include "hashing/cuda_hamming_index.h"

#include <algorithm>
#include <climits>

#include "cuda/hamming_search.h"
#include "cuda/runtime.h"
#include "cuda/stream.h"
#include "hashing/merge_row.h"

namespace hg::hashing {

namespace {

constexpr int64_t kResultBytesPerBatch = int64_t{256} << 20;

// A streamed part's size without a budget from the caller. Each part passes through two
// page-locked host buffers of its size (streamed_parts.h), so parts of half the free device
// memory would pin as much host memory as the GPU has free.
constexpr int64_t kDefaultStreamedPartBytes = int64_t{1} << 30;

Tensor upload(const uint64_t* words, int64_t count, int64_t words_per_code) {
  Tensor device =
      Tensor::empty({std::max<int64_t>(count, 1), words_per_code}, DType::u64, Device::cuda);
  copy_bytes(device.raw_data(), Device::cuda, words, Device::cpu,
             static_cast<size_t>(count * words_per_code) * sizeof(uint64_t));
  return device;
}

// queries: n_query codes in device memory.
cuda::HammingProblem problem_for(const uint64_t* queries, int64_t n_query, const Tensor& part,
                                 int64_t part_count, int bits) {
  cuda::HammingProblem problem;
  problem.queries = queries;
  problem.n_query = n_query;
  problem.database = part.data<uint64_t>();
  problem.n_database = part_count;
  problem.words = static_cast<int>(words_per_code(bits));
  problem.bits = bits;
  return problem;
}

}  // namespace

CudaHammingIndex::CudaHammingIndex(const PackedCodes& database, size_t device_budget_bytes, int gpu)
    : HammingIndex(database) {
  HG_CHECK(cuda::available(), "HammingIndex: no CUDA device is available (search on the CPU)");
  gpu_ = gpu == kCurrentGpu ? cuda::current_device() : gpu;
  const cuda::DeviceScope scope(gpu_);
  const size_t budget =
      device_budget_bytes > 0 ? device_budget_bytes : cuda::hamming_database_budget();
  const int64_t code_bytes = database.words_per_code() * 8;
  part_codes_ = std::clamp<int64_t>(static_cast<int64_t>(budget) / code_bytes, 1, INT_MAX);
  if (part_codes_ >= database.count) {
    part_codes_ = std::max<int64_t>(database.count, 1);
    resident_ = upload(database.words, database.count, database.words_per_code());
    return;
  }
  if (device_budget_bytes == 0)
    part_codes_ = std::clamp<int64_t>(kDefaultStreamedPartBytes / code_bytes, 1, part_codes_);
  streamed_ = std::make_unique<StreamedParts>(database, part_codes_, Device::cuda);
}

CudaHammingIndex::~CudaHammingIndex() {
  try {
    const cuda::DeviceScope scope(gpu_);
    streamed_.reset();
    resident_ = Tensor();
  } catch (const Error&) {
    // The device could not be made current: the members are given back from the current one
    // (the allocator frees a block on its own device either way).
  }
}

void CudaHammingIndex::for_each_part(const StreamedParts::Body& body) const {
  if (streamed_) {
    streamed_->for_each(body);
    return;
  }
  if (database().count > 0) body(0, database().count, resident_);
}

void CudaHammingIndex::search_rows(const PackedCodes& queries, SearchResult& result) const {
  const cuda::DeviceScope scope(gpu_);
  const int bits = database().bits;
  const int64_t words = database().words_per_code();
  const int64_t batch =
      std::clamp<int64_t>(kResultBytesPerBatch / (result.k * 12), 1, result.n_query);
  std::vector<int64_t> lengths(static_cast<size_t>(result.n_query), 0);
  std::vector<int64_t> merged_ids;
  std::vector<int32_t> merged_distances;
  // Uploaded once for every part and batch: the queries are small beside a part.
  const Tensor device_queries = upload(queries.words, queries.count, words);
  for_each_part([&](int64_t part_start, int64_t part_count, const Tensor& part) {
    const int64_t part_k = std::min(result.k, part_count);
    for (int64_t first = 0; first < result.n_query; first += batch) {
      const int64_t count = std::min(batch, result.n_query - first);
      const uint64_t* batch_queries = device_queries.data<uint64_t>() + first * words;
      Tensor ids = Tensor::empty({count, part_k}, DType::i64, Device::cuda);
      Tensor distances = Tensor::empty({count, part_k}, DType::i32, Device::cuda);
      cuda::hamming_topk(problem_for(batch_queries, count, part, part_count, bits), part_k,
                         ids.data<int64_t>(), distances.data<int32_t>(), cuda::current_stream());
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

RadiusResult CudaHammingIndex::search_within(const PackedCodes& queries, int radius) const {
  const cuda::DeviceScope scope(gpu_);
  const int bits = database().bits;
  const int64_t words = database().words_per_code();
  Tensor device_queries = upload(queries.words, queries.count, words);
  // Every part's rows, merged once the walk is done.
  std::vector<RadiusResult> parts;
  std::vector<int64_t> starts;
  for_each_part([&](int64_t part_start, int64_t part_count, const Tensor& part) {
    RadiusResult& rows = parts.emplace_back();
    rows.n_query = queries.count;
    cuda::hamming_radius(
        problem_for(device_queries.data<uint64_t>(), queries.count, part, part_count, bits), radius,
        rows.offsets, rows.ids, rows.distances, cuda::current_stream());
    starts.push_back(part_start);
  });
  return merge_radius_parts(parts, starts, queries.count);
}

}  // namespace hg::hashing
