// bf16 mixed precision (autograd/mixed_precision.h): under a bf16 scope the matrix products and
// convolutions, forward and backward, compute with their operands rounded to bf16 and f32
// sums; outside it nothing changes. Each expectation is the same op on operands rounded by
// hand, computed on the CPU in f32; on the CPU the two are the same arithmetic and must agree
// bit for bit, on CUDA up to the order of the f32 sums. Each test also checks that the rounding
// moved the result, so a policy that rounded nothing would fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "autograd/ops.h"
#include "tensor/conv2d.h"
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

TEST_P(MixedPrecision, Conv2dForwardAndBackwardReadBf16Operands) {
  Tensor x = test::random_uniform({2, 3, 6, 6}, 8).to(device()).set_requires_grad(true);
  Tensor weight = test::random_uniform({4, 3, 3, 3}, 9).to(device()).set_requires_grad(true);
  Tensor bias = test::random_uniform({4}, 10).to(device()).set_requires_grad(true);
  Tensor upstream = test::random_uniform({2, 4, 6, 6}, 11).to(device());
  Tensor y;
  {
    PrecisionScope bf16(Precision::bf16);
    y = conv2d(x, weight, bias, 1, 1);
  }
  backward(sum(mul(y, upstream)));
  Tensor x_cpu = rounded(x.detach().to(Device::cpu));
  Tensor weight_cpu = rounded(weight.detach().to(Device::cpu));
  Tensor up_cpu = rounded(upstream.to(Device::cpu));
  Tensor expected_y = ops::conv2d(x_cpu, weight_cpu, bias.detach().to(Device::cpu), 1, 1);
  EXPECT_LE(largest_difference(y, expected_y), tolerance(device()));
  EXPECT_LE(largest_difference(
                x.grad(), ops::conv2d_backward_input(up_cpu, weight_cpu, x.shape(), 1, 1, 1, 1)),
            tolerance(device()));
  EXPECT_LE(largest_difference(weight.grad(), ops::conv2d_backward_weight(
                                                  up_cpu, x_cpu, weight.shape(), 1, 1, 1, 1)),
            4 * tolerance(device()));
  EXPECT_GT(
      largest_difference(y, ops::conv2d(x.detach().to(Device::cpu), weight.detach().to(Device::cpu),
                                        bias.detach().to(Device::cpu), 1, 1)),
      1e-4);
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
