// The formulas of every elementwise op and of its derivative, written once for both paths:
// tensor/cpu/elementwise.h loops over them on the CPU and cuda/elementwise.cu runs them in a
// thread per element. Reading one `case` tells you what the op computes forward and what its
// backward multiplies the incoming gradient by.
#pragma once

#include <math.h>

#include <cstdint>
#include <type_traits>

#include "core/host_device.h"
#include "cuda/convert.h"

namespace hg {

// Unary ops y = f(x; alpha, beta). alpha/beta are the scalar parameters some ops take.
enum class UnaryOp {
  neg,         // -x
  exp,         // e^x
  log,         // ln x
  sqrt,        // √x
  abs,         // |x|
  tanh,        // tanh x
  sigmoid,     // 1 / (1 + e^-x)
  relu,        // max(x, 0)
  gelu,        // x·Φ(x), Φ the standard normal CDF (exact erf form, as torch's default)
  sign,        // sign(x) ∈ {-1, 0, +1}; gradient passed straight through (GreedyHash)
  square,      // x²
  reciprocal,  // 1 / x
  add_scalar,  // x + alpha
  mul_scalar,  // x · alpha
  pow_scalar,  // x^alpha
  clamp,       // min(max(x, alpha), beta)
};

// Binary ops z = f(a, b), broadcast. Comparisons give 1 or 0 in the operands' dtype.
enum class BinaryOp { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge };

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

template <typename T>
HG_HOST_DEVICE T apply_unary(UnaryOp op, T x, T alpha, T beta) {
  switch (op) {
    case UnaryOp::neg:
      return -x;
    case UnaryOp::exp:
      return math_exp(x);
    case UnaryOp::log:
      return math_log(x);
    case UnaryOp::sqrt:
      return math_sqrt(x);
    case UnaryOp::abs:
      return x < T(0) ? -x : x;
    case UnaryOp::tanh:
      return math_tanh(x);
    case UnaryOp::sigmoid:
      return sigmoid_of(x);
    case UnaryOp::relu:
      return x > T(0) ? x : T(0);
    case UnaryOp::gelu:
      return x * T(0.5) * (T(1) + math_erf(x * T(0.70710678118654752440)));
    case UnaryOp::sign:
      return sign_of(x);
    case UnaryOp::square:
      return x * x;
    case UnaryOp::reciprocal:
      return T(1) / x;
    case UnaryOp::add_scalar:
      return x + alpha;
    case UnaryOp::mul_scalar:
      return x * alpha;
    case UnaryOp::pow_scalar:
      return math_pow(x, alpha);
    case UnaryOp::clamp:
      return x < alpha ? alpha : (x > beta ? beta : x);
  }
  return x;
}

// dy/dx, given x and the forward output y (some derivatives are cheapest in terms of y).
template <typename T>
HG_HOST_DEVICE T unary_derivative(UnaryOp op, T x, T y, T alpha, T beta) {
  switch (op) {
    case UnaryOp::neg:
      return T(-1);
    case UnaryOp::exp:
      return y;
    case UnaryOp::log:
      return T(1) / x;
    case UnaryOp::sqrt:
      return T(0.5) / y;
    case UnaryOp::abs:
      return sign_of(x);
    case UnaryOp::tanh:
      return T(1) - y * y;
    case UnaryOp::sigmoid:
      return y * (T(1) - y);
    case UnaryOp::relu:
      return x > T(0) ? T(1) : T(0);
    case UnaryOp::gelu: {
      // d/dx [x Φ(x)] = Φ(x) + x φ(x),  φ(x) = e^{-x²/2} / √(2π)
      T cdf = T(0.5) * (T(1) + math_erf(x * T(0.70710678118654752440)));
      T density = math_exp(T(-0.5) * x * x) * T(0.39894228040143267794);
      return cdf + x * density;
    }
    case UnaryOp::sign:
      return T(1);  // straight-through estimator: ∂L/∂x = ∂L/∂sign(x)
    case UnaryOp::square:
      return T(2) * x;
    case UnaryOp::reciprocal:
      return -y * y;
    case UnaryOp::add_scalar:
      return T(1);
    case UnaryOp::mul_scalar:
      return alpha;
    case UnaryOp::pow_scalar:
      return alpha * math_pow(x, alpha - T(1));
    case UnaryOp::clamp:
      return (x >= alpha && x <= beta) ? T(1) : T(0);
  }
  return T(0);
}

template <typename T>
HG_HOST_DEVICE T apply_binary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::add:
      return a + b;
    case BinaryOp::sub:
      return a - b;
    case BinaryOp::mul:
      return a * b;
    case BinaryOp::div:
      // The most negative integer over −1 overflows (x86 ends the process with SIGFPE): it
      // wraps instead, as its negation in two's complement does.
      if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
        if (b == T(-1))
          return static_cast<T>(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a));
      return a / b;
    case BinaryOp::pow:
      if constexpr (std::is_floating_point_v<T>)
        return math_pow(a, b);
      else
        return convert<T>(math_pow(static_cast<double>(a), static_cast<double>(b)));
    case BinaryOp::maximum:
      return ranks_above(true, b, a) ? b : a;
    case BinaryOp::minimum:
      return ranks_above(false, b, a) ? b : a;
    case BinaryOp::eq:
      return static_cast<T>(a == b);
    case BinaryOp::ne:
      return static_cast<T>(a != b);
    case BinaryOp::lt:
      return static_cast<T>(a < b);
    case BinaryOp::le:
      return static_cast<T>(a <= b);
    case BinaryOp::gt:
      return static_cast<T>(a > b);
    case BinaryOp::ge:
      return static_cast<T>(a >= b);
  }
  return a;
}

// ∂f/∂a (with_respect_to_b false) or ∂f/∂b (true) at (a, b). Floating types only.
template <typename T>
HG_HOST_DEVICE T binary_derivative(BinaryOp op, T a, T b, bool with_respect_to_b) {
  switch (op) {
    case BinaryOp::add:
      return T(1);
    case BinaryOp::sub:
      return with_respect_to_b ? T(-1) : T(1);
    case BinaryOp::mul:
      return with_respect_to_b ? a : b;
    case BinaryOp::div:
      return with_respect_to_b ? -a / (b * b) : T(1) / b;
    case BinaryOp::pow:  // d/da a^b = b a^(b-1);  d/db a^b = a^b ln a
      return with_respect_to_b ? (a > T(0) ? math_pow(a, b) * math_log(a) : T(0))
                               : b * math_pow(a, b - T(1));
    case BinaryOp::maximum:  // the gradient goes to the operand taken (to a on ties)
    case BinaryOp::minimum: {
      bool b_taken = ranks_above(op == BinaryOp::maximum, b, a);
      return b_taken == with_respect_to_b ? T(1) : T(0);
    }
    default:
      return T(0);  // comparisons are piecewise constant
  }
}

}  // namespace hg
