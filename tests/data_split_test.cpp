// The seeded randomness of splits against an independent implementation
// (tests/fixtures/mt19937_64_reference.py, a from-scratch Python MT19937-64 + rejection draw +
// Fisher–Yates, itself checked against the C++ standard's 10,000th-output value), and the
// index-level protocols: sizes, disjointness, per-class balance, same seed → same split.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data/random.h"
#include "data/split.h"
#include "tests/data_test_files.h"

namespace hg::data {
namespace {

using test::disjoint;
using test::error_message;

// Item i has class i mod classes.
Labels cyclic_labels(int64_t count, int classes) {
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < count; ++i) ids.push_back(static_cast<int32_t>(i % classes));
  return Labels::from_class_ids(std::move(ids), classes);
}

bool subset_of(const std::vector<int64_t>& part, const std::vector<int64_t>& whole) {
  return std::includes(whole.begin(), whole.end(), part.begin(), part.end());
}

TEST(DataRandom, MatchesTheIndependentReference) {
  Random standard(5489);  // the default seed: the standard fixes output 10,000
  for (int i = 0; i < 9999; ++i) standard.next();
  EXPECT_EQ(standard.next(), 9981545732273789042ULL);
  // python3 tests/fixtures/mt19937_64_reference.py prints these.
  std::vector<int> values{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  Random shuffler(42);
  shuffler.shuffle(values);
  EXPECT_EQ(values, (std::vector<int>{1, 7, 9, 0, 3, 8, 4, 2, 5, 6}));
  Random bounded(2024);
  std::vector<uint64_t> draws;
  for (int i = 0; i < 8; ++i) draws.push_back(bounded.below(6));
  EXPECT_EQ(draws, (std::vector<uint64_t>{4, 1, 5, 4, 4, 3, 4, 5}));
}

TEST(DataRandom, BoundedDrawsAreUniform) {
  Random random(1);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) ++counts[random.below(7)];
  // Each count is Binomial(70000, 1/7): mean 10,000, standard deviation ≈ 93.
  for (int count : counts) EXPECT_NEAR(count, 10000, 500);
  EXPECT_NE(derive_seed(1, 0), derive_seed(1, 1));
  EXPECT_NE(derive_seed(1, 0), derive_seed(2, 0));
}

TEST(DataSplit, PerClassSplitMatchesTheReference) {
  SplitIndices split = split_per_class(cyclic_labels(12, 3), {1, 1, false}, 5);
  EXPECT_EQ(split.query, (std::vector<int64_t>{1, 8, 9}));
  EXPECT_EQ(split.train, (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(split.database, (std::vector<int64_t>{3, 5, 6, 7, 10, 11}));
}

TEST(DataSplit, PerClassSplitSizesDisjointnessAndSeeds) {
  // cifar10's counts on a 60,000-item pool of 10 classes.
  Labels labels = cyclic_labels(60000, 10);
  SplitIndices held_out = split_per_class(labels, {100, 500, false}, 0);
  EXPECT_EQ(held_out.query.size(), 1000u);
  EXPECT_EQ(held_out.train.size(), 5000u);
  EXPECT_EQ(held_out.database.size(), 54000u);
  EXPECT_TRUE(disjoint(held_out.query, held_out.database));
  EXPECT_TRUE(disjoint(held_out.query, held_out.train));
  EXPECT_TRUE(disjoint(held_out.train, held_out.database));
  std::vector<int> per_class(10, 0);
  for (int64_t i : held_out.query) ++per_class[labels.class_id(i)];
  EXPECT_EQ(per_class, std::vector<int>(10, 100));

  SplitIndices drawn = split_per_class(labels, {100, 500, true}, 0);
  EXPECT_EQ(drawn.database.size(), 59000u);
  EXPECT_TRUE(subset_of(drawn.train, drawn.database));
  EXPECT_TRUE(disjoint(drawn.query, drawn.database));
  // The same seed gives the same split; another seed another one.
  SplitIndices again = split_per_class(labels, {100, 500, false}, 0);
  EXPECT_EQ(again.query, held_out.query);
  EXPECT_EQ(again.train, held_out.train);
  EXPECT_NE(split_per_class(labels, {100, 500, false}, 1).query, held_out.query);
}

TEST(DataSplit, RandomSplitForMultiLabelData) {
  SplitIndices split = split_random(1000, 100, 300, 9);
  EXPECT_EQ(split.query.size(), 100u);
  EXPECT_EQ(split.database.size(), 900u);
  EXPECT_EQ(split.train.size(), 300u);
  EXPECT_TRUE(disjoint(split.query, split.database));
  EXPECT_TRUE(subset_of(split.train, split.database));
  EXPECT_EQ(split_random(1000, 100, 300, 9).query, split.query);
  EXPECT_EQ(error_message([] { split_random(10, 5, 6, 0); }),
            "split_random: cannot take 5 queries and 6 training images (from the database) out "
            "of 10 items");
}

TEST(DataSplit, BalancedSampleAndErrors) {
  Labels labels = cyclic_labels(100, 4);
  std::vector<int64_t> sample = sample_per_class(labels, 10, 3);
  ASSERT_EQ(sample.size(), 10u);
  std::vector<int> per_class(4, 0);
  for (int64_t i : sample) ++per_class[labels.class_id(i)];
  EXPECT_EQ(per_class, (std::vector<int>{3, 3, 2, 2}));  // 10 = 4·2 + 2 extra for classes 0, 1
  EXPECT_EQ(error_message([&] {
              split_per_class(labels, {20, 6, false}, 0);
            }),
            "split_per_class: class 0 has 25 items, but the protocol takes 20 query + 6 "
            "training images per class");
  Labels multi = Labels::from_multi_hot({1, 1, 0, 1}, 2);
  EXPECT_EQ(error_message([&] { sample_per_class(multi, 1, 0); }),
            "sample_per_class: per-class sampling needs single-label data (use num_query / "
            "num_train sampling for multi-label data)");
}

}  // namespace
}  // namespace hg::data
