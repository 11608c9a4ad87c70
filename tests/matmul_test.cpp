// Matrix products on the CPU: hand-computed small products, transposed and sliced views,
// torch.matmul's vector and broadcast-batch rules, the blocked GEMM against a naive triple loop
// on sizes that cross every block edge, linear, bf16, errors, and gradcheck of both ops.
#include <gtest/gtest.h>

#include <array>
#include <functional>

#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

Tensor f32(std::vector<float> values, Shape shape) { return Tensor::from_vector(values, shape); }

// The definition, in double, one batch element at a time: an implementation independent of the
// blocked kernel. Both operands at least 2-D; the batch dims are broadcast by expand.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  Shape a_batch(a.shape().begin(), a.shape().end() - 2);
  Shape b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(a_batch, b_batch, "naive_matmul");
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1), count = shape_numel(batch);
  Shape a_full = batch, b_full = batch, c_shape = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  c_shape.insert(c_shape.end(), {m, n});
  std::vector<double> x = ops::expand(a, a_full).to(DType::f64).to_vector<double>();
  std::vector<double> y = ops::expand(b, b_full).to(DType::f64).to_vector<double>();
  std::vector<double> z(static_cast<size_t>(count * m * n), 0.0);
  for (int64_t t = 0; t < count; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double total = 0;
        for (int64_t p = 0; p < k; ++p) total += x[(t * m + i) * k + p] * y[(t * k + p) * n + j];
        z[(t * m + i) * n + j] = total;
      }
  return Tensor::from_vector(z, c_shape);
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(Matmul, SmallProductsMatchHandComputation) {
  // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = f32({7, 8, 9, 10, 11, 12}, {3, 2});
  EXPECT_EQ(ops::matmul(a, b).to_vector<float>(), (std::vector<float>{58, 64, 139, 154}));
  EXPECT_EQ(ops::matmul(a.to(DType::f64), b.to(DType::f64)).to_vector<double>(),
            (std::vector<double>{58, 64, 139, 154}));
  // Vectors follow torch.matmul: dot product, row vector, column vector.
  Tensor u = f32({1, 2, 3}, {3});
  Tensor dot = ops::matmul(u, u);
  EXPECT_EQ(dot.dim(), 0);
  EXPECT_EQ(dot.item<float>(), 14.0f);
  Tensor row = ops::matmul(u, b);  // [1 2 3] · b = [58, 64]
  EXPECT_EQ(row.shape(), (Shape{2}));
  EXPECT_EQ(row.to_vector<float>(), (std::vector<float>{58, 64}));
  Tensor column = ops::matmul(a, u);  // a · [1 2 3]ᵀ = [14, 32]
  EXPECT_EQ(column.shape(), (Shape{2}));
  EXPECT_EQ(column.to_vector<float>(), (std::vector<float>{14, 32}));
}

TEST(Matmul, TransposedAndSlicedViewsAreReadInPlace) {
  // aᵀ stored as a [3, 2] matrix and transposed back: the same product as above.
  Tensor a_transposed = f32({1, 4, 2, 5, 3, 6}, {3, 2});
  Tensor b_transposed = f32({7, 9, 11, 8, 10, 12}, {2, 3});
  Tensor a = ops::transpose(a_transposed, 0, 1), b = ops::transpose(b_transposed, 0, 1);
  ASSERT_FALSE(a.is_contiguous());
  EXPECT_EQ(ops::matmul(a, b).to_vector<float>(), (std::vector<float>{58, 64, 139, 154}));
  // Slices with offsets and row strides larger than the row, on sizes beyond one block.
  Tensor big_a = test::random_uniform({300, 290}, 1), big_b = test::random_uniform({280, 270}, 2);
  Tensor slice_a = ops::narrow(ops::narrow(big_a, 0, 7, 261), 1, 3, 259);
  Tensor slice_b = ops::transpose(ops::narrow(ops::narrow(big_b, 0, 5, 263), 1, 2, 259), 0, 1);
  EXPECT_TRUE(
      test::all_close(ops::matmul(slice_a, slice_b), naive_matmul(slice_a, slice_b), 1e-5, 1e-5));
}

TEST(Matmul, BlockedKernelMatchesTheDefinitionAcrossBlockEdges) {
  // Sizes that are not multiples of any tile or block (kc 256, mc ≤ 256, nc 4096), in both
  // dtypes, plus shapes with a single row, column or summed element.
  const std::vector<std::array<int64_t, 3>> sizes = {
      {1, 1, 1}, {1, 37, 5}, {37, 1, 5}, {5, 7, 1}, {67, 131, 45}, {257, 33, 513}, {3, 4200, 300}};
  uint64_t seed = 10;
  for (auto [m, n, k] : sizes) {
    for (DType dtype : {DType::f32, DType::f64}) {
      Tensor a = test::random_uniform({m, k}, seed++, -1, 1, dtype);
      Tensor b = test::random_uniform({k, n}, seed++, -1, 1, dtype);
      double tolerance = dtype == DType::f32 ? 1e-5 : 1e-12;
      EXPECT_TRUE(test::all_close(ops::matmul(a, b), naive_matmul(a, b), tolerance, tolerance))
          << m << " x " << n << " x " << k << " " << dtype_name(dtype);
    }
  }
  // The bias is added per column block too (4200 columns cross the 4096-column block).
  for (auto [m, n, k] : std::vector<std::array<int64_t, 3>>{{257, 33, 513}, {3, 4200, 300}}) {
    Tensor x = test::random_uniform({m, k}, seed++), weight = test::random_uniform({n, k}, seed++);
    Tensor bias = test::random_uniform({n}, seed++);
    Tensor expected = ops::add(naive_matmul(x, ops::transpose(weight, 0, 1)), bias.to(DType::f64));
    EXPECT_TRUE(test::all_close(ops::linear(x, weight, bias), expected, 1e-5, 1e-5))
        << "linear " << m << " x " << n << " x " << k;
  }
}

TEST(Matmul, BatchDimsBroadcast) {
  // [2, 1, 2, 2] · [3, 2, 2] → [2, 3, 2, 2]; checked by hand for one pair: the second matrix of
  // a ([5 6; 7 8]) times the third of b ([0 1; 1 0]) swaps its columns.
  Tensor a = f32({1, 2, 3, 4, 5, 6, 7, 8}, {2, 1, 2, 2});
  Tensor b = f32({1, 0, 0, 1, 2, 0, 0, 2, 0, 1, 1, 0}, {3, 2, 2});
  Tensor c = ops::matmul(a, b);
  ASSERT_EQ(c.shape(), (Shape{2, 3, 2, 2}));
  std::vector<float> values = c.to_vector<float>();
  EXPECT_EQ(std::vector<float>(values.begin() + 20, values.end()),
            (std::vector<float>{6, 5, 8, 7}));
  EXPECT_TRUE(test::all_close(c, naive_matmul(a, b)));
  // A matrix against a batch, a batch against a vector, and many small products (one per
  // thread rather than each split over the threads).
  Tensor batch = test::random_uniform({4, 3, 5, 6}, 3), matrix = test::random_uniform({6, 2}, 4);
  EXPECT_TRUE(test::all_close(ops::matmul(batch, matrix), naive_matmul(batch, matrix)));
  Tensor vector = test::random_uniform({6}, 5);
  Tensor batch_times_vector = ops::matmul(batch, vector);
  EXPECT_EQ(batch_times_vector.shape(), (Shape{4, 3, 5}));
  EXPECT_TRUE(
      test::all_close(batch_times_vector,
                      ops::reshape(naive_matmul(batch, ops::reshape(vector, {6, 1})), {4, 3, 5})));
  Tensor many_a = test::random_uniform({96, 24, 40}, 6),
         many_b = test::random_uniform({96, 40, 32}, 7);
  EXPECT_TRUE(
      test::all_close(ops::matmul(many_a, many_b), naive_matmul(many_a, many_b), 1e-5, 1e-5));
  // A permuted batch: batch strides that are not the contiguous ones.
  Tensor permuted = ops::permute(test::random_uniform({5, 4, 3}, 8), {1, 0, 2});  // [4, 5, 3]
  Tensor right = test::random_uniform({4, 3, 2}, 9);
  EXPECT_TRUE(test::all_close(ops::matmul(permuted, right), naive_matmul(permuted, right)));
}

TEST(Matmul, EmptySumsGiveZerosOrTheBias) {
  Tensor c = ops::matmul(Tensor::zeros({2, 0}), Tensor::zeros({0, 3}));
  EXPECT_EQ(c.to_vector<float>(), std::vector<float>(6, 0.0f));
  Tensor y = ops::linear(Tensor::zeros({2, 0}), Tensor::zeros({2, 0}), f32({1, -1}, {2}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, -1, 1, -1}));
  EXPECT_EQ(ops::matmul(Tensor::zeros({0, 4}), Tensor::zeros({4, 3})).shape(), (Shape{0, 3}));
}

TEST(Linear, MatchesHandComputation) {
  // x = [1 2 3; 4 5 6], W = [1 0 -1; 2 1 0], b = [10, 20]:
  // x·Wᵀ = [1-3, 2+2; 4-6, 8+5] = [-2 4; -2 13]; + b = [8 24; 8 33].
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor weight = f32({1, 0, -1, 2, 1, 0}, {2, 3});
  Tensor bias = f32({10, 20}, {2});
  EXPECT_EQ(ops::linear(x, weight, bias).to_vector<float>(), (std::vector<float>{8, 24, 8, 33}));
  EXPECT_EQ(ops::linear(x, weight).to_vector<float>(), (std::vector<float>{-2, 4, -2, 13}));
  // Leading dims flatten into rows and come back; a single vector is one row.
  Tensor x3 = ops::reshape(f32({1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, {4, 3}), {2, 2, 3});
  Tensor y3 = ops::linear(x3, weight, bias);
  EXPECT_EQ(y3.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(y3.to_vector<float>(), (std::vector<float>{8, 24, 8, 33, 8, 24, 8, 33}));
  Tensor y1 = ops::linear(f32({1, 2, 3}, {3}), weight, bias);
  EXPECT_EQ(y1.shape(), (Shape{2}));
  EXPECT_EQ(y1.to_vector<float>(), (std::vector<float>{8, 24}));
  // A transposed input is read in place.
  Tensor x_transposed = ops::transpose(f32({1, 4, 2, 5, 3, 6}, {3, 2}), 0, 1);
  EXPECT_EQ(ops::linear(x_transposed, weight, bias).to_vector<float>(),
            (std::vector<float>{8, 24, 8, 33}));
}

TEST(Matmul, Bf16ComputesInF32AndRoundsOnce) {
  Tensor a = test::random_uniform({7, 9}, 11), b = test::random_uniform({9, 5}, 12);
  Tensor a16 = a.to(DType::bf16), b16 = b.to(DType::bf16);
  // The reference: the exact product of the bf16-rounded inputs.
  Tensor exact = naive_matmul(a16.to(DType::f32), b16.to(DType::f32));
  Tensor wide = ops::matmul(a16, b16, DType::f32);
  EXPECT_EQ(wide.dtype(), DType::f32);
  EXPECT_TRUE(test::all_close(wide, exact, 1e-5, 1e-5));
  Tensor narrow = ops::matmul(a16, b16);
  EXPECT_EQ(narrow.dtype(), DType::bf16);
  EXPECT_TRUE(test::all_close(narrow, exact, 1.0 / 128, 1e-6));  // one bf16 rounding: 2⁻⁸ relative
  Tensor bias = test::random_uniform({5}, 13);
  EXPECT_TRUE(
      test::all_close(ops::linear(a16, ops::transpose(b16, 0, 1).contiguous(), bias, DType::f32),
                      ops::add(exact, bias.to(DType::f64)).to(DType::f32), 1e-5, 1e-5));
}

TEST(Matmul, ErrorsNameBothShapes) {
  EXPECT_EQ(error_of([] {
              ops::matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5}));
            }),
            "matmul: cannot multiply [2, 3] by [4, 5]: the first has 3 columns, the second 4 rows");
  EXPECT_EQ(error_of([] { ops::matmul(Tensor::zeros({3}), Tensor::zeros({2})); }),
            "matmul: cannot multiply [3] by [2]: the first has 3 columns, the second 2 rows");
  EXPECT_EQ(error_of([] {
              ops::matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 2}));
            }),
            "matmul: the batch dims of [2, 2, 3] and [3, 3, 2] do not broadcast");
  EXPECT_EQ(error_of([] {
              ops::matmul(Tensor::zeros({2, 2}), Tensor::zeros({2, 2}, DType::f64));
            }),
            "matmul: dtypes differ: f32[2, 2] cpu and f64[2, 2] cpu");
  EXPECT_EQ(error_of([] {
              ops::matmul(Tensor::zeros({2, 2}, DType::i64), Tensor::zeros({2, 2}, DType::i64));
            }),
            "matmul: dtype i64 is not supported (f32, f64 or bf16)");
  EXPECT_EQ(error_of([] {
              ops::matmul(Tensor::zeros({2, 2}), Tensor::zeros({2, 2}), DType::f64);
            }),
            "matmul: a product of f32 tensors cannot be written as f64 (only bf16 inputs may give "
            "an f32 result)");
  EXPECT_EQ(error_of([] {
              ops::linear(Tensor::zeros({4, 3}), Tensor::zeros({2, 5}));
            }),
            "linear: input [4, 3] does not end in the 5 input features of weight [2, 5]");
  EXPECT_EQ(error_of([] {
              ops::linear(Tensor::zeros({4, 3}), Tensor::zeros({2, 3}), Tensor::zeros({3}));
            }),
            "linear: bias [3] does not match the 2 output features of weight [2, 3]");
}

TEST(MatmulGrad, GradcheckOfMatmul) {
  auto product = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  auto input = [](Shape shape, uint64_t seed) {
    return test::random_uniform(shape, seed, -1, 1, DType::f64).set_requires_grad(true);
  };
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3, 4}, {4, 5}}, {{2, 1, 3, 4}, {3, 4, 2}}, {{4}, {4, 3}}, {{2, 3, 4}, {4}},
      {{4}, {4}},       {{2, 3, 4}, {4, 5}},
  };
  uint64_t seed = 100;
  for (const auto& [a_shape, b_shape] : cases) {
    GradcheckResult result = gradcheck(product, {input(a_shape, seed), input(b_shape, seed + 1)});
    seed += 2;
    EXPECT_TRUE(result.passed) << shape_string(a_shape) << " x " << shape_string(b_shape) << ": "
                               << result.report;
  }
  // Transposed views as inputs: the gradient flows back through the transpose.
  Tensor a = input({4, 3}, 200), b = input({5, 4}, 201);
  GradcheckResult transposed = gradcheck(
      [](const std::vector<Tensor>& in) {
        return matmul(transpose(in[0], 0, 1), transpose(in[1], 0, 1));
      },
      {a, b});
  EXPECT_TRUE(transposed.passed) << transposed.report;
}

TEST(MatmulGrad, GradcheckOfLinear) {
  Tensor x = test::random_uniform({2, 3, 4}, 300, -1, 1, DType::f64).set_requires_grad(true);
  Tensor weight = test::random_uniform({5, 4}, 301, -1, 1, DType::f64).set_requires_grad(true);
  Tensor bias = test::random_uniform({5}, 302, -1, 1, DType::f64).set_requires_grad(true);
  GradcheckResult with_bias = gradcheck(
      [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, {x, weight, bias});
  EXPECT_TRUE(with_bias.passed) << with_bias.report;
  GradcheckResult without_bias =
      gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); }, {x, weight});
  EXPECT_TRUE(without_bias.passed) << without_bias.report;
  // Only the parameters need gradients (a first layer): x gets none, and none is computed.
  Tensor data = test::random_uniform({3, 4}, 303, -1, 1, DType::f64);
  weight.zero_grad();  // gradcheck's own backward passes left gradients here
  bias.zero_grad();
  backward(sum(linear(data, weight, bias)));
  EXPECT_FALSE(data.grad().defined());
  // ∂/∂W of Σ y = Σ_rows x (the same for every output), ∂/∂b = number of rows.
  std::vector<double> column_sums = ops::sum(data, {0}).to_vector<double>();
  std::vector<double> weight_grad = weight.grad().to_vector<double>();
  for (int64_t out = 0; out < 5; ++out)
    for (int64_t in = 0; in < 4; ++in)
      EXPECT_NEAR(weight_grad[out * 4 + in], column_sums[in], 1e-12);
  EXPECT_EQ(bias.grad().to_vector<double>(), std::vector<double>(5, 3.0));
}

}  // namespace
}  // namespace hg
