// Softmax, log-softmax and cross-entropy: hand-computed values, stability with huge logits, every
// dim and layout, on every device (rtol 1e-5); gradchecks and the errors a user sees on the CPU.
// Then the CUDA kernels against the CPU reference (rtol 1e-5): rows shorter and longer than a
// block, rows of 300,000, more rows than a grid has blocks, views, empty tensors, f32 and f64,
// the backward kernels and cross-entropy's gradient.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/device_test.h"

namespace hg {
namespace {

using test::all_close;
using test::error_message;
using test::f32;

class Softmax : public test::DeviceTest {};
class CrossEntropy : public test::DeviceTest {};

TEST_P(Softmax, MatchesHandComputedValues) {
  // e^1, e^2, e^3 over their sum 30.19287485: 0.09003057, 0.24472847, 0.66524096.
  Tensor x = f32({1, 2, 3}, {3}).to(device());
  EXPECT_TRUE(all_close(ops::softmax(x, 0), f32({0.09003057f, 0.24472847f, 0.66524096f}, {3})));
  // log of the same: x − 3 − log(1 + e^-1 + e^-2) = x − 3.40760596.
  EXPECT_TRUE(
      all_close(ops::log_softmax(x, -1), f32({-2.40760596f, -1.40760596f, -0.40760596f}, {3})));
}

TEST_P(Softmax, RunsAlongAnyDim) {
  // Along dim 0: column 0 holds (1, 1) -> (1/2, 1/2); column 1 holds (0, ln 3) -> (1/4, 3/4).
  Tensor x = f32({1, 0, 1, std::log(3.0f)}, {2, 2}).to(device());
  EXPECT_TRUE(all_close(ops::softmax(x, 0), f32({0.5f, 0.25f, 0.5f, 0.75f}, {2, 2})));
  // A middle dim of a 3-D tensor (inner > 1) against the formula spelt out with other ops.
  Tensor cube = test::random_uniform({2, 5, 3}, 7, -4, 4).to(device());
  Tensor shifted = ops::sub(cube, ops::max(cube, {1}, true));
  Tensor expected = ops::div(ops::exp(shifted), ops::sum(ops::exp(shifted), {1}, true));
  EXPECT_TRUE(all_close(ops::softmax(cube, 1), expected));
  EXPECT_TRUE(all_close(ops::log_softmax(cube, 1), ops::log(expected), 1e-5, 1e-5));
}

TEST_P(Softmax, AcceptsViews) {
  Tensor x = test::random_uniform({4, 3}, 3).to(device());
  Tensor transposed = ops::transpose(x, 0, 1);  // not contiguous
  EXPECT_TRUE(all_close(ops::softmax(transposed, 1), ops::transpose(ops::softmax(x, 0), 0, 1)));
}

TEST_P(Softmax, IsStableForHugeLogits) {
  // Without subtracting the max, e^1000 overflows to inf and inf/inf is NaN.
  auto on_device = [&](const Tensor& x) { return x.to(device()); };
  EXPECT_TRUE(
      all_close(ops::softmax(on_device(f32({1000, 1000}, {2})), 0), f32({0.5f, 0.5f}, {2})));
  EXPECT_TRUE(
      all_close(ops::log_softmax(on_device(f32({-1000, 0}, {2})), 0), f32({-1000, 0}, {2})));
  EXPECT_TRUE(all_close(ops::softmax(on_device(f32({-1000, 0}, {2})), 0), f32({0, 1}, {2})));
  // Both rows in one launch, along the last dim.
  EXPECT_TRUE(all_close(ops::softmax(on_device(f32({1000, 1000, -1000, 0}, {2, 2})), 1),
                        f32({0.5f, 0.5f, 0, 1}, {2, 2})));
}

TEST_P(Softmax, HandlesScalarsAndEmptyDims) {
  EXPECT_EQ(ops::softmax(Tensor::scalar(5).to(device()), 0).item<float>(), 1.0f);
  EXPECT_EQ(ops::log_softmax(Tensor::zeros({3, 0}).to(device()), 1).shape(), (Shape{3, 0}));
}

TEST(SoftmaxGradients, GradcheckEveryDim) {
  for (int64_t dim : {0, 1, -1}) {
    Tensor x = test::random_uniform({3, 4, 2}, 11 + dim, -2, 2, DType::f64).set_requires_grad(true);
    GradcheckResult soft =
        gradcheck([dim](const std::vector<Tensor>& in) { return softmax(in[0], dim); }, {x});
    EXPECT_TRUE(soft.passed) << "softmax dim " << dim << ": " << soft.report;
    GradcheckResult log_soft =
        gradcheck([dim](const std::vector<Tensor>& in) { return log_softmax(in[0], dim); }, {x});
    EXPECT_TRUE(log_soft.passed) << "log_softmax dim " << dim << ": " << log_soft.report;
  }
}

TEST_P(CrossEntropy, MatchesHandComputedLossAndGradient) {
  // Both rows are (1, 2, 3): −log p = 0.40760596 for class 2 and 2.40760596 for class 0.
  Tensor logits = f32({1, 2, 3, 1, 2, 3}, {2, 3}).to(device()).set_requires_grad(true);
  Tensor targets = Tensor::from_vector(std::vector<int64_t>{2, 0}, {2}).to(device());
  Tensor loss = cross_entropy(logits, targets);
  EXPECT_NEAR(loss.item<float>(), (0.40760596 + 2.40760596) / 2, 1e-6);
  backward(loss);
  // ∂L/∂logits = (softmax − one_hot(targets)) / N.
  Tensor expected = f32({0.09003057f / 2, 0.24472847f / 2, (0.66524096f - 1) / 2,
                         (0.09003057f - 1) / 2, 0.24472847f / 2, 0.66524096f / 2},
                        {2, 3});
  EXPECT_TRUE(all_close(logits.grad(), expected));
}

TEST(CrossEntropyGradients, Gradcheck) {
  Tensor logits = test::random_uniform({5, 4}, 21, -3, 3, DType::f64).set_requires_grad(true);
  Tensor targets = Tensor::from_vector(std::vector<int64_t>{3, 0, 1, 3, 2}, {5});
  GradcheckResult result = gradcheck(
      [&](const std::vector<Tensor>& in) { return cross_entropy(in[0], targets); }, {logits});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(SoftmaxErrors, ErrorsNameTheProblem) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_EQ(error_message([&] { ops::softmax(x, 2); }),
            "softmax: dim 2 is out of range for a tensor with 2 dims");
  EXPECT_EQ(error_message([&] { ops::softmax(Tensor::zeros({2}, DType::i64), 0); }),
            "softmax: expected a floating tensor (f32 or f64), got i64");
  EXPECT_EQ(error_message([&] {
              cross_entropy(x, Tensor::from_vector(std::vector<int64_t>{1, 3}, {2}));
            }),
            "cross_entropy: index 3 is out of range for the 3 classes of logits f32[2, 3] cpu "
            "(valid indices are 0 to 2)");
  EXPECT_EQ(error_message([&] {
              cross_entropy(x, Tensor::from_vector(std::vector<int64_t>{-1, 0}, {2}));
            }),
            "cross_entropy: index -1 is out of range for the 3 classes of logits f32[2, 3] cpu "
            "(valid indices are 0 to 2)");
  EXPECT_EQ(error_message([&] { cross_entropy(x, Tensor::zeros({3}, DType::i64)); }),
            "cross_entropy: targets i64[3] cpu must be [N] for logits f32[2, 3] cpu");
  EXPECT_EQ(error_message([&] { cross_entropy(x, Tensor::zeros({2}, DType::i32)); }),
            "cross_entropy: indices must be i64, got i32[2] cpu");
}

HG_INSTANTIATE_DEVICE_TEST(Softmax);
HG_INSTANTIATE_DEVICE_TEST(CrossEntropy);

// The CUDA kernels' own paths (block and grid sizes, long rows summed in double) against the CPU.
class CudaSoftmax : public test::DeviceTest {};

TEST_P(CudaSoftmax, ForwardMatchesCpu) {
  struct Case {
    Shape shape;
    int64_t dim;
  };
  // Row lengths 1, 10 (fewer than a warp), 1000 (several passes of a 256-thread block), 300,000
  // (the sums accumulate in double on both sides; in f32 their rounding would grow with the
  // length), and a middle dim (elements `inner` apart).
  for (const Case& c : {Case{{4, 1}, 1}, Case{{64, 10}, -1}, Case{{3, 1000}, 1},
                        Case{{2, 300000}, 1}, Case{{2, 37, 5}, 1}, Case{{6, 4, 3}, 0}}) {
    for (DType dtype : {DType::f32, DType::f64}) {
      Tensor x = test::random_uniform(c.shape, 17, -8, 8, dtype);
      Tensor x_gpu = x.to(Device::cuda);
      EXPECT_TRUE(all_close(ops::softmax(x_gpu, c.dim), ops::softmax(x, c.dim)))
          << shape_string(c.shape) << " dim " << c.dim;
      EXPECT_TRUE(all_close(ops::log_softmax(x_gpu, c.dim), ops::log_softmax(x, c.dim), 1e-5, 1e-5))
          << shape_string(c.shape) << " dim " << c.dim;
    }
  }
}

TEST_P(CudaSoftmax, BackwardMatchesCpu) {
  for (int64_t dim : {0, 1, 2}) {
    Tensor x = test::random_uniform({5, 300, 3}, 3, -3, 3);
    Tensor grad = test::random_uniform({5, 300, 3}, 4);
    Tensor y = ops::softmax(x, dim), log_y = ops::log_softmax(x, dim);
    EXPECT_TRUE(all_close(ops::softmax_backward(grad.to(Device::cuda), y.to(Device::cuda), dim),
                          ops::softmax_backward(grad, y, dim), 1e-5, 1e-6))
        << "dim " << dim;
    EXPECT_TRUE(
        all_close(ops::log_softmax_backward(grad.to(Device::cuda), log_y.to(Device::cuda), dim),
                  ops::log_softmax_backward(grad, log_y, dim), 1e-5, 1e-6))
        << "dim " << dim;
  }
  // A row of 300,000 whose gradient is nearly constant: g_j − Σ_k g_k y_k cancels to ~1e-4 and
  // the results are ~1e-9, so an f32 sum (error ~3e-5) would show in their leading digits.
  Tensor x = test::random_uniform({1, 300000}, 5, -3, 3);
  Tensor grad = ops::add_scalar(test::random_uniform({1, 300000}, 6, 0, 1e-3), 1.0);
  Tensor y = ops::softmax(x, 1);
  EXPECT_TRUE(all_close(ops::softmax_backward(grad.to(Device::cuda), y.to(Device::cuda), 1),
                        ops::softmax_backward(grad, y, 1), 1e-5, 1e-13));
}

TEST_P(CudaSoftmax, ManyRowsViewsAndEmptyTensorsMatchCpu) {
  // More rows than a grid has blocks (65535·16): each block loops over several rows.
  Tensor many = test::random_uniform({1100000, 3}, 18, -4, 4);
  Tensor y = ops::softmax(many, 1);
  EXPECT_TRUE(all_close(ops::softmax(many.to(Device::cuda), 1), y));
  Tensor grad = test::random_uniform({1100000, 3}, 19);
  EXPECT_TRUE(all_close(ops::softmax_backward(grad.to(Device::cuda), y.to(Device::cuda), 1),
                        ops::softmax_backward(grad, y, 1), 1e-5, 1e-6));
  // A transposed input (the dispatcher packs it) with rows of 300, no power of two.
  Tensor x = test::random_uniform({300, 7}, 20, -3, 3);
  EXPECT_TRUE(all_close(ops::log_softmax(ops::transpose(x.to(Device::cuda), 0, 1), 1),
                        ops::log_softmax(ops::transpose(x, 0, 1), 1), 1e-5, 1e-5));
  Tensor empty = Tensor::empty({0, 5}, DType::f32, Device::cuda);
  EXPECT_EQ(ops::softmax(empty, 1).shape(), (Shape{0, 5}));
  EXPECT_EQ(ops::log_softmax_backward(empty, empty, 1).shape(), (Shape{0, 5}));
}

TEST_P(CudaSoftmax, CrossEntropyLossAndGradientMatchCpu) {
  Tensor logits = test::random_uniform({32, 10}, 8, -5, 5);
  std::vector<int64_t> labels(32);
  for (int64_t i = 0; i < 32; ++i) labels[i] = (i * 7) % 10;
  Tensor targets = Tensor::from_vector(labels, {32});
  Tensor cpu_logits = logits.clone().set_requires_grad(true);
  Tensor gpu_logits = logits.to(Device::cuda).set_requires_grad(true);
  Tensor cpu_loss = cross_entropy(cpu_logits, targets);
  Tensor gpu_loss = cross_entropy(gpu_logits, targets.to(Device::cuda));
  EXPECT_TRUE(all_close(gpu_loss, cpu_loss));
  backward(cpu_loss);
  backward(gpu_loss);
  EXPECT_TRUE(all_close(gpu_logits.grad(), cpu_logits.grad(), 1e-5, 1e-7));
}

HG_INSTANTIATE_CUDA_TEST(CudaSoftmax);

}  // namespace
}  // namespace hg
