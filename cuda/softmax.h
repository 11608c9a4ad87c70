// CUDA launchers for softmax and log-softmax along one dim (CUDA builds only). CPU twins:
// tensor/cpu/softmax.h, which documents the formulas and the [outer, size, inner] layout.
#pragma once

#include <cstdint>

#include "cuda/stream.h"

namespace hg::cuda {

template <typename T>
void softmax(const T* x, T* y, int64_t outer, int64_t size, int64_t inner, bool logarithmic,
             cudaStream_t stream);

template <typename T>
void softmax_backward(const T* grad, const T* y, T* result, int64_t outer, int64_t size,
                      int64_t inner, bool logarithmic, cudaStream_t stream);

}  // namespace hg::cuda
