// Differentiable matrix products: matmul (torch.matmul's semantics, batch dims broadcast) and
// linear (y = x · weightᵀ + bias, torch.nn.functional.linear). Shapes and dtypes as in
// tensor/matmul.h; gradients have the inputs' dtype.
#pragma once

#include "tensor/tensor.h"

namespace hg {

Tensor matmul(const Tensor& a, const Tensor& b);
// weight [out, in] as torch.nn.Linear stores it; bias [out] or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace hg
