// for_each_row: the loop every CPU kernel over strided operands uses. Output element i of a
// broadcast or transposed operand sits at StridedIndex::offset(i), a chain of divisions; walking
// the output row by row (its last dim) pays that chain once per row and steps by the last
// dim's stride inside it, which is what makes views cheap on the CPU.
#pragma once

#include <cstdint>

#include "cuda/strided_index.h"

namespace hg::cpu {

constexpr int64_t kParallelThreshold = 32768;  // below this, threads cost more than they save

// body(i, a_offset, b_offset) for every output element i < count, where the offsets locate
// element i in two strided operands. Rows of the last dim run in parallel.
template <typename Body>
void for_each_row(int64_t count, const StridedIndex& a, const StridedIndex& b, Body&& body) {
  if (count == 0) return;
  const int last = a.ndim - 1;
  const int64_t row_length = a.ndim > 0 ? a.sizes[last] : 1;
  const int64_t a_step = a.ndim > 0 ? a.strides[last] : 0,
                b_step = b.ndim > 0 ? b.strides[last] : 0;
  const int64_t rows = row_length > 0 ? count / row_length : 0;
#pragma omp parallel for if (count > kParallelThreshold)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t first = row * row_length;
    const int64_t a_base = a.offset(first), b_base = b.offset(first);
    for (int64_t j = 0; j < row_length; ++j)
      body(first + j, a_base + j * a_step, b_base + j * b_step);
  }
}

}  // namespace hg::cpu
