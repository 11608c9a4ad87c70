// The feature re-rank (hashing/rerank.h) on a hand-worked case, and a candidate without a
// feature row refused.
#include <gtest/gtest.h>

#include "hashing/rerank.h"
#include "tests/test_support.h"

namespace hg::hashing {
namespace {

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
