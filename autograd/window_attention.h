// Differentiable fused window attention (Swin): out = softmax_rows(q kᵀ + B_h + M_b) v per window
// b and head h, in one op instead of matmul, add, softmax and matmul. Gradients flow to q, k, v
// and the bias B; the shift mask M is a constant. Formulas: tensor/cpu/window_attention.h.
#pragma once

#include "tensor/tensor.h"

namespace hg {

// q, k, v [windows, heads, N, d] (q already scaled by d^(−1/2)), bias [heads, N, N], mask
// [mask_windows, N, N] (window b takes mask b mod mask_windows) or undefined.
Tensor window_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                        const Tensor& mask = Tensor());

}  // namespace hg
