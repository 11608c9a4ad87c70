// PartitionedIndex: a HammingIndex whose database is split into consecutive parts, one
// sub-index per part, every part searched and the rows merged (DESIGN §2: a sharded index, one
// shard per rank or GPU, exact merge). Across ranks that is ShardedIndex; inside one process it
// is this class: make_hamming_index puts one part on each GPU the process searches on (the
// --gpus of `hashgrad search` and `eval`), each a CudaHammingIndex bound to its device. The same
// class over CpuHammingIndex parts is its CPU reference: split into any number of parts it gives
// what one index over the whole database gives, ids, distances and tie order.
//
// Parts. Part p holds rows [share_begin(n, parts, p), share_begin(n, parts, p + 1)) (the split of
// the ranks' shares, distributed::share_begin): sizes differ by at most one. A part of no rows
// (more parts than codes) gets no sub-index and adds nothing.
//
// Merge. Each part answers with rows sorted by (distance, position within the part); the parts
// are merged in position order by merge_rows (hashing/merge_row.h), each part's positions offset
// by its first row. Every position of part p is below every position of part p + 1, so on equal
// distance the lower part's entry comes first: the order of one index. A part smaller than k
// answers with all its codes; the merge keeps the best k of all of them.
//
// Concurrency. With `concurrent`, each part is searched on a host thread of its own, the
// results merged once all are back. Threads rather than asynchronous streams from one thread:
// a CudaHammingIndex search is synchronous (it uploads the queries, copies rows back, merges
// streamed parts on the host, and radius search waits for the counts before sizing its
// output), and the CUDA device is a per-thread setting, so one thread per GPU overlaps all of
// that, kernels, copies, host merges and the reading of a memory-mapped file, without turning
// the index into asynchronous stages. CPU parts are searched one after another (each search
// already uses every core); the tests also search CPU parts concurrently, to run the threaded
// path where there is no GPU.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "hashing/hamming_search.h"

namespace hg::hashing {

class PartitionedIndex final : public HammingIndex {
 public:
  // make_part(codes, p): the index of part p, whose codes are `codes`. Every part is on
  // `device`. The database memory must outlive the index.
  using MakePart = std::function<std::unique_ptr<HammingIndex>(const PackedCodes& codes, int part)>;
  PartitionedIndex(const PackedCodes& database, int parts, Device device, const MakePart& make_part,
                   bool concurrent);

  Device device() const override { return device_; }
  // The parts asked for, and the first row of each (parts of no rows included).
  int parts() const { return static_cast<int>(starts_.size()); }
  int64_t part_start(int part) const { return starts_[static_cast<size_t>(part)]; }

 private:
  void search_rows(const PackedCodes& queries, SearchResult& result) const override;
  RadiusResult search_within(const PackedCodes& queries, int radius) const override;
  // Calls search(part's index, part's first row) for every part with rows, in position order
  // (concurrently when the index is), and returns each call's result in that order.
  template <typename Result, typename Search>
  std::vector<Result> search_parts(const Search& search) const;

  Device device_;
  bool concurrent_;
  std::vector<int64_t> starts_;
  std::vector<std::unique_ptr<HammingIndex>> indexes_;  // per part; null for a part of no rows
};

}  // namespace hg::hashing
