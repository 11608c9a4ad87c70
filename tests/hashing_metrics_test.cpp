// Retrieval metrics on hand-computed cases (ties, a query with no relevant item, multi-label),
// partial rankings, and evaluate_retrieval against a direct implementation of DESIGN §5 on
// random codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "hashing/cpu_hamming_index.h"
#include "hashing/metrics.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

// 8-bit codes. Query A = 0x00 sees the database at distances 2, 1, 1, 0, 3, so the ranking by
// (distance, position) is 3, 1, 2, 0, 4. Query B = 0xFF sees 6, 7, 7, 8, 5: ranking 4, 0, 1, 2, 3.
const std::vector<uint64_t> kDatabase = {0x03, 0x10, 0x80, 0x00, 0x07};
const std::vector<uint64_t> kQueries = {0x00, 0xFF};

RetrievalMetrics evaluate(const Labels& query_labels, const Labels& database_labels, int64_t k) {
  CpuHammingIndex index({kDatabase.data(), 5, 8});
  return evaluate_retrieval(index, {kQueries.data(), 2, 8}, query_labels, database_labels, k);
}

TEST(Metrics, SingleLabelHandWorkedWithTiesAndAQueryWithNothingRelevant) {
  // Database classes 1, 0, 1, 0, 1. Query A is class 1: relevance in rank order (3, 1, 2, 0, 4)
  // is 0, 0, 1, 1, 1. Query B is class 7: nothing relevant, so it scores 0 everywhere.
  Labels database = Labels::from_class_ids({1, 0, 1, 0, 1});
  Labels queries = Labels::from_class_ids({1, 7});
  RetrievalMetrics all = evaluate(queries, database, 5);
  // AP_A@all = (1/3)(1/3 + 2/4 + 3/5) = 0.4777...; mean with B's 0.
  const double ap_a = (1.0 / 3 + 2.0 / 4 + 3.0 / 5) / 3;
  EXPECT_NEAR(all.map_at_k, ap_a / 2, 1e-12);
  EXPECT_NEAR(all.map_all, ap_a / 2, 1e-12);
  EXPECT_TRUE(all.full_ranking);

  RetrievalMetrics at3 = evaluate(queries, database, 3);
  // Top 3 of A: 0, 0, 1 -> AP@3 = (1/1)(1/3); P@3 = 1/3; recall@3 = 1/3 (R = 3).
  EXPECT_NEAR(at3.map_at_k, (1.0 / 3) / 2, 1e-12);
  EXPECT_NEAR(at3.precision_at_k, (1.0 / 3) / 2, 1e-12);
  EXPECT_NEAR(at3.recall_at_k, (1.0 / 3) / 2, 1e-12);
  EXPECT_NEAR(at3.map_all, ap_a / 2, 1e-12);
  // Within radius 2: A retrieves 3, 1, 2, 0 of which 2 relevant -> 0.5; B retrieves nothing -> 0.
  EXPECT_NEAR(at3.precision_radius2, 0.25, 1e-12);
}

TEST(Metrics, TheTieOrderIsStable) {
  // Swapping the classes of the tied items 1 and 2 changes AP: with relevance 0, 1, 0, 1, 1 in
  // rank order AP_A = (1/3)(1/2 + 2/4 + 3/5). A metric that broke the tie the other way would
  // swap the two answers.
  Labels database = Labels::from_class_ids({1, 1, 0, 0, 1});
  Labels queries = Labels::from_class_ids({1, 7});
  EXPECT_NEAR(evaluate(queries, database, 5).map_all, (1.0 / 2 + 2.0 / 4 + 3.0 / 5) / 3 / 2, 1e-12);
}

TEST(Metrics, PrecisionRecallCurveCountsPairs) {
  Labels database = Labels::from_class_ids({1, 0, 1, 0, 1});
  Labels queries = Labels::from_class_ids({1, 1});  // B = class 1 too: R_B = 3
  RetrievalMetrics metrics = evaluate(queries, database, 5);
  // Per radius, (retrieved, relevant retrieved) for A then B:
  //   A distances 2 1 1 0 3 with relevance 1 0 1 0 1; B distances 6 7 7 8 5, same relevance.
  //   r=0: A (1,0)            r=1: A (3,1)   r=2: A (4,2)   r=3..4: A (5,3)
  //   r=5: + B (1,1)          r=6: B (2,2)   r=7: B (4,3)   r=8: B (5,3)
  struct Expected {
    int radius;
    double precision, recall;
  };
  std::vector<Expected> expected = {
      {0, 0.0 / 1, 0.0 / 6}, {1, 1.0 / 3, 1.0 / 6}, {2, 2.0 / 4, 2.0 / 6},
      {3, 3.0 / 5, 3.0 / 6}, {4, 3.0 / 5, 3.0 / 6}, {5, 4.0 / 6, 4.0 / 6},
      {6, 5.0 / 7, 5.0 / 6}, {7, 6.0 / 9, 6.0 / 6}, {8, 6.0 / 10, 6.0 / 6}};
  ASSERT_EQ(metrics.pr_curve.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(metrics.pr_curve[i].radius, expected[i].radius);
    EXPECT_NEAR(metrics.pr_curve[i].precision, expected[i].precision, 1e-12) << "radius " << i;
    EXPECT_NEAR(metrics.pr_curve[i].recall, expected[i].recall, 1e-12) << "radius " << i;
  }
}

TEST(Metrics, MultiLabelRelevanceIsASharedLabel) {
  // Classes: query A has {0, 2}; database rows {2}, {1}, {0, 1}, {}, {1, 2}.
  // Rank order 3, 1, 2, 0, 4 -> relevance 0, 0, 1, 1, 1 (row 3 has no label, row 1 only class 1).
  // Query B has {1}: rank order 4, 0, 1, 2, 3 -> relevance 1, 0, 1, 1, 0.
  Labels database =
      Labels::from_multi_hot({0, 0, 1, /**/ 0, 1, 0, /**/ 1, 1, 0, /**/ 0, 0, 0, /**/ 0, 1, 1}, 3);
  Labels queries = Labels::from_multi_hot({1, 0, 1, /**/ 0, 1, 0}, 3);
  RetrievalMetrics metrics = evaluate(queries, database, 5);
  const double ap_a = (1.0 / 3 + 2.0 / 4 + 3.0 / 5) / 3;
  const double ap_b = (1.0 / 1 + 2.0 / 3 + 3.0 / 4) / 3;
  EXPECT_NEAR(metrics.map_all, (ap_a + ap_b) / 2, 1e-12);
}

TEST(Metrics, PartialRankingsGiveTheAtKMetricsOnly) {
  Labels database = Labels::from_class_ids({1, 0, 1, 0, 1});
  Labels queries = Labels::from_class_ids({1, 7});
  SearchResult top3 = CpuHammingIndex({kDatabase.data(), 5, 8}).search({kQueries.data(), 2, 8}, 3);
  RetrievalMetrics partial = evaluate_rankings(top3, 8, 5, queries, database, 3);
  RetrievalMetrics full = evaluate(queries, database, 3);
  EXPECT_FALSE(partial.full_ranking);
  EXPECT_TRUE(partial.pr_curve.empty());
  EXPECT_DOUBLE_EQ(partial.map_at_k, full.map_at_k);
  EXPECT_DOUBLE_EQ(partial.precision_at_k, full.precision_at_k);
  EXPECT_DOUBLE_EQ(partial.recall_at_k, full.recall_at_k);
  EXPECT_THROW(evaluate_rankings(top3, 8, 5, queries, database, 4), Error);
}

TEST(Metrics, MismatchedLabelsAreNamed) {
  Labels database = Labels::from_class_ids({1, 0, 1, 0, 1});
  Labels multi = Labels::from_multi_hot({1, 0, 0, 1}, 2);
  try {
    evaluate(multi, database, 5);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what())
                  .find("query labels are multi-hot but database labels are "
                        "class ids"),
              std::string::npos)
        << error.what();
  }
}

TEST(Metrics, EvaluateRetrievalMatchesADirectImplementation) {
  // Random 32-bit codes with 10 classes; the reference ranks with std::stable_sort on the
  // distances (positions ascending among ties) and applies the formulas of DESIGN §5 directly.
  std::mt19937_64 generator(3);
  const int64_t n = 1500, nq = 40;
  std::vector<uint64_t> database(n), queries(nq);
  std::vector<int32_t> database_classes(n), query_classes(nq);
  for (int64_t i = 0; i < n; ++i) {
    database_classes[i] = static_cast<int32_t>(generator() % 10);
    // Codes correlated with the class, so AP is far from both 0 and 1.
    database[i] =
        ((generator() & generator()) ^ (0x9E3779B9ULL * database_classes[i])) & 0xFFFFFFFFu;
  }
  for (int64_t q = 0; q < nq; ++q) {
    query_classes[q] = static_cast<int32_t>(generator() % 10);
    queries[q] = ((generator() & generator()) ^ (0x9E3779B9ULL * query_classes[q])) & 0xFFFFFFFFu;
  }
  const int64_t k = 100;
  double map_k = 0, map_all = 0;
  for (int64_t q = 0; q < nq; ++q) {
    std::vector<int64_t> order(n);
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return __builtin_popcountll(queries[q] ^ database[a]) <
             __builtin_popcountll(queries[q] ^ database[b]);
    });
    for (int64_t cutoff : {k, n}) {
      double found = 0, sum = 0;
      for (int64_t p = 0; p < cutoff; ++p)
        if (database_classes[order[p]] == query_classes[q]) sum += ++found / (p + 1);
      (cutoff == k ? map_k : map_all) += found > 0 ? sum / found : 0;
    }
  }
  CpuHammingIndex index({database.data(), n, 32});
  RetrievalMetrics metrics =
      evaluate_retrieval(index, {queries.data(), nq, 32}, Labels::from_class_ids(query_classes),
                         Labels::from_class_ids(database_classes), k);
  EXPECT_NEAR(metrics.map_at_k, map_k / nq, 1e-12);
  EXPECT_NEAR(metrics.map_all, map_all / nq, 1e-12);
  EXPECT_GT(metrics.map_all, 0.05);
  EXPECT_LT(metrics.map_all, 0.95);
}

}  // namespace
}  // namespace hg::hashing
