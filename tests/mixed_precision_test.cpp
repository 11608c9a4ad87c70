// bf16 mixed precision (autograd/mixed_precision.h): under a bf16 scope the matrix products and
// convolutions, forward and backward, compute with their operands rounded to bf16 and f32
// sums; outside it nothing changes. Each expectation is the same op on operands rounded by
// hand, computed on the CPU in f32 (for a convolution, its result rounded to bf16 as well); on
// the CPU the two are the same arithmetic and must agree bit for bit, on CUDA up to the order of
// the f32 sums. Each test also checks that the rounding moved the result, so a policy that
// rounded nothing would fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "autograd/ops.h"
#include "core/profiler.h"
#include "tensor/conv2d.h"
#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "tensor/reduce.h"
#include "tensor/views.h"
#include "tests/device_test.h"

namespace hg {
namespace {

// x's values rounded to the nearest bf16, kept in f32 (the CPU reference of the policy).
Tensor rounded(const Tensor& x) { return x.to(DType::bf16).to(DType::f32); }

// On the CPU the lowered op and its hand-rounded reference are the same f32 arithmetic; cuBLAS
// and cuDNN sum in another order.
double tolerance(Device device) { return device == Device::cpu ? 0 : 1e-5; }

// The largest |a − b| over two tensors of one shape, on any devices.
double largest_difference(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  Tensor x = a.to(Device::cpu).to(DType::f64).contiguous();
  Tensor y = b.to(Device::cpu).to(DType::f64).contiguous();
  double largest = 0;
  for (int64_t i = 0; i < x.numel(); ++i)
    largest = std::max(largest, std::fabs(x.data<double>()[i] - y.data<double>()[i]));
  return largest;
}

class MixedPrecision : public test::DeviceTest {};

TEST(MixedPrecisionPolicy, ParsesItsTwoNamesAndRefusesOthers) {
  EXPECT_EQ(parse_precision("f32"), Precision::f32);
  EXPECT_EQ(parse_precision("bf16"), Precision::bf16);
  EXPECT_EQ(test::error_message([] { parse_precision("fp16"); }),
            "precision = 'fp16' is not a precision: use f32 or bf16");
  EXPECT_STREQ(precision_name(Precision::bf16), "bf16");
}

TEST(MixedPrecisionPolicy, AScopeSetsThePrecisionAndRestoresTheOuterOne) {
  EXPECT_EQ(current_precision(), Precision::f32);
  {
    PrecisionScope outer(Precision::bf16);
    EXPECT_EQ(current_precision(), Precision::bf16);
    {
      PrecisionScope inner(Precision::f32);
      EXPECT_EQ(current_precision(), Precision::f32);
    }
    EXPECT_EQ(current_precision(), Precision::bf16);
  }
  EXPECT_EQ(current_precision(), Precision::f32);
}

TEST_P(MixedPrecision, MatmulForwardAndBackwardReadBf16Operands) {
  Tensor a = test::random_uniform({2, 5, 64}, 1).to(device()).set_requires_grad(true);
  Tensor b = test::random_uniform({64, 7}, 2).to(device()).set_requires_grad(true);
  Tensor upstream = test::random_uniform({2, 5, 7}, 3).to(device());
  Tensor c;
  {
    PrecisionScope bf16(Precision::bf16);
    c = matmul(a, b);
  }
  // Backward outside the scope: the op keeps the precision it ran in.
  backward(sum(mul(c, upstream)));
  EXPECT_EQ(c.dtype(), DType::f32);
  EXPECT_EQ(a.grad().dtype(), DType::f32);

  Tensor a_cpu = a.detach().to(Device::cpu), b_cpu = b.detach().to(Device::cpu);
  Tensor up_cpu = upstream.to(Device::cpu);
  Tensor expected_c = ops::matmul(rounded(a_cpu), rounded(b_cpu));
  Tensor expected_grad_a = ops::matmul(rounded(up_cpu), ops::transpose(rounded(b_cpu), 0, 1));
  Tensor expected_grad_b =
      ops::sum(ops::matmul(ops::transpose(rounded(a_cpu), 1, 2), rounded(up_cpu)), {0});
  EXPECT_LE(largest_difference(c, expected_c), tolerance(device()));
  EXPECT_LE(largest_difference(a.grad(), expected_grad_a), tolerance(device()));
  EXPECT_LE(largest_difference(b.grad(), expected_grad_b), 4 * tolerance(device()));
  // Rounding 64 terms to 8-bit mantissas moves the sums far more than f32 summation order does.
  EXPECT_GT(largest_difference(c, ops::matmul(a_cpu, b_cpu)), 1e-3);
}

TEST_P(MixedPrecision, LinearRoundsOperandsButNotTheBiasOrItsGradient) {
  Tensor x = test::random_uniform({6, 48}, 4).to(device()).set_requires_grad(true);
  Tensor weight = test::random_uniform({5, 48}, 5).to(device()).set_requires_grad(true);
  Tensor bias = test::random_uniform({5}, 6).to(device()).set_requires_grad(true);
  Tensor upstream = test::random_uniform({6, 5}, 7).to(device());
  Tensor y;
  {
    PrecisionScope bf16(Precision::bf16);
    y = linear(x, weight, bias);
    backward(sum(mul(y, upstream)));
  }
  Tensor x_cpu = x.detach().to(Device::cpu), weight_cpu = weight.detach().to(Device::cpu);
  Tensor bias_cpu = bias.detach().to(Device::cpu), up_cpu = upstream.to(Device::cpu);
  EXPECT_LE(largest_difference(y, ops::linear(rounded(x_cpu), rounded(weight_cpu), bias_cpu)),
            tolerance(device()));
  EXPECT_LE(largest_difference(x.grad(), ops::matmul(rounded(up_cpu), rounded(weight_cpu))),
            tolerance(device()));
  EXPECT_LE(largest_difference(weight.grad(),
                               ops::matmul(ops::transpose(rounded(up_cpu), 0, 1), rounded(x_cpu))),
            tolerance(device()));
  EXPECT_LE(largest_difference(bias.grad(), ops::sum(up_cpu, {0})), tolerance(device()));
  EXPECT_GT(largest_difference(bias.grad(), ops::sum(rounded(up_cpu), {0})), 1e-4);
}

// One convolution's geometry: input and weight shapes and the hyper-parameters.
struct ConvolutionCase {
  Shape input, weight;
  int64_t stride, padding, dilation, groups;
};

// The largest amount by which |a − b| exceeds rtol·|b| over two tensors of one shape (≤ 0 when
// every element is within rtol of b).
double largest_excess(const Tensor& a, const Tensor& b, double rtol) {
  EXPECT_EQ(a.shape(), b.shape());
  Tensor x = a.to(Device::cpu).to(DType::f64).contiguous();
  Tensor y = b.to(Device::cpu).to(DType::f64).contiguous();
  double largest = -1;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double expected = y.data<double>()[i];
    largest =
        std::max(largest, std::fabs(x.data<double>()[i] - expected) - rtol * std::fabs(expected));
  }
  return largest;
}

// A convolution's result is rounded to bf16 (cuDNN's bf16 convolutions write bf16). On the CPU
// the reference is the same arithmetic, bit for bit; cuDNN sums in another order, which can move
// a result across a rounding boundary: DESIGN §7's bf16 tolerance, rtol 2e-2, with an absolute
// floor for results that cancel to near 0.
void expect_bf16_close(const Tensor& actual, const Tensor& expected, Device device) {
  const bool cpu = device == Device::cpu;
  EXPECT_LE(largest_excess(actual, expected, cpu ? 0 : 2e-2), cpu ? 0 : 1e-4);
}

TEST_P(MixedPrecision, Conv2dForwardAndBackwardReadBf16OperandsAndRoundTheirResults) {
  const ConvolutionCase cases[] = {
      {{2, 3, 6, 6}, {4, 3, 3, 3}, 1, 1, 1, 1},
      {{2, 4, 9, 7}, {6, 2, 3, 3}, 2, 1, 1, 2},     // stride and groups
      {{1, 8, 10, 10}, {8, 1, 3, 3}, 1, 2, 2, 8},   // depthwise, dilated
      {{3, 16, 5, 5}, {32, 16, 1, 1}, 1, 0, 1, 1},  // channels a multiple of 8 (tensor cores)
      {{2, 8, 12, 9}, {16, 8, 3, 1}, 1, 1, 1, 1},   // a 3 × 1 kernel
  };
  uint64_t seed = 20;
  for (const ConvolutionCase& c : cases) {
    SCOPED_TRACE(shape_string(c.input) + " * " + shape_string(c.weight));
    Tensor x = test::random_uniform(c.input, ++seed).to(device()).set_requires_grad(true);
    Tensor weight = test::random_uniform(c.weight, ++seed).to(device()).set_requires_grad(true);
    Tensor bias = test::random_uniform({c.weight[0]}, ++seed).to(device()).set_requires_grad(true);
    Tensor y;
    {
      PrecisionScope bf16(Precision::bf16);
      y = conv2d(x, weight, bias, c.stride, c.padding, c.dilation, c.groups);
    }
    Tensor upstream = test::random_uniform(y.shape(), ++seed).to(device());
    backward(sum(mul(y, upstream)));  // outside the scope: the op keeps its precision
    EXPECT_EQ(y.dtype(), DType::f32);
    EXPECT_EQ(x.grad().dtype(), DType::f32);

    Tensor x_cpu = x.detach().to(Device::cpu), weight_cpu = weight.detach().to(Device::cpu);
    Tensor bias_cpu = bias.detach().to(Device::cpu), up_cpu = upstream.to(Device::cpu);
    Tensor x_rounded = rounded(x_cpu), weight_rounded = rounded(weight_cpu);
    Tensor up_rounded = rounded(up_cpu);
    Tensor expected_y = ops::add(rounded(ops::conv2d(x_rounded, weight_rounded, Tensor(), c.stride,
                                                     c.padding, c.dilation, c.groups)),
                                 ops::reshape(bias_cpu, {1, c.weight[0], 1, 1}));
    expect_bf16_close(y, expected_y, device());
    expect_bf16_close(
        x.grad(),
        rounded(ops::conv2d_backward_input(up_rounded, weight_rounded, c.input, c.stride, c.padding,
                                           c.dilation, c.groups)),
        device());
    expect_bf16_close(weight.grad(),
                      rounded(ops::conv2d_backward_weight(up_rounded, x_rounded, c.weight, c.stride,
                                                          c.padding, c.dilation, c.groups)),
                      device());
    // The bias gradient is summed from the f32 ∂L/∂y, not a rounded one.
    EXPECT_LE(largest_difference(bias.grad(), ops::conv2d_backward_bias(up_cpu)),
              tolerance(device()));
    EXPECT_GT(largest_difference(y, ops::conv2d(x_cpu, weight_cpu, bias_cpu, c.stride, c.padding,
                                                c.dilation, c.groups)),
              1e-4);
  }
}

TEST_P(MixedPrecision, ARawBf16ConvolutionGivesBf16AndTakesNoBias) {
  Tensor x = test::random_uniform({1, 2, 4, 4}, 40).to(device()).to(DType::bf16);
  Tensor weight = test::random_uniform({3, 2, 3, 3}, 41).to(device()).to(DType::bf16);
  Tensor y = ops::conv2d(x, weight, Tensor());
  EXPECT_EQ(y.dtype(), DType::bf16);
  EXPECT_EQ(y.shape(), (Shape{1, 3, 2, 2}));
  Tensor bias = Tensor::zeros({3}, DType::f32, device());
  EXPECT_EQ(test::error_message([&] { ops::conv2d(x, weight, bias); }),
            "conv2d: a bf16 convolution takes no bias (add the f32 bias to its widened result, as "
            "autograd's conv2d does)");
}

// The calls the profile's row `op` counts on `device`, or 0 without a row (a row reads
// "op  device  calls ...").
long profiled_calls(const std::string& op, Device device) {
  const std::string table = profiler::table(),
                    column = std::string(" ") + device_name(device) + " ";
  for (size_t start = 0; start < table.size();) {
    const size_t end = table.find('\n', start);
    const std::string line = table.substr(start, end - start);
    if (line.rfind(op + " ", 0) == 0 && line.find(column) != std::string::npos)
      return std::stol(line.substr(line.find(column) + column.size()));
    start = end == std::string::npos ? table.size() : end + 1;
  }
  return 0;
}

TEST_P(MixedPrecision, ConvolutionConversionsHaveAProfileRowOfTheirOwnInBf16Only) {
  Tensor x = test::random_uniform({1, 2, 5, 5}, 50).to(device()).set_requires_grad(true);
  Tensor weight = test::random_uniform({3, 2, 3, 3}, 51).to(device()).set_requires_grad(true);
  profiler::reset();
  profiler::enable(true);
  backward(sum(conv2d(x, weight, Tensor())));
  const long in_f32 = profiled_calls("conv2d_bf16_conversion", device());
  {
    PrecisionScope bf16(Precision::bf16);
    backward(sum(conv2d(x, weight, Tensor())));
  }
  const long in_bf16 = profiled_calls("conv2d_bf16_conversion", device());
  profiler::enable(false);
  profiler::reset();
  EXPECT_EQ(in_f32, 0);
  // Forward: x and W rounded, y widened; backward: ∂L/∂y rounded, ∂L/∂x and ∂L/∂W widened.
  EXPECT_EQ(in_bf16, 6);
}

TEST_P(MixedPrecision, F32ScopeAndF64OperandsAreUntouched) {
  Tensor a = test::random_uniform({4, 16}, 12).to(device());
  Tensor b = test::random_uniform({16, 3}, 13).to(device());
  Tensor a64 = a.to(DType::f64), b64 = b.to(DType::f64);
  Tensor in_f32_scope = matmul(a, b), in_f64;
  {
    PrecisionScope bf16(Precision::bf16);
    in_f64 = matmul(a64, b64);  // gradcheck's f64 runs keep their precision under any scope
  }
  EXPECT_EQ(largest_difference(in_f32_scope, ops::matmul(a, b)), 0);
  EXPECT_EQ(in_f64.dtype(), DType::f64);
  EXPECT_EQ(largest_difference(in_f64, ops::matmul(a64, b64)), 0);
}

HG_INSTANTIATE_DEVICE_TEST(MixedPrecision);

}  // namespace
}  // namespace hg
