// Retrieval metrics (definitions in metrics.h).
#include "hashing/metrics.h"

#include <algorithm>

#include "core/error.h"
#include "core/profiler.h"
#include "hashing/sharded_index.h"

namespace hg::hashing {

namespace {

// The rankings of one batch of queries (12 bytes an item). Larger batches buy nothing on the CPU:
// the buffer and the batch's summaries are memory touched for the first time, which cost more
// than the ranking (at 256 MiB, 2.9 s of a 100,000 x 500 eval on a 2-core AMD EPYC; 1.1 s at
// 64 MiB with the search's scratch from the host cache).
constexpr int64_t kRankingBytesPerBatch = int64_t{64} << 20;
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

QueryScores score_ranking(const RankingSummary& summary, int64_t n_database, int bits, int64_t k) {
  const bool full = summary.length == n_database;
  k = std::min(k, n_database);
  HG_CHECK(k <= summary.length, "score_ranking: k = ", k, " but the ranking holds only ",
           summary.length, " items per query");

  QueryScores scores;
  int64_t found = 0;  // relevant items up to the current rank
  double precision_sum = 0;
  bool scored_at_k = false;
  const auto score_at_k = [&] {  // once the ranks up to k are counted
    scores.average_precision_at_k = found > 0 ? precision_sum / static_cast<double>(found) : 0;
    scores.precision_at_k = static_cast<double>(found) / static_cast<double>(k);
    scores.recall_at_k = static_cast<double>(found);  // divided by R below
    scored_at_k = true;
  };
  // Σ rel_p · R_p / p in rank order: the additions of a walk over the whole ranking, in its order.
  for (const int64_t position : summary.relevant_positions) {
    if (position >= k && !scored_at_k) score_at_k();
    ++found;
    precision_sum += static_cast<double>(found) / static_cast<double>(position + 1);
  }
  if (!scored_at_k) score_at_k();
  scores.relevant = summary.relevant;
  if (full) {
    scores.average_precision_all = found > 0 ? precision_sum / static_cast<double>(found) : 0;
    // Counts at each distance -> counts within each radius.
    scores.retrieved = summary.ranked_at_distance;
    scores.relevant_retrieved = summary.relevant_at_distance;
    for (int r = 1; r <= bits; ++r) {
      scores.retrieved[r] += scores.retrieved[r - 1];
      scores.relevant_retrieved[r] += scores.relevant_retrieved[r - 1];
    }
    const int lookup = std::min(kLookupRadius, bits);
    scores.precision_radius2 = scores.retrieved[lookup] > 0
                                   ? static_cast<double>(scores.relevant_retrieved[lookup]) /
                                         static_cast<double>(scores.retrieved[lookup])
                                   : 0;
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

// The summaries of the rows of `rankings` (queries first_query, first_query + 1, ... ranking
// n_items items) into summaries[0, 1, ...].
void summarize_rows(const SearchResult& rankings, int64_t first_query, int64_t n_items, int bits,
                    const RelevanceTable& relevance, std::vector<RankingSummary>& summaries) {
  summaries.resize(static_cast<size_t>(rankings.n_query));
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t q = 0; q < rankings.n_query; ++q)
    summaries[q] = summarize_ranking(rankings.ids.data() + q * rankings.k,
                                     rankings.distances.data() + q * rankings.k, rankings.k,
                                     first_query + q, n_items, bits, relevance);
}

// Scores summaries[0, 1, ...] as queries first_query, first_query + 1, ...
void score_summaries(const std::vector<RankingSummary>& summaries, int64_t first_query,
                     int64_t n_database, int bits, int64_t k, std::vector<QueryScores>& scores) {
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t q = 0; q < static_cast<int64_t>(summaries.size()); ++q)
    scores[first_query + q] = score_ranking(summaries[q], n_database, bits, k);
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
  for (int32_t distance : rankings.distances)
    HG_CHECK(distance >= 0 && distance <= bits, "evaluate_rankings: distance ", distance,
             " is not a distance between ", bits, "-bit codes");
  RelevanceTable relevance = relevance_of(query_labels, database_labels);
  std::vector<RankingSummary> summaries;
  summarize_rows(rankings, 0, n_database, bits, relevance, summaries);
  std::vector<QueryScores> scores(static_cast<size_t>(rankings.n_query));
  score_summaries(summaries, 0, n_database, bits, k, scores);
  return summarize(scores, bits, n_database, k, rankings.k == n_database);
}

namespace {

// evaluate_retrieval's loop for any engine: `search(part, rankings)` ranks all `n_items` items
// of this process (the whole database, or this rank's share of it, labelled `item_labels`) for a
// batch of queries, and `combine(summaries)` turns the summaries of those rankings into the
// whole database's (one process: nothing to do; sharded: the merge, on rank 0 only). Queries
// whose whole-database summaries come back are scored; the metrics are those of a process that
// scored every query (elsewhere all zero).
template <typename Search, typename Combine>
RetrievalMetrics evaluate_in_batches(const Search& search, const Combine& combine, int64_t n_items,
                                     int64_t n_database, int bits, const PackedCodes& queries,
                                     const Labels& query_labels, const Labels& item_labels,
                                     int64_t k) {
  HG_CHECK(k >= 1, "evaluate_retrieval: k must be ≥ 1, got ", k);
  HG_CHECK(n_database > 0, "evaluate_retrieval: the database is empty");
  HG_CHECK(query_labels.count() == queries.count, "evaluate_retrieval: ", query_labels.count(),
           " query labels for ", queries.count, " query codes");
  HG_CHECK(item_labels.count() == n_items, "evaluate_retrieval: ", item_labels.count(),
           " database labels for ", n_items, " database codes");
  const RelevanceTable relevance = relevance_of(query_labels, item_labels);
  profiler::Scope scope("evaluate_retrieval", false);
  std::vector<QueryScores> scores(static_cast<size_t>(queries.count));
  int64_t scored = 0;
  // Each ranked item costs 12 bytes (id and distance). The batch follows the whole database, so
  // that every rank of a sharded one takes the same batches.
  const int64_t batch = std::clamp<int64_t>(kRankingBytesPerBatch / (12 * n_database), 1,
                                            std::max<int64_t>(queries.count, 1));
  SearchResult rankings;  // one buffer for every batch (see HammingIndex::search)
  std::vector<RankingSummary> summaries;
  for (int64_t first = 0; first < queries.count; first += batch) {
    PackedCodes part{queries.code(first), std::min(batch, queries.count - first), queries.bits};
    search(part, rankings);
    summarize_rows(rankings, first, n_items, bits, relevance, summaries);
    const std::vector<RankingSummary> whole = combine(std::move(summaries));
    score_summaries(whole, first, n_database, bits, k, scores);
    scored += static_cast<int64_t>(whole.size());
  }
  if (scored < queries.count) return {};
  return summarize(scores, bits, n_database, k, true);
}

}  // namespace

RetrievalMetrics evaluate_retrieval(const HammingIndex& index, const PackedCodes& queries,
                                    const Labels& query_labels, const Labels& database_labels,
                                    int64_t k) {
  check_search_inputs(queries, index.database());
  const int64_t n_database = index.database().count;
  return evaluate_in_batches(
      [&](const PackedCodes& part, SearchResult& rankings) {
        index.search(part, n_database, rankings);
      },
      [](std::vector<RankingSummary>&& summaries) { return std::move(summaries); }, n_database,
      n_database, index.database().bits, queries, query_labels, database_labels, k);
}

RetrievalMetrics evaluate_retrieval(const ShardedIndex& index, const PackedCodes& queries,
                                    const Labels& query_labels, const Labels& share_labels,
                                    int64_t k) {
  const HammingIndex& share = index.share();
  check_search_inputs(queries, share.database());
  const int64_t n_share = share.database().count;
  return evaluate_in_batches(
      [&](const PackedCodes& part, SearchResult& rankings) {
        share.search(part, n_share, rankings);
      },
      [&](std::vector<RankingSummary>&& summaries) {
        return gather_share_summaries(summaries, index.bits(), index.communicator());
      },
      n_share, index.total(), index.bits(), queries, query_labels, share_labels, k);
}

}  // namespace hg::hashing
