// CUDA vs CPU for the core ops: copy/cast, elementwise forward and backward, reductions. Beyond
// the plain cases: strided views on either side of a copy, 0-dim and integer operands, empty
// tensors, reductions over a million elements (the two-pass path) and over more rows than a grid
// has blocks, and ties for argmax.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/ops.h"
#include "core/profiler.h"
#include "cuda/allocator.h"
#include "tensor/ops.h"
#include "tests/memory_caching.h"
#include "tests/numeric_mode.h"
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

TEST(CudaCore, CopiesIntoViewsFromBroadcastsAndAcrossDtypesMatchCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaCore, ElementwiseOnViewsScalarsAndIntegersMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaCore, EmptyTensorsLaunchNothing) {
  HG_REQUIRE_CUDA();
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

TEST(CudaCore, IntegerDivisionByZeroIsAnError) {
  HG_REQUIRE_CUDA();
  Tensor a = Tensor::from_vector(std::vector<int64_t>{7, 8}, {2}).to(Device::cuda);
  Tensor b = Tensor::from_vector(std::vector<int64_t>{2, 0}, {2}).to(Device::cuda);
  EXPECT_NE(test::error_message([&] { ops::div(a, b); }).find("holds a zero"), std::string::npos);
  ops::fill_(b, -2);
  EXPECT_EQ(ops::div(a, b).to_vector<int64_t>(), (std::vector<int64_t>{-3, -4}));
}

TEST(CudaCore, OutOfRangeCastsAndIntegerOverflowMatchCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaCore, ProfilerTimesDeviceOpsWithEventsAcrossManyCalls) {
  HG_REQUIRE_CUDA();
  profiler::reset();
  profiler::enable(true);
  Tensor x = Tensor::ones({1 << 16}, DType::f32, Device::cuda);
  // More calls than the profiler keeps pending before it folds finished events.
  for (int i = 0; i < 5000; ++i) ops::exp(x);
  profiler::enable(false);
  std::string table = profiler::table();
  profiler::reset();
  size_t row = table.find("\nexp ");
  ASSERT_NE(row, std::string::npos) << table;
  std::string line = table.substr(row + 1, table.find('\n', row + 1) - row - 1);
  EXPECT_NE(line.find(" cuda "), std::string::npos) << line;
  EXPECT_NE(line.find(" 5000 "), std::string::npos) << line;
}

// NaN ranks above every number on both paths (cuda/elementwise_math.h ranks_above): the same
// NaN positions and the same first-NaN indices, within one block and across the two-pass path.
TEST(CudaCore, NaNPropagatesThroughMaxMinAsOnCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaCore, LongReductionsAndTiesMatchCpu) {
  HG_REQUIRE_CUDA();
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
  test::MemoryCaching caching(true);
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
