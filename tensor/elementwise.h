// Raw elementwise ops with NumPy broadcasting (no autograd; see autograd/elementwise.h).
// The formulas are in cuda/elementwise_math.h.
#pragma once

#include "cuda/elementwise_math.h"
#include "tensor/tensor.h"

namespace hg::ops {

Tensor unary(UnaryOp op, const Tensor& x, double alpha = 0, double beta = 0);
// grad · f'(x) for y = f(x): the fused backward of a unary op (grad, y contiguous-able, same
// shape).
Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y,
                      double alpha = 0, double beta = 0);

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
// a = f(a, b) in place; a must be contiguous and b must broadcast to a's shape.
void binary_(BinaryOp op, const Tensor& a, const Tensor& b);
// grad · ∂f/∂a (or ∂f/∂b) over the broadcast shape of a and b; the caller sums it back to the
// operand's shape (ops::sum_to).
Tensor binary_backward(BinaryOp op, const Tensor& grad, const Tensor& a, const Tensor& b,
                       bool with_respect_to_b);

inline Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::add, a, b); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::sub, a, b); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::mul, a, b); }
inline Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryOp::div, a, b); }
inline Tensor neg(const Tensor& x) { return unary(UnaryOp::neg, x); }
inline Tensor exp(const Tensor& x) { return unary(UnaryOp::exp, x); }
inline Tensor log(const Tensor& x) { return unary(UnaryOp::log, x); }
inline Tensor sqrt(const Tensor& x) { return unary(UnaryOp::sqrt, x); }
inline Tensor sign(const Tensor& x) { return unary(UnaryOp::sign, x); }
inline Tensor add_scalar(const Tensor& x, double value) {
  return unary(UnaryOp::add_scalar, x, value);
}
inline Tensor mul_scalar(const Tensor& x, double value) {
  return unary(UnaryOp::mul_scalar, x, value);
}
// In-place accumulate: a += b (gradient accumulation, optimizer updates).
inline void add_(const Tensor& a, const Tensor& b) { binary_(BinaryOp::add, a, b); }

}  // namespace hg::ops
