// Differentiable softmax, log-softmax and the cross-entropy loss built from them.
#pragma once

#include "tensor/tensor.h"

namespace hg {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// PyTorch's F.cross_entropy with mean reduction:
//   L = −(1/N) Σ_i log_softmax(logits_i)[targets_i]
// logits [N, C] floating, targets i64 [N] with values in [0, C).
Tensor cross_entropy(const Tensor& logits, const Tensor& targets);

}  // namespace hg
