// CPU reference for softmax and log-softmax along one dim. CUDA twin: cuda/softmax.cu.
//
// The input is packed as [outer, size, inner]: the softmax runs over `size` for each of the
// outer·inner rows, whose elements sit `inner` apart. Sums accumulate in double so the
// reference is the more accurate side of a CPU-vs-GPU comparison.
#pragma once

#include <cstdint>

#include "cuda/elementwise_math.h"

namespace hg::cpu {

// m = max_j x_j;  softmax: y_j = e^{x_j − m} / Σ_k e^{x_k − m};  log: y_j = x_j − m − log Σ_k
// e^{x_k − m}
template <typename T>
void softmax(const T* x, T* y, int64_t outer, int64_t size, int64_t inner, bool logarithmic) {
#pragma omp parallel for if (outer * size * inner > 32768)
  for (int64_t row = 0; row < outer * inner; ++row) {
    int64_t base = (row / inner) * size * inner + row % inner;
    T largest = x[base];
    for (int64_t j = 1; j < size; ++j)
      largest = x[base + j * inner] > largest ? x[base + j * inner] : largest;
    // The softmax keeps each e^{x_j − m} in y between the two passes: one exp per element.
    double total = 0;
    for (int64_t j = 0; j < size; ++j) {
      T exponential = math_exp(x[base + j * inner] - largest);
      total += exponential;
      if (!logarithmic) y[base + j * inner] = exponential;
    }
    T log_total = static_cast<T>(math_log(total)), inverse_total = static_cast<T>(1.0 / total);
    for (int64_t j = 0; j < size; ++j) {
      int64_t at = base + j * inner;
      y[at] = logarithmic ? x[at] - largest - log_total : y[at] * inverse_total;
    }
  }
}

// Given g = ∂L/∂y and the forward's output y:
//   softmax:     ∂L/∂x_j = y_j (g_j − Σ_k g_k y_k)
//   log-softmax: ∂L/∂x_j = g_j − e^{y_j} Σ_k g_k
template <typename T>
void softmax_backward(const T* grad, const T* y, T* result, int64_t outer, int64_t size,
                      int64_t inner, bool logarithmic) {
#pragma omp parallel for if (outer * size * inner > 32768)
  for (int64_t row = 0; row < outer * inner; ++row) {
    int64_t base = (row / inner) * size * inner + row % inner;
    double total = 0;
    for (int64_t j = 0; j < size; ++j) {
      int64_t at = base + j * inner;
      total += logarithmic ? grad[at] : grad[at] * y[at];
    }
    T dot = static_cast<T>(total);
    for (int64_t j = 0; j < size; ++j) {
      int64_t at = base + j * inner;
      result[at] = logarithmic ? grad[at] - math_exp(y[at]) * dot : y[at] * (grad[at] - dot);
    }
  }
}

}  // namespace hg::cpu
