// The feature re-rank (rerank.h): per query, k squared distances in f64, then a sort.
#include "hashing/rerank.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "core/profiler.h"

namespace hg::hashing {

SearchResult rerank_by_features(const SearchResult& candidates, const float* query_features,
                                const float* database_features, int64_t n_database, int64_t dim) {
  HG_CHECK(dim > 0, "rerank_by_features: feature dimension must be positive, got ", dim);
  for (int64_t id : candidates.ids)
    HG_CHECK(id >= 0 && id < n_database, "rerank_by_features: candidate ", id,
             " has no feature row (the features cover ", n_database, " database items)");
  profiler::Scope scope("rerank_by_features", false);
  SearchResult result = candidates;
  result.feature_distances.assign(result.ids.size(), 0.0f);
  const int64_t k = candidates.k;
#pragma omp parallel for schedule(dynamic)
  for (int64_t q = 0; q < candidates.n_query; ++q) {
    const float* query = query_features + q * dim;
    std::vector<std::pair<double, int64_t>> order(static_cast<size_t>(k));  // (distance², slot)
    for (int64_t j = 0; j < k; ++j) {
      const float* item = database_features + candidates.ids[q * k + j] * dim;
      double squared = 0;
      for (int64_t c = 0; c < dim; ++c) {
        double difference = static_cast<double>(query[c]) - item[c];
        squared += difference * difference;
      }
      order[j] = {squared, j};
    }
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return candidates.ids[q * k + a.second] < candidates.ids[q * k + b.second];
    });
    for (int64_t j = 0; j < k; ++j) {
      const int64_t from = q * k + order[j].second;
      result.ids[q * k + j] = candidates.ids[from];
      result.distances[q * k + j] = candidates.distances[from];
      result.feature_distances[q * k + j] = static_cast<float>(std::sqrt(order[j].first));
    }
  }
  return result;
}

}  // namespace hg::hashing
