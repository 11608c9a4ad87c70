// BatchNorm and LayerNorm as one computation: normalise groups of elements to zero mean and
// unit variance, then scale and shift. What both paths share, and the CUDA launchers (CUDA
// builds only). CPU twins: tensor/cpu/normalization.h.
//
// Layout: x is packed [outer, groups, inner]; group g holds the M = outer·inner elements
// x[o, g, i], listed as j = o·inner + i.
//   BatchNorm [N, C, *]: outer = N, groups = C, inner = Π *;  γ, β per group (channel)
//   LayerNorm [..., D]:  outer = 1, groups = rows, inner = D; γ, β per position i in the row
//
// Forward, with μ_g and σ²_g the mean and the biased variance of group g (or the running
// statistics BatchNorm uses in evaluation):
//   x̂ = (x − μ_g)·σ⁻¹,  σ⁻¹ = 1/√(σ²_g + ε),   y = γ·x̂ + β
// Backward, writing ĝ = γ·dy. When μ and σ² were computed from the batch they depend on x, and
//   dx_j = (1/M)·σ⁻¹·(M·ĝ_j − Σ_k ĝ_k − x̂_j·Σ_k ĝ_k·x̂_k)
// (for BatchNorm, γ is one number per group: dx = (1/M)·γ·σ⁻¹·(M·dy − Σdy − x̂·Σ(dy·x̂))).
// With given statistics they are constants and dx = σ⁻¹·ĝ. Parameter gradients sum over the
// elements sharing the parameter: dγ = Σ dy·x̂, dβ = Σ dy.
#pragma once

#include <math.h>

#include <cstdint>

#include "core/host_device.h"

namespace hg {

enum class AffineAxis {
  group,  // γ[g], β[g] (BatchNorm)
  inner,  // γ[i], β[i] (LayerNorm)
};

struct NormalizationLayout {
  int64_t outer = 1, groups = 1, inner = 1;
  AffineAxis affine_axis = AffineAxis::group;
};

// Where element j of group g sits in the packed tensor.
HG_HOST_DEVICE int64_t normalization_offset(const NormalizationLayout& layout, int64_t group,
                                            int64_t j) {
  return ((j / layout.inner) * layout.groups + group) * layout.inner + j % layout.inner;
}

// The index of γ and β for element j of group g.
HG_HOST_DEVICE int64_t affine_index(const NormalizationLayout& layout, int64_t group, int64_t j) {
  return layout.affine_axis == AffineAxis::group ? group : j % layout.inner;
}

HG_HOST_DEVICE double inverse_std_of(double variance, double epsilon) {
  return 1.0 / ::sqrt(variance + epsilon);
}

// y_j = γ·x̂ + β; a null weight or bias means γ = 1 or β = 0 (affine=False).
template <typename T>
HG_HOST_DEVICE T normalized_output(T x, double mean, double inverse_std, const T* weight,
                                   const T* bias, int64_t parameter) {
  double normalized = (static_cast<double>(x) - mean) * inverse_std;
  double scale = weight != nullptr ? static_cast<double>(weight[parameter]) : 1.0;
  double shift = bias != nullptr ? static_cast<double>(bias[parameter]) : 0.0;
  return static_cast<T>(scale * normalized + shift);
}

// The backward splits γ into the factor that varies inside a group (γ_i, LayerNorm) and the
// one that is constant over it (γ_g, BatchNorm): ĝ_j = group_scale·w_j·dy_j. The group sums are
// taken over w_j·dy_j, which for BatchNorm are exactly dβ = Σ dy and dγ = Σ dy·x̂.
template <typename T>
HG_HOST_DEVICE double element_weight(const T* weight, const NormalizationLayout& layout,
                                     int64_t j) {
  return layout.affine_axis == AffineAxis::inner && weight != nullptr
             ? static_cast<double>(weight[j % layout.inner])
             : 1.0;
}
template <typename T>
HG_HOST_DEVICE double group_weight(const T* weight, const NormalizationLayout& layout,
                                   int64_t group) {
  return layout.affine_axis == AffineAxis::group && weight != nullptr
             ? static_cast<double>(weight[group])
             : 1.0;
}

// dx_j = γ_g·σ⁻¹·(w_j·dy_j − (Σ w·dy + x̂_j·Σ w·dy·x̂) / M)   (batch statistics)
//      = γ_g·σ⁻¹·w_j·dy_j                                    (given statistics)
HG_HOST_DEVICE double normalization_input_gradient(double weighted_grad, double normalized,
                                                   double group_scale, double mean_weighted_grad,
                                                   double mean_weighted_grad_normalized,
                                                   bool batch_statistics) {
  if (!batch_statistics) return group_scale * weighted_grad;
  return group_scale *
         (weighted_grad - mean_weighted_grad - normalized * mean_weighted_grad_normalized);
}

}  // namespace hg

#include "cuda/stream.h"

namespace hg::cuda {

// y = γ·x̂ + β. With compute_statistics, mean and var (one per group) are outputs (the batch's
// mean and biased variance); otherwise they are inputs. weight/bias may be null.
template <typename T>
void normalization_forward(const T* x, const T* weight, const T* bias, NormalizationLayout layout,
                           double epsilon, bool compute_statistics, T* mean, T* var, T* y,
                           Stream stream);

// grad_x from grad = ∂L/∂y; grad_weight / grad_bias (may be null: not wanted) get dγ and dβ.
template <typename T>
void normalization_backward(const T* grad, const T* x, const T* weight, const T* mean, const T* var,
                            NormalizationLayout layout, double epsilon, bool batch_statistics,
                            T* grad_x, T* grad_weight, T* grad_bias, Stream stream);

}  // namespace hg::cuda
