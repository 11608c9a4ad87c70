// PartitionedIndex (hashing/partitioned_index.h) against one index over the whole database:
// split into K parts it must give the same ids and distances in the same order, ties included,
// for top-k and radius search, with k larger than a part, parts of no rows (more parts than
// codes), an empty database, and an error in one part. On the CPU the parts are CpuHammingIndex
// searched in turn and on threads (the path the GPUs take); on CUDA they come from
// make_hamming_index with one GPU ordinal per part, the ordinals cycling over the visible
// devices, so one GPU holds several parts and the merge path runs on a single-GPU machine.
#include <gtest/gtest.h>

#include "core/error.h"
#include "cuda/runtime.h"
#include "hashing/cpu_hamming_index.h"
#include "hashing/partitioned_index.h"
#include "tests/device_test.h"
#include "tests/random_codes.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

using test::Codes;
using test::random_codes;

class PartitionedSearch : public test::DeviceTest {
 protected:
  // The database split into `parts` parts on the test's device.
  std::unique_ptr<HammingIndex> split(const PackedCodes& database, int parts,
                                      bool concurrent) const {
    if (device() == Device::cuda) {
      std::vector<int> gpus;
      for (int p = 0; p < parts; ++p) gpus.push_back(p % cuda::device_count());
      return make_hamming_index(database, Device::cuda, 0, gpus);
    }
    return std::make_unique<PartitionedIndex>(
        database, parts, Device::cpu,
        [](const PackedCodes& codes, int) { return std::make_unique<CpuHammingIndex>(codes); },
        concurrent);
  }
};

// Both searches agree exactly: shape, ids, distances.
::testing::AssertionResult same_rows(const SearchResult& got, const SearchResult& expected) {
  if (got.n_query != expected.n_query || got.k != expected.k)
    return ::testing::AssertionFailure()
           << "result is " << got.n_query << " × " << got.k << ", expected " << expected.n_query
           << " × " << expected.k;
  for (size_t i = 0; i < expected.ids.size(); ++i)
    if (got.ids[i] != expected.ids[i] || got.distances[i] != expected.distances[i])
      return ::testing::AssertionFailure()
             << "entry " << i << " (query " << i / expected.k << "): got (" << got.distances[i]
             << ", " << got.ids[i] << "), expected (" << expected.distances[i] << ", "
             << expected.ids[i] << ")";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult same_rows(const RadiusResult& got, const RadiusResult& expected) {
  if (got.n_query != expected.n_query || got.offsets != expected.offsets)
    return ::testing::AssertionFailure() << "row offsets differ";
  if (got.ids != expected.ids || got.distances != expected.distances)
    return ::testing::AssertionFailure() << "entries differ";
  return ::testing::AssertionSuccess() << expected.ids.size() << " entries match";
}

TEST_P(PartitionedSearch, TopKEqualsOneIndexForEverySplit) {
  // 16-bit codes with few ones: many tied distances, across the parts' boundaries too.
  for (int bits : {16, 64, 130}) {
    Codes database = random_codes(1001, bits, 3 + bits, bits == 16 ? 0.1 : 0.5);
    Codes queries = random_codes(19, bits, 4 + bits, bits == 16 ? 0.1 : 0.5);
    CpuHammingIndex whole(database.packed());
    for (int parts : {1, 2, 3, 7})
      for (bool concurrent : {false, true}) {
        auto index = split(database.packed(), parts, concurrent);
        EXPECT_EQ(index->device(), device());
        // 200 is more than a seventh of the database (143 or 144 codes a part).
        for (int64_t k : {1, 10, 200, 1001, 5000})
          EXPECT_TRUE(
              same_rows(index->search(queries.packed(), k), whole.search(queries.packed(), k)))
              << bits << " bits, " << parts << " parts, k " << k
              << (concurrent ? ", concurrent" : "");
      }
  }
}

TEST_P(PartitionedSearch, RadiusEqualsOneIndexForEverySplit) {
  Codes database = random_codes(803, 32, 7, 0.2);
  Codes queries = random_codes(11, 32, 8, 0.2);
  CpuHammingIndex whole(database.packed());
  for (int parts : {2, 5})
    for (bool concurrent : {false, true}) {
      auto index = split(database.packed(), parts, concurrent);
      for (int radius : {0, 3, 8, 32}) {
        RadiusResult expected = whole.search_radius(queries.packed(), radius);
        EXPECT_GT(expected.ids.size(), 0u) << "radius " << radius;
        EXPECT_TRUE(same_rows(index->search_radius(queries.packed(), radius), expected))
            << parts << " parts, radius " << radius;
      }
    }
}

TEST_P(PartitionedSearch, TiesAcrossPartsGoToTheLowerPosition) {
  // Ten equal codes in three parts (rows 0-3, 4-6, 7-9): every code is at distance 0, so the
  // order is the positions', whichever part holds them.
  std::vector<uint64_t> database(10, 0x5a);
  std::vector<uint64_t> query = {0x5a};
  auto index = split({database.data(), 10, 8}, 3, true);
  SearchResult result = index->search({query.data(), 1, 8}, 6);
  EXPECT_EQ(result.ids, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(result.distances, (std::vector<int32_t>(6, 0)));
  // One code nearer in the last part comes first, then the ties in position order.
  database[8] = 0x5b;
  query[0] = 0x5b;
  result = index->search({query.data(), 1, 8}, 3);
  EXPECT_EQ(result.ids, (std::vector<int64_t>{8, 0, 1}));
  EXPECT_EQ(result.distances, (std::vector<int32_t>{0, 1, 1}));
  RadiusResult radius = index->search_radius({query.data(), 1, 8}, 0);
  EXPECT_EQ(radius.ids, (std::vector<int64_t>{8}));
}

TEST_P(PartitionedSearch, MorePartsThanCodes) {
  Codes database = random_codes(5, 24, 11);
  Codes queries = random_codes(4, 24, 12);
  CpuHammingIndex whole(database.packed());
  for (int parts : {5, 8, 13}) {
    auto index = split(database.packed(), parts, true);
    for (int64_t k : {1, 3, 5, 9})
      EXPECT_TRUE(same_rows(index->search(queries.packed(), k), whole.search(queries.packed(), k)))
          << parts << " parts, k " << k;
    EXPECT_TRUE(same_rows(index->search_radius(queries.packed(), 24),
                          whole.search_radius(queries.packed(), 24)))
        << parts << " parts";
  }
}

TEST_P(PartitionedSearch, EmptyDatabaseAndNoQueries) {
  Codes database = random_codes(0, 64, 1);
  Codes queries = random_codes(3, 64, 2);
  auto index = split(database.packed(), 3, true);
  SearchResult result = index->search(queries.packed(), 4);
  EXPECT_EQ(result.n_query, 3);
  EXPECT_EQ(result.k, 0);
  EXPECT_TRUE(result.ids.empty());
  RadiusResult radius = index->search_radius(queries.packed(), 64);
  EXPECT_EQ(radius.offsets, (std::vector<int64_t>{0, 0, 0, 0}));

  Codes some = random_codes(40, 64, 3);
  auto some_index = split(some.packed(), 3, true);
  Codes none = random_codes(0, 64, 4);
  EXPECT_EQ(some_index->search(none.packed(), 5).ids.size(), 0u);
  EXPECT_EQ(some_index->search_radius(none.packed(), 5).offsets, (std::vector<int64_t>{0}));
}

HG_INSTANTIATE_DEVICE_TEST(PartitionedSearch);

TEST(PartitionedIndex, PartsAreTheSharesOfTheRows) {
  std::vector<uint64_t> database(10, 0);
  std::vector<int64_t> part_sizes;
  PartitionedIndex index(
      {database.data(), 10, 8}, 4, Device::cpu,
      [&](const PackedCodes& codes, int) {
        part_sizes.push_back(codes.count);
        return std::make_unique<CpuHammingIndex>(codes);
      },
      false);
  ASSERT_EQ(index.parts(), 4);
  EXPECT_EQ((std::vector<int64_t>{index.part_start(0), index.part_start(1), index.part_start(2),
                                  index.part_start(3)}),
            (std::vector<int64_t>{0, 3, 6, 8}));
  EXPECT_EQ(part_sizes, (std::vector<int64_t>{3, 3, 2, 2}));
}

// A part whose search fails, to see the error reach the caller from a part's thread.
class FailingIndex final : public HammingIndex {
 public:
  explicit FailingIndex(const PackedCodes& database) : HammingIndex(database) {}
  Device device() const override { return Device::cpu; }

 private:
  void search_rows(const PackedCodes&, SearchResult&) const override {
    throw Error("part search failed");
  }
  RadiusResult search_within(const PackedCodes&, int) const override {
    throw Error("part radius search failed");
  }
};

TEST(PartitionedIndex, AnErrorInOnePartReachesTheCaller) {
  Codes database = random_codes(30, 8, 5);
  Codes queries = random_codes(2, 8, 6);
  for (bool concurrent : {false, true}) {
    PartitionedIndex index(
        database.packed(), 3, Device::cpu,
        [](const PackedCodes& codes, int part) -> std::unique_ptr<HammingIndex> {
          if (part == 1) return std::make_unique<FailingIndex>(codes);
          return std::make_unique<CpuHammingIndex>(codes);
        },
        concurrent);
    EXPECT_EQ(test::error_message([&] { index.search(queries.packed(), 4); }),
              "part search failed");
    EXPECT_EQ(test::error_message([&] { index.search_radius(queries.packed(), 2); }),
              "part radius search failed");
  }
}

TEST(PartitionedIndex, RefusesNoPartsAndGpusForTheCpu) {
  Codes database = random_codes(4, 8, 7);
  EXPECT_EQ(
      test::error_message([&] {
        PartitionedIndex(
            database.packed(), 0, Device::cpu,
            [](const PackedCodes& codes, int) { return std::make_unique<CpuHammingIndex>(codes); },
            false);
      }),
      "PartitionedIndex: parts must be ≥ 1, got 0");
  EXPECT_EQ(test::error_message([&] {
              make_hamming_index(database.packed(), Device::cpu, 0, {0, 1});
            }),
            "HammingIndex: 2 GPUs given for a search on the CPU");
}

}  // namespace
}  // namespace hg::hashing
