// The merge of parts' sorted rows into the running result (merge_row.h).
#include "hashing/merge_row.h"

#include <algorithm>
#include <utility>

#include "core/error.h"

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

void merge_rows(SearchResult& result, std::vector<int64_t>& lengths, const SearchResult& part,
                int64_t offset) {
  HG_CHECK(part.n_query == result.n_query && part.k <= result.k &&
               static_cast<int64_t>(lengths.size()) == result.n_query,
           "merge_rows: a part answered ", part.n_query, " queries × ", part.k, ", the result is ",
           result.n_query, " × ", result.k);
#pragma omp parallel
  {
    std::vector<int64_t> merged_ids;
    std::vector<int32_t> merged_distances;
#pragma omp for
    for (int64_t q = 0; q < result.n_query; ++q)
      merge_row(&result.ids[q * result.k], &result.distances[q * result.k], lengths[q], result.k,
                &part.ids[q * part.k], &part.distances[q * part.k], part.k, offset, merged_ids,
                merged_distances);
  }
}

RadiusResult merge_radius_parts(const std::vector<RadiusResult>& parts,
                                const std::vector<int64_t>& starts, int64_t n_query) {
  HG_CHECK(parts.size() == starts.size(), "merge_radius_parts: ", parts.size(), " parts but ",
           starts.size(), " starts");
  RadiusResult result;
  result.n_query = n_query;
  result.offsets.assign(1, 0);
  std::vector<std::pair<int32_t, int64_t>> row;  // (distance, position) of every part
  for (int64_t q = 0; q < n_query; ++q) {
    row.clear();
    for (size_t p = 0; p < parts.size(); ++p)
      for (int64_t j = parts[p].offsets[q]; j < parts[p].offsets[q + 1]; ++j)
        row.emplace_back(parts[p].distances[j], parts[p].ids[j] + starts[p]);
    // Each part's entries are sorted and the parts come in position order: a stable sort by
    // distance keeps positions ascending within a distance.
    std::stable_sort(row.begin(), row.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [distance, position] : row) {
      result.ids.push_back(position);
      result.distances.push_back(distance);
    }
    result.offsets.push_back(static_cast<int64_t>(result.ids.size()));
  }
  return result;
}

}  // namespace hg::hashing
