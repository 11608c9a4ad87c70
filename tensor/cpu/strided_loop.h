// for_each_row: the loop every CPU kernel over strided operands uses. Output element i of a
// broadcast or transposed operand sits at StridedIndex::offset(i), a chain of divisions; walking
// the output row by row (its last dim) pays that chain once per row and steps by the last
// dim's stride inside it, which is what makes views cheap on the CPU.
#pragma once

#include <cstdint>

#include "cuda/strided_index.h"

namespace hg::cpu {

constexpr int64_t kParallelThreshold = 32768;  // below this, threads cost more than they save

// The length of a row: the last dim's size (1 for a 0-dim shape).
inline int64_t row_length(const StridedIndex& shape) {
  return shape.ndim > 0 ? shape.sizes[shape.ndim - 1] : 1;
}

// body(i, a_offset, b_offset) for the elements i of rows [row_begin, row_end), in increasing i,
// where the offsets locate element i in two strided operands of the same shape.
template <typename Body>
void walk_rows(int64_t row_begin, int64_t row_end, const StridedIndex& a, const StridedIndex& b,
               Body&& body) {
  const int64_t length = row_length(a);
  const int64_t a_step = a.ndim > 0 ? a.strides[a.ndim - 1] : 0,
                b_step = b.ndim > 0 ? b.strides[b.ndim - 1] : 0;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t first = row * length;
    const int64_t a_base = a.offset(first), b_base = b.offset(first);
    for (int64_t j = 0; j < length; ++j) body(first + j, a_base + j * a_step, b_base + j * b_step);
  }
}

// walk_rows over all `count` elements, the rows in parallel.
template <typename Body>
void for_each_row(int64_t count, const StridedIndex& a, const StridedIndex& b, Body&& body) {
  if (count == 0) return;
  const int64_t rows = count / row_length(a);
#pragma omp parallel for if (count > kParallelThreshold)
  for (int64_t row = 0; row < rows; ++row) walk_rows(row, row + 1, a, b, body);
}

}  // namespace hg::cpu
