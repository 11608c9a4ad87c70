// Retrieval metrics (definitions in metrics.h).
#include "hashing/metrics.h"

#include <algorithm>
#include <optional>

#include "core/error.h"
#include "core/profiler.h"
#include "hashing/sharded_index.h"

namespace hg::hashing {

namespace {

constexpr int64_t kRankingBytesPerBatch = int64_t{256} << 20;
constexpr int kLookupRadius = 2;

// The share-a-class relevance of both sets. The metrics also want one layout on both sides:
// class-id queries against a multi-hot database (or the reverse) mean that a label file of
// another protocol was given. Missing labels are the table's to name.
RelevanceTable relevance_of(const Labels& queries, const Labels& database) {
  HG_CHECK(queries.empty() || database.empty() || queries.layout() == database.layout(),
           "query labels are ", label_layout_name(queries.layout()), " but database labels are ",
           label_layout_name(database.layout()), ": both must use the same layout");
  return RelevanceTable(queries, database);
}

}  // namespace

QueryScores score_query(const int64_t* ids, const int32_t* distances, int64_t length, int64_t query,
                        int64_t n_database, int bits, int64_t k, const RelevanceTable& relevance,
                        int64_t relevant_total) {
  const bool full = length == n_database;
  k = std::min(k, n_database);
  HG_CHECK(k <= length, "score_query: k = ", k, " but the ranking holds only ", length,
           " items per query");

  QueryScores scores;
  if (full) {
    scores.retrieved.assign(static_cast<size_t>(bits) + 1, 0);
    scores.relevant_retrieved.assign(static_cast<size_t>(bits) + 1, 0);
  }
  int64_t found = 0;  // relevant items up to the current rank
  double precision_sum = 0;
  for (int64_t p = 0; p < length; ++p) {
    const bool relevant = relevance.relevant(query, ids[p]);
    if (relevant) {
      ++found;
      precision_sum += static_cast<double>(found) / static_cast<double>(p + 1);
    }
    if (p + 1 == k) {
      scores.average_precision_at_k = found > 0 ? precision_sum / static_cast<double>(found) : 0;
      scores.precision_at_k = static_cast<double>(found) / static_cast<double>(k);
      scores.recall_at_k = static_cast<double>(found);  // divided by R below
    }
    if (full) {
      ++scores.retrieved[distances[p]];
      if (relevant) ++scores.relevant_retrieved[distances[p]];
    }
  }
  if (full) {
    scores.relevant = found;
    scores.average_precision_all = found > 0 ? precision_sum / static_cast<double>(found) : 0;
    for (int r = 1; r <= bits; ++r) {  // counts at each distance -> counts within each radius
      scores.retrieved[r] += scores.retrieved[r - 1];
      scores.relevant_retrieved[r] += scores.relevant_retrieved[r - 1];
    }
    const int lookup = std::min(kLookupRadius, bits);
    scores.precision_radius2 = scores.retrieved[lookup] > 0
                                   ? static_cast<double>(scores.relevant_retrieved[lookup]) /
                                         static_cast<double>(scores.retrieved[lookup])
                                   : 0;
  } else if (relevant_total >= 0) {
    scores.relevant = relevant_total;
  } else {
    for (int64_t item = 0; item < n_database; ++item)
      scores.relevant += relevance.relevant(query, item) ? 1 : 0;
  }
  scores.recall_at_k =
      scores.relevant > 0 ? scores.recall_at_k / static_cast<double>(scores.relevant) : 0;
  return scores;
}

RetrievalMetrics summarize(const std::vector<QueryScores>& scores, int bits, int64_t n_database,
                           int64_t k, bool full_ranking) {
  RetrievalMetrics metrics;
  metrics.bits = bits;
  metrics.n_query = static_cast<int64_t>(scores.size());
  metrics.n_database = n_database;
  metrics.k = std::min(k, n_database);
  metrics.full_ranking = full_ranking;
  if (scores.empty()) return metrics;
  std::vector<double> retrieved(static_cast<size_t>(bits) + 1, 0.0);
  std::vector<double> relevant_retrieved(retrieved.size(), 0.0);
  double relevant = 0;
  // Sums in query order, so the result does not depend on the thread count.
  for (const QueryScores& query : scores) {
    metrics.map_at_k += query.average_precision_at_k;
    metrics.precision_at_k += query.precision_at_k;
    metrics.recall_at_k += query.recall_at_k;
    if (!full_ranking) continue;
    metrics.map_all += query.average_precision_all;
    metrics.precision_radius2 += query.precision_radius2;
    relevant += static_cast<double>(query.relevant);
    for (int r = 0; r <= bits; ++r) {
      retrieved[r] += static_cast<double>(query.retrieved[r]);
      relevant_retrieved[r] += static_cast<double>(query.relevant_retrieved[r]);
    }
  }
  const double n = static_cast<double>(scores.size());
  metrics.map_at_k /= n;
  metrics.precision_at_k /= n;
  metrics.recall_at_k /= n;
  if (full_ranking) {
    metrics.map_all /= n;
    metrics.precision_radius2 /= n;
    for (int r = 0; r <= bits; ++r) {
      if (retrieved[r] == 0) continue;
      metrics.pr_curve.push_back({r, relevant_retrieved[r] / retrieved[r],
                                  relevant > 0 ? relevant_retrieved[r] / relevant : 0});
    }
  }
  return metrics;
}

namespace {

// Scores the rows of `rankings` as queries first_query, first_query + 1, ...
void score_rows(const SearchResult& rankings, int64_t first_query, int64_t n_database, int bits,
                int64_t k, const RelevanceTable& relevance, std::vector<QueryScores>& scores) {
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t q = 0; q < rankings.n_query; ++q)
    scores[first_query + q] = score_query(rankings.ids.data() + q * rankings.k,
                                          rankings.distances.data() + q * rankings.k, rankings.k,
                                          first_query + q, n_database, bits, k, relevance);
}

}  // namespace

RetrievalMetrics evaluate_rankings(const SearchResult& rankings, int bits, int64_t n_database,
                                   const Labels& query_labels, const Labels& database_labels,
                                   int64_t k) {
  HG_CHECK(query_labels.count() == rankings.n_query, "evaluate_rankings: ", query_labels.count(),
           " query labels for ", rankings.n_query, " ranked queries");
  HG_CHECK(database_labels.count() == n_database, "evaluate_rankings: ", database_labels.count(),
           " database labels for ", n_database, " database items");
  HG_CHECK(k >= 1, "evaluate_rankings: k must be ≥ 1, got ", k);
  HG_CHECK(rankings.k >= std::min(k, n_database),
           "evaluate_rankings: metrics at k = ", std::min(k, n_database),
           " need rankings of at least k items, these hold ", rankings.k);
  for (int64_t id : rankings.ids)
    HG_CHECK(id >= 0 && id < n_database, "evaluate_rankings: ranked id ", id,
             " is not a database position (0..", n_database - 1, ")");
  RelevanceTable relevance = relevance_of(query_labels, database_labels);
  std::vector<QueryScores> scores(static_cast<size_t>(rankings.n_query));
  score_rows(rankings, 0, n_database, bits, k, relevance, scores);
  return summarize(scores, bits, n_database, k, rankings.k == n_database);
}

namespace {

// evaluate_retrieval's loop for any engine: `search(part, k, rankings)` ranks the whole
// database of n_database codes for a batch of queries. Without `scoring` (the ranks of a
// sharded search other than 0) the batches are searched and nothing is scored.
template <typename Search>
RetrievalMetrics evaluate_in_batches(const Search& search, int64_t n_database, int bits,
                                     const PackedCodes& queries, const Labels& query_labels,
                                     const Labels& database_labels, int64_t k, bool scoring) {
  HG_CHECK(k >= 1, "evaluate_retrieval: k must be ≥ 1, got ", k);
  HG_CHECK(n_database > 0, "evaluate_retrieval: the database is empty");
  HG_CHECK(query_labels.count() == queries.count, "evaluate_retrieval: ", query_labels.count(),
           " query labels for ", queries.count, " query codes");
  HG_CHECK(!scoring || database_labels.count() == n_database,
           "evaluate_retrieval: ", database_labels.count(), " database labels for ", n_database,
           " database codes");
  std::optional<RelevanceTable> relevance;
  if (scoring) relevance.emplace(relevance_of(query_labels, database_labels));
  profiler::Scope scope("evaluate_retrieval", false);
  std::vector<QueryScores> scores(static_cast<size_t>(queries.count));
  // Each ranked item costs 12 bytes (id and distance).
  const int64_t batch = std::clamp<int64_t>(kRankingBytesPerBatch / (12 * n_database), 1,
                                            std::max<int64_t>(queries.count, 1));
  SearchResult rankings;  // one buffer for every batch (see HammingIndex::search)
  for (int64_t first = 0; first < queries.count; first += batch) {
    PackedCodes part{queries.code(first), std::min(batch, queries.count - first), queries.bits};
    search(part, n_database, rankings);
    if (scoring) score_rows(rankings, first, n_database, bits, k, *relevance, scores);
  }
  if (!scoring) return {};
  return summarize(scores, bits, n_database, k, true);
}

}  // namespace

RetrievalMetrics evaluate_retrieval(const HammingIndex& index, const PackedCodes& queries,
                                    const Labels& query_labels, const Labels& database_labels,
                                    int64_t k) {
  check_search_inputs(queries, index.database());
  return evaluate_in_batches([&](const PackedCodes& part, int64_t n,
                                 SearchResult& rankings) { index.search(part, n, rankings); },
                             index.database().count, index.database().bits, queries, query_labels,
                             database_labels, k, true);
}

RetrievalMetrics evaluate_retrieval(const ShardedIndex& index, const PackedCodes& queries,
                                    const Labels& query_labels, const Labels& database_labels,
                                    int64_t k) {
  return evaluate_in_batches([&](const PackedCodes& part, int64_t n,
                                 SearchResult& rankings) { index.search(part, n, rankings); },
                             index.total(), index.bits(), queries, query_labels, database_labels, k,
                             index.communicator().rank() == 0);
}

}  // namespace hg::hashing
