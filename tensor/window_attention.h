// Fused window attention, raw (no autograd; see autograd/window_attention.h): Swin's
//   out = softmax_rows(q kᵀ + B_h + M_b) v
// per window b and head h in one kernel per direction instead of five composed ops. Formulas
// and layouts: tensor/cpu/window_attention.h; CUDA: cuda/window_attention.cu.
#pragma once

#include "tensor/tensor.h"

namespace hg::ops {

struct WindowAttentionForward {
  Tensor out;            // [windows, heads, N, d]
  Tensor probabilities;  // P [windows, heads, N, N], kept for the backward
};

struct WindowAttentionGradients {
  Tensor q, k, v;  // [windows, heads, N, d]
  Tensor scores;   // ∂L/∂S [windows, heads, N, N]: summed over windows it is ∂L/∂B
};

// q, k, v [windows, heads, N, d] (q scaled by d^(−1/2) beforehand), bias [heads, N, N], mask
// [mask_windows, N, N] with mask_windows dividing windows, or undefined. f32 or f64, one device.
WindowAttentionForward window_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                        const Tensor& bias, const Tensor& mask);

WindowAttentionGradients window_attention_backward(const Tensor& grad_out, const Tensor& q,
                                                   const Tensor& k, const Tensor& v,
                                                   const Tensor& probabilities);

}  // namespace hg::ops
