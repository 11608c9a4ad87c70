// Retrieval metrics of DESIGN §5, for single-label (class ids) and multi-label (multi-hot) data.
//
// Every metric reads a ranking of the database for each query: database items sorted by Hamming
// distance to the query, ties by database position (the stable order HammingIndex returns).
// With rel_p = 1 when the item at rank p (1-based) is relevant to the query (same class, or at
// least one shared label), R_k = Σ_{p≤k} rel_p and R = the number of relevant database items:
//
//   AP@k       (1/R_k) Σ_{p≤k} rel_p · R_p / p        (0 when R_k = 0: no relevant item in top k)
//   mAP@k      mean of AP@k over queries;  mAP@all is mAP@k with k = database size
//              (this is DeepHash-pytorch's CalcTopMap, up to its unstable tie order)
//   P@k        R_k / k                   recall@k   R_k / R   (0 when R = 0)
//   P(r ≤ 2)   per query, relevant / retrieved among items within Hamming radius 2, 0 when none
//              is retrieved (the hash-lookup convention of Lin et al. and DPSH); mean over queries
//   PR curve   for each radius r = 0..bits, over all query–item pairs with distance ≤ r:
//              precision(r) = Σ_q relevant retrieved / Σ_q retrieved,
//              recall(r)    = Σ_q relevant retrieved / Σ_q R
//              (pair counts, not per-query means, so small radii that retrieve nothing for most
//              queries do not distort the curve; radii that retrieve nothing at all are omitted).
//
// k is clamped to the database size. Metrics that need the whole ranking (mAP@all, P(r ≤ 2),
// the PR curve) are computed only when every row ranks the whole database.
//
// Every ranking is scored through its summary (ranking_summary.h): the positions of its relevant
// items and its counts by distance. A database sharded across ranks never sends a ranking: each
// rank summarizes its share's, rank 0 merges the summaries and scores them here, with the same
// arithmetic in the same order as one process, so the metrics are equal bit for bit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hashing/hamming_search.h"
#include "hashing/ranking_summary.h"
#include "tensor/labels.h"

namespace hg::hashing {

class ShardedIndex;  // sharded_index.h

struct PrPoint {
  int radius = 0;
  double precision = 0;
  double recall = 0;
};

struct RetrievalMetrics {
  int bits = 0;
  int64_t n_query = 0;
  int64_t n_database = 0;
  int64_t k = 0;  // cutoff of map_at_k, precision_at_k and recall_at_k
  double map_at_k = 0;
  double precision_at_k = 0;
  double recall_at_k = 0;
  bool full_ranking = false;  // the fields below are set only when true
  double map_all = 0;
  double precision_radius2 = 0;
  std::vector<PrPoint> pr_curve;
};

// What one query contributes (definitions above).
struct QueryScores {
  double average_precision_at_k = 0;
  double average_precision_all = 0;  // full rankings only
  double precision_at_k = 0;
  double recall_at_k = 0;
  double precision_radius2 = 0;  // full rankings only
  int64_t relevant = 0;          // R
  // Full rankings only, by radius r = 0..bits: items with distance ≤ r, and the relevant ones.
  std::vector<int64_t> retrieved, relevant_retrieved;
};

// Scores one query from the summary of its ranking (ranking_summary.h): of a full ranking when
// summary.length == n_database, of its top summary.length items otherwise (k ≤ length).
QueryScores score_ranking(const RankingSummary& summary, int64_t n_database, int bits, int64_t k);

// Means over queries and pair sums for the curve.
RetrievalMetrics summarize(const std::vector<QueryScores>& scores, int bits, int64_t n_database,
                           int64_t k, bool full_ranking);

// Metrics from given rankings ("a ranking plus label matrices"): rankings.k == n_database makes a
// full ranking; shorter rows give the @k metrics only.
RetrievalMetrics evaluate_rankings(const SearchResult& rankings, int bits, int64_t n_database,
                                   const Labels& query_labels, const Labels& database_labels,
                                   int64_t k);

// Metrics from codes ("a Hamming distance computation"): ranks the whole database for every
// query with `index` (CPU or GPU), in batches that bound memory.
RetrievalMetrics evaluate_retrieval(const HammingIndex& index, const PackedCodes& queries,
                                    const Labels& query_labels, const Labels& database_labels,
                                    int64_t k);

// The same with the database sharded across ranks: every rank calls it with the same queries
// and query labels and with the labels of its own share's rows (`share_labels`); the metrics
// are rank 0's (elsewhere all zero). Each rank ranks and summarizes its share's rows, and only
// the summaries reach rank 0 (ranking_summary.h).
RetrievalMetrics evaluate_retrieval(const ShardedIndex& index, const PackedCodes& queries,
                                    const Labels& query_labels, const Labels& share_labels,
                                    int64_t k);

}  // namespace hg::hashing
