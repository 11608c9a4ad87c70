// AM-VGGH retrieval's second stage: the Hamming top-k of a HammingIndex re-ordered by the
// Euclidean distance between float features.
#pragma once

#include <cstdint>

#include "hashing/hamming_search.h"

namespace hg::hashing {

// Re-orders each row of `candidates` by the Euclidean distance between the query's features and
// the candidate's (ties by database position). Features are row-major float: query_features
// n_query × dim, database_features n_database × dim. The Hamming distances travel with their
// ids; feature_distances receives the Euclidean distances.
SearchResult rerank_by_features(const SearchResult& candidates, const float* query_features,
                                const float* database_features, int64_t n_database, int64_t dim);

}  // namespace hg::hashing
