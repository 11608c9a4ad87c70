// Convolution: hand-computed tiny convolutions (padding, stride, dilation, groups, a rectangular
// kernel) forward and backward on every device; on the CPU every path of the im2col + GEMM code
// against a direct six-loop sum in f64, central-difference gradchecks, the Conv2d module and the
// errors. Then cuDNN against the CPU im2col + GEMM path: forward and the input, weight and bias
// gradients in strict fp32 (rtol 1e-4: cuDNN's Winograd and FFT), TF32 (5e-3), f64 (1e-12) and
// bf16 mixed precision (2e-2, against the CPU's bf16 reference; autograd hands cuDNN
// channels-last operands), each with an absolute tolerance of the same factor times the result's
// RMS; bf16 in NHWC against bf16 in NCHW, over strides, padding, dilation, groups (depthwise
// included), their combinations, rectangular kernels and a 1×1 input whose every output reads
// padding; the plan cache (one plan per shape, dtype and mode, one algorithm choice per
// direction, bitwise-equal reruns); the shared workspace, which only grows and always covers the
// largest need; deterministic mode; device errors.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "autograd/conv2d.h"
#include "autograd/mixed_precision.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "cuda/conv2d.h"
#include "cuda/runtime.h"
#include "layers/conv2d.h"
#include "tensor/channels_last.h"
#include "tensor/conv2d.h"
#include "tensor/ops.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg {
namespace {

std::vector<double> as_doubles(const Tensor& x) { return x.to(DType::f64).to_vector<double>(); }

Tensor values(std::vector<double> data, const Shape& shape, DType dtype = DType::f64) {
  return Tensor::from_vector(data, shape).to(dtype);
}

// 1 2 3 / 4 5 6 / 7 8 9 as [1, 1, 3, 3].
Tensor one_to_nine(DType dtype = DType::f64) {
  return values({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, dtype);
}

// Small integers: every product and sum is exact on both devices, in any order.
class Conv2dByHand : public test::DeviceTest {
 protected:
  Tensor on(const Tensor& x) const { return x.to(device()); }
};

TEST_P(Conv2dByHand, TwoByTwoKernelForwardAndBackwardByHand) {
  Tensor x = on(one_to_nine()).set_requires_grad(true);
  Tensor weight = on(values({1, 2, 3, 4}, {1, 1, 2, 2})).set_requires_grad(true);
  Tensor bias = on(values({0.5}, {1})).set_requires_grad(true);
  Tensor y = conv2d(x, weight, bias);
  // y[0,0] = 1·1 + 2·2 + 3·4 + 4·5 = 37, then 47, 67, 77; plus the bias.
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{37.5, 47.5, 67.5, 77.5}));
  backward(y, on(Tensor::ones({1, 1, 2, 2}, DType::f64)));
  // Each input element gets the sum of the kernel taps that read it.
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 3, 2, 4, 10, 6, 3, 7, 4}));
  // ∂L/∂w[i, j] = sum of the 2×2 block of x starting at (i, j).
  EXPECT_EQ(weight.grad().to_vector<double>(), (std::vector<double>{12, 16, 24, 28}));
  EXPECT_EQ(bias.grad().to_vector<double>(), (std::vector<double>{4}));
}

TEST_P(Conv2dByHand, PaddingAndStrideByHand) {
  // A 3×3 box filter, stride 2, padding 1: four windows, each holding a 2×2 corner of x.
  Tensor y = conv2d(on(one_to_nine()), on(Tensor::ones({1, 1, 3, 3}, DType::f64)), Tensor(), 2, 1);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{12, 16, 24, 28}));
}

TEST_P(Conv2dByHand, DilationByHand) {
  // x[h, w] = 5h + w on 5×5; a 2×2 box dilated by 2 adds x at (0,0), (0,2), (2,0), (2,2) from
  // each corner: 4·(5·oh + ow) + 0 + 2 + 10 + 12.
  std::vector<double> data(25);
  for (int i = 0; i < 25; ++i) data[i] = i;
  Tensor y = conv2d(on(values(data, {1, 1, 5, 5})), on(Tensor::ones({1, 1, 2, 2}, DType::f64)),
                    Tensor(), 1, 0, 2);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  std::vector<double> expected;
  for (int oh = 0; oh < 3; ++oh)
    for (int ow = 0; ow < 3; ++ow) expected.push_back(4 * (5 * oh + ow) + 24);
  EXPECT_EQ(y.to_vector<double>(), expected);
}

TEST_P(Conv2dByHand, GroupsKeepChannelsApart) {
  // Channel 0 all 1, channel 1 all 2; with two groups output 0 sees only channel 0 (·3) and
  // output 1 only channel 1 (·5). Without groups both would mix.
  Tensor x = on(values({1, 1, 1, 1, 2, 2, 2, 2}, {1, 2, 2, 2}));
  Tensor y = conv2d(x, on(values({3, 5}, {2, 1, 1, 1})), on(values({0, 100}, {2})), 1, 0, 1, 2);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{3, 3, 3, 3, 110, 110, 110, 110}));
}

TEST_P(Conv2dByHand, RectangularKernelByHand) {
  // A 1×2 kernel [1, −1]: y[h, w] = x[h, w] − x[h, w + 1] = −1 on a 3×2 output.
  Tensor y =
      conv2d(on(one_to_nine(DType::f32)), on(values({1, -1}, {1, 1, 1, 2}, DType::f32)), Tensor());
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 2}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>(6, -1.0f)));
}

HG_INSTANTIATE_DEVICE_TEST(Conv2dByHand);

// The definition, summed directly: y = Σ_{c, i, j} w[o, c, i, j] · x[n, g·C/g + c, ...] + b.
Tensor direct_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride,
                     int64_t padding, int64_t dilation, int64_t groups) {
  const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
  const int64_t outputs = w.size(0), group_in = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t out_h = (height + 2 * padding - dilation * (kh - 1) - 1) / stride + 1;
  const int64_t out_w = (width + 2 * padding - dilation * (kw - 1) - 1) / stride + 1;
  std::vector<double> xs = as_doubles(x), ws = as_doubles(w);
  std::vector<double> bs = b.defined() ? as_doubles(b) : std::vector<double>(outputs, 0);
  std::vector<double> ys(batch * outputs * out_h * out_w);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < outputs; ++o)
      for (int64_t oh = 0; oh < out_h; ++oh)
        for (int64_t ow = 0; ow < out_w; ++ow) {
          double total = bs[o];
          const int64_t group = o / (outputs / groups);
          for (int64_t c = 0; c < group_in; ++c)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t h = oh * stride - padding + i * dilation;
                const int64_t v = ow * stride - padding + j * dilation;
                if (h < 0 || h >= height || v < 0 || v >= width) continue;
                total += ws[((o * group_in + c) * kh + i) * kw + j] *
                         xs[((n * channels + group * group_in + c) * height + h) * width + v];
              }
          ys[((n * outputs + o) * out_h + oh) * out_w + ow] = total;
        }
  return Tensor::from_vector(ys, {batch, outputs, out_h, out_w});
}

struct Config {
  const char* name;
  Shape input, weight;
  int64_t stride, padding, dilation, groups;
  bool bias;
};

std::vector<Config> configs() {
  return {
      {"3x3 pad 1", {2, 3, 7, 6}, {4, 3, 3, 3}, 1, 1, 1, 1, true},
      {"5x3 stride 2 pad 2", {2, 2, 9, 8}, {3, 2, 5, 3}, 2, 2, 1, 1, true},
      {"3x3 dilation 2 pad 2", {1, 3, 8, 7}, {2, 3, 3, 3}, 1, 2, 2, 1, false},
      {"7x7 stride 2 pad 3", {1, 3, 11, 10}, {4, 3, 7, 7}, 2, 3, 1, 1, true},
      {"groups 2", {2, 4, 6, 6}, {6, 2, 3, 3}, 1, 1, 1, 2, true},
      {"depthwise stride 2", {2, 4, 7, 7}, {4, 1, 3, 3}, 2, 1, 1, 4, true},
      {"pointwise 1x1", {3, 5, 4, 3}, {6, 5, 1, 1}, 1, 0, 1, 1, true},
      {"1x1 stride 2 (not pointwise)", {2, 4, 5, 5}, {3, 4, 1, 1}, 2, 0, 1, 1, false},
      {"patchify 4x4 stride 4", {2, 3, 8, 8}, {5, 3, 4, 4}, 4, 0, 1, 1, true},
      {"padding wider than the kernel", {1, 2, 3, 3}, {2, 2, 2, 2}, 3, 3, 1, 1, true},
      // 288 and 294 patch rows: im2col runs in two blocks of whole channels (28 + 4, 5 + 1).
      {"3x3 two column blocks", {2, 32, 6, 5}, {5, 32, 3, 3}, 1, 1, 1, 1, true},
      {"7x7 two column blocks", {1, 6, 9, 8}, {2, 6, 7, 7}, 2, 3, 1, 1, false},
      // Maps under 256 positions share products, ⌈256 / (OH·OW)⌉ images at a time: chunks of 3
      // and 1 images here. A pointwise map that large runs one image per product, in place.
      {"3x3 on 10x10, chunks of 3 and 1", {4, 3, 10, 10}, {2, 3, 3, 3}, 1, 1, 1, 1, true},
      {"pointwise 16x16, in place", {2, 3, 16, 16}, {4, 3, 1, 1}, 1, 0, 1, 1, true},
  };
}

// The forward against the direct sum; the gradients through the adjoint identities that define
// them, on random directions δx and δw whose right-hand sides the direct sum computes:
//   <∂L/∂x, δx> = <∂L/∂y, conv(δx, w)>,    <∂L/∂w, δw> = <∂L/∂y, conv(x, δw)>
void expect_matches_direct_sum(const Config& c, DType dtype, double tolerance) {
  SCOPED_TRACE(std::string(c.name) + " " + dtype_name(dtype));
  Tensor x = test::random_uniform(c.input, 1, -1, 1, dtype).set_requires_grad(true);
  Tensor w = test::random_uniform(c.weight, 2, -1, 1, dtype).set_requires_grad(true);
  Tensor b = c.bias ? test::random_uniform({c.weight[0]}, 3, -1, 1, dtype).set_requires_grad(true)
                    : Tensor();
  Tensor y = conv2d(x, w, b, c.stride, c.padding, c.dilation, c.groups);
  EXPECT_TRUE(test::all_close(y, direct_conv2d(x, w, b, c.stride, c.padding, c.dilation, c.groups),
                              tolerance, tolerance));
  Tensor grad = test::random_uniform(y.shape(), 4, -1, 1, dtype);
  backward(y, grad);
  auto dot = [](const Tensor& a, const Tensor& e) {
    std::vector<double> u = as_doubles(a), v = as_doubles(e);
    double total = 0;
    for (size_t i = 0; i < u.size(); ++i) total += u[i] * v[i];
    return total;
  };
  Tensor dx = test::random_uniform(c.input, 5, -1, 1, DType::f64);
  Tensor dw = test::random_uniform(c.weight, 6, -1, 1, DType::f64);
  const double x_side =
      dot(grad, direct_conv2d(dx, w, Tensor(), c.stride, c.padding, c.dilation, c.groups));
  const double w_side =
      dot(grad, direct_conv2d(x, dw, Tensor(), c.stride, c.padding, c.dilation, c.groups));
  EXPECT_NEAR(dot(x.grad(), dx), x_side, tolerance * (1 + std::abs(x_side)));
  EXPECT_NEAR(dot(w.grad(), dw), w_side, tolerance * (1 + std::abs(w_side)));
  if (c.bias) {
    EXPECT_TRUE(test::all_close(b.grad(), ops::sum(grad, {0, 2, 3}), tolerance, tolerance));
  }
}

TEST(Conv2d, EveryPathMatchesTheDirectSum) {
  for (const Config& c : configs()) {
    expect_matches_direct_sum(c, DType::f64, 1e-12);
    expect_matches_direct_sum(c, DType::f32, 1e-5);
  }
}

TEST(Conv2d, OneThreadAndManyThreadsAgree) {
  // Batch 5: with two or more threads the batch is cut into parts that threads take (weight
  // gradients summed per part, then across parts). Batch 1: the team splits each im2col / col2im
  // by channel and each GEMM by blocks. One thread runs everything in turn; the numbers agree.
  // 32 channels per group × 3×3 = 288 patch rows: two column blocks. On 4×4 maps one thread runs
  // the whole batch of 5 as one product, two to five threads a product per image.
  const int threads = omp_get_max_threads();
  for (int64_t size : {32, 4})
    for (int64_t batch : {5, 1}) {
      Tensor x = test::random_uniform({batch, 64, size, size}, 10, -1, 1, DType::f64);
      Tensor w = test::random_uniform({32, 32, 3, 3}, 11, -1, 1, DType::f64);
      Tensor grad = test::random_uniform({batch, 32, size, size}, 12, -1, 1, DType::f64);
      auto run = [&](int count) {
        omp_set_num_threads(count);
        std::vector<Tensor> results = {ops::conv2d(x, w, Tensor(), 1, 1, 1, 2),
                                       ops::conv2d_backward_input(grad, w, x.shape(), 1, 1, 1, 2),
                                       ops::conv2d_backward_weight(grad, x, w.shape(), 1, 1, 1, 2)};
        omp_set_num_threads(threads);
        return results;
      };
      std::vector<Tensor> one = run(1), many = run(std::max(threads, 2));
      for (size_t i = 0; i < one.size(); ++i)
        EXPECT_TRUE(test::all_close(many[i], one[i], 1e-13, 1e-13))
            << size << "x" << size << ", batch " << batch << ", result " << i;
    }
}

TEST(Conv2d, GradcheckInputWeightAndBias) {
  for (const Config& c : configs()) {
    Tensor x = test::random_uniform(c.input, 20, -1, 1, DType::f64).set_requires_grad(true);
    Tensor w = test::random_uniform(c.weight, 21, -1, 1, DType::f64).set_requires_grad(true);
    std::vector<Tensor> inputs = {x, w};
    if (c.bias)
      inputs.push_back(
          test::random_uniform({c.weight[0]}, 22, -1, 1, DType::f64).set_requires_grad(true));
    GradcheckResult result = gradcheck(
        [&](const std::vector<Tensor>& in) {
          return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), c.stride, c.padding,
                        c.dilation, c.groups);
        },
        inputs);
    EXPECT_TRUE(result.passed) << c.name << ": " << result.report;
  }
}

TEST(Conv2d, EmptyBatchIsFineAnEmptyPlaneIsAnError) {
  Tensor x = Tensor::zeros({0, 3, 5, 5});
  Tensor w = test::random_uniform({2, 3, 3, 3}, 30);
  EXPECT_EQ(ops::conv2d(x, w, Tensor(), 1, 1).shape(), (Shape{0, 2, 5, 5}));
  Tensor grad_w = ops::conv2d_backward_weight(Tensor::zeros({0, 2, 5, 5}), x, w.shape(), 1, 1);
  EXPECT_EQ(grad_w.to_vector<float>(), std::vector<float>(54, 0.0f));
  // An empty plane is refused: padded, it would make an output of the bias alone.
  EXPECT_EQ(test::error_message([&] {
              ops::conv2d(Tensor::zeros({1, 3, 0, 5}), w, Tensor(), 1, 1);
            }),
            "conv2d: input [1, 3, 0, 5] has an empty plane (H or W is 0)");
}

TEST(Conv2dModule, TorchNamesShapesAndInitialisation) {
  manual_seed(7);
  Conv2d layer(Conv2dOptions(6, 8, 3).with_stride(2).with_padding(1).with_groups(2));
  std::vector<std::pair<std::string, Tensor>> parameters = layer.named_parameters();
  ASSERT_EQ(parameters.size(), 2u);
  EXPECT_EQ(parameters[0].first, "weight");
  EXPECT_EQ(parameters[0].second.shape(), (Shape{8, 3, 3, 3}));
  EXPECT_EQ(parameters[1].first, "bias");
  EXPECT_EQ(parameters[1].second.shape(), (Shape{8}));
  // fan_in = 6/2 · 3 · 3 = 27: both drawn from U(−1/√27, 1/√27).
  const double bound = 1 / std::sqrt(27.0);
  for (const Tensor& parameter : {layer.weight(), layer.bias()}) {
    std::vector<float> drawn = parameter.to_vector<float>();
    float largest = 0;
    for (float value : drawn) largest = std::max(largest, std::abs(value));
    EXPECT_LE(largest, bound);
    EXPECT_GT(largest, 0.5 * bound);  // spread over the range, not a tiny constant
  }
  Tensor x = test::random_uniform({2, 6, 9, 9}, 31);
  Tensor y = layer(x);
  EXPECT_EQ(y.shape(), (Shape{2, 8, 5, 5}));
  EXPECT_TRUE(test::all_close(y, ops::conv2d(x, layer.weight(), layer.bias(), 2, 1, 1, 2), 0, 0));
  Conv2d no_bias(Conv2dOptions(3, 4, 1).without_bias());
  EXPECT_FALSE(no_bias.bias().defined());
  EXPECT_EQ(no_bias.parameter_count(), 12);
  EXPECT_THROW(Conv2d(Conv2dOptions(6, 8, 3).with_groups(4)), Error);  // 4 does not divide 6
}

void expect_error(const std::function<void()>& call, const std::string& message) {
  try {
    call();
    FAIL() << "expected an error: " << message;
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()), message);
  }
}

TEST(Conv2d, ErrorsNameBothShapes) {
  Tensor x = Tensor::zeros({2, 3, 8, 8}), w = Tensor::zeros({4, 2, 3, 3});
  expect_error([&] { ops::conv2d(x, w, Tensor()); },
               "conv2d: input [2, 3, 8, 8] has 3 channels but weight [4, 2, 3, 3] with groups = 1 "
               "expects 2");
  expect_error(
      [&] {
        ops::conv2d(x, Tensor::zeros({4, 1, 3, 3}), Tensor(), 1, 0, 1, 2);
      },
      "conv2d: groups = 2 must divide the 3 channels of input [2, 3, 8, 8] and the 4 "
      "output channels of weight [4, 1, 3, 3]");
  expect_error(
      [&] {
        ops::conv2d(x, Tensor::zeros({4, 3, 5, 5}), Tensor(), 1, 0, 3);
      },
      "conv2d: the 5×5 kernel of weight [4, 3, 5, 5] with dilation 3 spans 13×13, more "
      "than input [2, 3, 8, 8] padded by 0 on each side");
  expect_error(
      [&] {
        ops::conv2d(Tensor::zeros({3, 8, 8}), w, Tensor());
      },
      "conv2d: expected an input [N, C, H, W], got [3, 8, 8] (weight [4, 2, 3, 3])");
  expect_error(
      [&] {
        ops::conv2d(x, Tensor::zeros({4, 3, 3, 3}), Tensor::zeros({5}));
      },
      "conv2d: bias [5] does not match the 4 output channels of weight [4, 3, 3, 3]");
  expect_error(
      [&] {
        ops::conv2d(x, Tensor::zeros({4, 3, 3, 3}, DType::f64), Tensor());
      },
      "conv2d: dtypes differ: f32[2, 3, 8, 8] cpu and f64[4, 3, 3, 3] cpu");
  expect_error(
      [&] {
        ops::conv2d(x.to(DType::i32), Tensor::zeros({4, 3, 3, 3}, DType::i32), Tensor());
      },
      "conv2d: dtype i32 is not supported (f32, f64 or bf16)");
  expect_error(
      [&] {
        ops::conv2d(x, Tensor::zeros({4, 3, 3, 3}), Tensor(), 0);
      },
      "conv2d: stride 0, dilation 1 and groups 1 must be at least 1 and padding 0 at "
      "least 0");
  expect_error(
      [&] {
        ops::conv2d_backward_input(Tensor::zeros({2, 4, 5, 5}), Tensor::zeros({4, 3, 3, 3}),
                                   x.shape());
      },
      "conv2d_backward_input: gradient [2, 4, 5, 5] does not match the output shape [2, 4, 6, 6] "
      "of input [2, 3, 8, 8] and weight [4, 3, 3, 3]");
}

// cuDNN against the CPU path, its plan cache and workspace.
class CudaConv2d : public test::DeviceTest {};

// The shapes cuDNN picks different algorithms for.
struct CudaConfig {
  const char* name;
  Shape input, weight;
  int64_t stride, padding, dilation, groups;
};

std::vector<CudaConfig> cuda_configs() {
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
void expect_devices_agree(const CudaConfig& c, DType dtype, double tolerance) {
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

TEST_P(CudaConv2d, StrictFp32MatchesTheCpu) {
  test::NumericMode mode(true, false);
  // Strict fp32 keeps tensor cores out but not cuDNN's Winograd and FFT algorithms, whose f32
  // error is several times a direct sum's: 1e-4 of the RMS still catches any wrong index.
  for (const CudaConfig& c : cuda_configs()) expect_devices_agree(c, DType::f32, 1e-4);
}

TEST_P(CudaConv2d, Tf32IsWithinItsTolerance) {
  test::NumericMode mode(false, false);
  for (const CudaConfig& c : cuda_configs()) expect_devices_agree(c, DType::f32, 5e-3);
}

TEST_P(CudaConv2d, Float64MatchesTheCpu) {
  test::NumericMode mode(true, false);
  for (const CudaConfig& c : cuda_configs()) expect_devices_agree(c, DType::f64, 1e-12);
}

TEST_P(CudaConv2d, Bf16MatchesTheCpuReference) {
  test::NumericMode mode(false, false);
  // Both devices' convolutions read bf16 operands, sum in f32 and round the result to bf16 (the
  // CPU's is the reference, tensor/conv2d.h); the sums' order differs, which can move a result by
  // one bf16 step.
  PrecisionScope bf16(Precision::bf16);
  for (const CudaConfig& c : cuda_configs()) expect_devices_agree(c, DType::f32, 2e-2);
}

TEST_P(CudaConv2d, Bf16InNhwcAgreesWithNchwAndGivesChannelsLastResults) {
  test::NumericMode mode(false, false);
  for (const CudaConfig& c : cuda_configs()) {
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

TEST_P(CudaConv2d, DeterministicModeRepeatsBitwise) {
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

TEST_P(CudaConv2d, DevicesMustMatch) {
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

TEST_P(CudaConv2d, PlanCacheBuildsOnePlanPerShapeAndMode) {
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

TEST_P(CudaConv2d, SharedWorkspaceGrowsToTheLargestNeedAndNeverShrinks) {
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

HG_INSTANTIATE_CUDA_TEST(CudaConv2d);

}  // namespace
}  // namespace hg
