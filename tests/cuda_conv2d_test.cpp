// cuDNN convolution against the CPU im2col + GEMM path: forward and the input, weight and bias
// gradients in strict fp32 (rtol 1e-5), TF32 (5e-3), f64 (1e-12) and bf16 mixed precision
// (2e-2, against the CPU's bf16 reference; autograd hands cuDNN channels-last operands), each
// with an absolute tolerance of the same factor times the result's RMS; bf16 in NHWC against
// bf16 in NCHW, over strides, padding, dilation, groups (depthwise included), their
// combinations, rectangular kernels and a 1×1 input whose every output reads padding; the plan
// cache (one plan per shape, dtype and mode, one algorithm choice per direction, bitwise-equal
// reruns); the shared workspace, which only grows and always
// covers the largest need; deterministic mode; device errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "autograd/conv2d.h"
#include "autograd/mixed_precision.h"
#include "autograd/node.h"
#include "cuda/conv2d.h"
#include "cuda/runtime.h"
#include "tensor/channels_last.h"
#include "tensor/conv2d.h"
#include "tests/numeric_mode.h"
#include "tests/test_support.h"

namespace hg {
namespace {

struct Config {
  const char* name;
  Shape input, weight;
  int64_t stride, padding, dilation, groups;
};

std::vector<Config> configs() {
  return {
      {"3x3 pad 1", {4, 16, 20, 20}, {32, 16, 3, 3}, 1, 1, 1, 1},
      {"7x7 stride 2 pad 3", {2, 3, 33, 31}, {16, 3, 7, 7}, 2, 3, 1, 1},
      {"3x3 dilation 2", {2, 8, 15, 17}, {8, 8, 3, 3}, 1, 2, 2, 1},
      {"5x3 stride 2", {3, 6, 19, 14}, {4, 6, 5, 3}, 2, 1, 1, 1},
      {"groups 2", {2, 8, 12, 12}, {12, 4, 3, 3}, 1, 1, 1, 2},
      {"depthwise", {2, 16, 14, 14}, {16, 1, 3, 3}, 1, 1, 1, 16},
      {"pointwise", {4, 24, 9, 9}, {40, 24, 1, 1}, 1, 0, 1, 1},
      {"1x1 stride 2 downsample", {3, 8, 11, 10}, {12, 8, 1, 1}, 2, 0, 1, 1},
      {"stride 2 dilation 2 groups 3", {1, 6, 17, 13}, {9, 2, 3, 3}, 2, 2, 2, 3},
      {"1x1 input, padding only", {2, 4, 1, 1}, {5, 4, 3, 3}, 1, 1, 1, 1},
  };
}

// Forward and backward of conv2d (with bias) on CPU and CUDA copies of the same tensors, with the
// same upstream gradient; compares the output and the three gradients.
void expect_devices_agree(const Config& c, DType dtype, double tolerance) {
  SCOPED_TRACE(std::string(c.name) + " " + dtype_name(dtype));
  std::vector<Tensor> leaves = {test::random_uniform(c.input, 1, -1, 1, dtype),
                                test::random_uniform(c.weight, 2, -1, 1, dtype),
                                test::random_uniform({c.weight[0]}, 3, -1, 1, dtype)};
  auto run = [&](Device device, const Tensor& grad) {
    std::vector<Tensor> on_device;
    for (const Tensor& leaf : leaves) on_device.push_back(leaf.to(device).set_requires_grad(true));
    Tensor y =
        conv2d(on_device[0], on_device[1], on_device[2], c.stride, c.padding, c.dilation, c.groups);
    backward(y, grad.to(device));
    std::vector<Tensor> results = {y.to(Device::cpu)};
    for (const Tensor& leaf : on_device) results.push_back(leaf.grad().to(Device::cpu));
    return results;
  };
  Tensor probe =
      ops::conv2d(leaves[0], leaves[1], leaves[2], c.stride, c.padding, c.dilation, c.groups);
  Tensor grad = test::random_uniform(probe.shape(), 4, -1, 1, dtype);
  std::vector<Tensor> cpu = run(Device::cpu, grad), gpu = run(Device::cuda, grad);
  const char* names[] = {"output", "input gradient", "weight gradient", "bias gradient"};
  for (size_t i = 0; i < cpu.size(); ++i) {
    // Rounding errors of a sum of K products grow like √K·(a term's size), and so do the sums
    // themselves: an element that cancels to near 0 keeps the error of its magnitude class. So
    // the absolute tolerance scales with the tensor's RMS (a wrong term would still be O(RMS)).
    std::vector<double> expected = cpu[i].to(DType::f64).to_vector<double>();
    double squares = 0;
    for (double value : expected) squares += value * value;
    const double rms = std::sqrt(squares / static_cast<double>(expected.size()));
    EXPECT_TRUE(test::all_close(gpu[i], cpu[i], tolerance, tolerance * std::max(1.0, rms)))
        << names[i];
  }
}

TEST(CudaConv2d, StrictFp32MatchesTheCpu) {
  HG_REQUIRE_CUDA();
  test::NumericMode mode(true, false);
  // Strict fp32 keeps tensor cores out but not cuDNN's Winograd and FFT algorithms, whose f32
  // error is several times a direct sum's: 1e-4 of the RMS still catches any wrong index.
  for (const Config& c : configs()) expect_devices_agree(c, DType::f32, 1e-4);
}

TEST(CudaConv2d, Tf32IsWithinItsTolerance) {
  HG_REQUIRE_CUDA();
  test::NumericMode mode(false, false);
  for (const Config& c : configs()) expect_devices_agree(c, DType::f32, 5e-3);
}

TEST(CudaConv2d, Float64MatchesTheCpu) {
  HG_REQUIRE_CUDA();
  test::NumericMode mode(true, false);
  for (const Config& c : configs()) expect_devices_agree(c, DType::f64, 1e-12);
}

TEST(CudaConv2d, Bf16MatchesTheCpuReference) {
  HG_REQUIRE_CUDA();
  test::NumericMode mode(false, false);
  // Both devices' convolutions read bf16 operands, sum in f32 and round the result to bf16 (the
  // CPU's is the reference, tensor/conv2d.h); the sums' order differs, which can move a result by
  // one bf16 step.
  PrecisionScope bf16(Precision::bf16);
  for (const Config& c : configs()) expect_devices_agree(c, DType::f32, 2e-2);
}

TEST(CudaConv2d, Bf16InNhwcAgreesWithNchwAndGivesChannelsLastResults) {
  HG_REQUIRE_CUDA();
  test::NumericMode mode(false, false);
  for (const Config& c : configs()) {
    SCOPED_TRACE(c.name);
    Tensor x = test::random_uniform(c.input, 5).to(Device::cuda);
    Tensor w = test::random_uniform(c.weight, 6).to(Device::cuda);
    Tensor grad = test::random_uniform(
        ops::conv2d(x, w, Tensor(), c.stride, c.padding, c.dilation, c.groups).shape(), 7);
    grad = grad.to(Device::cuda);
    // The three convolutions with operands in one layout: bf16, channels-last or packed NCHW.
    auto all_three = [&](bool nhwc) {
      auto operand = [&](const Tensor& t) {
        return nhwc ? ops::channels_last(t, DType::bf16) : t.to(DType::bf16);
      };
      return std::vector<Tensor>{
          ops::conv2d(operand(x), operand(w), Tensor(), c.stride, c.padding, c.dilation, c.groups),
          ops::conv2d_backward_input(operand(grad), operand(w), c.input, c.stride, c.padding,
                                     c.dilation, c.groups),
          ops::conv2d_backward_weight(operand(grad), operand(x), c.weight, c.stride, c.padding,
                                      c.dilation, c.groups)};
    };
    std::vector<Tensor> nchw = all_three(false), nhwc = all_three(true);
    for (size_t i = 0; i < nchw.size(); ++i) {
      EXPECT_TRUE(ops::is_channels_last(nhwc[i])) << "result " << i;
      // Both are cuDNN's bf16 sums, by different kernels: one bf16 step apart at most, except
      // where a sum cancels.
      EXPECT_TRUE(test::all_close(nhwc[i].to(DType::f32).to(Device::cpu),
                                  nchw[i].to(DType::f32).to(Device::cpu), 2e-2, 2e-2))
          << "result " << i;
    }
  }
}

TEST(CudaConv2d, DeterministicModeRepeatsBitwise) {
  HG_REQUIRE_CUDA();
  test::NumericMode mode(false, true);
  Tensor x = test::random_uniform({8, 32, 28, 28}, 5).to(Device::cuda);
  Tensor w = test::random_uniform({64, 32, 3, 3}, 6).to(Device::cuda);
  Tensor grad = test::random_uniform({8, 64, 28, 28}, 7).to(Device::cuda);
  auto gradients = [&] {
    return std::vector<Tensor>{
        ops::conv2d_backward_input(grad, w, x.shape(), 1, 1).to(Device::cpu),
        ops::conv2d_backward_weight(grad, x, w.shape(), 1, 1).to(Device::cpu)};
  };
  std::vector<Tensor> first = gradients(), second = gradients();
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_TRUE(test::all_close(second[i], first[i], 0, 0)) << "gradient " << i;
}

TEST(CudaConv2d, DevicesMustMatch) {
  HG_REQUIRE_CUDA();
  Tensor x = Tensor::zeros({1, 2, 5, 5}), w = Tensor::zeros({3, 2, 3, 3}, DType::f32, Device::cuda);
  try {
    ops::conv2d(x, w, Tensor());
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "conv2d: tensors are on different devices: f32[1, 2, 5, 5] cpu and f32[3, 2, 3, 3] "
              "cuda");
  }
}

TEST(CudaConv2d, PlanCacheBuildsOnePlanPerShapeAndMode) {
  HG_REQUIRE_CUDA();
  // Deterministic: the bitwise comparison below must not meet an algorithm that adds with
  // atomics (backward ALGO_0 and ALGO_3 do).
  test::NumericMode mode(true, true);
  // A shape no other test uses, so the counts below are this test's own.
  Tensor x = test::random_uniform({3, 5, 11, 13}, 8).to(Device::cuda);
  Tensor w = test::random_uniform({7, 5, 3, 2}, 9).to(Device::cuda);
  Tensor grad = test::random_uniform({3, 7, 6, 7}, 10).to(Device::cuda);
  auto all_three = [&] {
    return std::vector<Tensor>{
        ops::conv2d(x, w, Tensor(), 2, 1).to(Device::cpu),
        ops::conv2d_backward_input(grad, w, x.shape(), 2, 1).to(Device::cpu),
        ops::conv2d_backward_weight(grad, x, w.shape(), 2, 1).to(Device::cpu)};
  };
  const cuda::Conv2dPlanStats before = cuda::conv2d_plan_stats();
  std::vector<Tensor> first = all_three();
  const cuda::Conv2dPlanStats built = cuda::conv2d_plan_stats();
  EXPECT_EQ(built.plans, before.plans + 1);
  EXPECT_EQ(built.algorithm_choices, before.algorithm_choices + 3);  // one per direction
  std::vector<Tensor> again = all_three();
  const cuda::Conv2dPlanStats reused = cuda::conv2d_plan_stats();
  EXPECT_EQ(reused.plans, built.plans);
  EXPECT_EQ(reused.algorithm_choices, built.algorithm_choices);
  for (size_t i = 0; i < first.size(); ++i)  // same plan, same algorithm: bitwise equal
    EXPECT_TRUE(test::all_close(again[i], first[i], 0, 0)) << "result " << i;
  // Another math mode is another plan (its algorithms may use tensor cores).
  cuda::set_strict_fp32(false);
  ops::conv2d(x, w, Tensor(), 2, 1);
  EXPECT_EQ(cuda::conv2d_plan_stats().plans, built.plans + 1);
  // So is another dtype: bf16 operands are described as bf16 with f32 sums; and another layout.
  ops::conv2d(x.to(DType::bf16), w.to(DType::bf16), Tensor(), 2, 1);
  EXPECT_EQ(cuda::conv2d_plan_stats().plans, built.plans + 2);
  ops::conv2d(ops::channels_last(x, DType::bf16), w.to(DType::bf16), Tensor(), 2, 1);
  EXPECT_EQ(cuda::conv2d_plan_stats().plans, built.plans + 3);
}

TEST(CudaConv2d, SharedWorkspaceGrowsToTheLargestNeedAndNeverShrinks) {
  HG_REQUIRE_CUDA();
  test::NumericMode mode(false, false);
  size_t previous = cuda::conv2d_plan_stats().workspace_bytes;
  // Small to large shapes, then a small one again: the workspace follows the largest need.
  for (int64_t size : {8, 32, 64, 112, 16}) {
    Tensor x = test::random_uniform({16, 64, size, size}, 11).to(Device::cuda);
    Tensor w = test::random_uniform({64, 64, 3, 3}, 12).to(Device::cuda);
    Tensor y = ops::conv2d(x, w, Tensor(), 1, 1);
    ops::conv2d_backward_weight(y, x, w.shape(), 1, 1);
    ops::conv2d_backward_input(y, w, x.shape(), 1, 1);
    const cuda::Conv2dPlanStats stats = cuda::conv2d_plan_stats();
    EXPECT_GE(stats.workspace_bytes, previous) << "size " << size;
    EXPECT_GE(stats.workspace_bytes, stats.largest_need_bytes) << "size " << size;
    previous = stats.workspace_bytes;
  }
  cuda::synchronize();
}

}  // namespace
}  // namespace hg
