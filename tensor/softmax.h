// Raw softmax and log-softmax along one dim (no autograd; see autograd/softmax.h).
//
//   softmax(x)_j = e^{x_j − m} / Σ_k e^{x_k − m},   log_softmax(x)_j = x_j − m − log Σ_k e^{x_k −
//   m}
//
// with m = max_k x_k. Subtracting the max changes nothing mathematically but keeps every
// exponent ≤ 0, so logits of any size neither overflow nor turn into inf/inf = NaN.
#pragma once

#include "tensor/tensor.h"

namespace hg::ops {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// ∂L/∂x from ∂L/∂y and the forward's output y (the backward needs only y, not x).
Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim);
Tensor log_softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim);

}  // namespace hg::ops
