// CPU reference for BatchNorm / LayerNorm. CUDA twin: cuda/normalization.cu. The layout
// [outer, groups, inner] and every formula are in cuda/normalization.h; this file is the plain
// loop over them. Statistics and sums accumulate in double (two passes: mean, then Σ (x − μ)²),
// so the reference is the more accurate side of a CPU-vs-GPU comparison.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cuda/normalization.h"

namespace hg::cpu {

// Calls body(at, i) for every element of group g: `at` its offset in the packed tensor, i its
// position within the inner block (which is all γ/β indexing needs). Rows of the inner block
// are contiguous, so the inner loop runs without the divisions of normalization_offset.
template <typename Body>
void for_each_in_group(const NormalizationLayout& layout, int64_t group, Body&& body) {
  for (int64_t o = 0; o < layout.outer; ++o) {
    const int64_t base = (o * layout.groups + group) * layout.inner;
    for (int64_t i = 0; i < layout.inner; ++i) body(base + i, i);
  }
}

template <typename T>
void normalization_forward(const T* x, const T* weight, const T* bias, NormalizationLayout layout,
                           double epsilon, bool compute_statistics, T* mean, T* var, T* y) {
  const int64_t count = layout.outer * layout.inner;
#pragma omp parallel for if (layout.groups * count > 32768)
  for (int64_t g = 0; g < layout.groups; ++g) {
    double group_mean, group_var;
    if (compute_statistics) {
      double total = 0, squares = 0;
      for_each_in_group(layout, g, [&](int64_t at, int64_t) { total += x[at]; });
      group_mean = total / static_cast<double>(count);
      for_each_in_group(layout, g, [&](int64_t at, int64_t) {
        double centered = x[at] - group_mean;
        squares += centered * centered;
      });
      group_var = squares / static_cast<double>(count);
      mean[g] = static_cast<T>(group_mean);
      var[g] = static_cast<T>(group_var);
    } else {
      group_mean = mean[g];
      group_var = var[g];
    }
    double inverse_std = inverse_std_of(group_var, epsilon);
    for_each_in_group(layout, g, [&](int64_t at, int64_t i) {
      y[at] = normalized_output(x[at], group_mean, inverse_std, weight, bias,
                                affine_index(layout, g, i));
    });
  }
}

template <typename T>
void normalization_backward(const T* grad, const T* x, const T* weight, const T* mean, const T* var,
                            NormalizationLayout layout, double epsilon, bool batch_statistics,
                            T* grad_x, T* grad_weight, T* grad_bias) {
  const int64_t count = layout.outer * layout.inner;
#pragma omp parallel for if (layout.groups * count > 32768)
  for (int64_t g = 0; g < layout.groups; ++g) {
    const double group_mean = mean[g], inverse_std = inverse_std_of(var[g], epsilon);
    double weighted_total = 0, weighted_normalized_total = 0;  // Σ w·dy, Σ w·dy·x̂
    for_each_in_group(layout, g, [&](int64_t at, int64_t i) {
      double weighted_grad = element_weight(weight, layout, i) * grad[at];
      weighted_total += weighted_grad;
      weighted_normalized_total += weighted_grad * (x[at] - group_mean) * inverse_std;
    });
    const double group_scale = group_weight(weight, layout, g) * inverse_std;
    for_each_in_group(layout, g, [&](int64_t at, int64_t i) {
      grad_x[at] = static_cast<T>(normalization_input_gradient(
          element_weight(weight, layout, i) * grad[at], (x[at] - group_mean) * inverse_std,
          group_scale, weighted_total / count, weighted_normalized_total / count,
          batch_statistics));
    });
    if (layout.affine_axis == AffineAxis::group) {
      if (grad_weight != nullptr) grad_weight[g] = static_cast<T>(weighted_normalized_total);
      if (grad_bias != nullptr) grad_bias[g] = static_cast<T>(weighted_total);
    }
  }
  // LayerNorm: γ_i and β_i are shared by position i of every group (row), so their gradients
  // sum over the groups instead. The rows are read in memory order; each thread owns a slice of
  // positions i, whose sums run over g, then o, in increasing order whatever the team.
  if (layout.affine_axis == AffineAxis::group) return;
  std::vector<double> weight_total(layout.inner, 0.0), bias_total(layout.inner, 0.0);
  constexpr int64_t kSlice = 16;  // positions per task: a cache line of each f32 row
#pragma omp parallel for if (layout.groups * count > 32768)
  for (int64_t first = 0; first < layout.inner; first += kSlice) {
    const int64_t last = std::min(first + kSlice, layout.inner);
    for (int64_t g = 0; g < layout.groups; ++g) {
      const double group_mean = mean[g], inverse_std = inverse_std_of(var[g], epsilon);
      for (int64_t o = 0; o < layout.outer; ++o) {
        const int64_t base = (o * layout.groups + g) * layout.inner;
        for (int64_t i = first; i < last; ++i) {
          weight_total[i] += grad[base + i] * (x[base + i] - group_mean) * inverse_std;
          bias_total[i] += grad[base + i];
        }
      }
    }
  }
  for (int64_t i = 0; i < layout.inner; ++i) {
    if (grad_weight != nullptr) grad_weight[i] = static_cast<T>(weight_total[i]);
    if (grad_bias != nullptr) grad_bias[i] = static_cast<T>(bias_total[i]);
  }
}

}  // namespace hg::cpu
