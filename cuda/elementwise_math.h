// The elementwise ops, one table per family: each row holds an op's name, its forward formula
// and its derivative, side by side. The CPU reference (tensor/cpu/elementwise.h) and the CUDA
// kernels (cuda/elementwise.cu) both evaluate these rows, and the op enums, the names the
// profiler and error messages show, and the switches below are all generated from them, so an
// op is added by adding its row (plus, to call it by name, a one-line function in
// autograd/elementwise.h).
#pragma once

#include <math.h>

#include <cstdint>
#include <type_traits>

#include "core/host_device.h"
#include "cuda/convert.h"

// The rows are aligned as columns so they read as a table; clang-format would undo that.
// clang-format off

// Unary ops y = f(x; alpha, beta): name, forward y, derivative dy/dx. A formula is an expression
// in x, the scalar parameters alpha and beta (add_scalar, mul_scalar, pow_scalar, clamp take
// them), the element type T and, in the derivative only, the forward output y: some derivatives
// are cheapest written in terms of y.
#define HG_UNARY_OPS(OP)                                                                          \
  OP(neg,        -x,                                       T(-1))                                 \
  OP(exp,        math_exp(x),                              y)                                     \
  OP(log,        math_log(x),                              T(1) / x)                              \
  OP(sqrt,       math_sqrt(x),                             T(0.5) / y)                            \
  OP(abs,        x < T(0) ? -x : x,                        sign_of(x))                            \
  OP(tanh,       math_tanh(x),                             T(1) - y * y)                          \
  OP(sigmoid,    sigmoid_of(x),                            y * (T(1) - y))                        \
  OP(relu,       x > T(0) ? x : T(0),                      x > T(0) ? T(1) : T(0))                \
  OP(gelu,       x * normal_cdf(x),                        normal_cdf(x) + x * normal_density(x)) \
  OP(sign,       sign_of(x),                               T(1))                                  \
  OP(square,     x * x,                                    T(2) * x)                              \
  OP(reciprocal, T(1) / x,                                 -y * y)                                \
  OP(add_scalar, x + alpha,                                T(1))                                  \
  OP(mul_scalar, x * alpha,                                alpha)                                 \
  OP(pow_scalar, math_pow(x, alpha),                       alpha * math_pow(x, alpha - T(1)))     \
  OP(clamp,      x < alpha ? alpha : (x > beta ? beta : x), (x >= alpha && x <= beta) ? T(1) : T(0))
// gelu is x·Φ(x) with Φ the standard normal CDF (the exact erf form, torch's default), so its
// derivative is Φ(x) + x·φ(x). sign's derivative is the straight-through estimator
// (GreedyHash): ∂L/∂x = ∂L/∂sign(x), which is how deep hashing trains through binarisation.

// Binary ops z = f(a, b), broadcast: name, forward z, ∂z/∂a, ∂z/∂b. The forward runs on
// every dtype, the derivatives on floating types only. maximum and minimum send the gradient
// to the operand they took (to a on ties); comparisons give 1 or 0 in the operands' dtype and
// are piecewise constant, so their derivatives are 0 (autograd does not record them).
#define HG_BINARY_OPS(OP)                                                                       \
  OP(add,     a + b,                        T(1),                      T(1))                    \
  OP(sub,     a - b,                        T(1),                      T(-1))                   \
  OP(mul,     a * b,                        b,                         a)                       \
  OP(div,     quotient(a, b),               T(1) / b,                  -a / (b * b))            \
  OP(pow,     power(a, b),                  b * math_pow(a, b - T(1)), power_times_log(a, b))   \
  OP(maximum, takes_b(true, a, b) ? b : a,  T(!takes_b(true, a, b)),   T(takes_b(true, a, b)))  \
  OP(minimum, takes_b(false, a, b) ? b : a, T(!takes_b(false, a, b)),  T(takes_b(false, a, b))) \
  OP(eq,      T(a == b),                    T(0),                      T(0))                    \
  OP(ne,      T(a != b),                    T(0),                      T(0))                    \
  OP(lt,      T(a < b),                     T(0),                      T(0))                    \
  OP(le,      T(a <= b),                    T(0),                      T(0))                    \
  OP(gt,      T(a > b),                     T(0),                      T(0))                    \
  OP(ge,      T(a >= b),                    T(0),                      T(0))

// clang-format on

namespace hg {

#define HG_OP_ENUM_ENTRY(name, ...) name,
enum class UnaryOp { HG_UNARY_OPS(HG_OP_ENUM_ENTRY) };
enum class BinaryOp { HG_BINARY_OPS(HG_OP_ENUM_ENTRY) };
#undef HG_OP_ENUM_ENTRY

#define HG_OP_COUNT_ENTRY(...) +1
constexpr int kUnaryOpCount = 0 HG_UNARY_OPS(HG_OP_COUNT_ENTRY);
constexpr int kBinaryOpCount = 0 HG_BINARY_OPS(HG_OP_COUNT_ENTRY);
#undef HG_OP_COUNT_ENTRY

// The row's name: "tanh", "pow_scalar", what the profiler and error messages show.
inline const char* op_name(UnaryOp op) {
  switch (op) {
#define HG_OP_NAME_CASE(name, ...) \
  case UnaryOp::name:              \
    return #name;
    HG_UNARY_OPS(HG_OP_NAME_CASE)
#undef HG_OP_NAME_CASE
  }
  return "unary op";
}
inline const char* op_name(BinaryOp op) {
  switch (op) {
#define HG_OP_NAME_CASE(name, ...) \
  case BinaryOp::name:             \
    return #name;
    HG_BINARY_OPS(HG_OP_NAME_CASE)
#undef HG_OP_NAME_CASE
  }
  return "binary op";
}

// Overloads so the float path calls the float function on both the host and the device.
HG_HOST_DEVICE float math_exp(float x) { return ::expf(x); }
HG_HOST_DEVICE double math_exp(double x) { return ::exp(x); }
HG_HOST_DEVICE float math_log(float x) { return ::logf(x); }
HG_HOST_DEVICE double math_log(double x) { return ::log(x); }
HG_HOST_DEVICE float math_sqrt(float x) { return ::sqrtf(x); }
HG_HOST_DEVICE double math_sqrt(double x) { return ::sqrt(x); }
HG_HOST_DEVICE float math_tanh(float x) { return ::tanhf(x); }
HG_HOST_DEVICE double math_tanh(double x) { return ::tanh(x); }
HG_HOST_DEVICE float math_erf(float x) { return ::erff(x); }
HG_HOST_DEVICE double math_erf(double x) { return ::erf(x); }
HG_HOST_DEVICE float math_pow(float x, float y) { return ::powf(x, y); }
HG_HOST_DEVICE double math_pow(double x, double y) { return ::pow(x, y); }

// The order maximum, minimum and the max/min reductions rank values by, PyTorch's: a NaN ranks
// above every number for both, so a NaN operand, or a NaN anywhere in a reduced slice, gives NaN
// (and argmax/argmin the first NaN's index). A diverging value is then seen, not skipped.
template <typename T>
HG_HOST_DEVICE bool is_nan_value(T x) {
  if constexpr (std::is_floating_point_v<T>)
    return x != x;
  else
    return false;
}

// Whether `candidate` takes the place of `current` as the maximum (largest true) or minimum.
// Ties keep `current`, so callers that scan in order keep the first.
template <typename T>
HG_HOST_DEVICE bool ranks_above(bool largest, T candidate, T current) {
  if (is_nan_value(current)) return false;
  if (is_nan_value(candidate)) return true;
  return largest ? candidate > current : candidate < current;
}

template <typename T>
HG_HOST_DEVICE T sign_of(T x) {
  return static_cast<T>((x > T(0)) - (x < T(0)));
}

// Numerically stable logistic: never evaluates e^x for large positive x.
template <typename T>
HG_HOST_DEVICE T sigmoid_of(T x) {
  if (x >= T(0)) return T(1) / (T(1) + math_exp(-x));
  T e = math_exp(x);
  return e / (T(1) + e);
}

// Φ(x) and φ(x) of the standard normal distribution, for gelu.
template <typename T>
HG_HOST_DEVICE T normal_cdf(T x) {
  return T(0.5) * (T(1) + math_erf(x * T(0.70710678118654752440)));  // 1/√2
}
template <typename T>
HG_HOST_DEVICE T normal_density(T x) {
  return math_exp(T(-0.5) * x * x) * T(0.39894228040143267794);  // 1/√(2π)
}

// a / b. The most negative integer over −1 overflows (x86 ends the process with SIGFPE): it
// wraps instead, as its negation in two's complement does.
template <typename T>
HG_HOST_DEVICE T quotient(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
    if (b == T(-1)) return static_cast<T>(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a));
  return a / b;
}

// a^b; integers go through double, as there is no integer pow on the device.
template <typename T>
HG_HOST_DEVICE T power(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return math_pow(a, b);
  else
    return convert<T>(math_pow(static_cast<double>(a), static_cast<double>(b)));
}

// ∂(a^b)/∂b = a^b · ln a, taken as 0 where ln a is undefined (a ≤ 0).
template <typename T>
HG_HOST_DEVICE T power_times_log(T a, T b) {
  return a > T(0) ? math_pow(a, b) * math_log(a) : T(0);
}

// Whether maximum (largest) or minimum takes b over a; ties keep a.
template <typename T>
HG_HOST_DEVICE bool takes_b(bool largest, T a, T b) {
  return ranks_above(largest, b, a);
}

// The tables as switches, one case per row; tensor/cpu/elementwise.h and cuda/elementwise.cu
// say what the switch costs their loops.

template <typename T>
HG_HOST_DEVICE T apply_unary(UnaryOp op, T x, T alpha, T beta) {
  switch (op) {
#define HG_UNARY_FORWARD_CASE(name, forward, derivative) \
  case UnaryOp::name:                                    \
    return forward;
    HG_UNARY_OPS(HG_UNARY_FORWARD_CASE)
#undef HG_UNARY_FORWARD_CASE
  }
  return x;
}

// dy/dx at x, given the forward output y.
template <typename T>
HG_HOST_DEVICE T unary_derivative(UnaryOp op, T x, T y, T alpha, T beta) {
  switch (op) {
#define HG_UNARY_DERIVATIVE_CASE(name, forward, derivative) \
  case UnaryOp::name:                                       \
    return derivative;
    HG_UNARY_OPS(HG_UNARY_DERIVATIVE_CASE)
#undef HG_UNARY_DERIVATIVE_CASE
  }
  return T(0);
}

template <typename T>
HG_HOST_DEVICE T apply_binary(BinaryOp op, T a, T b) {
  switch (op) {
#define HG_BINARY_FORWARD_CASE(name, forward, ...) \
  case BinaryOp::name:                             \
    return forward;
    HG_BINARY_OPS(HG_BINARY_FORWARD_CASE)
#undef HG_BINARY_FORWARD_CASE
  }
  return a;
}

// ∂f/∂a (with_respect_to_b false) or ∂f/∂b (true) at (a, b). Floating types only.
template <typename T>
HG_HOST_DEVICE T binary_derivative(BinaryOp op, T a, T b, bool with_respect_to_b) {
  switch (op) {
#define HG_BINARY_DERIVATIVE_CASE(name, forward, derivative_a, derivative_b) \
  case BinaryOp::name:                                                       \
    return with_respect_to_b ? (derivative_b) : (derivative_a);
    HG_BINARY_OPS(HG_BINARY_DERIVATIVE_CASE)
#undef HG_BINARY_DERIVATIVE_CASE
  }
  return T(0);
}

}  // namespace hg
