// CUDA launchers for softmax and log-softmax along one dim (stubs that throw in a CPU-only build:
// cuda/without_cuda/). CPU twins: tensor/cpu/softmax.h, which documents the formulas and the
// [outer, size, inner] layout.
#pragma once

#include <cstdint>

#include "cuda/stream.h"

namespace hg::cuda {

template <typename T>
void softmax(const T* x, T* y, int64_t outer, int64_t size, int64_t inner, bool logarithmic,
             Stream stream);

template <typename T>
void softmax_backward(const T* grad, const T* y, T* result, int64_t outer, int64_t size,
                      int64_t inner, bool logarithmic, Stream stream);

}  // namespace hg::cuda
