// CUDA vs CPU for the core ops: copy/cast, elementwise forward and backward, reductions.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "cuda/allocator.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

TEST(CudaCore, CopiesAndCastsRoundTrip) {
  HG_REQUIRE_CUDA();
  Tensor x = test::random_uniform({5, 7}, 1, -3, 3);
  Tensor on_gpu = x.to(Device::cuda);
  EXPECT_TRUE(test::all_close(on_gpu.to(Device::cpu), x, 0, 0));
  EXPECT_TRUE(test::all_close(ops::transpose(on_gpu, 0, 1).contiguous().to(Device::cpu),
                              ops::transpose(x, 0, 1).contiguous(), 0, 0));
  EXPECT_EQ(on_gpu.to(DType::i32).to_vector<int32_t>(), x.to(DType::i32).to_vector<int32_t>());
  EXPECT_TRUE(test::all_close(on_gpu.to(DType::bf16).to(DType::f32).to(Device::cpu),
                              x.to(DType::bf16).to(DType::f32), 0, 0));
}

TEST(CudaCore, UnaryForwardAndBackwardMatchCpu) {
  HG_REQUIRE_CUDA();
  cuda::set_strict_fp32(true);
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

TEST(CudaCore, BinaryWithBroadcastMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaCore, ReductionsMatchCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaCore, AutogradRunsOnTheDevice) {
  HG_REQUIRE_CUDA();
  Tensor x_cpu = test::random_uniform({8, 3}, 8);
  Tensor x_gpu = x_cpu.to(Device::cuda).set_requires_grad(true);
  x_cpu.set_requires_grad(true);
  backward(sum(tanh(x_cpu) * x_cpu));
  backward(sum(tanh(x_gpu) * x_gpu));
  EXPECT_TRUE(test::all_close(x_gpu.grad(), x_cpu.grad()));
}

TEST(CudaCore, CachingAllocatorReusesBlocksAndCountsPeak) {
  HG_REQUIRE_CUDA();
  memory::reset_device_peak();
  { Tensor warm = Tensor::empty({1 << 20}, DType::f32, Device::cuda); }
  int64_t before = memory::device_stats().system_allocations;
  for (int step = 0; step < 10; ++step)
    Tensor again = Tensor::empty({1 << 20}, DType::f32, Device::cuda);
  EXPECT_EQ(memory::device_stats().system_allocations, before);
  EXPECT_GE(memory::device_stats().peak_bytes, size_t(4) << 20);
}

TEST(CudaCore, OutOfMemoryIsAnErrorNotACrash) {
  HG_REQUIRE_CUDA();
  EXPECT_THROW(Tensor::empty({int64_t(1) << 46}, DType::f32, Device::cuda), OutOfMemoryError);
}

}  // namespace
}  // namespace hg
