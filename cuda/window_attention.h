// CUDA launchers for fused window attention (stubs that throw in a CPU-only build:
// cuda/without_cuda/). CPU twin, formulas and layouts: tensor/cpu/window_attention.h.
#pragma once

#include <cstdint>

#include "cuda/stream.h"

namespace hg::cuda {

template <typename T>
void window_attention(const T* q, const T* k, const T* v, const T* bias, const T* mask, T* out,
                      T* probabilities, int64_t windows, int64_t heads, int64_t tokens,
                      int64_t head_dim, int64_t mask_windows, Stream stream);

template <typename T>
void window_attention_backward(const T* grad_out, const T* q, const T* k, const T* v,
                               const T* probabilities, T* grad_q, T* grad_k, T* grad_v,
                               T* grad_scores, int64_t windows, int64_t heads, int64_t tokens,
                               int64_t head_dim, Stream stream);

}  // namespace hg::cuda
