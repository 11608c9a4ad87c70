// Differentiable BatchNorm and LayerNorm (torch's F.batch_norm / F.layer_norm), each one fused
// raw op forward and one backward (tensor/normalization.h; formulas in cuda/normalization.h).
#pragma once

#include "tensor/tensor.h"

namespace hg {

// BatchNorm over dim 1 of x [N, C, *]. Training: normalise with the batch's mean and biased
// variance per channel and, when running_mean / running_var are defined, update them in place:
//   running_mean ← (1 − momentum)·running_mean + momentum·mean
//   running_var  ← (1 − momentum)·running_var  + momentum·var·M/(M − 1)   (unbiased, M = N·Π*)
// Evaluation: normalise with the running statistics (which must be defined). weight (γ) and
// bias (β) may be undefined (affine=False).
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum = 0.1,
                  double epsilon = 1e-5);

// BatchNorm's running statistics after a training batch of `count` values per channel whose
// mean and biased variance were `mean` and `var` (the update above; the batch norm of a batch
// split across processes makes it with the whole batch's statistics).
void update_running_statistics(const Tensor& running_mean, const Tensor& running_var,
                               const Tensor& mean, const Tensor& var, double count,
                               double momentum);

// LayerNorm over the trailing dims `normalized_shape` of x; weight and bias have that shape
// (or are undefined).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double epsilon = 1e-5);

}  // namespace hg
