// Reductions over the middle axis of a contiguous [outer, length, inner] array: the one kernel
// family behind sum, mean, max, min, argmax, argmin over any dims. The dispatcher
// (tensor/reduce.cpp) views the input so that each run of adjacent reduced dims is such a middle
// axis, and reduces the runs one after the other, so no input is ever transposed.
// CPU twin: tensor/cpu/reduce.h.
#pragma once

#include <cstdint>

namespace hg {

enum class ReduceOp { sum, max, min };

}  // namespace hg

#include "cuda/stream.h"

namespace hg::cuda {

// values[o, i] = op over r of input[o, r, i]; indices[o, i] = the r of the max/min (first on
// ties) when `indices` is not null (sum ignores it).
template <typename T>
void reduce_middle(ReduceOp op, const T* input, int64_t outer, int64_t length, int64_t inner,
                   T* values, int64_t* indices, Stream stream);

}  // namespace hg::cuda
