// What every HammingIndex does with a database searched in parts (one larger than the GPU's
// memory, a memory-mapped code file larger than host memory, a database split across GPUs):
// merge each part's sorted rows into the running result. Later parts hold higher positions, so
// the merge keeps the (distance, position) order: on equal distance the running row, whose
// positions are lower, comes first, exactly as one index over the whole database orders them.
#pragma once

#include <cstdint>
#include <vector>

#include "hashing/hamming_search.h"

namespace hg::hashing {

// Merges a part's sorted row (positions offset by `offset`, all after the running row's) into
// the running row of `length` entries, keeping at most k. On equal distance the running row
// comes first: its positions are lower. `merged_*` are scratch rows, reused across calls.
void merge_row(int64_t* ids, int32_t* distances, int64_t& length, int64_t k,
               const int64_t* part_ids, const int32_t* part_distances, int64_t part_length,
               int64_t offset, std::vector<int64_t>& merged_ids,
               std::vector<int32_t>& merged_distances);

// merge_row for every query (threads over queries): `part` is the top-k of a part whose
// positions start at `offset`, after every part merged so far; `result` is sized n_query × k
// and its row q holds lengths[q] entries so far (0 before the first part).
void merge_rows(SearchResult& result, std::vector<int64_t>& lengths, const SearchResult& part,
                int64_t offset);

// The radius results of consecutive parts, in position order, as one result: part p's positions
// offset by starts[p]. Every part answered the same n_query queries.
RadiusResult merge_radius_parts(const std::vector<RadiusResult>& parts,
                                const std::vector<int64_t>& starts, int64_t n_query);

}  // namespace hg::hashing
