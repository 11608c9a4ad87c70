// Softmax on CUDA against the CPU reference (rtol 1e-5): every dim, rows shorter and longer
// than a block, rows of 300,000, more rows than a grid has blocks, views, empty tensors, f32 and
// f64, the backward kernels and cross-entropy's gradient.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using test::all_close;

TEST(CudaSoftmax, ForwardMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaSoftmax, IsStableForHugeLogits) {
  HG_REQUIRE_CUDA();
  Tensor x = Tensor::from_vector(std::vector<float>{1000, 1000, -1000, 0}, {2, 2});
  EXPECT_TRUE(all_close(ops::softmax(x.to(Device::cuda), 1),
                        Tensor::from_vector(std::vector<float>{0.5f, 0.5f, 0, 1}, {2, 2})));
}

TEST(CudaSoftmax, BackwardMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaSoftmax, ManyRowsViewsAndEmptyTensorsMatchCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaSoftmax, CrossEntropyLossAndGradientMatchCpu) {
  HG_REQUIRE_CUDA();
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

}  // namespace
}  // namespace hg
