// CPU reference for row reductions. CUDA twin: cuda/reduce.cu.
#pragma once

#include <cstdint>
#include <type_traits>

#include "cuda/reduce.h"

namespace hg::cpu {

// values[r] = op over input[r, 0..inner); indices[r] = first position of the max/min.
// Floating sums accumulate in double so the reference is the more accurate side of a
// CPU-vs-GPU comparison.
template <typename T>
void reduce_rows(ReduceOp op, const T* input, int64_t outer, int64_t inner, T* values,
                 int64_t* indices) {
  using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, T>;
#pragma omp parallel for if (outer * inner > 32768)
  for (int64_t row = 0; row < outer; ++row) {
    const T* row_input = input + row * inner;
    if (op == ReduceOp::sum) {
      Accumulator total = 0;
      for (int64_t j = 0; j < inner; ++j) total += row_input[j];
      values[row] = static_cast<T>(total);
      continue;
    }
    int64_t best = 0;
    for (int64_t j = 1; j < inner; ++j) {
      bool better = op == ReduceOp::max ? row_input[j] > row_input[best]
                                        : row_input[j] < row_input[best];
      if (better) best = j;
    }
    values[row] = inner > 0 ? row_input[best] : T(0);
    if (indices != nullptr) indices[row] = best;
  }
}

}  // namespace hg::cpu
