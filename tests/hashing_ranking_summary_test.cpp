// Ranking summaries (hashing/ranking_summary.h): the merge of shares' summaries on a hand-worked
// case, and, on 8-bit codes tied heavily across shares with multi-label relevance, that the
// merged summaries of 1 to 5 shares (one of them empty) equal the whole ranking's and score to
// the same doubles, exactly, as a walk over the whole ranking in rank order.
#include <gtest/gtest.h>

#include <random>

#include "hashing/cpu_hamming_index.h"
#include "hashing/metrics.h"
#include "hashing/ranking_summary.h"
#include "tests/random_codes.h"

namespace hg::hashing {
namespace {

TEST(RankingSummary, SharesMergeByDistanceThenShareThenPosition) {
  // 2-bit codes. Share 0 ranks its 3 items at distances 0, 1, 1 with the second relevant; share
  // 1 its 4 items at 0, 0, 1, 2 with the first, third and fourth relevant. The whole ranking is
  // distance 0: s0[0], s1[0], s1[1]; distance 1: s0[1], s0[2], s1[2]; distance 2: s1[3], so the
  // relevant items sit at positions 1 (s1[0]), 3 (s0[1]), 5 (s1[2]) and 6 (s1[3]).
  RankingSummary first{3, 1, {1}, {1, 2, 0}, {0, 1, 0}};
  RankingSummary second{4, 3, {0, 2, 3}, {2, 1, 1}, {1, 1, 1}};
  const RankingSummary merged = merge_share_summaries({&first, &second}, 2);
  EXPECT_EQ(merged.length, 7);
  EXPECT_EQ(merged.relevant, 4);
  EXPECT_EQ(merged.relevant_positions, (std::vector<int64_t>{1, 3, 5, 6}));
  EXPECT_EQ(merged.ranked_at_distance, (std::vector<int64_t>{3, 3, 1}));
  EXPECT_EQ(merged.relevant_at_distance, (std::vector<int64_t>{1, 2, 1}));
}

TEST(RankingSummary, CountsThatDoNotAddUpAreRefused) {
  RankingSummary broken{3, 1, {1}, {1, 1, 0}, {0, 1, 0}};  // 2 items by distance, length 3
  EXPECT_THROW(merge_share_summaries({&broken}, 2), Error);
  RankingSummary partial{3, 1, {1}, {}, {}};  // not a full ranking
  EXPECT_THROW(merge_share_summaries({&partial}, 2), Error);
}

// What one query scores, walked over its whole ranking in rank order (DESIGN §5).
QueryScores walk(const SearchResult& ranking, int64_t q, const RelevanceTable& relevance, int bits,
                 int64_t k) {
  QueryScores scores;
  scores.retrieved.assign(static_cast<size_t>(bits) + 1, 0);
  scores.relevant_retrieved.assign(scores.retrieved.size(), 0);
  int64_t found = 0;
  double sum = 0;
  for (int64_t p = 0; p < ranking.k; ++p) {
    const int64_t id = ranking.ids[q * ranking.k + p];
    const int32_t distance = ranking.distances[q * ranking.k + p];
    const bool relevant = relevance.relevant(q, id);
    if (relevant) sum += static_cast<double>(++found) / static_cast<double>(p + 1);
    if (p + 1 == k) {
      scores.average_precision_at_k = found > 0 ? sum / static_cast<double>(found) : 0;
      scores.precision_at_k = static_cast<double>(found) / static_cast<double>(k);
      scores.recall_at_k = static_cast<double>(found);
    }
    for (int r = distance; r <= bits; ++r) {
      ++scores.retrieved[r];
      if (relevant) ++scores.relevant_retrieved[r];
    }
  }
  scores.relevant = found;
  scores.average_precision_all = found > 0 ? sum / static_cast<double>(found) : 0;
  scores.recall_at_k = found > 0 ? scores.recall_at_k / static_cast<double>(found) : 0;
  scores.precision_radius2 = scores.retrieved[2] > 0
                                 ? static_cast<double>(scores.relevant_retrieved[2]) /
                                       static_cast<double>(scores.retrieved[2])
                                 : 0;
  return scores;
}

void expect_same(const QueryScores& actual, const QueryScores& expected, const std::string& what) {
  // Exact: the sharded evaluation must write the one process's metrics.json byte for byte.
  EXPECT_EQ(actual.average_precision_at_k, expected.average_precision_at_k) << what;
  EXPECT_EQ(actual.average_precision_all, expected.average_precision_all) << what;
  EXPECT_EQ(actual.precision_at_k, expected.precision_at_k) << what;
  EXPECT_EQ(actual.recall_at_k, expected.recall_at_k) << what;
  EXPECT_EQ(actual.precision_radius2, expected.precision_radius2) << what;
  EXPECT_EQ(actual.relevant, expected.relevant) << what;
  EXPECT_EQ(actual.retrieved, expected.retrieved) << what;
  EXPECT_EQ(actual.relevant_retrieved, expected.relevant_retrieved) << what;
}

TEST(RankingSummary, MergedSharesScoreExactlyAsTheWholeRanking) {
  // 203 codes of 8 bits (the fewest there are) with a strong bias: most of them within distance
  // 3 of a query, so ties run across every share boundary. Labels: 5 classes, multi-hot, some rows
  // empty (relevant to nothing); query 0 has no label, so nothing is relevant to it.
  const int bits = 8;
  const int64_t n = 203, n_query = 12, classes = 5;
  const test::Codes database = test::random_codes(n, bits, 11, 0.1);
  const test::Codes queries = test::random_codes(n_query, bits, 12, 0.1);
  std::mt19937_64 generator(13);
  std::bernoulli_distribution has_class(0.3);
  std::vector<uint8_t> database_rows(static_cast<size_t>(n * classes));
  std::vector<uint8_t> query_rows(static_cast<size_t>(n_query * classes));
  for (uint8_t& value : database_rows) value = has_class(generator) ? 1 : 0;
  for (size_t i = classes; i < query_rows.size(); ++i) query_rows[i] = has_class(generator) ? 1 : 0;
  const Labels database_labels = Labels::from_multi_hot(database_rows, classes);
  const Labels query_labels = Labels::from_multi_hot(query_rows, classes);
  const RelevanceTable relevance(query_labels, database_labels);

  CpuHammingIndex whole_index(database.packed());
  const SearchResult whole = whole_index.search(queries.packed(), n);
  std::vector<RankingSummary> expected;
  for (int64_t q = 0; q < n_query; ++q)
    expected.push_back(summarize_ranking(whole.ids.data() + q * n, whole.distances.data() + q * n,
                                         n, q, n, bits, relevance));
  ASSERT_EQ(expected[0].relevant, 0);

  // Cutoffs: the first item, the whole ranking, and one inside a tie: query 1's items at ranks
  // 60 and 61 (1-based) are at the same distance.
  ASSERT_EQ(whole.distances[n + 59], whole.distances[n + 60]);
  for (int64_t k : {int64_t{1}, int64_t{60}, n})
    for (int64_t q = 0; q < n_query; ++q)
      expect_same(score_ranking(expected[q], n, bits, k), walk(whole, q, relevance, bits, k),
                  "whole ranking, query " + std::to_string(q) + ", k " + std::to_string(k));

  // Shares' boundaries; {0, 0, ...} makes share 0 empty.
  for (const std::vector<int64_t>& bounds :
       {std::vector<int64_t>{0, n}, {0, 101, n}, {0, 0, 68, 136, n}, {0, 40, 41, 120, 170, n}}) {
    const size_t shares = bounds.size() - 1;
    std::vector<std::vector<RankingSummary>> share_summaries(shares);
    for (size_t s = 0; s < shares; ++s) {
      const int64_t count = bounds[s + 1] - bounds[s];
      std::vector<int64_t> rows(static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) rows[i] = bounds[s] + i;
      const Labels share_labels = database_labels.gather(rows);
      const RelevanceTable share_relevance(query_labels, share_labels);
      CpuHammingIndex share_index(
          {database.words.data() + bounds[s] * words_per_code(bits), count, bits});
      const SearchResult ranking = share_index.search(queries.packed(), count);
      for (int64_t q = 0; q < n_query; ++q)
        share_summaries[s].push_back(summarize_ranking(ranking.ids.data() + q * count,
                                                       ranking.distances.data() + q * count, count,
                                                       q, count, bits, share_relevance));
    }
    for (int64_t q = 0; q < n_query; ++q) {
      std::vector<const RankingSummary*> parts;
      for (size_t s = 0; s < shares; ++s) parts.push_back(&share_summaries[s][q]);
      const RankingSummary merged = merge_share_summaries(parts, bits);
      const std::string what = std::to_string(shares) + " shares, query " + std::to_string(q);
      EXPECT_EQ(merged, expected[q]) << what;
      for (int64_t k : {int64_t{1}, int64_t{60}, n})
        expect_same(score_ranking(merged, n, bits, k), walk(whole, q, relevance, bits, k),
                    what + ", k " + std::to_string(k));
    }
  }
}

}  // namespace
}  // namespace hg::hashing
