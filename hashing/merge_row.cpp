// The merge of a part's sorted rows into the running result (merge_row.h).
#include "hashing/merge_row.h"

#include <algorithm>

namespace hg::hashing {

void merge_row(int64_t* ids, int32_t* distances, int64_t& length, int64_t k,
               const int64_t* part_ids, const int32_t* part_distances, int64_t part_length,
               int64_t offset, std::vector<int64_t>& merged_ids,
               std::vector<int32_t>& merged_distances) {
  merged_ids.clear();
  merged_distances.clear();
  int64_t a = 0, b = 0;
  while (static_cast<int64_t>(merged_ids.size()) < k && (a < length || b < part_length)) {
    if (b >= part_length || (a < length && distances[a] <= part_distances[b])) {
      merged_ids.push_back(ids[a]);
      merged_distances.push_back(distances[a++]);
    } else {
      merged_ids.push_back(part_ids[b] + offset);
      merged_distances.push_back(part_distances[b++]);
    }
  }
  length = static_cast<int64_t>(merged_ids.size());
  std::copy(merged_ids.begin(), merged_ids.end(), ids);
  std::copy(merged_distances.begin(), merged_distances.end(), distances);
}

}  // namespace hg::hashing
