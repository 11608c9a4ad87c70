// CPU reference for elementwise ops: a plain loop over cuda/elementwise_math.h's formulas.
// CUDA twin: cuda/elementwise.cu. Outputs are contiguous; inputs may be any view.
#pragma once

#include <cstdint>

#include "cuda/elementwise_math.h"
#include "cuda/strided_index.h"

namespace hg::cpu {

constexpr int64_t kParallelThreshold = 32768;  // below this, threads cost more than they save

template <typename T>
void unary(UnaryOp op, const T* x, StridedIndex x_index, T* y, int64_t count, T alpha, T beta) {
#pragma omp parallel for if (count > kParallelThreshold)
  for (int64_t i = 0; i < count; ++i) y[i] = apply_unary(op, x[x_index.offset(i)], alpha, beta);
}

// result[i] = grad[i] · f'(x[i], y[i])
template <typename T>
void unary_backward(UnaryOp op, const T* grad, const T* x, StridedIndex x_index, const T* y,
                    T* result, int64_t count, T alpha, T beta) {
#pragma omp parallel for if (count > kParallelThreshold)
  for (int64_t i = 0; i < count; ++i)
    result[i] = grad[i] * unary_derivative(op, x[x_index.offset(i)], y[i], alpha, beta);
}

template <typename T>
void binary(BinaryOp op, const T* a, StridedIndex a_index, const T* b, StridedIndex b_index,
            T* result, int64_t count) {
#pragma omp parallel for if (count > kParallelThreshold)
  for (int64_t i = 0; i < count; ++i)
    result[i] = apply_binary(op, a[a_index.offset(i)], b[b_index.offset(i)]);
}

// result[i] = grad[i] · ∂f/∂a or ∂f/∂b at (a[i], b[i]), over the broadcast shape.
template <typename T>
void binary_backward(BinaryOp op, bool with_respect_to_b, const T* grad, const T* a,
                     StridedIndex a_index, const T* b, StridedIndex b_index, T* result,
                     int64_t count) {
#pragma omp parallel for if (count > kParallelThreshold)
  for (int64_t i = 0; i < count; ++i)
    result[i] = grad[i] * binary_derivative(op, a[a_index.offset(i)], b[b_index.offset(i)],
                                            with_respect_to_b);
}

}  // namespace hg::cpu
