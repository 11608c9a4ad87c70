// Indexing and joining on CUDA against the CPU reference: every op forward, scatter-add in
// both its atomic and its deterministic mode, gathers' backward, and range errors on the GPU;
// also transposed inputs and sources, counts that are no multiple of a block, in-place index_add_,
// a 0-dim condition and empty indices.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using test::all_close;
using test::i64;

// n indices in [0, size), repeating, in a scrambled order.
Tensor scrambled_index(int64_t n, int64_t size, const Shape& shape) {
  std::vector<int64_t> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = (i * 7919 + 13) % size;
  return i64(values, shape);
}

Tensor gpu(const Tensor& x) { return x.to(Device::cuda); }

// Restores the deterministic flag however the test ends.
struct DeterministicScope {
  explicit DeterministicScope(bool on) : previous(cuda::deterministic()) {
    cuda::set_deterministic(on);
  }
  ~DeterministicScope() { cuda::set_deterministic(previous); }
  bool previous;
};

TEST(CudaIndexing, ConcatAndStackMatchCpu) {
  HG_REQUIRE_CUDA();
  Tensor a = test::random_uniform({3, 4}, 1), b = test::random_uniform({3, 2}, 2);
  Tensor view = ops::transpose(test::random_uniform({4, 3}, 3), 0, 1);
  EXPECT_TRUE(all_close(ops::concat({gpu(a), gpu(b), gpu(view)}, 1), ops::concat({a, b, view}, 1)));
  EXPECT_TRUE(all_close(ops::stack({gpu(a), gpu(view)}, 1), ops::stack({a, view}, 1)));
}

TEST(CudaIndexing, IndexSelectAndGatherMatchCpu) {
  HG_REQUIRE_CUDA();
  Tensor x = test::random_uniform({50, 40}, 4);
  Tensor rows = scrambled_index(70, 50, {70});
  EXPECT_TRUE(all_close(ops::index_select(gpu(x), 0, gpu(rows)), ops::index_select(x, 0, rows)));
  Tensor columns = scrambled_index(9, 40, {9});
  EXPECT_TRUE(
      all_close(ops::index_select(gpu(x), 1, gpu(columns)), ops::index_select(x, 1, columns)));
  Tensor index = scrambled_index(30 * 40, 50, {30, 40});
  EXPECT_TRUE(all_close(ops::gather(gpu(x), 0, gpu(index)), ops::gather(x, 0, index)));
  Tensor labels = test::random_uniform({50, 40}, 5, 0, 100).to(DType::i64);
  Tensor picked_labels = ops::gather(gpu(labels), 1, gpu(scrambled_index(50 * 3, 40, {50, 3})));
  EXPECT_EQ(picked_labels.to_vector<int64_t>(),
            ops::gather(labels, 1, scrambled_index(50 * 3, 40, {50, 3})).to_vector<int64_t>());
}

TEST(CudaIndexing, ScatterAddMatchesCpuInBothModes) {
  HG_REQUIRE_CUDA();
  Tensor x = test::random_uniform({20, 30}, 6);
  Tensor index = scrambled_index(500 * 30, 20, {500, 30});  // each target hit ~25 times
  Tensor source = test::random_uniform({500, 30}, 7);
  Tensor expected = ops::scatter_add(x, 0, index, source);
  {
    DeterministicScope scope(false);
    EXPECT_TRUE(
        all_close(ops::scatter_add(gpu(x), 0, gpu(index), gpu(source)), expected, 1e-5, 1e-5));
  }
  {
    // One thread per fiber, adding in index order: the CPU's sum exactly.
    DeterministicScope scope(true);
    EXPECT_EQ(ops::scatter_add(gpu(x), 0, gpu(index), gpu(source)).to_vector<float>(),
              expected.to_vector<float>());
    Tensor along_columns = scrambled_index(20 * 64, 30, {20, 64});
    Tensor wide_source = test::random_uniform({20, 64}, 8);
    EXPECT_EQ(ops::scatter_add(gpu(x), 1, gpu(along_columns), gpu(wide_source)).to_vector<float>(),
              ops::scatter_add(x, 1, along_columns, wide_source).to_vector<float>());
  }
  Tensor rows = scrambled_index(40, 20, {40});
  Tensor row_source = test::random_uniform({40, 30}, 9);
  EXPECT_TRUE(all_close(ops::index_add(gpu(x), 0, gpu(rows), gpu(row_source)),
                        ops::index_add(x, 0, rows, row_source), 1e-5, 1e-6));
}

TEST(CudaIndexing, WhereAndOneHotMatchCpu) {
  HG_REQUIRE_CUDA();
  Tensor condition = test::random_uniform({6, 1, 5}, 10);  // about half negative; all nonzero
  Tensor mask = ops::binary(BinaryOp::gt, condition, Tensor::scalar(0));
  Tensor a = test::random_uniform({4, 5}, 11), b = test::random_uniform({6, 4, 1}, 12);
  EXPECT_TRUE(all_close(ops::where(gpu(mask), gpu(a), gpu(b)), ops::where(mask, a, b)));
  Tensor bf16_a = a.to(DType::bf16), bf16_b = b.to(DType::bf16);
  EXPECT_TRUE(
      all_close(ops::where(gpu(mask), gpu(bf16_a), gpu(bf16_b)), ops::where(mask, bf16_a, bf16_b)));
  Tensor labels = scrambled_index(100, 10, {25, 4});
  EXPECT_EQ(ops::one_hot(gpu(labels), 10).to_vector<float>(),
            ops::one_hot(labels, 10).to_vector<float>());
}

TEST(CudaIndexing, ViewsInPlaceAndEmptyIndicesMatchCpu) {
  HG_REQUIRE_CUDA();
  Tensor x = test::random_uniform({300, 70}, 15);
  Tensor view = ops::transpose(x, 0, 1), gpu_view = ops::transpose(gpu(x), 0, 1);  // [70, 300]
  Tensor index = scrambled_index(70 * 301, 300, {70, 301});
  EXPECT_TRUE(all_close(ops::gather(gpu_view, 1, gpu(index)), ops::gather(view, 1, index), 0, 0));
  Tensor rows = scrambled_index(1001, 70, {1001});
  EXPECT_TRUE(
      all_close(ops::index_select(gpu_view, 0, gpu(rows)), ops::index_select(view, 0, rows), 0, 0));
  // Scatter-add from a transposed source, in both modes.
  Tensor source_base = test::random_uniform({301, 70}, 16);
  Tensor source = ops::transpose(source_base, 0, 1);
  Tensor gpu_source = ops::transpose(gpu(source_base), 0, 1);
  Tensor expected = ops::scatter_add(view, 1, index, source);
  for (bool deterministic : {false, true}) {
    DeterministicScope scope(deterministic);
    EXPECT_TRUE(
        all_close(ops::scatter_add(gpu_view, 1, gpu(index), gpu_source), expected, 1e-5, 1e-5))
        << "deterministic " << deterministic;
  }
  // In-place index_add_ (the code bank's update): deterministic mode adds in the CPU's order.
  Tensor table = test::random_uniform({50, 16}, 17), gpu_table = gpu(table);
  Tensor picked = scrambled_index(300, 50, {300});
  Tensor additions = test::random_uniform({300, 16}, 18);
  ops::index_add_(table, 0, picked, additions);
  {
    DeterministicScope scope(true);
    ops::index_add_(gpu_table, 0, gpu(picked), gpu(additions));
  }
  EXPECT_EQ(gpu_table.to_vector<float>(), table.to_vector<float>());
  // A 0-dim condition and a 0-dim alternative broadcast over the values.
  Tensor yes = Tensor::scalar(1, DType::u8, Device::cuda);
  EXPECT_TRUE(all_close(ops::where(yes, gpu_view, Tensor::scalar(0, DType::f32, Device::cuda)),
                        view, 0, 0));
  // Empty indices: empty results, nothing launched, the table untouched.
  Tensor none = Tensor::empty({0}, DType::i64, Device::cuda);
  EXPECT_EQ(ops::index_select(gpu_view, 0, none).shape(), (Shape{0, 300}));
  ops::index_add_(gpu_table, 0, none, Tensor::empty({0, 16}, DType::f32, Device::cuda));
  EXPECT_EQ(gpu_table.to_vector<float>(), table.to_vector<float>());
}

TEST(CudaIndexing, BackwardMatchesCpu) {
  HG_REQUIRE_CUDA();
  DeterministicScope scope(true);
  Tensor x = test::random_uniform({8, 6}, 13);
  Tensor index = scrambled_index(8 * 5, 6, {8, 5});
  Tensor rows = scrambled_index(12, 8, {12});
  Tensor weight = test::random_uniform({12, 6}, 14);
  auto loss = [&](const Tensor& input, Device device) {
    Tensor picked = gather(input, 1, index.to(device));
    Tensor selected = index_select(input, 0, rows.to(device));
    return sum(picked) + sum(selected * weight.to(device));
  };
  Tensor cpu_x = x.clone().set_requires_grad(true), gpu_x = gpu(x).set_requires_grad(true);
  backward(loss(cpu_x, Device::cpu));
  backward(loss(gpu_x, Device::cuda));
  EXPECT_TRUE(all_close(gpu_x.grad(), cpu_x.grad()));
}

TEST(CudaIndexing, OutOfRangeIndicesRaiseOnTheGpu) {
  HG_REQUIRE_CUDA();
  Tensor x = gpu(Tensor::zeros({3, 5}));
  try {
    ops::gather(x, 1, gpu(i64({0, 5}, {2, 1})));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "gather: index 5 is out of range for dim 1 (size 5) of f32[3, 5] cuda (valid "
                 "indices are 0 to 4)");
  }
  EXPECT_THROW(ops::index_select(x, 0, gpu(i64({-2}, {1}))), Error);
  EXPECT_THROW(ops::gather(x, 1, i64({0, 1}, {2, 1})), Error);  // index left on the CPU
}

}  // namespace
}  // namespace hg
