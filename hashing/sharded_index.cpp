// ShardedIndex: each rank's exact top-k (or radius hits), sent to rank 0 as bytes and merged
// there (see sharded_index.h).
#include "hashing/sharded_index.h"

#include <algorithm>

#include "core/error.h"
#include "core/profiler.h"
#include "distributed/byte_message.h"

namespace hg::hashing {

namespace {

// A rank's rows as bytes: n_query (i64), the row offsets (n_query + 1, i64), then the ids (i64,
// already positions in the whole database) and the distances (i32).
struct RankRows {
  int64_t n_query = 0;
  std::vector<int64_t> offsets;  // n_query + 1
  std::vector<int64_t> ids;
  std::vector<int32_t> distances;
};

std::vector<uint8_t> to_bytes(const RankRows& rows) {
  distributed::ByteWriter writer;
  writer.value(rows.n_query);
  writer.values(rows.offsets);
  writer.values(rows.ids);
  writer.values(rows.distances);
  return std::move(writer.bytes());
}

RankRows from_bytes(const std::vector<uint8_t>& bytes) {
  distributed::ByteReader reader(bytes, "sharded search");
  RankRows rows;
  rows.n_query = reader.value<int64_t>();
  rows.offsets = reader.values<int64_t>(static_cast<size_t>(rows.n_query + 1));
  rows.ids = reader.values<int64_t>(static_cast<size_t>(rows.offsets.back()));
  rows.distances = reader.values<int32_t>(rows.ids.size());
  return rows;
}

// Rank 0: every rank's rows, or nothing elsewhere.
std::vector<RankRows> gather_rows(const RankRows& local, distributed::Communicator& communicator) {
  std::vector<RankRows> all;
  for (const std::vector<uint8_t>& bytes : communicator.gather_bytes(to_bytes(local), 0))
    all.push_back(from_bytes(bytes));
  for (const RankRows& rows : all)
    HG_CHECK(rows.n_query == local.n_query, "sharded search: a rank answered ", rows.n_query,
             " queries, rank 0 ", local.n_query, " (every rank must search the same queries)");
  return all;
}

// Query q's entries of every rank merged by (distance, position), at most `limit` of them.
// Within a rank the entries are sorted already; across ranks positions increase with the rank.
void merge_query(const std::vector<RankRows>& ranks, int64_t q, int64_t limit,
                 std::vector<int64_t>& ids, std::vector<int32_t>& distances) {
  std::vector<int64_t> next(ranks.size());
  for (size_t r = 0; r < ranks.size(); ++r) next[r] = ranks[r].offsets[q];
  for (int64_t taken = 0; taken < limit; ++taken) {
    int best = -1;
    for (size_t r = 0; r < ranks.size(); ++r) {
      if (next[r] == ranks[r].offsets[q + 1]) continue;
      if (best < 0) {
        best = static_cast<int>(r);
        continue;
      }
      const RankRows& a = ranks[r];
      const RankRows& b = ranks[best];
      if (std::make_pair(a.distances[next[r]], a.ids[next[r]]) <
          std::make_pair(b.distances[next[best]], b.ids[next[best]]))
        best = static_cast<int>(r);
    }
    if (best < 0) return;
    ids.push_back(ranks[best].ids[next[best]]);
    distances.push_back(ranks[best].distances[next[best]++]);
  }
}

}  // namespace

ShardedIndex::ShardedIndex(const PackedCodes& shard, int64_t shard_begin, int64_t total,
                           Device device, distributed::Communicator& communicator,
                           size_t part_budget_bytes, const std::vector<int>& gpus)
    : local_(make_hamming_index(shard, device, part_budget_bytes, gpus)),
      shard_begin_(shard_begin),
      total_(total),
      communicator_(communicator) {
  HG_CHECK(shard_begin >= 0 && shard_begin + shard.count <= total, "ShardedIndex: rows [",
           shard_begin, ", ", shard_begin + shard.count, ") are outside a database of ", total);
}

void ShardedIndex::search(const PackedCodes& queries, int64_t k, SearchResult& result) const {
  HG_CHECK(k >= 0, "Hamming search: k must be ≥ 0, got ", k);
  SearchResult local;
  local_->search(queries, k, local);
  profiler::Scope scope("sharded_merge", false);
  RankRows rows;
  rows.n_query = queries.count;
  for (int64_t q = 0; q <= queries.count; ++q) rows.offsets.push_back(q * local.k);
  rows.ids = std::move(local.ids);
  for (int64_t& id : rows.ids) id += shard_begin_;
  rows.distances = std::move(local.distances);
  std::vector<RankRows> ranks = gather_rows(rows, communicator_);
  result = SearchResult{};
  if (communicator_.rank() != 0) return;
  result.n_query = queries.count;
  result.k = std::min(k, total_);
  result.ids.reserve(static_cast<size_t>(result.n_query * result.k));
  result.distances.reserve(result.ids.capacity());
  for (int64_t q = 0; q < queries.count; ++q)
    merge_query(ranks, q, result.k, result.ids, result.distances);
  HG_CHECK(static_cast<int64_t>(result.ids.size()) == result.n_query * result.k,
           "sharded search: the ranks' shares hold fewer than ", result.k, " codes in all");
}

RadiusResult ShardedIndex::search_radius(const PackedCodes& queries, int radius) const {
  RadiusResult local = local_->search_radius(queries, radius);
  RankRows rows;
  rows.n_query = queries.count;
  rows.offsets = std::move(local.offsets);
  rows.ids = std::move(local.ids);
  for (int64_t& id : rows.ids) id += shard_begin_;
  rows.distances = std::move(local.distances);
  std::vector<RankRows> ranks = gather_rows(rows, communicator_);
  RadiusResult result;
  if (communicator_.rank() != 0) return result;
  result.n_query = queries.count;
  result.offsets.assign(1, 0);
  for (int64_t q = 0; q < queries.count; ++q) {
    merge_query(ranks, q, total_, result.ids, result.distances);
    result.offsets.push_back(static_cast<int64_t>(result.ids.size()));
  }
  return result;
}

}  // namespace hg::hashing
