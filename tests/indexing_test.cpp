// Indexing and joining on the CPU: hand-computed forwards (PyTorch's documented examples where
// there is one), gradchecks of every differentiable op, and the errors for bad indices.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

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

TEST(Concat, JoinsAlongAnyDimAndAcceptsViews) {
  Tensor a = f32({1, 2, 3, 4}, {2, 2}), b = f32({5, 6}, {2, 1});
  EXPECT_EQ(ops::concat({a, b}, 1).to_vector<float>(), (std::vector<float>{1, 2, 5, 3, 4, 6}));
  EXPECT_EQ(ops::concat({a, ops::transpose(a, 0, 1)}, 0).to_vector<float>(),
            (std::vector<float>{1, 2, 3, 4, 1, 3, 2, 4}));
}

TEST(Stack, AddsANewDim) {
  Tensor a = f32({1, 2}, {2}), b = f32({3, 4}, {2});
  Tensor rows = ops::stack({a, b}, 0);
  EXPECT_EQ(rows.shape(), (Shape{2, 2}));
  EXPECT_EQ(rows.to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(ops::stack({a, b}, -1).to_vector<float>(), (std::vector<float>{1, 3, 2, 4}));
}

TEST(IndexSelect, PicksRowsAndColumns) {
  Tensor x = f32({0, 1, 2, 3, 4, 5}, {3, 2});
  EXPECT_EQ(ops::index_select(x, 0, i64({2, 0, 2}, {3})).to_vector<float>(),
            (std::vector<float>{4, 5, 0, 1, 4, 5}));
  Tensor column = ops::index_select(x, 1, i64({1}, {1}));
  EXPECT_EQ(column.shape(), (Shape{3, 1}));
  EXPECT_EQ(column.to_vector<float>(), (std::vector<float>{1, 3, 5}));
}

TEST(Gather, FollowsTheIndexAlongDim) {
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

TEST(ScatterAdd, AddsRepeatedTargets) {
  Tensor zeros = Tensor::zeros({2, 3});
  Tensor source = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(ops::scatter_add(zeros, 1, i64({0, 1, 0, 2, 2, 2}, {2, 3}), source).to_vector<float>(),
            (std::vector<float>{4, 2, 0, 0, 0, 15}));
  // torch.scatter_add's documented example: dim 0, index [[0, 1, 2, 0, 0]], source larger.
  Tensor ones = Tensor::ones({2, 5});
  Tensor result = ops::scatter_add(Tensor::zeros({3, 5}), 0, i64({0, 1, 2, 0, 0}, {1, 5}), ones);
  EXPECT_EQ(result.to_vector<float>(),
            (std::vector<float>{1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0}));
  // The input is not modified.
  EXPECT_EQ(zeros.to_vector<float>(), (std::vector<float>(6, 0)));
}

TEST(IndexAdd, AddsRowsAtTheIndex) {
  Tensor x = Tensor::ones({3, 2});
  Tensor rows = f32({1, 1, 2, 2, 3, 3}, {3, 2});
  EXPECT_EQ(ops::index_add(x, 0, i64({0, 2, 0}, {3}), rows).to_vector<float>(),
            (std::vector<float>{5, 5, 1, 1, 3, 3}));
}

TEST(IndexAdd, InPlaceTouchesOnlyTheIndexedRowsOfTheSameStorage) {
  Tensor x = Tensor::ones({3, 2});
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
TEST(IndexAdd, LargeTensorsAddInTheOrderOfASerialLoop) {
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

TEST(Where, TreatsAnyNonzeroAsTrueAndBroadcasts) {
  Tensor condition = f32({0.5f, 0, -2}, {3});  // 0.5 is true: it is compared, not cast
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = Tensor::scalar(-1);
  EXPECT_EQ(ops::where(condition, a, b).to_vector<float>(),
            (std::vector<float>{1, -1, 3, 4, -1, 6}));
  Tensor column = i64({0, 7}, {2, 1});
  EXPECT_EQ(ops::where(column, a, b).to_vector<float>(), (std::vector<float>{-1, -1, -1, 4, 5, 6}));
  Tensor mask = Tensor::from_vector(std::vector<uint8_t>{1, 0, 2}, {3});
  EXPECT_EQ(ops::where(mask, i64({1, 2, 3}, {3}), i64({9, 9, 9}, {3})).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 9, 3}));
}

TEST(OneHot, MarksTheLabel) {
  Tensor encoded = ops::one_hot(i64({2, 0, 1}, {3}), 4);
  EXPECT_EQ(encoded.dtype(), DType::f32);
  EXPECT_EQ(encoded.to_vector<float>(), (std::vector<float>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}));
  Tensor inferred = one_hot(i64({1, 0, 0, 2}, {2, 2}));
  EXPECT_EQ(inferred.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(inferred.to_vector<float>(), (std::vector<float>{0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1}));
}

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

}  // namespace
}  // namespace hg
