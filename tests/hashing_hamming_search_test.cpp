// Hamming search on both devices against a brute-force reference that works on the unpacked
// signs (count of differing coordinates, then a sort by (distance, position)): every code-length
// class, k from 1 to beyond the database, heavy ties, radius search, a database in parts,
// reused results, empty inputs and refused ones, a hand-worked case. Then what one implementation
// has of its own: the CPU's scan builds, and the CUDA index at sizes past brute force's reach
// against the CPU index (every word count, a database streamed through the GPU in parts, more
// queries than one launch batch, the retry when the limit-estimating sample misleads).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "cuda/hamming_search.h"
#include "cuda/stream.h"
#include "hashing/cpu/popcount_scan.h"
#include "hashing/cpu_hamming_index.h"
#include "hashing/cuda_hamming_index.h"
#include "hashing/hamming_search.h"
#include "tests/device_test.h"
#include "tests/random_codes.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

using test::Codes;
using test::random_codes;

// Reference ranking of the whole database for query q: (distance, position) pairs, sorted.
std::vector<std::pair<int, int64_t>> reference_ranking(const Codes& queries, int64_t q,
                                                       const Codes& database) {
  std::vector<std::pair<int, int64_t>> ranking;
  for (int64_t i = 0; i < database.count; ++i) {
    int distance = 0;
    for (int j = 0; j < database.bits; ++j)
      distance += queries.signs[q * queries.bits + j] != database.signs[i * database.bits + j];
    ranking.emplace_back(distance, i);
  }
  std::sort(ranking.begin(), ranking.end());
  return ranking;
}

::testing::AssertionResult matches_reference(const SearchResult& result, const Codes& queries,
                                             const Codes& database, int64_t k) {
  const int64_t expected_k = std::min(k, database.count);
  if (result.n_query != queries.count || result.k != expected_k)
    return ::testing::AssertionFailure() << "result is " << result.n_query << " × " << result.k
                                         << ", expected " << queries.count << " × " << expected_k;
  for (int64_t q = 0; q < queries.count; ++q) {
    auto ranking = reference_ranking(queries, q, database);
    for (int64_t j = 0; j < expected_k; ++j) {
      int64_t id = result.ids[q * result.k + j];
      int distance = result.distances[q * result.k + j];
      if (id != ranking[j].second || distance != ranking[j].first)
        return ::testing::AssertionFailure()
               << "query " << q << " rank " << j << ": got (" << distance << ", " << id
               << "), expected (" << ranking[j].first << ", " << ranking[j].second << ")";
    }
  }
  return ::testing::AssertionSuccess() << queries.count << " queries × " << expected_k << " match";
}

class HammingSearch : public test::DeviceTest {
 protected:
  std::unique_ptr<HammingIndex> index_of(const PackedCodes& database) const {
    return make_hamming_index(database, device());
  }
};

TEST_P(HammingSearch, HandWorkedCase) {
  // 8-bit codes. Query 0x00; database codes at distances 2, 1, 1, 0, 3.
  std::vector<uint64_t> database = {0x03, 0x10, 0x80, 0x00, 0x07};
  std::vector<uint64_t> query = {0x00};
  auto index = index_of({database.data(), 5, 8});
  EXPECT_EQ(index->device(), device());
  SearchResult result = index->search({query.data(), 1, 8}, 4);
  EXPECT_EQ(result.ids, (std::vector<int64_t>{3, 1, 2, 0}));  // the tie 1, 2 by position
  EXPECT_EQ(result.distances, (std::vector<int32_t>{0, 1, 1, 2}));
  RadiusResult radius = index->search_radius({query.data(), 1, 8}, 1);
  EXPECT_EQ(radius.offsets, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(radius.ids, (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(radius.distances, (std::vector<int32_t>{0, 1, 1}));
}

TEST_P(HammingSearch, TopKMatchesBruteForceForEveryLengthClass) {
  for (int bits : {8, 12, 32, 64, 65, 128, 200, 512, 1024}) {
    // 5003 database codes: not a multiple of the 8-code blocks nor of any tile.
    Codes database = random_codes(5003, bits, 10 + bits);
    Codes queries = random_codes(23, bits, 20 + bits);
    auto index = index_of(database.packed());
    for (int64_t k : {1, 10, 100}) {
      EXPECT_TRUE(matches_reference(index->search(queries.packed(), k), queries, database, k))
          << bits << " bits, k " << k;
    }
  }
}

TEST_P(HammingSearch, TopKWithHeavyTiesAndKUpToAndBeyondTheDatabase) {
  // 16-bit codes with few ones: distances pile up on a handful of values.
  Codes database = random_codes(3001, 16, 5, 0.1);
  Codes queries = random_codes(17, 16, 6, 0.1);
  auto index = index_of(database.packed());
  for (int64_t k : {50, 1000, 3001, 5000})
    EXPECT_TRUE(matches_reference(index->search(queries.packed(), k), queries, database, k))
        << "k " << k;
}

TEST_P(HammingSearch, RadiusMatchesBruteForce) {
  for (int bits : {8, 64, 130}) {
    Codes database = random_codes(2005, bits, 50 + bits, 0.3);
    Codes queries = random_codes(9, bits, 60 + bits, 0.3);
    auto index = index_of(database.packed());
    for (int radius : {0, 3, bits / 4, bits}) {
      RadiusResult result = index->search_radius(queries.packed(), radius);
      ASSERT_EQ(result.offsets.size(), 10u);
      for (int64_t q = 0; q < queries.count; ++q) {
        std::vector<std::pair<int, int64_t>> expected;
        for (const auto& entry : reference_ranking(queries, q, database))
          if (entry.first <= radius) expected.push_back(entry);
        std::vector<std::pair<int, int64_t>> got;
        for (int64_t j = result.offsets[q]; j < result.offsets[q + 1]; ++j)
          got.emplace_back(result.distances[j], result.ids[j]);
        EXPECT_EQ(got, expected) << bits << " bits, radius " << radius << ", query " << q;
      }
    }
  }
}

// A part budget streams the database in parts (on the CPU, a memory-mapped file larger than
// memory): the merged parts give the whole database's result, ties across part boundaries
// included. 100 codes of one word a part.
TEST_P(HammingSearch, InPartsEqualsTheWholeDatabase) {
  Codes database = random_codes(777, 16, 72, 0.15);
  Codes queries = random_codes(9, 16, 73, 0.15);
  auto parts = make_hamming_index(database.packed(), device(), 100 * sizeof(uint64_t));
  for (int64_t k : {1, 50, 120, 777})
    EXPECT_TRUE(matches_reference(parts->search(queries.packed(), k), queries, database, k))
        << "k = " << k;
}

// The reusing form keeps memory, never entries: each search rewrites every row it returns.
TEST_P(HammingSearch, SearchIntoAReusedResultLeavesNothingStale) {
  Codes database = random_codes(777, 48, 70);
  Codes many = random_codes(9, 48, 72), few = random_codes(5, 48, 71);
  auto index = index_of(database.packed());
  SearchResult result;
  index->search(many.packed(), 777, result);
  result.feature_distances.assign(3, 1.0f);
  index->search(few.packed(), 20, result);
  EXPECT_TRUE(matches_reference(result, few, database, 20));
  EXPECT_EQ(result.ids.size(), 100u);
  EXPECT_TRUE(result.feature_distances.empty());
  index->search(many.packed(), 777, result);
  EXPECT_TRUE(matches_reference(result, many, database, 777));
}

TEST_P(HammingSearch, EmptyInputsGiveEmptyResults) {
  Codes database = random_codes(10, 32, 1);
  auto index = index_of(database.packed());
  SearchResult none = index->search({nullptr, 0, 32}, 5);
  EXPECT_EQ(none.n_query, 0);
  EXPECT_TRUE(none.ids.empty());
  EXPECT_EQ(index->search_radius({nullptr, 0, 32}, 3).offsets, std::vector<int64_t>{0});
  Codes queries = random_codes(2, 32, 2);
  SearchResult zero_k = index->search(queries.packed(), 0);
  EXPECT_EQ(zero_k.k, 0);
  auto empty = index_of({nullptr, 0, 32});
  SearchResult no_database = empty->search(queries.packed(), 5);
  EXPECT_EQ(no_database.n_query, 2);
  EXPECT_EQ(no_database.k, 0);
  EXPECT_EQ(empty->search_radius(queries.packed(), 3).offsets, (std::vector<int64_t>{0, 0, 0}));
}

TEST_P(HammingSearch, MismatchedCodeLengthsAreNamed) {
  Codes database = random_codes(10, 64, 1);
  Codes queries = random_codes(2, 32, 2);
  try {
    index_of(database.packed())->search(queries.packed(), 3);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("queries have 32-bit codes but the database has 64"),
              std::string::npos)
        << error.what();
  }
}

TEST_P(HammingSearch, CodesWithSetPaddingBitsAreRefused) {
  // 12-bit codes; 0x0100 sets bit 15, which would add 1 to every distance to that code.
  std::vector<uint64_t> database = {0x00B1, 0x0100, 0x0080};
  std::vector<uint64_t> query = {0x0000};
  try {
    index_of({database.data(), 3, 12})->search({query.data(), 1, 12}, 2);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("Hamming search database: code 1 has bits set"),
              std::string::npos)
        << error.what();
  }
}

HG_INSTANTIATE_DEVICE_TEST(HammingSearch);

TEST(CpuHammingIndex, PartsOfTheBudget) {
  Codes database = random_codes(777, 16, 72);
  EXPECT_EQ(CpuHammingIndex(database.packed()).part_codes(), 777);
  EXPECT_EQ(CpuHammingIndex(database.packed(), 100 * sizeof(uint64_t)).part_codes(), 100);
}

TEST(HammingScan, EveryScanBuildThisCpuRunsAgrees) {
  for (int bits : {64, 96, 1024}) {
    const int64_t words = words_per_code(bits);
    Codes database = random_codes(203, bits, 30 + bits);
    Codes query = random_codes(1, bits, 40 + bits);
    std::vector<uint64_t> blocked(static_cast<size_t>(cpu::blocked_words(database.count, words)));
    cpu::block_codes(database.words.data(), database.count, words, blocked.data());
    auto ranking = reference_ranking(query, 0, database);
    for (int limit : {-1, 0, bits / 2 - 2, bits / 2, bits}) {
      std::vector<uint64_t> expected;  // in position order
      for (const auto& [distance, position] : ranking)
        if (distance <= limit) expected.push_back(cpu::candidate_key(distance, position + 1000));
      std::sort(expected.begin(), expected.end(),
                [](uint64_t a, uint64_t b) { return cpu::key_position(a) < cpu::key_position(b); });
      for (cpu::ScanBuild build :
           {cpu::ScanBuild::avx512, cpu::ScanBuild::popcnt, cpu::ScanBuild::portable}) {
        if (!cpu::scan_build_supported(build)) continue;
        std::vector<uint64_t> out(static_cast<size_t>(database.count));
        int64_t found = cpu::scan_function(words, build)(
            blocked.data(), database.count, query.words.data(), limit, 1000, out.data());
        out.resize(static_cast<size_t>(found));
        EXPECT_EQ(out, expected) << cpu::scan_build_name(build) << ", " << bits << " bits, limit "
                                 << limit;
      }
    }
  }
}

// The CUDA index against the CPU index (checked against brute force above) at sizes brute force
// cannot reach in a test's time.
class CudaHammingSearch : public test::DeviceTest {};

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

TEST_P(CudaHammingSearch, TopKEqualsTheCpuForEveryWordCount) {
  for (int bits : {8, 12, 32, 64, 100, 128, 192, 256, 320, 448, 512, 640, 768, 1000, 1024}) {
    std::vector<uint64_t> database = random_words(20011, bits, bits);
    std::vector<uint64_t> queries = random_words(301, bits, 7 * bits);
    PackedCodes db{database.data(), 20011, bits}, q{queries.data(), 301, bits};
    CudaHammingIndex index(db);
    for (int64_t k : {1, 10, 100, 1000})
      EXPECT_TRUE(same_result(index.search(q, k), CpuHammingIndex(db).search(q, k)))
          << bits << " bits, k " << k;
  }
}

TEST_P(CudaHammingSearch, HeavyTiesAndKUpToTheDatabase) {
  std::vector<uint64_t> database = random_words(50000, 16, 1, 0.05);
  std::vector<uint64_t> queries = random_words(700, 16, 2, 0.05);
  PackedCodes db{database.data(), 50000, 16}, q{queries.data(), 700, 16};
  CudaHammingIndex index(db);
  for (int64_t k : {5, 3000, 50000, 80000})
    EXPECT_TRUE(same_result(index.search(q, k), CpuHammingIndex(db).search(q, k))) << "k " << k;
}

TEST_P(CudaHammingSearch, StreamedDatabaseMergesItsParts) {
  std::vector<uint64_t> database = random_words(10007, 96, 3, 0.2);
  std::vector<uint64_t> queries = random_words(50, 96, 4, 0.2);
  PackedCodes db{database.data(), 10007, 96}, q{queries.data(), 50, 96};
  // 16 bytes per code: a 16,000-byte budget makes parts of 1,000 codes (11 parts).
  CudaHammingIndex index(db, 16000);
  EXPECT_EQ(index.part_codes(), 1000);
  for (int64_t k : {1, 64, 2500})
    EXPECT_TRUE(same_result(index.search(q, k), CpuHammingIndex(db).search(q, k))) << "k " << k;
  RadiusResult gpu = index.search_radius(q, 30);
  RadiusResult cpu = CpuHammingIndex(db).search_radius(q, 30);
  EXPECT_EQ(gpu.offsets, cpu.offsets);
  EXPECT_EQ(gpu.ids, cpu.ids);
  EXPECT_EQ(gpu.distances, cpu.distances);
}

// Reusing one result across searches, as evaluate_retrieval does: on a resident database (rows
// copied straight in) and a streamed one (rows merged), after larger and smaller searches.
TEST_P(CudaHammingSearch, SearchIntoAReusedResultEqualsAFreshOne) {
  std::vector<uint64_t> database = random_words(10007, 96, 5, 0.2);
  std::vector<uint64_t> queries = random_words(50, 96, 6, 0.2);
  PackedCodes db{database.data(), 10007, 96}, q{queries.data(), 50, 96};
  for (size_t budget : {size_t{0}, size_t{16000}}) {
    CudaHammingIndex index(db, budget);
    SearchResult result;
    for (int64_t k : {2500, 64, 10007}) {
      index.search(q, k, result);
      EXPECT_TRUE(same_result(result, CpuHammingIndex(db).search(q, k)))
          << "budget " << budget << ", k " << k;
    }
  }
}

TEST_P(CudaHammingSearch, RadiusEqualsTheCpu) {
  for (int bits : {8, 64, 130, 1024}) {
    std::vector<uint64_t> database = random_words(30001, bits, 10 + bits, 0.3);
    std::vector<uint64_t> queries = random_words(123, bits, 20 + bits, 0.3);
    PackedCodes db{database.data(), 30001, bits}, q{queries.data(), 123, bits};
    CudaHammingIndex index(db);
    for (int radius : {0, 2, bits / 4, bits}) {
      RadiusResult gpu = index.search_radius(q, radius);
      RadiusResult cpu = CpuHammingIndex(db).search_radius(q, radius);
      EXPECT_EQ(gpu.offsets, cpu.offsets) << bits << " bits, radius " << radius;
      EXPECT_EQ(gpu.ids, cpu.ids) << bits << " bits, radius " << radius;
      EXPECT_EQ(gpu.distances, cpu.distances) << bits << " bits, radius " << radius;
    }
  }
}

TEST_P(CudaHammingSearch, MoreQueriesThanOneLaunchBatchAndEmptyInputs) {
  // 8,300 queries: the launcher's batches of 8,192 queries and the 108 after them. 1,201 codes:
  // a full shared-memory tile and a partial one.
  std::vector<uint64_t> database = random_words(1201, 48, 30);
  std::vector<uint64_t> queries = random_words(8300, 48, 31);
  PackedCodes db{database.data(), 1201, 48}, q{queries.data(), 8300, 48};
  CudaHammingIndex index(db);
  for (int64_t k : {7, 1201})
    EXPECT_TRUE(same_result(index.search(q, k), CpuHammingIndex(db).search(q, k))) << "k " << k;
  // Radius 14 of 48 bits: a few codes per query, and some rows empty.
  RadiusResult gpu = index.search_radius(q, 14), cpu = CpuHammingIndex(db).search_radius(q, 14);
  EXPECT_EQ(gpu.offsets, cpu.offsets);
  EXPECT_EQ(gpu.ids, cpu.ids);
  EXPECT_EQ(gpu.distances, cpu.distances);
  // No queries; an empty database (every row empty, k clamped to 0).
  PackedCodes no_queries{queries.data(), 0, 48};
  EXPECT_TRUE(same_result(index.search(no_queries, 5), CpuHammingIndex(db).search(no_queries, 5)));
  EXPECT_EQ(index.search_radius(no_queries, 3).offsets, std::vector<int64_t>{0});
  PackedCodes empty{nullptr, 0, 48};
  CudaHammingIndex empty_index(empty);
  EXPECT_TRUE(same_result(empty_index.search(q, 5), CpuHammingIndex(empty).search(q, 5)));
  EXPECT_EQ(empty_index.search_radius(q, 3).offsets,
            CpuHammingIndex(empty).search_radius(q, 3).offsets);
}

TEST_P(CudaHammingSearch, MisleadingSampleIsRetriedWithoutDisturbingTheOtherQueries) {
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
      gpu, CpuHammingIndex({database.data(), n, 64}).search({queries.data(), n_query, 64}, k)));
}

HG_INSTANTIATE_CUDA_TEST(CudaHammingSearch);

}  // namespace
}  // namespace hg::hashing
