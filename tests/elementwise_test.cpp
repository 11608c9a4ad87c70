// Elementwise ops: forward values checked by hand, broadcasting, and every backward by gradcheck.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using test::f64;

TEST(Elementwise, UnaryForwardMatchesHandValues) {
  Tensor x = f64({-2.0, -0.5, 0.0, 0.5, 2.0}, {5});
  auto values = [](const Tensor& t) { return t.to_vector<double>(); };
  EXPECT_EQ(values(ops::unary(UnaryOp::relu, x)), (std::vector<double>{0, 0, 0, 0.5, 2}));
  EXPECT_EQ(values(ops::unary(UnaryOp::sign, x)), (std::vector<double>{-1, -1, 0, 1, 1}));
  EXPECT_EQ(values(ops::unary(UnaryOp::abs, x)), (std::vector<double>{2, 0.5, 0, 0.5, 2}));
  EXPECT_EQ(values(ops::unary(UnaryOp::clamp, x, -1, 1)),
            (std::vector<double>{-1, -0.5, 0, 0.5, 1}));
  EXPECT_NEAR(values(ops::unary(UnaryOp::sigmoid, x))[4], 1 / (1 + std::exp(-2.0)), 1e-15);
  EXPECT_NEAR(values(ops::unary(UnaryOp::tanh, x))[0], std::tanh(-2.0), 1e-15);
  // GELU(x) = x·Φ(x): Φ(0.5) = 0.691462461274013, from the normal table.
  EXPECT_NEAR(values(ops::unary(UnaryOp::gelu, x))[3], 0.5 * 0.691462461274013, 1e-12);
  // The stable sigmoid does not overflow where 1/(1+e^-x) would.
  EXPECT_EQ(ops::unary(UnaryOp::sigmoid, f64({-1000.0}, {1})).item<double>(), 0.0);
}

TEST(Elementwise, BinaryBroadcastsLikeNumPy) {
  Tensor column = f64({1, 2, 3}, {3, 1});
  Tensor row = f64({10, 20}, {2});
  Tensor sum = ops::add(column, row);
  EXPECT_EQ(sum.shape(), (Shape{3, 2}));
  EXPECT_EQ(sum.to_vector<double>(), (std::vector<double>{11, 21, 12, 22, 13, 23}));
  EXPECT_EQ(ops::binary(BinaryOp::gt, column, f64({2}, {1})).to_vector<double>(),
            (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(ops::binary(BinaryOp::maximum, f64({1, 5}, {2}), f64({3, 4}, {2})).to_vector<double>(),
            (std::vector<double>{3, 5}));
}

// PyTorch's NaN rule: torch.maximum(nan, 1), torch.max over a slice holding a NaN and
// torch.argmax all pick the NaN, so a diverged value is never hidden behind a number.
TEST(Elementwise, MaximumMinimumAndMaxReductionsPropagateNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor a = f64({nan, 1, 2, nan}, {4});
  Tensor b = f64({1, nan, 3, nan}, {4});
  for (BinaryOp op : {BinaryOp::maximum, BinaryOp::minimum}) {
    std::vector<double> z = ops::binary(op, a, b).to_vector<double>();
    EXPECT_TRUE(std::isnan(z[0]) && std::isnan(z[1]) && std::isnan(z[3])) << static_cast<int>(op);
    EXPECT_EQ(z[2], op == BinaryOp::maximum ? 3 : 2);
  }
  // Rows: NaN in the middle, NaN first, two NaNs (the first one's index), no NaN.
  Tensor rows = f64({1, nan, 3, nan, 5, 0, 4, nan, nan, 2, 7, 1}, {4, 3});
  std::vector<double> maxima = ops::max(rows, {1}).to_vector<double>();
  std::vector<double> minima = ops::min(rows, {1}).to_vector<double>();
  for (int row = 0; row < 3; ++row)
    EXPECT_TRUE(std::isnan(maxima[row]) && std::isnan(minima[row])) << "row " << row;
  EXPECT_EQ(maxima[3], 7);
  EXPECT_EQ(minima[3], 1);
  EXPECT_EQ(ops::argmax(rows, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1, 1}));
  EXPECT_EQ(ops::argmin(rows, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1, 2}));
  // The gradient of maximum goes to the operand it took, the NaN one included.
  Tensor ones = f64({1, 1, 1, 1}, {4});
  EXPECT_EQ(ops::binary_backward(BinaryOp::maximum, ones, a, b, false).to_vector<double>(),
            (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(ops::binary_backward(BinaryOp::maximum, ones, a, b, true).to_vector<double>(),
            (std::vector<double>{0, 1, 1, 0}));
}

TEST(Elementwise, IntegerArithmeticStaysInteger) {
  Tensor a = Tensor::from_vector(std::vector<int64_t>{7, -7}, {2});
  Tensor b = Tensor::from_vector(std::vector<int64_t>{2, 2}, {2});
  EXPECT_EQ(ops::div(a, b).to_vector<int64_t>(), (std::vector<int64_t>{3, -3}));
  // The most negative value over −1 wraps back to itself instead of trapping; 2^40 saturates.
  Tensor lowest = Tensor::from_vector(std::vector<int32_t>{INT32_MIN, 6}, {2});
  Tensor minus_one = Tensor::from_vector(std::vector<int32_t>{-1, -1}, {2});
  EXPECT_EQ(ops::div(lowest, minus_one).to_vector<int32_t>(),
            (std::vector<int32_t>{INT32_MIN, -6}));
  Tensor two = Tensor::from_vector(std::vector<int32_t>{2, 2}, {2});
  Tensor exponents = Tensor::from_vector(std::vector<int32_t>{40, 10}, {2});
  EXPECT_EQ(ops::binary(BinaryOp::pow, two, exponents).to_vector<int32_t>(),
            (std::vector<int32_t>{INT32_MAX, 1024}));
}

TEST(Elementwise, IntegerDivisionByZeroIsAnErrorNotACrash) {
  Tensor a = Tensor::from_vector(std::vector<int32_t>{7, 8}, {2});
  Tensor b = Tensor::from_vector(std::vector<int32_t>{2, 0}, {2});
  EXPECT_NE(test::error_message([&] { ops::div(a, b); }).find("holds a zero"), std::string::npos);
  EXPECT_NE(test::error_message([&] { ops::binary_(BinaryOp::div, a, b); }).find("holds a zero"),
            std::string::npos);
  EXPECT_EQ(a.to_vector<int32_t>(), (std::vector<int32_t>{7, 8}));  // untouched
  // Floating division by zero is IEEE's ±inf, not an error.
  EXPECT_EQ(ops::div(f64({1}, {1}), f64({0}, {1})).item<double>(),
            std::numeric_limits<double>::infinity());
}

TEST(Elementwise, InPlaceAddAccumulatesWithBroadcast) {
  Tensor a = f64({1, 2, 3, 4}, {2, 2});
  ops::add_(a, f64({10, 20}, {2}));
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{11, 22, 13, 24}));
  EXPECT_THROW(ops::add_(f64({1, 2}, {2}), f64({1, 2, 3, 4}, {2, 2})), Error);
}

TEST(Elementwise, InPlaceOpsRefuseASourceThatOverlapsTheirTarget) {
  Tensor a = f64({1, 2, 3, 4}, {2, 2});
  // The same elements (a += a) and disjoint halves are fine.
  ops::add_(a, a);
  ops::add_(ops::narrow(a, 0, 0, 1), ops::narrow(a, 0, 1, 1));
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{8, 12, 6, 8}));
  // A row of a, broadcast over a; a's own transpose: the result would depend on write order.
  EXPECT_EQ(test::error_message([&] { ops::binary_(BinaryOp::sub, a, ops::narrow(a, 0, 0, 1)); }),
            "sub_: the source f64[1, 2] cpu overlaps the in-place target f64[2, 2] cpu in memory; "
            "clone() the source first");
  EXPECT_NE(test::error_message([&] { ops::copy_(a, ops::transpose(a, 0, 1)); }).find("overlaps"),
            std::string::npos);
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{8, 12, 6, 8}));  // untouched
  // Interleaved columns share a range but no element: not judged, as in PyTorch.
  ops::copy_(ops::narrow(a, 1, 0, 1), ops::narrow(a, 1, 1, 1));
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{12, 12, 8, 8}));
}

TEST(Elementwise, UnaryOpsOnViewsReadTheViewedElements) {
  Tensor t = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor transposed = ops::transpose(t, 0, 1);
  EXPECT_EQ(ops::neg(transposed).to_vector<double>(),
            (std::vector<double>{-1, -4, -2, -5, -3, -6}));
}

// Inputs away from the kinks of relu/abs/clamp/sign so central differences are valid there.
Tensor smooth_input(uint64_t seed, Shape shape = {3, 4}) {
  Tensor x = test::random_uniform(shape, seed, 0.2, 1.5, DType::f64);
  std::vector<double> values = x.to_vector<double>();
  for (size_t i = 0; i < values.size(); i += 2) values[i] = -values[i];
  return Tensor::from_vector(values, shape).set_requires_grad(true);
}

TEST(Elementwise, GradcheckEveryUnaryOp) {
  using Unary = Tensor (*)(const Tensor&);
  std::vector<std::pair<const char*, Unary>> ops_to_check = {
      {"neg", neg},   {"exp", exp},   {"tanh", tanh},     {"sigmoid", sigmoid},
      {"relu", relu}, {"gelu", gelu}, {"square", square}, {"reciprocal", reciprocal},
      {"abs", abs}};
  for (auto& [name, op] : ops_to_check) {
    Tensor x = smooth_input(1);
    GradcheckResult result =
        gradcheck([op = op](const std::vector<Tensor>& in) { return op(in[0]); }, {x});
    EXPECT_TRUE(result.passed) << name << ": " << result.report;
  }
  // log and sqrt need positive inputs.
  for (Unary op : {Unary(log), Unary(sqrt)}) {
    Tensor x = test::random_uniform({3, 4}, 2, 0.5, 2.0, DType::f64).set_requires_grad(true);
    EXPECT_TRUE(gradcheck([op](const std::vector<Tensor>& in) { return op(in[0]); }, {x}).passed);
  }
  Tensor positive = test::random_uniform({5}, 3, 0.5, 2.0, DType::f64).set_requires_grad(true);
  EXPECT_TRUE(
      gradcheck([](const std::vector<Tensor>& in) { return pow(in[0], 2.5); }, {positive}).passed);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return clamp(in[0], -1.0, 1.0); },
                        {smooth_input(4)})
                  .passed);
  EXPECT_TRUE(
      gradcheck([](const std::vector<Tensor>& in) { return in[0] * 3.0 + 1.0; }, {smooth_input(5)})
          .passed);
}

// Every row of the op tables (cuda/elementwise_math.h), a row added later included: its
// derivative column agrees with central differences of its forward column. The points avoid the
// kinks of abs, relu and clamp (alpha 0.5, beta 1.2) and keep log, sqrt and pow_scalar's base
// positive.
TEST(Elementwise, EveryUnaryRowsDerivativeMatchesItsForward) {
  const double alpha = 0.5, beta = 1.2, step = 1e-6;
  for (int row = 0; row < kUnaryOpCount; ++row) {
    const UnaryOp op = UnaryOp(row);
    if (op == UnaryOp::sign) continue;  // straight-through by design: the test below
    const bool positive_only =
        op == UnaryOp::log || op == UnaryOp::sqrt || op == UnaryOp::pow_scalar;
    for (double x : {-1.3, -0.45, 0.35, 0.8, 1.7}) {
      if (positive_only && x < 0) continue;
      auto f = [&](double at) { return apply_unary(op, at, alpha, beta); };
      const double numeric = (f(x + step) - f(x - step)) / (2 * step);
      const double analytic = unary_derivative(op, x, f(x), alpha, beta);
      EXPECT_NEAR(analytic, numeric, 1e-6 * std::max(1.0, std::abs(numeric)))
          << op_name(op) << " at " << x;
    }
  }
}

TEST(Elementwise, EveryBinaryRowsDerivativesMatchItsForward) {
  const double step = 1e-6;
  for (int row = 0; row < kBinaryOpCount; ++row) {
    const BinaryOp op = BinaryOp(row);
    for (auto [a, b] : {std::pair{0.7, 1.3}, std::pair{1.6, 0.4}, std::pair{1.2, -0.9}}) {
      const double numeric_a =
          (apply_binary(op, a + step, b) - apply_binary(op, a - step, b)) / (2 * step);
      const double numeric_b =
          (apply_binary(op, a, b + step) - apply_binary(op, a, b - step)) / (2 * step);
      EXPECT_NEAR(binary_derivative(op, a, b, false), numeric_a,
                  1e-6 * std::max(1.0, std::abs(numeric_a)))
          << op_name(op) << " d/da at " << a << ", " << b;
      EXPECT_NEAR(binary_derivative(op, a, b, true), numeric_b,
                  1e-6 * std::max(1.0, std::abs(numeric_b)))
          << op_name(op) << " d/db at " << a << ", " << b;
    }
  }
}

// The names come from the same rows: what the profiler and error messages show.
TEST(Elementwise, OpsAreNamedByTheirRow) {
  EXPECT_STREQ(op_name(UnaryOp::pow_scalar), "pow_scalar");
  EXPECT_STREQ(op_name(BinaryOp::maximum), "maximum");
  Tensor integers = Tensor::from_vector(std::vector<int32_t>{1, 2}, {2});
  EXPECT_NE(test::error_message([&] { ops::unary(UnaryOp::gelu, integers); }).find("gelu"),
            std::string::npos);
}

TEST(Elementwise, SignPassesTheGradientStraightThrough) {
  Tensor x = f64({-0.3, 0.7}, {2}).set_requires_grad(true);
  Tensor y = sign(x);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{-1, 1}));
  backward(sum(y * f64({2, 5}, {2})));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 5}));
}

TEST(Elementwise, GradcheckBinaryOpsWithBroadcast) {
  Tensor a = smooth_input(6, {3, 4});
  Tensor b = test::random_uniform({4}, 7, 0.5, 1.5, DType::f64).set_requires_grad(true);
  using Binary = Tensor (*)(const Tensor&, const Tensor&);
  for (Binary op :
       {Binary(add), Binary(sub), Binary(mul), Binary(div), Binary(maximum), Binary(minimum)}) {
    GradcheckResult result =
        gradcheck([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {a, b});
    EXPECT_TRUE(result.passed) << result.report;
  }
  Tensor base = test::random_uniform({3, 1}, 8, 0.5, 2.0, DType::f64).set_requires_grad(true);
  Tensor exponent = test::random_uniform({1, 2}, 9, 0.5, 2.0, DType::f64).set_requires_grad(true);
  EXPECT_TRUE(
      gradcheck([](const std::vector<Tensor>& in) { return pow(in[0], in[1]); }, {base, exponent})
          .passed);
}

}  // namespace
}  // namespace hg
