// Raw BatchNorm / LayerNorm (no autograd; see autograd/normalization.h): one fused forward and
// one fused backward over the [outer, groups, inner] layout of cuda/normalization.h, which also
// states the formulas.
#pragma once

#include "cuda/normalization.h"
#include "tensor/tensor.h"

namespace hg::ops {

// BatchNorm of [N, C, *]: one group per channel C, γ/β per channel.
NormalizationLayout batch_norm_layout(const Tensor& x);
// LayerNorm over the trailing dims `normalized_shape` of x: one group per row, γ/β per position.
NormalizationLayout layer_norm_layout(const Tensor& x, const Shape& normalized_shape);

struct NormalizationForward {
  Tensor output;
  Tensor mean, var;  // [groups]: the statistics used (biased variance)
};

// y = γ·x̂ + β. With mean and var undefined the statistics are computed from x (training,
// LayerNorm); defined, they are used as given (BatchNorm evaluation, running statistics).
// weight (γ) and bias (β) may be undefined: γ = 1, β = 0.
NormalizationForward normalization_forward(const Tensor& x, const NormalizationLayout& layout,
                                           const Tensor& weight, const Tensor& bias, double epsilon,
                                           const Tensor& mean = Tensor(),
                                           const Tensor& var = Tensor());

struct NormalizationGradients {
  Tensor input, weight, bias;  // weight / bias undefined unless asked for
};

// Gradients from grad = ∂L/∂y, the forward's input x and the statistics it used.
// batch_statistics: mean/var were computed from x (their dependence on x is differentiated).
NormalizationGradients normalization_backward(const Tensor& grad, const Tensor& x,
                                              const NormalizationLayout& layout,
                                              const Tensor& weight, const Tensor& mean,
                                              const Tensor& var, double epsilon,
                                              bool batch_statistics, bool weight_gradient,
                                              bool bias_gradient);

}  // namespace hg::ops
