// CPU reference for middle-axis reductions: values[o, i] = op over r of input[o, r, i].
// CUDA twin: cuda/reduce.cu.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "cuda/elementwise_math.h"
#include "cuda/reduce.h"

namespace hg::cpu {

// Floating sums accumulate in double, so the reference is the more accurate side of a
// CPU-vs-GPU comparison. The loop runs r outside i: each step reads one contiguous slice
// x[o, r, :], which the compiler vectorises. Max/min keep the first index on ties and rank NaN
// above every number (ranks_above), as PyTorch does.
template <typename T>
void reduce_middle(ReduceOp op, const T* input, int64_t outer, int64_t length, int64_t inner,
                   T* values, int64_t* indices) {
  using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, T>;
#pragma omp parallel for if (outer * length * inner > 32768)
  for (int64_t o = 0; o < outer; ++o) {
    const T* block = input + o * length * inner;
    T* out = values + o * inner;
    if (op == ReduceOp::sum && inner == 1) {  // a contiguous row: one scalar accumulator
      Accumulator total = 0;
      for (int64_t r = 0; r < length; ++r) total += block[r];
      out[0] = static_cast<T>(total);
      continue;
    }
    if (op == ReduceOp::sum) {
      std::vector<Accumulator> total(static_cast<size_t>(inner), Accumulator(0));
      for (int64_t r = 0; r < length; ++r) {
        const T* slice = block + r * inner;
        for (int64_t i = 0; i < inner; ++i) total[i] += slice[i];
      }
      for (int64_t i = 0; i < inner; ++i) out[i] = static_cast<T>(total[i]);
      continue;
    }
    int64_t* best = indices != nullptr ? indices + o * inner : nullptr;
    for (int64_t i = 0; i < inner; ++i) {
      out[i] = length > 0 ? block[i] : T(0);
      if (best) best[i] = 0;
    }
    for (int64_t r = 1; r < length; ++r) {
      const T* slice = block + r * inner;
      for (int64_t i = 0; i < inner; ++i) {
        if (ranks_above(op == ReduceOp::max, slice[i], out[i])) {
          out[i] = slice[i];
          if (best) best[i] = r;
        }
      }
    }
  }
}

}  // namespace hg::cpu
