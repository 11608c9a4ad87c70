// CPU reference for gather, scatter-add and where (see cuda/indexing.h for IndexedAccess).
// CUDA twin: cuda/indexing.cu. Indices were range-checked by the dispatcher.
#pragma once

#include <cstdint>

#include "cuda/indexing.h"

namespace hg::cpu {

// output[p] = input[access.offset(p)]
template <typename T>
void gather(const T* input, IndexedAccess access, const int64_t* index, T* output, int64_t count) {
#pragma omp parallel for if (count > 32768)
  for (int64_t p = 0; p < count; ++p) output[p] = input[access.offset(p, index)];
}

// output[access.offset(p)] += source[source_index(p)], p in increasing order. Serial: two
// positions may hit the same element, and a fixed order makes the sum reproducible.
template <typename T>
void scatter_add(T* output, IndexedAccess access, const int64_t* index, const T* source,
                 StridedIndex source_index, int64_t count) {
  for (int64_t p = 0; p < count; ++p)
    output[access.offset(p, index)] += source[source_index.offset(p)];
}

// output[p] = condition[condition_index(p)] ≠ 0 ? a[a_index(p)] : b[b_index(p)]
template <typename T>
void where(const uint8_t* condition, StridedIndex condition_index, const T* a, StridedIndex a_index,
           const T* b, StridedIndex b_index, T* output, int64_t count) {
#pragma omp parallel for if (count > 32768)
  for (int64_t p = 0; p < count; ++p)
    output[p] =
        condition[condition_index.offset(p)] != 0 ? a[a_index.offset(p)] : b[b_index.offset(p)];
}

}  // namespace hg::cpu
