// Differentiable dropout (torch's F.dropout).
#pragma once

#include "tensor/tensor.h"

namespace hg {

// Training: y = x ⊙ m / (1 − p) with m_i ~ Bernoulli(1 − p) drawn from the global seeded
// generator (tensor/random.h), so manual_seed(s) gives the same mask on the CPU and the GPU;
// the scaling keeps E[y] = x. p = 1 zeroes everything. Evaluation (training false) or p = 0:
// y = x, the same tensor.
Tensor dropout(const Tensor& x, double p, bool training);

}  // namespace hg
