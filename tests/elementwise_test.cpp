// Elementwise ops: forward values checked by hand, broadcasting, NaN and integer rules, on every
// device (f64, so the hand values hold to 1e-15 on both); the in-place overlap errors and every
// backward by gradcheck on the CPU. Then CUDA against the CPU for the core ops: copy/cast,
// elementwise forward and backward, reductions. Beyond the plain cases: strided views on either
// side of a copy, 0-dim and integer operands, empty tensors, reductions over a million elements
// (the two-pass path) and over more rows than a grid has blocks, and ties for argmax.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg {
namespace {

// Operands on device().
class Elementwise : public test::DeviceTest {
 protected:
  Tensor f64(const std::vector<double>& values, const Shape& shape) const {
    return test::f64(values, shape).to(device());
  }
  template <typename T>
  Tensor integers(const std::vector<T>& values) const {
    return Tensor::from_vector(values, {static_cast<int64_t>(values.size())}).to(device());
  }
};

TEST_P(Elementwise, UnaryForwardMatchesHandValues) {
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

TEST_P(Elementwise, BinaryBroadcastsLikeNumPy) {
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
TEST_P(Elementwise, MaximumMinimumAndMaxReductionsPropagateNaN) {
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

TEST_P(Elementwise, IntegerArithmeticStaysInteger) {
  Tensor a = integers(std::vector<int64_t>{7, -7});
  Tensor b = integers(std::vector<int64_t>{2, 2});
  EXPECT_EQ(ops::div(a, b).to_vector<int64_t>(), (std::vector<int64_t>{3, -3}));
  // The most negative value over −1 wraps back to itself instead of trapping; 2^40 saturates.
  Tensor lowest = integers(std::vector<int32_t>{INT32_MIN, 6});
  Tensor minus_one = integers(std::vector<int32_t>{-1, -1});
  EXPECT_EQ(ops::div(lowest, minus_one).to_vector<int32_t>(),
            (std::vector<int32_t>{INT32_MIN, -6}));
  Tensor two = integers(std::vector<int32_t>{2, 2});
  Tensor exponents = integers(std::vector<int32_t>{40, 10});
  EXPECT_EQ(ops::binary(BinaryOp::pow, two, exponents).to_vector<int32_t>(),
            (std::vector<int32_t>{INT32_MAX, 1024}));
}

TEST_P(Elementwise, IntegerDivisionByZeroIsAnErrorNotACrash) {
  Tensor a = integers(std::vector<int32_t>{7, 8});
  Tensor b = integers(std::vector<int32_t>{2, 0});
  EXPECT_NE(test::error_message([&] { ops::div(a, b); }).find("holds a zero"), std::string::npos);
  EXPECT_NE(test::error_message([&] { ops::binary_(BinaryOp::div, a, b); }).find("holds a zero"),
            std::string::npos);
  EXPECT_EQ(a.to_vector<int32_t>(), (std::vector<int32_t>{7, 8}));  // untouched
  // Floating division by zero is IEEE's ±inf, not an error.
  EXPECT_EQ(ops::div(f64({1}, {1}), f64({0}, {1})).item<double>(),
            std::numeric_limits<double>::infinity());
}

TEST_P(Elementwise, InPlaceAddAccumulatesWithBroadcast) {
  Tensor a = f64({1, 2, 3, 4}, {2, 2});
  ops::add_(a, f64({10, 20}, {2}));
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{11, 22, 13, 24}));
  EXPECT_THROW(ops::add_(f64({1, 2}, {2}), f64({1, 2, 3, 4}, {2, 2})), Error);
}

TEST_P(Elementwise, UnaryOpsOnViewsReadTheViewedElements) {
  Tensor t = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor transposed = ops::transpose(t, 0, 1);
  EXPECT_EQ(ops::neg(transposed).to_vector<double>(),
            (std::vector<double>{-1, -4, -2, -5, -3, -6}));
}

TEST_P(Elementwise, SignPassesTheGradientStraightThrough) {
  Tensor x = f64({-0.3, 0.7}, {2}).set_requires_grad(true);
  Tensor y = sign(x);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{-1, 1}));
  backward(sum(y * f64({2, 5}, {2})));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 5}));
}

HG_INSTANTIATE_DEVICE_TEST(Elementwise);

using test::f64;

TEST(ElementwiseCpu, InPlaceOpsRefuseASourceThatOverlapsTheirTarget) {
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

// Inputs away from the kinks of relu/abs/clamp/sign so central differences are valid there.
Tensor smooth_input(uint64_t seed, Shape shape = {3, 4}) {
  Tensor x = test::random_uniform(shape, seed, 0.2, 1.5, DType::f64);
  std::vector<double> values = x.to_vector<double>();
  for (size_t i = 0; i < values.size(); i += 2) values[i] = -values[i];
  return Tensor::from_vector(values, shape).set_requires_grad(true);
}

TEST(ElementwiseCpu, GradcheckEveryUnaryOp) {
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
TEST(ElementwiseCpu, EveryUnaryRowsDerivativeMatchesItsForward) {
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

TEST(ElementwiseCpu, EveryBinaryRowsDerivativesMatchItsForward) {
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
TEST(ElementwiseCpu, OpsAreNamedByTheirRow) {
  EXPECT_STREQ(op_name(UnaryOp::pow_scalar), "pow_scalar");
  EXPECT_STREQ(op_name(BinaryOp::maximum), "maximum");
  Tensor integers = Tensor::from_vector(std::vector<int32_t>{1, 2}, {2});
  EXPECT_NE(test::error_message([&] { ops::unary(UnaryOp::gelu, integers); }).find("gelu"),
            std::string::npos);
}

TEST(ElementwiseCpu, GradcheckBinaryOpsWithBroadcast) {
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

// CUDA against the CPU for the core ops, at the sizes and layouts its kernels branch on.
class CudaCore : public test::DeviceTest {};

TEST_P(CudaCore, CopiesAndCastsRoundTrip) {
  Tensor x = test::random_uniform({5, 7}, 1, -3, 3);
  Tensor on_gpu = x.to(Device::cuda);
  EXPECT_TRUE(test::all_close(on_gpu.to(Device::cpu), x, 0, 0));
  EXPECT_TRUE(test::all_close(ops::transpose(on_gpu, 0, 1).contiguous().to(Device::cpu),
                              ops::transpose(x, 0, 1).contiguous(), 0, 0));
  EXPECT_EQ(on_gpu.to(DType::i32).to_vector<int32_t>(), x.to(DType::i32).to_vector<int32_t>());
  EXPECT_TRUE(test::all_close(on_gpu.to(DType::bf16).to(DType::f32).to(Device::cpu),
                              x.to(DType::bf16).to(DType::f32), 0, 0));
}

TEST_P(CudaCore, UnaryForwardAndBackwardMatchCpu) {
  test::NumericMode strict(true);
  Tensor x = test::random_uniform({33, 65}, 2, -2, 2);
  Tensor grad = test::random_uniform({33, 65}, 3, -1, 1);
  for (int op = 0; op <= static_cast<int>(UnaryOp::clamp); ++op) {
    UnaryOp unary_op = static_cast<UnaryOp>(op);
    Tensor input =
        unary_op == UnaryOp::log || unary_op == UnaryOp::sqrt ? ops::unary(UnaryOp::abs, x) : x;
    Tensor y_cpu = ops::unary(unary_op, input, 0.5, 1.0);
    Tensor y_gpu = ops::unary(unary_op, input.to(Device::cuda), 0.5, 1.0);
    EXPECT_TRUE(test::all_close(y_gpu, y_cpu, 1e-5, 1e-6)) << "op " << op;
    Tensor g_cpu = ops::unary_backward(unary_op, grad, input, y_cpu, 0.5, 1.0);
    Tensor g_gpu = ops::unary_backward(unary_op, grad.to(Device::cuda), input.to(Device::cuda),
                                       y_gpu, 0.5, 1.0);
    EXPECT_TRUE(test::all_close(g_gpu, g_cpu, 1e-5, 1e-6)) << "op " << op;
  }
}

TEST_P(CudaCore, BinaryWithBroadcastMatchesCpu) {
  Tensor a = test::random_uniform({4, 1, 6}, 4, 0.5, 2);
  Tensor b = test::random_uniform({5, 1}, 5, 0.5, 2);
  Tensor grad = test::random_uniform({4, 5, 6}, 6);
  for (int op = 0; op <= static_cast<int>(BinaryOp::ge); ++op) {
    BinaryOp binary_op = static_cast<BinaryOp>(op);
    Tensor cpu = ops::binary(binary_op, a, b);
    EXPECT_TRUE(
        test::all_close(ops::binary(binary_op, a.to(Device::cuda), b.to(Device::cuda)), cpu))
        << "op " << op;
    for (bool wrt_b : {false, true}) {
      Tensor expected = ops::binary_backward(binary_op, grad, a, b, wrt_b);
      Tensor actual = ops::binary_backward(binary_op, grad.to(Device::cuda), a.to(Device::cuda),
                                           b.to(Device::cuda), wrt_b);
      EXPECT_TRUE(test::all_close(actual, expected)) << "op " << op;
    }
  }
}

TEST_P(CudaCore, ReductionsMatchCpu) {
  Tensor x = test::random_uniform({7, 300, 5}, 7);
  Tensor g = x.to(Device::cuda);
  EXPECT_TRUE(test::all_close(ops::sum(g, {1}), ops::sum(x, {1}), 1e-5, 1e-5));
  EXPECT_TRUE(test::all_close(ops::sum(g), ops::sum(x), 1e-5, 1e-4));
  EXPECT_TRUE(test::all_close(ops::max(g, {0, 2}), ops::max(x, {0, 2}), 0, 0));
  EXPECT_TRUE(test::all_close(ops::min(g, {2}, true), ops::min(x, {2}, true), 0, 0));
  EXPECT_EQ(ops::argmax(g, 1).to_vector<int64_t>(), ops::argmax(x, 1).to_vector<int64_t>());
  EXPECT_TRUE(test::all_close(ops::var(g, {1}), ops::var(x, {1}), 1e-4, 1e-6));
  EXPECT_TRUE(
      test::all_close(ops::sum_to(g, {1, 300, 1}), ops::sum_to(x, {1, 300, 1}), 1e-5, 1e-5));
}

TEST_P(CudaCore, CopiesIntoViewsFromBroadcastsAndAcrossDtypesMatchCpu) {
  Tensor x = test::random_uniform({5, 7}, 21, -300, 300);
  // Strided writes: the destination is a transposed view.
  Tensor cpu_target = Tensor::zeros({7, 5}),
         gpu_target = Tensor::zeros({7, 5}, DType::f32, Device::cuda);
  ops::copy_(ops::transpose(cpu_target, 0, 1), x);
  ops::copy_(ops::transpose(gpu_target, 0, 1), x.to(Device::cuda));
  EXPECT_TRUE(test::all_close(gpu_target, cpu_target, 0, 0));
  // A host row broadcast (stride 0) into a column slice of a device tensor.
  Tensor row = test::random_uniform({1, 3}, 22);
  Tensor cpu_wide = Tensor::zeros({4, 6}),
         gpu_wide = Tensor::zeros({4, 6}, DType::f32, Device::cuda);
  ops::copy_(ops::narrow(cpu_wide, 1, 2, 3), row);
  ops::copy_(ops::narrow(gpu_wide, 1, 2, 3), row);
  EXPECT_TRUE(test::all_close(gpu_wide, cpu_wide, 0, 0));
  // fill_ of a non-contiguous view.
  ops::fill_(ops::narrow(cpu_wide, 1, 0, 2), 2.5);
  ops::fill_(ops::narrow(gpu_wide, 1, 0, 2), 2.5);
  EXPECT_TRUE(test::all_close(gpu_wide, cpu_wide, 0, 0));
  // Every conversion the GPU makes, rounding (bf16) and truncation (integers) included.
  Tensor gpu_x = x.to(Device::cuda);
  for (DType dtype : {DType::f64, DType::bf16, DType::i32, DType::i64})
    EXPECT_TRUE(test::all_close(gpu_x.to(dtype).to(DType::f64), x.to(dtype).to(DType::f64), 0, 0))
        << dtype_name(dtype);
  Tensor pixels = test::random_uniform({3, 333}, 23, 0, 255).to(DType::u8);
  EXPECT_EQ(pixels.to(Device::cuda).to(DType::f32).to_vector<float>(),
            pixels.to(DType::f32).to_vector<float>());
}

TEST_P(CudaCore, ElementwiseOnViewsScalarsAndIntegersMatchesCpu) {
  Tensor x = test::random_uniform({33, 65}, 24, -2, 2);
  Tensor view = ops::transpose(x, 0, 1);  // strided reads
  Tensor gpu_view = ops::transpose(x.to(Device::cuda), 0, 1);
  EXPECT_TRUE(
      test::all_close(ops::unary(UnaryOp::tanh, gpu_view), ops::unary(UnaryOp::tanh, view)));
  Tensor scalar = Tensor::scalar(0.75), gpu_scalar = scalar.to(Device::cuda);
  EXPECT_TRUE(test::all_close(ops::binary(BinaryOp::mul, gpu_view, gpu_scalar),
                              ops::binary(BinaryOp::mul, view, scalar)));
  EXPECT_TRUE(test::all_close(ops::binary(BinaryOp::sub, gpu_scalar, gpu_view),
                              ops::binary(BinaryOp::sub, scalar, view)));
  Tensor grad = test::random_uniform({65, 33}, 25);
  EXPECT_TRUE(test::all_close(
      ops::binary_backward(BinaryOp::div, grad.to(Device::cuda), gpu_scalar, gpu_view, true),
      ops::binary_backward(BinaryOp::div, grad, scalar, view, true)));
  // Integer dtypes (labels, indices, pixels, codes) are exact; divisors are at least 1.
  for (DType dtype : {DType::i32, DType::i64, DType::u8, DType::u64}) {
    Tensor a = test::random_uniform({40, 1, 7}, 26, 0, 100).to(dtype);
    Tensor b = test::random_uniform({9, 1}, 27, 1, 100).to(dtype);
    for (BinaryOp op :
         {BinaryOp::add, BinaryOp::mul, BinaryOp::div, BinaryOp::maximum, BinaryOp::ge}) {
      EXPECT_TRUE(test::all_close(ops::binary(op, a.to(Device::cuda), b.to(Device::cuda)),
                                  ops::binary(op, a, b), 0, 0))
          << dtype_name(dtype) << " op " << static_cast<int>(op);
    }
  }
  // In place, the operand broadcast over the target.
  Tensor target = test::random_uniform({6, 5}, 28), bias = test::random_uniform({5}, 29);
  Tensor gpu_target = target.to(Device::cuda);
  ops::binary_(BinaryOp::add, target, bias);
  ops::binary_(BinaryOp::add, gpu_target, bias.to(Device::cuda));
  EXPECT_TRUE(test::all_close(gpu_target, target, 0, 0));
}

TEST_P(CudaCore, EmptyTensorsLaunchNothing) {
  Tensor empty = Tensor::empty({0, 3}, DType::f32, Device::cuda);
  EXPECT_EQ(ops::unary(UnaryOp::exp, empty).shape(), (Shape{0, 3}));
  EXPECT_EQ(ops::binary(BinaryOp::add, empty, Tensor::scalar(1, DType::f32, Device::cuda)).shape(),
            (Shape{0, 3}));
  EXPECT_EQ(ops::transpose(empty, 0, 1).contiguous().to(DType::bf16).to(Device::cpu).numel(), 0);
  ops::fill_(empty, 1);
  // A sum over an empty dim is 0, as on the CPU; keeping the empty dim gives an empty result.
  EXPECT_EQ(ops::sum(empty, {0}).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(ops::sum(empty).item<float>(), 0.0f);
  EXPECT_EQ(ops::sum(empty, {1}).shape(), (Shape{0}));
}

TEST_P(CudaCore, IntegerDivisionByZeroIsAnError) {
  Tensor a = Tensor::from_vector(std::vector<int64_t>{7, 8}, {2}).to(Device::cuda);
  Tensor b = Tensor::from_vector(std::vector<int64_t>{2, 0}, {2}).to(Device::cuda);
  EXPECT_NE(test::error_message([&] { ops::div(a, b); }).find("holds a zero"), std::string::npos);
  ops::fill_(b, -2);
  EXPECT_EQ(ops::div(a, b).to_vector<int64_t>(), (std::vector<int64_t>{-3, -4}));
}

TEST_P(CudaCore, OutOfRangeCastsAndIntegerOverflowMatchCpu) {
  // The cases C++ leaves undefined, where x86 and CUDA would differ without convert's rule.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::from_vector(std::vector<float>{2.7f, -2.7f, -1.0f, 3e9f, -3e9f, nan}, {6});
  Tensor on_gpu = x.to(Device::cuda);
  EXPECT_EQ(on_gpu.to(DType::u8).to_vector<uint8_t>(), x.to(DType::u8).to_vector<uint8_t>());
  EXPECT_EQ(on_gpu.to(DType::i32).to_vector<int32_t>(), x.to(DType::i32).to_vector<int32_t>());
  EXPECT_EQ(on_gpu.to(DType::i64).to_vector<int64_t>(), x.to(DType::i64).to_vector<int64_t>());
  Tensor a = Tensor::from_vector(std::vector<int32_t>{INT32_MIN, 2}, {2});
  Tensor b = Tensor::from_vector(std::vector<int32_t>{-1, 40}, {2});
  for (BinaryOp op : {BinaryOp::div, BinaryOp::pow})
    EXPECT_EQ(ops::binary(op, a.to(Device::cuda), b.to(Device::cuda)).to_vector<int32_t>(),
              ops::binary(op, a, b).to_vector<int32_t>());
}

TEST_P(CudaCore, NaNPropagatesThroughMaxMinAsOnCpu) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = test::random_uniform({4, 300001}, 35, -1, 1);
  std::vector<float> values = x.to_vector<float>();
  for (int64_t at : {int64_t(7), int64_t(150000), int64_t(300001 + 299999), int64_t(2 * 300001),
                     int64_t(2 * 300001 + 5)})
    values[static_cast<size_t>(at)] = nan;
  x = Tensor::from_vector(values, {4, 300001});
  Tensor on_gpu = x.to(Device::cuda);
  for (bool largest : {true, false}) {
    Tensor cpu_values = largest ? ops::max(x, {1}) : ops::min(x, {1});
    Tensor gpu_values = (largest ? ops::max(on_gpu, {1}) : ops::min(on_gpu, {1})).to(Device::cpu);
    std::vector<float> expected = cpu_values.to_vector<float>(),
                       got = gpu_values.to_vector<float>();
    for (size_t row = 0; row < 4; ++row) {
      EXPECT_EQ(std::isnan(expected[row]), row < 3) << "row " << row;
      EXPECT_EQ(std::isnan(got[row]), std::isnan(expected[row])) << "row " << row;
      if (!std::isnan(expected[row])) {
        EXPECT_EQ(got[row], expected[row]);
      }
    }
    Tensor cpu_indices = largest ? ops::argmax(x, 1) : ops::argmin(x, 1);
    Tensor gpu_indices = largest ? ops::argmax(on_gpu, 1) : ops::argmin(on_gpu, 1);
    EXPECT_EQ(gpu_indices.to_vector<int64_t>(), cpu_indices.to_vector<int64_t>());
  }
  EXPECT_EQ(ops::argmax(x, 1).to_vector<int64_t>()[0], 7);
  Tensor a = Tensor::from_vector(std::vector<float>{nan, 1, 2}, {3});
  Tensor b = Tensor::from_vector(std::vector<float>{1, nan, 3}, {3});
  EXPECT_TRUE(
      test::all_close(ops::binary(BinaryOp::maximum, a.to(Device::cuda), b.to(Device::cuda)),
                      ops::binary(BinaryOp::maximum, a, b), 0, 0));
}

TEST_P(CudaCore, LongReductionsAndTiesMatchCpu) {
  // One row of a million (cut into chunks, two passes); both sides accumulate in double, so
  // they agree to the float rounding of the total.
  Tensor row = test::random_uniform({1, 1000003}, 30, 0, 1);
  EXPECT_TRUE(test::all_close(ops::sum(row.to(Device::cuda)), ops::sum(row), 1e-6, 0));
  // A bias gradient's shape: three outputs, a long axis (chunked columns).
  Tensor rows = test::random_uniform({200003, 3}, 31);
  EXPECT_TRUE(
      test::all_close(ops::sum(rows.to(Device::cuda), {0}), ops::sum(rows, {0}), 1e-6, 1e-6));
  EXPECT_TRUE(test::all_close(ops::mean(ops::transpose(rows.to(Device::cuda), 0, 1), {1}),
                              ops::mean(ops::transpose(rows, 0, 1), {1}), 1e-6, 1e-6));
  // Small integers tie everywhere: the first index wins on both sides, through one pass and
  // two, and with more rows than a grid has blocks (65535·16).
  Tensor ties = test::random_uniform({200003, 3}, 32, 0, 5).to(DType::i32).to(DType::f32);
  Tensor gpu_ties = ties.to(Device::cuda);
  EXPECT_EQ(ops::argmax(gpu_ties, 0).to_vector<int64_t>(),
            ops::argmax(ties, 0).to_vector<int64_t>());
  EXPECT_EQ(ops::argmin(gpu_ties, 0).to_vector<int64_t>(),
            ops::argmin(ties, 0).to_vector<int64_t>());
  Tensor one_row = ops::reshape(ties, {1, -1});
  EXPECT_EQ(ops::argmin(ops::reshape(gpu_ties, {1, -1}), 1).to_vector<int64_t>(),
            ops::argmin(one_row, 1).to_vector<int64_t>());
  EXPECT_TRUE(test::all_close(ops::max(gpu_ties, {0}), ops::max(ties, {0}), 0, 0));
  Tensor many_rows = test::random_uniform({1100000, 3}, 33, 0, 5).to(DType::i32).to(DType::f32);
  Tensor gpu_many_rows = many_rows.to(Device::cuda);
  EXPECT_EQ(ops::argmax(gpu_many_rows, 1).to_vector<int64_t>(),
            ops::argmax(many_rows, 1).to_vector<int64_t>());
  EXPECT_TRUE(test::all_close(ops::sum(gpu_many_rows, {1}), ops::sum(many_rows, {1}), 0, 0));
  // Integer sums are exact.
  Tensor counts = test::random_uniform({300, 1000}, 34, -1000, 1000).to(DType::i64);
  EXPECT_EQ(ops::sum(counts.to(Device::cuda), {0}).to_vector<int64_t>(),
            ops::sum(counts, {0}).to_vector<int64_t>());
  Tensor small_counts = counts.to(DType::i32);
  EXPECT_EQ(ops::sum(small_counts.to(Device::cuda)).item<int32_t>(),
            ops::sum(small_counts).item<int32_t>());
}

TEST_P(CudaCore, AutogradRunsOnTheDevice) {
  Tensor x_cpu = test::random_uniform({8, 3}, 8);
  Tensor x_gpu = x_cpu.to(Device::cuda).set_requires_grad(true);
  x_cpu.set_requires_grad(true);
  backward(sum(tanh(x_cpu) * x_cpu));
  backward(sum(tanh(x_gpu) * x_gpu));
  EXPECT_TRUE(test::all_close(x_gpu.grad(), x_cpu.grad()));
}

HG_INSTANTIATE_CUDA_TEST(CudaCore);

}  // namespace
}  // namespace hg
