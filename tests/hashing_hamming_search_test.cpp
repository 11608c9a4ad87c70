// CPU Hamming search against a brute-force reference that works on the unpacked signs (count
// of differing coordinates, then a sort by (distance, position)): every code-length class,
// k from 1 to beyond the database, heavy ties, each scan build this CPU runs, radius search,
// a hand-worked case, and the feature re-rank.
#include <gtest/gtest.h>

#include <algorithm>

#include "hashing/cpu/popcount_scan.h"
#include "hashing/hamming_search.h"
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

TEST(HammingSearch, HandWorkedCase) {
  // 8-bit codes. Query 0x00; database codes at distances 2, 1, 1, 0, 3.
  std::vector<uint64_t> database = {0x03, 0x10, 0x80, 0x00, 0x07};
  std::vector<uint64_t> query = {0x00};
  SearchResult result = hamming_topk_cpu({query.data(), 1, 8}, {database.data(), 5, 8}, 4);
  EXPECT_EQ(result.ids, (std::vector<int64_t>{3, 1, 2, 0}));  // the tie 1, 2 by position
  EXPECT_EQ(result.distances, (std::vector<int32_t>{0, 1, 1, 2}));
  RadiusResult radius = hamming_radius_cpu({query.data(), 1, 8}, {database.data(), 5, 8}, 1);
  EXPECT_EQ(radius.offsets, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(radius.ids, (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(radius.distances, (std::vector<int32_t>{0, 1, 1}));
}

TEST(HammingSearch, TopKMatchesBruteForceForEveryLengthClass) {
  for (int bits : {8, 12, 32, 64, 65, 128, 200, 512, 1024}) {
    // 5003 database codes: not a multiple of the 8-code blocks nor of any tile.
    Codes database = random_codes(5003, bits, 10 + bits);
    Codes queries = random_codes(23, bits, 20 + bits);
    for (int64_t k : {1, 10, 100}) {
      EXPECT_TRUE(matches_reference(hamming_topk_cpu(queries.packed(), database.packed(), k),
                                    queries, database, k))
          << bits << " bits, k " << k;
    }
  }
}

TEST(HammingSearch, TopKWithHeavyTiesAndKUpToAndBeyondTheDatabase) {
  // 16-bit codes with few ones: distances pile up on a handful of values.
  Codes database = random_codes(3001, 16, 5, 0.1);
  Codes queries = random_codes(17, 16, 6, 0.1);
  for (int64_t k : {50, 1000, 3001, 5000})
    EXPECT_TRUE(matches_reference(hamming_topk_cpu(queries.packed(), database.packed(), k), queries,
                                  database, k))
        << "k " << k;
}

TEST(HammingSearch, EveryScanBuildThisCpuRunsAgrees) {
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

TEST(HammingSearch, RadiusMatchesBruteForce) {
  for (int bits : {8, 64, 130}) {
    Codes database = random_codes(2005, bits, 50 + bits, 0.3);
    Codes queries = random_codes(9, bits, 60 + bits, 0.3);
    for (int radius : {0, 3, bits / 4, bits}) {
      RadiusResult result = hamming_radius_cpu(queries.packed(), database.packed(), radius);
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

TEST(HammingSearch, IndexOnTheCpuIsTheCpuEngine) {
  Codes database = random_codes(777, 48, 70);
  Codes queries = random_codes(5, 48, 71);
  HammingIndex index(database.packed(), Device::cpu);
  EXPECT_TRUE(matches_reference(index.search(queries.packed(), 20), queries, database, 20));
  EXPECT_EQ(index.part_codes(), 777);
}

// A CPU budget streams the database in parts (a memory-mapped file larger than memory): the
// merged parts give the whole database's result, ties across part boundaries included.
TEST(HammingSearch, CpuIndexInPartsEqualsTheWholeDatabase) {
  Codes database = random_codes(777, 16, 72, 0.15);
  Codes queries = random_codes(9, 16, 73, 0.15);
  HammingIndex whole(database.packed(), Device::cpu);
  HammingIndex parts(database.packed(), Device::cpu, 100 * sizeof(uint64_t));
  EXPECT_EQ(parts.part_codes(), 100);
  for (int64_t k : {1, 50, 120, 777}) {
    SearchResult expected = whole.search(queries.packed(), k);
    SearchResult actual = parts.search(queries.packed(), k);
    EXPECT_EQ(actual.k, expected.k);
    EXPECT_EQ(actual.ids, expected.ids) << "k = " << k;
    EXPECT_EQ(actual.distances, expected.distances) << "k = " << k;
  }
}

// The reusing form keeps memory, never entries: each search rewrites every row it returns.
TEST(HammingSearch, SearchIntoAReusedResultLeavesNothingStale) {
  Codes database = random_codes(777, 48, 70);
  Codes many = random_codes(9, 48, 72), few = random_codes(5, 48, 71);
  HammingIndex index(database.packed(), Device::cpu);
  SearchResult result;
  index.search(many.packed(), 777, result);
  result.feature_distances.assign(3, 1.0f);
  index.search(few.packed(), 20, result);
  EXPECT_TRUE(matches_reference(result, few, database, 20));
  EXPECT_EQ(result.ids.size(), 100u);
  EXPECT_TRUE(result.feature_distances.empty());
  index.search(many.packed(), 777, result);
  EXPECT_TRUE(matches_reference(result, many, database, 777));
}

TEST(HammingSearch, EmptyInputsGiveEmptyResults) {
  Codes database = random_codes(10, 32, 1);
  SearchResult none = hamming_topk_cpu({nullptr, 0, 32}, database.packed(), 5);
  EXPECT_EQ(none.n_query, 0);
  EXPECT_TRUE(none.ids.empty());
  Codes queries = random_codes(2, 32, 2);
  SearchResult zero_k = hamming_topk_cpu(queries.packed(), database.packed(), 0);
  EXPECT_EQ(zero_k.k, 0);
}

TEST(HammingSearch, MismatchedCodeLengthsAreNamed) {
  Codes database = random_codes(10, 64, 1);
  Codes queries = random_codes(2, 32, 2);
  try {
    hamming_topk_cpu(queries.packed(), database.packed(), 3);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("queries have 32-bit codes but the database has 64"),
              std::string::npos)
        << error.what();
  }
}

TEST(HammingSearch, CodesWithSetPaddingBitsAreRefused) {
  // 12-bit codes; 0x0100 sets bit 15, which would add 1 to every distance to that code.
  std::vector<uint64_t> database = {0x00B1, 0x0100, 0x0080};
  std::vector<uint64_t> query = {0x0000};
  try {
    hamming_topk_cpu({query.data(), 1, 12}, {database.data(), 3, 12}, 2);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("Hamming search database: code 1 has bits set"),
              std::string::npos)
        << error.what();
  }
}

TEST(Rerank, OrdersByEuclideanDistanceWithTiesByPosition) {
  // One query at the origin of a 2-D feature space; four candidates from a Hamming search.
  SearchResult candidates;
  candidates.n_query = 1;
  candidates.k = 4;
  candidates.ids = {4, 1, 3, 0};
  candidates.distances = {0, 1, 1, 2};
  std::vector<float> query = {0, 0};
  // Database features (rows 0..4): |0| = 1, |1| = 5, |2| unused, |3| = 1, |4| = 3.
  std::vector<float> database = {1, 0, 3, 4, 9, 9, 0, -1, 0, 3};
  SearchResult reranked = rerank_by_features(candidates, query.data(), database.data(), 5, 2);
  EXPECT_EQ(reranked.ids, (std::vector<int64_t>{0, 3, 4, 1}));  // 0 and 3 tie at 1: position
  EXPECT_EQ(reranked.distances, (std::vector<int32_t>{2, 1, 0, 1}));
  EXPECT_EQ(reranked.feature_distances, (std::vector<float>{1, 1, 3, 5}));
  candidates.ids[0] = 5;
  EXPECT_THROW(rerank_by_features(candidates, query.data(), database.data(), 5, 2), Error);
}

}  // namespace
}  // namespace hg::hashing
