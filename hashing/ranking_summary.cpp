// Ranking summaries and their merge across shares (see ranking_summary.h).
#include "hashing/ranking_summary.h"

#include "core/error.h"
#include "distributed/byte_message.h"

namespace hg::hashing {

RankingSummary summarize_ranking(const int64_t* ids, const int32_t* distances, int64_t length,
                                 int64_t query, int64_t n_items, int bits,
                                 const RelevanceTable& relevance) {
  RankingSummary summary;
  summary.length = length;
  const bool full = length == n_items;
  if (full) {
    summary.ranked_at_distance.assign(static_cast<size_t>(bits) + 1, 0);
    summary.relevant_at_distance.assign(static_cast<size_t>(bits) + 1, 0);
  }
  for (int64_t p = 0; p < length; ++p) {
    const bool relevant = relevance.relevant(query, ids[p]);
    if (relevant) summary.relevant_positions.push_back(p);
    if (!full) continue;
    ++summary.ranked_at_distance[distances[p]];
    if (relevant) ++summary.relevant_at_distance[distances[p]];
  }
  if (full) {
    summary.relevant = static_cast<int64_t>(summary.relevant_positions.size());
  } else {
    for (int64_t item = 0; item < n_items; ++item)
      summary.relevant += relevance.relevant(query, item) ? 1 : 0;
  }
  return summary;
}

namespace {

// What a share's summary must hold for the merge to read it (it may come from another rank).
void check_share(const RankingSummary& share, int bits) {
  const size_t distances = static_cast<size_t>(bits) + 1;
  HG_CHECK(share.ranked_at_distance.size() == distances &&
               share.relevant_at_distance.size() == distances,
           "merging ranking summaries: a share's summary is not of a full ranking of ", bits,
           "-bit codes");
  int64_t ranked = 0, relevant = 0;
  for (size_t d = 0; d < distances; ++d) {
    ranked += share.ranked_at_distance[d];
    relevant += share.relevant_at_distance[d];
  }
  HG_CHECK(ranked == share.length && relevant == share.relevant &&
               relevant == static_cast<int64_t>(share.relevant_positions.size()),
           "merging ranking summaries: a share's counts by distance do not add up to its ",
           share.length, " items and ", share.relevant, " relevant ones");
}

}  // namespace

RankingSummary merge_share_summaries(const std::vector<const RankingSummary*>& shares, int bits) {
  RankingSummary merged;
  merged.ranked_at_distance.assign(static_cast<size_t>(bits) + 1, 0);
  merged.relevant_at_distance.assign(merged.ranked_at_distance.size(), 0);
  for (const RankingSummary* share : shares) {
    check_share(*share, bits);
    merged.length += share->length;
    merged.relevant += share->relevant;
    for (int d = 0; d <= bits; ++d) {
      merged.ranked_at_distance[d] += share->ranked_at_distance[d];
      merged.relevant_at_distance[d] += share->relevant_at_distance[d];
    }
  }
  merged.relevant_positions.reserve(static_cast<size_t>(merged.relevant));
  // next[s]: share s's next relevant entry; share_start[s]: where distance d starts in share s's
  // ranking. A share's relevant entries come by distance, so distance d's are the next
  // relevant_at_distance[d] of them.
  std::vector<size_t> next(shares.size(), 0);
  std::vector<int64_t> share_start(shares.size(), 0);
  int64_t start = 0;  // where distance d starts in the whole ranking
  for (int d = 0; d <= bits; ++d) {
    int64_t at = start;  // where share s's items at distance d start in the whole ranking
    for (size_t s = 0; s < shares.size(); ++s) {
      const RankingSummary& share = *shares[s];
      for (int64_t j = 0; j < share.relevant_at_distance[d]; ++j)
        merged.relevant_positions.push_back(at + share.relevant_positions[next[s]++] -
                                            share_start[s]);
      at += share.ranked_at_distance[d];
      share_start[s] += share.ranked_at_distance[d];
    }
    start += merged.ranked_at_distance[d];
  }
  return merged;
}

namespace {

// A rank's summaries as bytes: their count, then per query its length, R, the number of
// relevant positions, the positions, and the two counts by distance (bits + 1 each); all i64.
std::vector<uint8_t> to_bytes(const std::vector<RankingSummary>& summaries) {
  distributed::ByteWriter writer;
  writer.value(static_cast<int64_t>(summaries.size()));
  for (const RankingSummary& summary : summaries) {
    writer.value(summary.length);
    writer.value(summary.relevant);
    writer.value(static_cast<int64_t>(summary.relevant_positions.size()));
    writer.values(summary.relevant_positions);
    writer.values(summary.ranked_at_distance);
    writer.values(summary.relevant_at_distance);
  }
  return std::move(writer.bytes());
}

std::vector<RankingSummary> from_bytes(const std::vector<uint8_t>& bytes, int bits) {
  distributed::ByteReader reader(bytes, "sharded evaluation");
  std::vector<RankingSummary> summaries(static_cast<size_t>(reader.value<int64_t>()));
  const size_t distances = static_cast<size_t>(bits) + 1;
  for (RankingSummary& summary : summaries) {
    summary.length = reader.value<int64_t>();
    summary.relevant = reader.value<int64_t>();
    summary.relevant_positions =
        reader.values<int64_t>(static_cast<size_t>(reader.value<int64_t>()));
    summary.ranked_at_distance = reader.values<int64_t>(distances);
    summary.relevant_at_distance = reader.values<int64_t>(distances);
  }
  return summaries;
}

}  // namespace

std::vector<RankingSummary> gather_share_summaries(const std::vector<RankingSummary>& local,
                                                   int bits,
                                                   distributed::Communicator& communicator) {
  std::vector<std::vector<uint8_t>> received = communicator.gather_bytes(to_bytes(local), 0);
  if (received.empty()) return {};
  std::vector<std::vector<RankingSummary>> ranks;
  for (std::vector<uint8_t>& bytes : received) {
    ranks.push_back(from_bytes(bytes, bits));
    std::vector<uint8_t>().swap(bytes);
    HG_CHECK(ranks.back().size() == local.size(), "sharded evaluation: a rank summarized ",
             ranks.back().size(), " queries, rank 0 ", local.size(),
             " (every rank must evaluate the same queries)");
  }
  // On one thread: a merge costs O(bits × ranks + R) per query, far below the ranks' searches,
  // and its checks of what the ranks sent may throw.
  std::vector<RankingSummary> merged;
  std::vector<const RankingSummary*> shares(ranks.size());
  for (size_t q = 0; q < local.size(); ++q) {
    for (size_t r = 0; r < ranks.size(); ++r) shares[r] = &ranks[r][q];
    merged.push_back(merge_share_summaries(shares, bits));
  }
  return merged;
}

}  // namespace hg::hashing
