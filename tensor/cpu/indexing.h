// CPU reference for gather, scatter-add and where (see cuda/indexing.h for IndexedAccess).
// CUDA twin: cuda/indexing.cu. Indices were range-checked by the dispatcher.
//
// Gather and scatter-add walk the index tensor row by row (for_each_row, walk_rows): the
// division chains of IndexedAccess::offset run once per row, and a row of index_select's index
// (one index value, a contiguous run of data) becomes a plain copy.
#pragma once

#include <cstdint>

#include "cuda/indexing.h"
#include "tensor/cpu/strided_loop.h"

namespace hg::cpu {

// output[p] = input[access.offset(p)]
template <typename T>
void gather(const T* input, IndexedAccess access, const int64_t* index, T* output, int64_t count) {
  for_each_row(count, access.fiber, access.position,
               [&](int64_t p, int64_t fiber, int64_t position) {
                 output[p] = input[access.offset_at(fiber, position, index)];
               });
}

// output[access.offset(p)] += source[p] for the `count` positions p of the index, the source
// packed in the index's shape. Two positions meet on one output element only if they differ in
// nothing but coordinate d, so each element's additions are made in increasing p, which keeps
// the sum reproducible; the `outer` blocks of positions that differ before d never meet and run
// in parallel.
template <typename T>
void scatter_add(T* output, IndexedAccess access, const int64_t* index, const T* source,
                 int64_t count, int64_t outer) {
  if (count == 0) return;
  const int64_t rows_per_block = count / outer / row_length(access.fiber);
#pragma omp parallel for if (count > kParallelThreshold && outer > 1)
  for (int64_t block = 0; block < outer; ++block)
    walk_rows(block * rows_per_block, (block + 1) * rows_per_block, access.fiber, access.position,
              [&](int64_t p, int64_t fiber, int64_t position) {
                output[access.offset_at(fiber, position, index)] += source[p];
              });
}

// output[p] = condition[condition_index(p)] ≠ 0 ? a[a_index(p)] : b[b_index(p)]
template <typename T>
void where(const uint8_t* condition, StridedIndex condition_index, const T* a, StridedIndex a_index,
           const T* b, StridedIndex b_index, T* output, int64_t count) {
#pragma omp parallel for if (count > kParallelThreshold)
  for (int64_t p = 0; p < count; ++p)
    output[p] =
        condition[condition_index.offset(p)] != 0 ? a[a_index.offset(p)] : b[b_index.offset(p)];
}

}  // namespace hg::cpu
