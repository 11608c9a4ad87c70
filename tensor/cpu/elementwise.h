// CPU reference for elementwise ops: loops over the op tables of cuda/elementwise_math.h.
// CUDA twin: cuda/elementwise.cu. Outputs are contiguous; inputs may be any view.
//
// Two things keep these loops fast enough to train on: the op becomes a compile-time constant
// (with_op), so the formula's switch folds away and the loop vectorises; and strided operands
// are walked row by row (for_each_row), so StridedIndex's division chain runs once per row of
// the last dim instead of once per element.
#pragma once

#include <cstdint>
#include <type_traits>

#include "cuda/elementwise_math.h"
#include "cuda/strided_index.h"
#include "tensor/cpu/strided_loop.h"

namespace hg::cpu {

// body(std::integral_constant<Op, op>{}) for the runtime value `op` of an op enum.
template <typename Op, Op First, Op Last, typename Body>
void with_op(Op op, Body&& body) {
  if constexpr (First == Last) {
    body(std::integral_constant<Op, First>{});
  } else {
    if (op == First) return body(std::integral_constant<Op, First>{});
    with_op<Op, static_cast<Op>(static_cast<int>(First) + 1), Last>(op, body);
  }
}
template <typename Body>
void with_unary_op(UnaryOp op, Body&& body) {
  with_op<UnaryOp, UnaryOp(0), UnaryOp(kUnaryOpCount - 1)>(op, body);
}
template <typename Body>
void with_binary_op(BinaryOp op, Body&& body) {
  with_op<BinaryOp, BinaryOp(0), BinaryOp(kBinaryOpCount - 1)>(op, body);
}

template <typename T>
void unary(UnaryOp op, const T* x, StridedIndex x_index, T* y, int64_t count, T alpha, T beta) {
  with_unary_op(op, [&](auto constant) {
    constexpr UnaryOp kOp = decltype(constant)::value;
    if (x_index.contiguous) {
#pragma omp parallel for if (count > kParallelThreshold)
      for (int64_t i = 0; i < count; ++i) y[i] = apply_unary(kOp, x[i], alpha, beta);
    } else {
      for_each_row(count, x_index, x_index, [&](int64_t i, int64_t at, int64_t) {
        y[i] = apply_unary(kOp, x[at], alpha, beta);
      });
    }
  });
}

// result[i] = grad[i] · f'(x[i], y[i])
template <typename T>
void unary_backward(UnaryOp op, const T* grad, const T* x, StridedIndex x_index, const T* y,
                    T* result, int64_t count, T alpha, T beta) {
  with_unary_op(op, [&](auto constant) {
    constexpr UnaryOp kOp = decltype(constant)::value;
    for_each_row(count, x_index, x_index, [&](int64_t i, int64_t at, int64_t) {
      result[i] = grad[i] * unary_derivative(kOp, x[at], y[i], alpha, beta);
    });
  });
}

template <typename T>
void binary(BinaryOp op, const T* a, StridedIndex a_index, const T* b, StridedIndex b_index,
            T* result, int64_t count) {
  with_binary_op(op, [&](auto constant) {
    constexpr BinaryOp kOp = decltype(constant)::value;
    if (a_index.contiguous && b_index.contiguous) {
#pragma omp parallel for if (count > kParallelThreshold)
      for (int64_t i = 0; i < count; ++i) result[i] = apply_binary(kOp, a[i], b[i]);
    } else {
      for_each_row(count, a_index, b_index, [&](int64_t i, int64_t at_a, int64_t at_b) {
        result[i] = apply_binary(kOp, a[at_a], b[at_b]);
      });
    }
  });
}

// result[i] = grad[i] · ∂f/∂a or ∂f/∂b at (a[i], b[i]), over the broadcast shape.
template <typename T>
void binary_backward(BinaryOp op, bool with_respect_to_b, const T* grad, const T* a,
                     StridedIndex a_index, const T* b, StridedIndex b_index, T* result,
                     int64_t count) {
  with_binary_op(op, [&](auto constant) {
    constexpr BinaryOp kOp = decltype(constant)::value;
    for_each_row(count, a_index, b_index, [&](int64_t i, int64_t at_a, int64_t at_b) {
      result[i] = grad[i] * binary_derivative(kOp, a[at_a], b[at_b], with_respect_to_b);
    });
  });
}

}  // namespace hg::cpu
