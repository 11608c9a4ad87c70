// Row reductions: the one kernel behind sum, mean, max, min, argmax, argmin over any dims.
// The dispatcher (tensor/reduce.cpp) permutes the reduced dims to the end and packs the input,
// so every reduction is "reduce each row of an [outer, inner] matrix". CPU twin:
// tensor/cpu/reduce.h.
#pragma once

#include <cstdint>

namespace hg {

enum class ReduceOp { sum, max, min };

}  // namespace hg

#if HASHGRAD_WITH_CUDA
#include "cuda/stream.h"

namespace hg::cuda {

// values[r] = op over input[r, 0..inner); indices[r] = position of the max/min (first on ties),
// when `indices` is not null (sum ignores it).
template <typename T>
void reduce_rows(ReduceOp op, const T* input, int64_t outer, int64_t inner, T* values,
                 int64_t* indices, cudaStream_t stream);

}  // namespace hg::cuda
#endif
