// CUDA Hamming search equals the CPU engine (which hashing_hamming_search_test checks against
// brute force): every code-length class and word count, k from 1 to the database size, heavy
// ties, a database streamed through the GPU in parts, radius search, more queries than one
// launch batch, no queries and an empty database, and the retry when the limit-estimating
// sample misleads.
#include <gtest/gtest.h>

#include <random>

#include "hashing/hamming_search.h"
#include "tests/random_codes.h"
#include "tests/test_support.h"

#include "cuda/hamming_search.h"

namespace hg::hashing {
namespace {

// Packed random codes (tests/random_codes.h).
std::vector<uint64_t> random_words(int64_t count, int bits, uint64_t seed, double bias = 0.5) {
  return test::random_codes(count, bits, seed, bias).words;
}

::testing::AssertionResult same_result(const SearchResult& gpu, const SearchResult& cpu) {
  if (gpu.n_query != cpu.n_query || gpu.k != cpu.k)
    return ::testing::AssertionFailure() << "GPU result " << gpu.n_query << " × " << gpu.k
                                         << ", CPU " << cpu.n_query << " × " << cpu.k;
  for (size_t i = 0; i < cpu.ids.size(); ++i)
    if (gpu.ids[i] != cpu.ids[i] || gpu.distances[i] != cpu.distances[i])
      return ::testing::AssertionFailure()
             << "query " << i / cpu.k << " rank " << i % cpu.k << ": GPU (" << gpu.distances[i]
             << ", " << gpu.ids[i] << "), CPU (" << cpu.distances[i] << ", " << cpu.ids[i] << ")";
  return ::testing::AssertionSuccess() << cpu.ids.size() << " entries equal";
}

TEST(CudaHammingSearch, TopKEqualsTheCpuForEveryWordCount) {
  HG_REQUIRE_CUDA();
  for (int bits : {8, 12, 32, 64, 100, 128, 192, 256, 320, 448, 512, 640, 768, 1000, 1024}) {
    std::vector<uint64_t> database = random_words(20011, bits, bits);
    std::vector<uint64_t> queries = random_words(301, bits, 7 * bits);
    PackedCodes db{database.data(), 20011, bits}, q{queries.data(), 301, bits};
    HammingIndex index(db, Device::cuda);
    for (int64_t k : {1, 10, 100, 1000})
      EXPECT_TRUE(same_result(index.search(q, k), hamming_topk_cpu(q, db, k)))
          << bits << " bits, k " << k;
  }
}

TEST(CudaHammingSearch, HeavyTiesAndKUpToTheDatabase) {
  HG_REQUIRE_CUDA();
  std::vector<uint64_t> database = random_words(50000, 16, 1, 0.05);
  std::vector<uint64_t> queries = random_words(700, 16, 2, 0.05);
  PackedCodes db{database.data(), 50000, 16}, q{queries.data(), 700, 16};
  HammingIndex index(db, Device::cuda);
  for (int64_t k : {5, 3000, 50000, 80000})
    EXPECT_TRUE(same_result(index.search(q, k), hamming_topk_cpu(q, db, k))) << "k " << k;
}

TEST(CudaHammingSearch, StreamedDatabaseMergesItsParts) {
  HG_REQUIRE_CUDA();
  std::vector<uint64_t> database = random_words(10007, 96, 3, 0.2);
  std::vector<uint64_t> queries = random_words(50, 96, 4, 0.2);
  PackedCodes db{database.data(), 10007, 96}, q{queries.data(), 50, 96};
  // 16 bytes per code: a 16,000-byte budget makes parts of 1,000 codes (11 parts).
  HammingIndex index(db, Device::cuda, 16000);
  EXPECT_EQ(index.part_codes(), 1000);
  for (int64_t k : {1, 64, 2500})
    EXPECT_TRUE(same_result(index.search(q, k), hamming_topk_cpu(q, db, k))) << "k " << k;
  RadiusResult gpu = index.search_radius(q, 30);
  RadiusResult cpu = hamming_radius_cpu(q, db, 30);
  EXPECT_EQ(gpu.offsets, cpu.offsets);
  EXPECT_EQ(gpu.ids, cpu.ids);
  EXPECT_EQ(gpu.distances, cpu.distances);
}

// Reusing one result across searches, as evaluate_retrieval does: on a resident database (rows
// copied straight in) and a streamed one (rows merged), after larger and smaller searches.
TEST(CudaHammingSearch, SearchIntoAReusedResultEqualsAFreshOne) {
  HG_REQUIRE_CUDA();
  std::vector<uint64_t> database = random_words(10007, 96, 5, 0.2);
  std::vector<uint64_t> queries = random_words(50, 96, 6, 0.2);
  PackedCodes db{database.data(), 10007, 96}, q{queries.data(), 50, 96};
  for (size_t budget : {size_t{0}, size_t{16000}}) {
    HammingIndex index(db, Device::cuda, budget);
    SearchResult result;
    for (int64_t k : {2500, 64, 10007}) {
      index.search(q, k, result);
      EXPECT_TRUE(same_result(result, hamming_topk_cpu(q, db, k)))
          << "budget " << budget << ", k " << k;
    }
  }
}

TEST(CudaHammingSearch, RadiusEqualsTheCpu) {
  HG_REQUIRE_CUDA();
  for (int bits : {8, 64, 130, 1024}) {
    std::vector<uint64_t> database = random_words(30001, bits, 10 + bits, 0.3);
    std::vector<uint64_t> queries = random_words(123, bits, 20 + bits, 0.3);
    PackedCodes db{database.data(), 30001, bits}, q{queries.data(), 123, bits};
    HammingIndex index(db, Device::cuda);
    for (int radius : {0, 2, bits / 4, bits}) {
      RadiusResult gpu = index.search_radius(q, radius);
      RadiusResult cpu = hamming_radius_cpu(q, db, radius);
      EXPECT_EQ(gpu.offsets, cpu.offsets) << bits << " bits, radius " << radius;
      EXPECT_EQ(gpu.ids, cpu.ids) << bits << " bits, radius " << radius;
      EXPECT_EQ(gpu.distances, cpu.distances) << bits << " bits, radius " << radius;
    }
  }
}

TEST(CudaHammingSearch, MoreQueriesThanOneLaunchBatchAndEmptyInputs) {
  HG_REQUIRE_CUDA();
  // 8,300 queries: the launcher's batches of 8,192 queries and the 108 after them. 1,201 codes:
  // a full shared-memory tile and a partial one.
  std::vector<uint64_t> database = random_words(1201, 48, 30);
  std::vector<uint64_t> queries = random_words(8300, 48, 31);
  PackedCodes db{database.data(), 1201, 48}, q{queries.data(), 8300, 48};
  HammingIndex index(db, Device::cuda);
  for (int64_t k : {7, 1201})
    EXPECT_TRUE(same_result(index.search(q, k), hamming_topk_cpu(q, db, k))) << "k " << k;
  // Radius 14 of 48 bits: a few codes per query, and some rows empty.
  RadiusResult gpu = index.search_radius(q, 14), cpu = hamming_radius_cpu(q, db, 14);
  EXPECT_EQ(gpu.offsets, cpu.offsets);
  EXPECT_EQ(gpu.ids, cpu.ids);
  EXPECT_EQ(gpu.distances, cpu.distances);
  // No queries; an empty database (every row empty, k clamped to 0).
  PackedCodes no_queries{queries.data(), 0, 48};
  EXPECT_TRUE(same_result(index.search(no_queries, 5), hamming_topk_cpu(no_queries, db, 5)));
  EXPECT_EQ(index.search_radius(no_queries, 3).offsets, std::vector<int64_t>{0});
  PackedCodes empty{nullptr, 0, 48};
  HammingIndex empty_index(empty, Device::cuda);
  EXPECT_TRUE(same_result(empty_index.search(q, 5), hamming_topk_cpu(q, empty, 5)));
  EXPECT_EQ(empty_index.search_radius(q, 3).offsets, hamming_radius_cpu(q, empty, 3).offsets);
}

TEST(CudaHammingSearch, MisleadingSampleIsRetriedWithoutDisturbingTheOtherQueries) {
  HG_REQUIRE_CUDA();
  // Every 4th code equals the pattern, the others are far from it. For a query equal to the
  // pattern, a sample of every 4th code (forced stride 4; chunks start at multiples of 32) sees
  // only copies and sets the limit to 0, but only 1,250 codes lie at distance 0 while k = 1,500:
  // the plan must retry that query with the full range. The even queries are such, the odd
  // ones random codes about 32 bits from every code; 70 queries make three groups of 32, the last
  // partial, and 5,000 codes several chunks, so a retry that rewrote a finished query's slots
  // or counted a query twice would show.
  const int64_t n = 5000, k = 1500, n_query = 70;
  const uint64_t pattern = 0x0123456789ABCDEFULL;
  std::vector<uint64_t> database(n), queries(n_query);
  for (int64_t i = 0; i < n; ++i) database[i] = i % 4 == 0 ? pattern : ~pattern ^ (i & 0xFF);
  std::mt19937_64 random(11);
  for (int64_t q = 0; q < n_query; ++q) queries[q] = q % 2 == 0 ? pattern : random();
  Tensor device_database = Tensor::from_vector(database, {n, 1}, Device::cuda);
  Tensor device_queries = Tensor::from_vector(queries, {n_query, 1}, Device::cuda);
  Tensor ids = Tensor::empty({n_query, k}, DType::i64, Device::cuda);
  Tensor distances = Tensor::empty({n_query, k}, DType::i32, Device::cuda);
  cuda::HammingProblem problem;
  problem.queries = device_queries.data<uint64_t>();
  problem.n_query = n_query;
  problem.database = device_database.data<uint64_t>();
  problem.n_database = n;
  problem.words = 1;
  problem.bits = 64;
  problem.sample_stride = 4;
  cuda::hamming_topk(problem, k, ids.data<int64_t>(), distances.data<int32_t>(),
                     cuda::current_stream());
  SearchResult gpu;
  gpu.n_query = n_query;
  gpu.k = k;
  gpu.ids = ids.to_vector<int64_t>();
  gpu.distances = distances.to_vector<int32_t>();
  EXPECT_TRUE(same_result(
      gpu, hamming_topk_cpu({queries.data(), n_query, 64}, {database.data(), n, 64}, k)));
}

}  // namespace
}  // namespace hg::hashing
