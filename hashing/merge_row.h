// What both HammingIndex implementations do with a database searched in parts (one larger than
// the GPU's memory, or a memory-mapped code file larger than host memory): merge each part's
// sorted rows into the running result. Later parts hold higher positions, so the merge keeps the
// (distance, position) order.
#pragma once

#include <cstdint>
#include <vector>

namespace hg::hashing {

// Merges a part's sorted row (positions offset by `offset`, all after the running row's) into
// the running row of `length` entries, keeping at most k. On equal distance the running row
// comes first: its positions are lower. `merged_*` are scratch rows, reused across calls.
void merge_row(int64_t* ids, int32_t* distances, int64_t& length, int64_t k,
               const int64_t* part_ids, const int32_t* part_distances, int64_t part_length,
               int64_t offset, std::vector<int64_t>& merged_ids,
               std::vector<int32_t>& merged_distances);

}  // namespace hg::hashing
