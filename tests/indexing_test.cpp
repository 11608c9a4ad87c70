// Indexing and joining: hand-computed forwards (PyTorch's documented examples where there is one)
// on every device; on the CPU the serial order of large index_adds, gradchecks of every
// differentiable op, and the errors for bad indices. Then CUDA against the CPU reference: every
// op forward, scatter-add in both its atomic and its deterministic mode, gathers' backward, and
// range errors on the GPU; also transposed inputs and sources, counts that are no multiple of a
// block, in-place index_add_, a 0-dim condition and empty indices.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg {
namespace {

using test::all_close;
using test::error_message;
using test::f32;
using test::i64;

void expect_gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& function,
                      const std::vector<Tensor>& inputs, const char* what) {
  GradcheckResult result = gradcheck(function, inputs);
  EXPECT_TRUE(result.passed) << what << ": " << result.report;
}

Tensor parameter(const Shape& shape, uint64_t seed) {
  return test::random_uniform(shape, seed, -1, 1, DType::f64).set_requires_grad(true);
}

// Operands on device(): the values are small integers, so every result is exact on both.
class OnDevice : public test::DeviceTest {
 protected:
  Tensor f32(const std::vector<float>& values, const Shape& shape) const {
    return test::f32(values, shape).to(device());
  }
  Tensor i64(const std::vector<int64_t>& values, const Shape& shape) const {
    return test::i64(values, shape).to(device());
  }
  Tensor on(const Tensor& x) const { return x.to(device()); }
};
class Concat : public OnDevice {};
class Stack : public OnDevice {};
class IndexSelect : public OnDevice {};
class Gather : public OnDevice {};
class ScatterAdd : public OnDevice {};
class IndexAdd : public OnDevice {};
class Where : public OnDevice {};
class OneHot : public OnDevice {};

TEST_P(Concat, JoinsAlongAnyDimAndAcceptsViews) {
  Tensor a = f32({1, 2, 3, 4}, {2, 2}), b = f32({5, 6}, {2, 1});
  EXPECT_EQ(ops::concat({a, b}, 1).to_vector<float>(), (std::vector<float>{1, 2, 5, 3, 4, 6}));
  EXPECT_EQ(ops::concat({a, ops::transpose(a, 0, 1)}, 0).to_vector<float>(),
            (std::vector<float>{1, 2, 3, 4, 1, 3, 2, 4}));
}

TEST_P(Stack, AddsANewDim) {
  Tensor a = f32({1, 2}, {2}), b = f32({3, 4}, {2});
  Tensor rows = ops::stack({a, b}, 0);
  EXPECT_EQ(rows.shape(), (Shape{2, 2}));
  EXPECT_EQ(rows.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(ops::stack({a, b}, -1).to_vector<float>(), (std::vector<float>{1, 3, 2, 4}));
}

TEST_P(IndexSelect, PicksRowsAndColumns) {
  Tensor x = f32({0, 1, 2, 3, 4, 5}, {3, 2});
  EXPECT_EQ(ops::index_select(x, 0, i64({2, 0, 2}, {3})).to_vector<float>(),
            (std::vector<float>{4, 5, 0, 1, 4, 5}));
  Tensor column = ops::index_select(x, 1, i64({1}, {1}));
  EXPECT_EQ(column.shape(), (Shape{3, 1}));
  EXPECT_EQ(column.to_vector<float>(), (std::vector<float>{1, 3, 5}));
}

TEST_P(Gather, FollowsTheIndexAlongDim) {
  // torch.gather's documented example.
  Tensor x = f32({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(ops::gather(x, 1, i64({0, 0, 1, 0}, {2, 2})).to_vector<float>(),
            (std::vector<float>{1, 1, 4, 3}));
  // An index smaller than x outside dim: position (i, 0) reads x[i, index[i, 0]].
  Tensor square = f32({0, 1, 2, 3, 4, 5, 6, 7, 8}, {3, 3});
  Tensor picked = ops::gather(square, 1, i64({0, 2}, {2, 1}));
  EXPECT_EQ(picked.shape(), (Shape{2, 1}));
  EXPECT_EQ(picked.to_vector<float>(), (std::vector<float>{0, 5}));
  EXPECT_EQ(ops::gather(square, 0, i64({2, 0, 1}, {1, 3})).to_vector<float>(),
            (std::vector<float>{6, 1, 5}));
  // A transposed input is read through its strides: squareᵀ[i, j] = square[j, i].
  EXPECT_EQ(ops::gather(ops::transpose(square, 0, 1), 1, i64({0, 2}, {2, 1})).to_vector<float>(),
            (std::vector<float>{0, 7}));
}

TEST_P(ScatterAdd, AddsRepeatedTargets) {
  Tensor zeros = on(Tensor::zeros({2, 3}));
  Tensor source = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(ops::scatter_add(zeros, 1, i64({0, 1, 0, 2, 2, 2}, {2, 3}), source).to_vector<float>(),
            (std::vector<float>{4, 2, 0, 0, 0, 15}));
  // torch.scatter_add's documented example: dim 0, index [[0, 1, 2, 0, 0]], source larger.
  Tensor ones = on(Tensor::ones({2, 5}));
  Tensor result =
      ops::scatter_add(on(Tensor::zeros({3, 5})), 0, i64({0, 1, 2, 0, 0}, {1, 5}), ones);
  EXPECT_EQ(result.to_vector<float>(),
            (std::vector<float>{1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0}));
  // The input is not modified.
  EXPECT_EQ(zeros.to_vector<float>(), (std::vector<float>(6, 0)));
}

TEST_P(IndexAdd, AddsRowsAtTheIndex) {
  Tensor x = on(Tensor::ones({3, 2}));
  Tensor rows = f32({1, 1, 2, 2, 3, 3}, {3, 2});
  EXPECT_EQ(ops::index_add(x, 0, i64({0, 2, 0}, {3}), rows).to_vector<float>(),
            (std::vector<float>{5, 5, 1, 1, 3, 3}));
}

TEST_P(IndexAdd, InPlaceTouchesOnlyTheIndexedRowsOfTheSameStorage) {
  Tensor x = on(Tensor::ones({3, 2}));
  const void* storage = x.raw_data();
  ops::index_add_(x, 0, i64({2}, {1}), f32({4, 5}, {1, 2}));
  EXPECT_EQ(x.raw_data(), storage);
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{1, 1, 1, 1, 5, 6}));
  EXPECT_THROW(ops::index_add_(ops::transpose(x, 0, 1), 0, i64({0}, {1}), f32({1, 1, 1}, {1, 3})),
               Error);
}

// Large enough for the CPU loop's threads (parallel over dim 0), with repeated indices and
// a transposed source: every element must hold exactly the float sum of a serial loop in index
// order, whatever the team.
TEST(IndexAddCpu, LargeTensorsAddInTheOrderOfASerialLoop) {
  const int64_t batch = 8, length = 50, picked = 120, channels = 100;
  std::vector<int64_t> rows(picked);
  for (int64_t l = 0; l < picked; ++l) rows[l] = (l * 37) % length;  // each row 2–3 times
  Tensor index = Tensor::from_vector(rows, {picked});
  Tensor packed = test::random_uniform({batch, picked, channels}, 11, -1, 1, DType::f32);
  // The same values, read through strides.
  Tensor transposed = ops::transpose(ops::transpose(packed, 1, 2).contiguous(), 1, 2);
  ASSERT_FALSE(transposed.is_contiguous());
  std::vector<float> source = packed.to_vector<float>();
  std::vector<float> expected(batch * length * channels, 0.0f);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t l = 0; l < picked; ++l)
      for (int64_t c = 0; c < channels; ++c)
        expected[(b * length + rows[l]) * channels + c] += source[(b * picked + l) * channels + c];
  Tensor zeros = Tensor::zeros({batch, length, channels});
  EXPECT_EQ(ops::index_add(zeros, 1, index, packed).to_vector<float>(), expected);
  EXPECT_EQ(ops::index_add(zeros, 1, index, transposed).to_vector<float>(), expected);
}

TEST_P(Where, TreatsAnyNonzeroAsTrueAndBroadcasts) {
  Tensor condition = f32({0.5f, 0, -2}, {3});  // 0.5 is true: it is compared, not cast
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = on(Tensor::scalar(-1));
  EXPECT_EQ(ops::where(condition, a, b).to_vector<float>(),
            (std::vector<float>{1, -1, 3, 4, -1, 6}));
  Tensor column = i64({0, 7}, {2, 1});
  EXPECT_EQ(ops::where(column, a, b).to_vector<float>(), (std::vector<float>{-1, -1, -1, 4, 5, 6}));
  Tensor mask = on(Tensor::from_vector(std::vector<uint8_t>{1, 0, 2}, {3}));
  EXPECT_EQ(ops::where(mask, i64({1, 2, 3}, {3}), i64({9, 9, 9}, {3})).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 9, 3}));
}

TEST_P(OneHot, MarksTheLabel) {
  Tensor encoded = ops::one_hot(i64({2, 0, 1}, {3}), 4);
  EXPECT_EQ(encoded.dtype(), DType::f32);
  EXPECT_EQ(encoded.to_vector<float>(), (std::vector<float>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}));
  Tensor inferred = one_hot(i64({1, 0, 0, 2}, {2, 2}));
  EXPECT_EQ(inferred.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(inferred.to_vector<float>(), (std::vector<float>{0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1}));
}

HG_INSTANTIATE_DEVICE_TEST(Concat);
HG_INSTANTIATE_DEVICE_TEST(Stack);
HG_INSTANTIATE_DEVICE_TEST(IndexSelect);
HG_INSTANTIATE_DEVICE_TEST(Gather);
HG_INSTANTIATE_DEVICE_TEST(ScatterAdd);
HG_INSTANTIATE_DEVICE_TEST(IndexAdd);
HG_INSTANTIATE_DEVICE_TEST(Where);
HG_INSTANTIATE_DEVICE_TEST(OneHot);

TEST(IndexingGradcheck, ConcatAndStack) {
  Tensor a = parameter({2, 3}, 1), b = parameter({2, 1}, 2), c = parameter({2, 2}, 3);
  expect_gradcheck([](const std::vector<Tensor>& in) { return concat(in, 1); }, {a, b, c},
                   "concat");
  Tensor d = parameter({2, 3}, 4);
  expect_gradcheck([](const std::vector<Tensor>& in) { return stack(in, 1); }, {a, d}, "stack");
}

TEST(IndexingGradcheck, IndexSelectGatherScatterAdd) {
  Tensor x = parameter({4, 3}, 5);
  Tensor repeated = i64({3, 1, 3, 0, 3}, {5});  // row 3 three times: its gradients add up
  expect_gradcheck([&](const std::vector<Tensor>& in) { return index_select(in[0], 0, repeated); },
                   {x}, "index_select dim 0");
  expect_gradcheck(
      [&](const std::vector<Tensor>& in) {
        return index_select(in[0], 1, i64({2, 2}, {2}));
      },
      {x}, "index_select dim 1");
  Tensor index = i64({0, 0, 2, 1, 2, 2}, {3, 2});
  expect_gradcheck([&](const std::vector<Tensor>& in) { return gather(in[0], 1, index); }, {x},
                   "gather");
  Tensor source = parameter({3, 3}, 6);  // larger than index in dim 1: column 2 is unused
  expect_gradcheck(
      [&](const std::vector<Tensor>& in) { return scatter_add(in[0], 1, index, in[1]); },
      {x, source}, "scatter_add");
}

TEST(IndexingGradcheck, WhereWithBroadcast) {
  Tensor condition = f32({1, 0, 1}, {3});
  Tensor a = parameter({2, 1}, 7), b = parameter({1, 3}, 8);
  expect_gradcheck([&](const std::vector<Tensor>& in) { return where(condition, in[0], in[1]); },
                   {a, b}, "where");
}

TEST(Indexing, ErrorsNameTheIndexAndTheSize) {
  Tensor x = Tensor::zeros({3, 5});
  EXPECT_EQ(error_message([&] {
              ops::gather(x, 1, i64({0, 5}, {2, 1}));
            }),
            "gather: index 5 is out of range for dim 1 (size 5) of f32[3, 5] cpu (valid indices "
            "are 0 to 4)");
  EXPECT_EQ(error_message([&] { ops::index_select(x, 0, i64({-1}, {1})); }),
            "index_select: index -1 is out of range for dim 0 (size 3) of f32[3, 5] cpu (valid "
            "indices are 0 to 2)");
  EXPECT_EQ(error_message([&] {
              ops::scatter_add(x, 0, Tensor::zeros({1, 5}, DType::i32), Tensor::ones({1, 5}));
            }),
            "scatter_add: indices must be i64, got i32[1, 5] cpu");
  EXPECT_EQ(error_message([&] {
              ops::gather(x, 0, i64({0, 0, 0, 0}, {1, 4, 1}));
            }),
            "gather: index i64[1, 4, 1] cpu must have as many dims as f32[3, 5] cpu");
  EXPECT_EQ(error_message([&] {
              ops::gather(x, 0, i64({0, 0, 0, 0, 0, 0}, {1, 6}));
            }),
            "gather: index i64[1, 6] cpu is larger than f32[3, 5] cpu in dim 1");
  EXPECT_EQ(error_message([&] {
              ops::concat({x, Tensor::zeros({2, 4})}, 0);
            }),
            "concat: tensor 1 f32[2, 4] cpu does not match tensor 0 f32[3, 5] cpu outside dim 0");
  EXPECT_EQ(error_message([&] {
              ops::stack({x, Tensor::zeros({5, 3})}, 0);
            }),
            "stack: tensor 1 f32[5, 3] cpu does not have the shape of tensor 0 f32[3, 5] cpu");
  EXPECT_EQ(error_message([&] {
              ops::one_hot(i64({1, 3}, {2}), 3);
            }),
            "one_hot: index 3 is out of range for 3 classes (valid indices are 0 to 2)");
  EXPECT_EQ(error_message([&] {
              ops::where(f32({1, 0}, {2}), x, x);
            }),
            "where: shapes [2] and [3, 5] do not broadcast");
}

// CUDA against the CPU reference: sizes past a block, both scatter-add modes, views.
class CudaIndexing : public test::DeviceTest {};

// n indices in [0, size), repeating, in a scrambled order.
Tensor scrambled_index(int64_t n, int64_t size, const Shape& shape) {
  std::vector<int64_t> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = (i * 7919 + 13) % size;
  return i64(values, shape);
}

Tensor gpu(const Tensor& x) { return x.to(Device::cuda); }

TEST_P(CudaIndexing, ConcatAndStackMatchCpu) {
  Tensor a = test::random_uniform({3, 4}, 1), b = test::random_uniform({3, 2}, 2);
  Tensor view = ops::transpose(test::random_uniform({4, 3}, 3), 0, 1);
  EXPECT_TRUE(all_close(ops::concat({gpu(a), gpu(b), gpu(view)}, 1), ops::concat({a, b, view}, 1)));
  EXPECT_TRUE(all_close(ops::stack({gpu(a), gpu(view)}, 1), ops::stack({a, view}, 1)));
}

TEST_P(CudaIndexing, IndexSelectAndGatherMatchCpu) {
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

TEST_P(CudaIndexing, ScatterAddMatchesCpuInBothModes) {
  Tensor x = test::random_uniform({20, 30}, 6);
  Tensor index = scrambled_index(500 * 30, 20, {500, 30});  // each target hit ~25 times
  Tensor source = test::random_uniform({500, 30}, 7);
  Tensor expected = ops::scatter_add(x, 0, index, source);
  {
    test::NumericMode scope(/*strict_fp32=*/true, /*deterministic=*/false);
    EXPECT_TRUE(
        all_close(ops::scatter_add(gpu(x), 0, gpu(index), gpu(source)), expected, 1e-5, 1e-5));
  }
  {
    // One thread per fiber, adding in index order: the CPU's sum exactly.
    test::NumericMode scope(/*strict_fp32=*/true, /*deterministic=*/true);
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

TEST_P(CudaIndexing, WhereAndOneHotMatchCpu) {
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

TEST_P(CudaIndexing, ViewsInPlaceAndEmptyIndicesMatchCpu) {
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
    test::NumericMode scope(/*strict_fp32=*/true, deterministic);
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
    test::NumericMode scope(/*strict_fp32=*/true, /*deterministic=*/true);
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

TEST_P(CudaIndexing, BackwardMatchesCpu) {
  test::NumericMode scope(/*strict_fp32=*/true, /*deterministic=*/true);
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

TEST_P(CudaIndexing, OutOfRangeIndicesRaiseOnTheGpu) {
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

HG_INSTANTIATE_CUDA_TEST(CudaIndexing);

}  // namespace
}  // namespace hg
