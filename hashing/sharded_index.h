// A Hamming index whose database is split across the ranks of a communicator (DESIGN §3b):
// `mpirun -np N hashgrad search/eval` gives each rank a consecutive share of the database
// (distributed::share_begin), each rank ranks its share exactly (HammingIndex, on its device or
// split across its GPUs: partitioned_index.h),
// and rank 0 merges the shares' rows by (distance, position). Shares are in rank order, so a
// tie between two ranks' entries goes to the lower position exactly as in one process: the
// merged result equals HammingIndex over the whole database, ids, distances and tie order.
//
// What crosses the network per search: from each rank, k entries of 12 bytes (id, distance)
// per query. `hashgrad eval`, which ranks the whole database for every query, sends no
// rankings: each rank reduces its share's full rankings to summaries first (ranking_summary.h).
#pragma once

#include <memory>
#include <vector>

#include "distributed/communicator.h"
#include "hashing/hamming_search.h"

namespace hg::hashing {

class ShardedIndex {
 public:
  // `shard` is this rank's rows, row `shard_begin` onwards of a database of `total` codes.
  // `part_budget_bytes` streams the shard in parts, and `gpus` splits it across this rank's
  // GPUs (make_hamming_index). The memory must outlive it.
  ShardedIndex(const PackedCodes& shard, int64_t shard_begin, int64_t total, Device device,
               distributed::Communicator& communicator, size_t part_budget_bytes = 0,
               const std::vector<int>& gpus = {});

  // Every rank calls these with the same queries. On rank 0 the result is the whole database's
  // (positions in the whole database); elsewhere it is empty (n_query 0).
  void search(const PackedCodes& queries, int64_t k, SearchResult& result) const;
  RadiusResult search_radius(const PackedCodes& queries, int radius) const;

  // This rank's share alone: its rows are positions share_begin() onwards of the whole database.
  const HammingIndex& share() const { return *local_; }
  int64_t share_begin() const { return shard_begin_; }
  int64_t total() const { return total_; }
  int bits() const { return local_->database().bits; }
  distributed::Communicator& communicator() const { return communicator_; }

 private:
  std::unique_ptr<HammingIndex> local_;
  int64_t shard_begin_ = 0;
  int64_t total_ = 0;
  distributed::Communicator& communicator_;
};

}  // namespace hg::hashing
