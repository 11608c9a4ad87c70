// What the metrics of metrics.h read of one query's ranking, and how the rankings of a database's
// shares combine into the whole database's without ever being sent.
//
// Every metric depends on a ranking only through the positions of its relevant items and, for a
// full ranking, how many items (and how many relevant ones) sit at each Hamming distance. So a
// ranking of n items reduces to a summary of O(bits + R) numbers, R the relevant items, and the
// metrics are computed from the summary alone (score_ranking in metrics.h).
//
// A database sharded across ranks (ShardedIndex) gives each rank a consecutive share of the
// positions, and rankings order ties by position. The whole database's ranking is therefore, for
// each distance d in increasing order, rank 0's items at d, then rank 1's, ... each in position
// order. An item that is the i-th (0-based) at distance d of rank r's full ranking sits at
//   Σ_{d' < d} Σ_ranks count[d']  +  Σ_{r' < r} count_{r'}[d]  +  i
// of the whole ranking. Each rank summarizes its own share's full rankings (its own relevance
// checks, on its share's labels) and rank 0 places every relevant item exactly from the shares'
// summaries: the same summary, integer for integer, as that of the whole ranking, hence the
// same metrics bit for bit. What crosses the network per query is 16 bytes per distance
// (0..bits) and 8 bytes per relevant item of the rank's share, instead of 12 bytes per item.
#pragma once

#include <cstdint>
#include <vector>

#include "distributed/communicator.h"
#include "tensor/labels.h"

namespace hg::hashing {

struct RankingSummary {
  int64_t length = 0;    // items ranked
  int64_t relevant = 0;  // R: the relevant items of the whole database (or share) summarized
  // The 0-based positions in the ranking of its relevant items, ascending.
  std::vector<int64_t> relevant_positions;
  // Full rankings only (length = the items summarized; otherwise empty), by distance 0..bits:
  // items at that distance, and the relevant ones among them.
  std::vector<int64_t> ranked_at_distance, relevant_at_distance;

  bool operator==(const RankingSummary& other) const {
    return length == other.length && relevant == other.relevant &&
           relevant_positions == other.relevant_positions &&
           ranked_at_distance == other.ranked_at_distance &&
           relevant_at_distance == other.relevant_at_distance;
  }
};

// The summary of one query's ranking: `ids` and `distances` are its `length` items (positions
// among `n_items`, and their distances, < bits + 1); `query` indexes the query labels of
// `relevance`. A full ranking (length == n_items) counts R for free; a shorter one counts it
// over the n_items items.
RankingSummary summarize_ranking(const int64_t* ids, const int32_t* distances, int64_t length,
                                 int64_t query, int64_t n_items, int bits,
                                 const RelevanceTable& relevance);

// The summary of the whole database's ranking from the summaries of its shares' full rankings,
// in share order (consecutive positions, each ranking ordered by distance then position).
RankingSummary merge_share_summaries(const std::vector<const RankingSummary*>& shares, int bits);

// Every rank calls it with its share's summaries of the same queries, in rank order of shares:
// on rank 0, the whole database's summaries (merge_share_summaries), elsewhere none.
std::vector<RankingSummary> gather_share_summaries(const std::vector<RankingSummary>& local,
                                                   int bits,
                                                   distributed::Communicator& communicator);

}  // namespace hg::hashing
