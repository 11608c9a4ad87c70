// PartitionedIndex (partitioned_index.h): the split, the part searches (on a thread each when
// concurrent) and their merge.
#include "hashing/partitioned_index.h"

#include <future>

#include "core/error.h"
#include "distributed/communicator.h"
#include "hashing/merge_row.h"

namespace hg::hashing {

PartitionedIndex::PartitionedIndex(const PackedCodes& database, int parts, Device device,
                                   const MakePart& make_part, bool concurrent)
    : HammingIndex(database), device_(device), concurrent_(concurrent) {
  HG_CHECK(parts >= 1, "PartitionedIndex: parts must be ≥ 1, got ", parts);
  for (int p = 0; p < parts; ++p) {
    const int64_t start = distributed::share_begin(database.count, parts, p);
    const int64_t count = distributed::share_begin(database.count, parts, p + 1) - start;
    starts_.push_back(start);
    indexes_.push_back(count > 0 ? make_part({database.code(start), count, database.bits}, p)
                                 : nullptr);
    HG_CHECK(count == 0 || indexes_.back()->device() == device, "PartitionedIndex: part ", p,
             " is on ", device_name(indexes_.back()->device()), ", the index on ",
             device_name(device));
  }
}

template <typename Result, typename Search>
std::vector<Result> PartitionedIndex::search_parts(const Search& search) const {
  std::vector<Result> results;
  if (!concurrent_) {
    for (size_t p = 0; p < indexes_.size(); ++p)
      if (indexes_[p]) results.push_back(search(*indexes_[p], starts_[p]));
    return results;
  }
  // Every part is started before any is waited for. A part's exception reaches the caller from
  // get(); the futures not yet read wait for their threads as they are destroyed, so no search
  // outlives the call.
  std::vector<std::future<Result>> running;
  for (size_t p = 0; p < indexes_.size(); ++p)
    if (indexes_[p])
      running.push_back(
          std::async(std::launch::async, [&, p] { return search(*indexes_[p], starts_[p]); }));
  for (std::future<Result>& part : running) results.push_back(part.get());
  return results;
}

void PartitionedIndex::search_rows(const PackedCodes& queries, SearchResult& result) const {
  struct PartRows {
    SearchResult rows;
    int64_t start = 0;
  };
  const int64_t k = result.k;
  std::vector<PartRows> parts =
      search_parts<PartRows>([&](const HammingIndex& index, int64_t start) {
        return PartRows{index.search(queries, k), start};
      });
  std::vector<int64_t> lengths(static_cast<size_t>(result.n_query), 0);
  for (const PartRows& part : parts) merge_rows(result, lengths, part.rows, part.start);
}

RadiusResult PartitionedIndex::search_within(const PackedCodes& queries, int radius) const {
  std::vector<int64_t> starts;
  for (size_t p = 0; p < indexes_.size(); ++p)
    if (indexes_[p]) starts.push_back(starts_[p]);
  std::vector<RadiusResult> parts = search_parts<RadiusResult>(
      [&](const HammingIndex& index, int64_t) { return index.search_radius(queries, radius); });
  return merge_radius_parts(parts, starts, queries.count);
}

}  // namespace hg::hashing
