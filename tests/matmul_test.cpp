// Matrix products on every device (strict fp32 on CUDA, so rtol 1e-5 holds on both): hand-computed
// small products, transposed and sliced views, torch.matmul's vector and broadcast-batch rules,
// the product against a naive triple loop on sizes that cross every block edge of the CPU's
// blocked GEMM, linear, bf16; on the CPU errors and gradcheck of both ops. Then cuBLASLt against
// the CPU GEMM: strict fp32 (rtol 1e-5), TF32 (5e-3), bf16 inputs with bf16 or f32 output (2e-2),
// f64; transposed views (batched too), broadcast batches, a view one element into its storage,
// views that must be packed, the fused-bias linear in every mode (with a bias at an offset) and
// its plan cache, and gradients on the GPU.
#include <gtest/gtest.h>

#include <array>
#include <functional>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "tensor/ops.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

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

// Products on device(), in strict fp32 on CUDA: the hand-computed values are exact and the naive
// loop's within rtol 1e-5 on both devices.
class OnDevice : public test::DeviceTest {
 protected:
  Tensor on(const Tensor& x) const { return x.to(device()); }

 private:
  test::NumericMode strict_{true};
};
class Matmul : public OnDevice {};
class Linear : public OnDevice {};

TEST_P(Matmul, SmallProductsMatchHandComputation) {
  // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
  Tensor a = on(f32({1, 2, 3, 4, 5, 6}, {2, 3}));
  Tensor b = on(f32({7, 8, 9, 10, 11, 12}, {3, 2}));
  EXPECT_EQ(ops::matmul(a, b).to_vector<float>(), (std::vector<float>{58, 64, 139, 154}));
  EXPECT_EQ(ops::matmul(a.to(DType::f64), b.to(DType::f64)).to_vector<double>(),
            (std::vector<double>{58, 64, 139, 154}));
  // Vectors follow torch.matmul: dot product, row vector, column vector.
  Tensor u = on(f32({1, 2, 3}, {3}));
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

TEST_P(Matmul, TransposedAndSlicedViewsAreReadInPlace) {
  // aᵀ stored as a [3, 2] matrix and transposed back: the same product as above.
  Tensor a_transposed = on(f32({1, 4, 2, 5, 3, 6}, {3, 2}));
  Tensor b_transposed = on(f32({7, 9, 11, 8, 10, 12}, {2, 3}));
  Tensor a = ops::transpose(a_transposed, 0, 1), b = ops::transpose(b_transposed, 0, 1);
  ASSERT_FALSE(a.is_contiguous());
  EXPECT_EQ(ops::matmul(a, b).to_vector<float>(), (std::vector<float>{58, 64, 139, 154}));
  // Slices with offsets and row strides larger than the row, on sizes beyond one block.
  Tensor big_a = on(test::random_uniform({300, 290}, 1));
  Tensor big_b = on(test::random_uniform({280, 270}, 2));
  Tensor slice_a = ops::narrow(ops::narrow(big_a, 0, 7, 261), 1, 3, 259);
  Tensor slice_b = ops::transpose(ops::narrow(ops::narrow(big_b, 0, 5, 263), 1, 2, 259), 0, 1);
  EXPECT_TRUE(
      test::all_close(ops::matmul(slice_a, slice_b), naive_matmul(slice_a, slice_b), 1e-5, 1e-5));
}

TEST_P(Matmul, BlockedKernelMatchesTheDefinitionAcrossBlockEdges) {
  // Sizes that are not multiples of any tile or block (kc 256, mc ≤ 256, nc 4096), in both
  // dtypes, plus shapes with a single row, column or summed element.
  const std::vector<std::array<int64_t, 3>> sizes = {
      {1, 1, 1}, {1, 37, 5}, {37, 1, 5}, {5, 7, 1}, {67, 131, 45}, {257, 33, 513}, {3, 4200, 300}};
  uint64_t seed = 10;
  for (auto [m, n, k] : sizes) {
    for (DType dtype : {DType::f32, DType::f64}) {
      Tensor a = on(test::random_uniform({m, k}, seed++, -1, 1, dtype));
      Tensor b = on(test::random_uniform({k, n}, seed++, -1, 1, dtype));
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
    EXPECT_TRUE(test::all_close(ops::linear(on(x), on(weight), on(bias)), expected, 1e-5, 1e-5))
        << "linear " << m << " x " << n << " x " << k;
  }
}

TEST_P(Matmul, BatchDimsBroadcast) {
  // [2, 1, 2, 2] · [3, 2, 2] → [2, 3, 2, 2]; checked by hand for one pair: the second matrix of
  // a ([5 6; 7 8]) times the third of b ([0 1; 1 0]) swaps its columns.
  Tensor a = on(f32({1, 2, 3, 4, 5, 6, 7, 8}, {2, 1, 2, 2}));
  Tensor b = on(f32({1, 0, 0, 1, 2, 0, 0, 2, 0, 1, 1, 0}, {3, 2, 2}));
  Tensor c = ops::matmul(a, b);
  ASSERT_EQ(c.shape(), (Shape{2, 3, 2, 2}));
  std::vector<float> values = c.to_vector<float>();
  EXPECT_EQ(std::vector<float>(values.begin() + 20, values.end()),
            (std::vector<float>{6, 5, 8, 7}));
  EXPECT_TRUE(test::all_close(c, naive_matmul(a, b)));
  // A matrix against a batch, a batch against a vector, and many small products (one per
  // thread rather than each split over the threads).
  Tensor batch = on(test::random_uniform({4, 3, 5, 6}, 3));
  Tensor matrix = on(test::random_uniform({6, 2}, 4));
  EXPECT_TRUE(test::all_close(ops::matmul(batch, matrix), naive_matmul(batch, matrix)));
  Tensor vector = on(test::random_uniform({6}, 5));
  Tensor batch_times_vector = ops::matmul(batch, vector);
  EXPECT_EQ(batch_times_vector.shape(), (Shape{4, 3, 5}));
  EXPECT_TRUE(
      test::all_close(batch_times_vector,
                      ops::reshape(naive_matmul(batch, ops::reshape(vector, {6, 1})), {4, 3, 5})));
  Tensor many_a = on(test::random_uniform({96, 24, 40}, 6));
  Tensor many_b = on(test::random_uniform({96, 40, 32}, 7));
  EXPECT_TRUE(
      test::all_close(ops::matmul(many_a, many_b), naive_matmul(many_a, many_b), 1e-5, 1e-5));
  // A permuted batch: batch strides that are not the contiguous ones.
  Tensor permuted = ops::permute(on(test::random_uniform({5, 4, 3}, 8)), {1, 0, 2});  // [4, 5, 3]
  Tensor right = on(test::random_uniform({4, 3, 2}, 9));
  EXPECT_TRUE(test::all_close(ops::matmul(permuted, right), naive_matmul(permuted, right)));
}

TEST_P(Matmul, EmptySumsGiveZerosOrTheBias) {
  auto zeros = [&](const Shape& shape) { return on(Tensor::zeros(shape)); };
  Tensor c = ops::matmul(zeros({2, 0}), zeros({0, 3}));
  EXPECT_EQ(c.to_vector<float>(), std::vector<float>(6, 0.0f));
  Tensor y = ops::linear(zeros({2, 0}), zeros({2, 0}), on(f32({1, -1}, {2})));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, -1, 1, -1}));
  EXPECT_EQ(ops::matmul(zeros({0, 4}), zeros({4, 3})).shape(), (Shape{0, 3}));
}

TEST_P(Linear, MatchesHandComputation) {
  // x = [1 2 3; 4 5 6], W = [1 0 -1; 2 1 0], b = [10, 20]:
  // x·Wᵀ = [1-3, 2+2; 4-6, 8+5] = [-2 4; -2 13]; + b = [8 24; 8 33].
  Tensor x = on(f32({1, 2, 3, 4, 5, 6}, {2, 3}));
  Tensor weight = on(f32({1, 0, -1, 2, 1, 0}, {2, 3}));
  Tensor bias = on(f32({10, 20}, {2}));
  EXPECT_EQ(ops::linear(x, weight, bias).to_vector<float>(), (std::vector<float>{8, 24, 8, 33}));
  EXPECT_EQ(ops::linear(x, weight).to_vector<float>(), (std::vector<float>{-2, 4, -2, 13}));
  // Leading dims flatten into rows and come back; a single vector is one row.
  Tensor x3 = ops::reshape(on(f32({1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, {4, 3})), {2, 2, 3});
  Tensor y3 = ops::linear(x3, weight, bias);
  EXPECT_EQ(y3.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(y3.to_vector<float>(), (std::vector<float>{8, 24, 8, 33, 8, 24, 8, 33}));
  Tensor y1 = ops::linear(on(f32({1, 2, 3}, {3})), weight, bias);
  EXPECT_EQ(y1.shape(), (Shape{2}));
  EXPECT_EQ(y1.to_vector<float>(), (std::vector<float>{8, 24}));
  // A transposed input is read in place.
  Tensor x_transposed = ops::transpose(on(f32({1, 4, 2, 5, 3, 6}, {3, 2})), 0, 1);
  EXPECT_EQ(ops::linear(x_transposed, weight, bias).to_vector<float>(),
            (std::vector<float>{8, 24, 8, 33}));
}

TEST_P(Matmul, Bf16ComputesInF32AndRoundsOnce) {
  Tensor a = test::random_uniform({7, 9}, 11), b = test::random_uniform({9, 5}, 12);
  Tensor a16 = on(a.to(DType::bf16)), b16 = on(b.to(DType::bf16));
  // The reference: the exact product of the bf16-rounded inputs.
  Tensor exact = naive_matmul(a16.to(DType::f32), b16.to(DType::f32));
  Tensor wide = ops::matmul(a16, b16, DType::f32);
  EXPECT_EQ(wide.dtype(), DType::f32);
  EXPECT_TRUE(test::all_close(wide, exact, 1e-5, 1e-5));
  Tensor narrow = ops::matmul(a16, b16);
  EXPECT_EQ(narrow.dtype(), DType::bf16);
  EXPECT_TRUE(test::all_close(narrow, exact, 1.0 / 128, 1e-6));  // one bf16 rounding: 2⁻⁸ relative
  Tensor bias = test::random_uniform({5}, 13);
  EXPECT_TRUE(test::all_close(
      ops::linear(a16, ops::transpose(b16, 0, 1).contiguous(), on(bias), DType::f32),
      ops::add(exact, bias.to(DType::f64)).to(DType::f32), 1e-5, 1e-5));
}

HG_INSTANTIATE_DEVICE_TEST(Matmul);
HG_INSTANTIATE_DEVICE_TEST(Linear);

TEST(MatmulErrors, ErrorsNameBothShapes) {
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

// cuBLASLt against the CPU GEMM in each numeric mode.
class CudaMatmul : public test::DeviceTest {};
class CudaLinear : public test::DeviceTest {};

Tensor gpu(const Tensor& x) { return x.to(Device::cuda); }

// Pairs of operands covering the layouts the dispatcher distinguishes.
std::vector<std::pair<Tensor, Tensor>> operand_pairs(DType dtype) {
  auto random = [dtype](Shape shape, uint64_t seed) {
    return test::random_uniform(shape, seed, -1, 1, dtype);
  };
  return {
      {random({37, 53}, 1), random({53, 29}, 2)},                               // plain
      {ops::transpose(random({53, 37}, 3), 0, 1), random({53, 29}, 4)},         // Aᵀ
      {random({37, 53}, 5), ops::transpose(random({29, 53}, 6), 0, 1)},         // Bᵀ
      {random({4, 3, 17, 24}, 7), random({24, 9}, 8)},                          // batch · matrix
      {ops::transpose(random({3, 24, 17}, 17), 1, 2), random({3, 24, 9}, 18)},  // batched Aᵀ
      {random({3, 17, 24}, 19), ops::transpose(random({3, 9, 24}, 20), 1, 2)},  // batched Bᵀ
      {ops::narrow(random({37, 54}, 21), 1, 1, 53), random({53, 29}, 22)},  // 1 element in: ld 54
      {random({2, 1, 8, 16}, 9), random({3, 16, 5}, 10)},                   // packed: [mk, 0]
      {ops::permute(random({4, 5, 6}, 11), {2, 0, 1}),
       random({6, 5, 7}, 12)},                     // packed: no unit stride
      {random({31}, 13), random({5, 31, 2}, 14)},  // vector · batch
      {random({1, 64}, 15), random({64, 1}, 16)},  // 1 × 1 result
  };
}

TEST_P(CudaMatmul, StrictFp32MatchesTheCpu) {
  test::NumericMode strict(true);
  for (const auto& [a, b] : operand_pairs(DType::f32)) {
    EXPECT_TRUE(
        test::all_close(ops::matmul(gpu(a), gpu(b)).to(Device::cpu), ops::matmul(a, b), 1e-5, 1e-5))
        << a.description() << " x " << b.description();
  }
}

TEST_P(CudaMatmul, Tf32IsWithinItsTolerance) {
  test::NumericMode tf32(false);
  for (const auto& [a, b] : operand_pairs(DType::f32)) {
    EXPECT_TRUE(
        test::all_close(ops::matmul(gpu(a), gpu(b)).to(Device::cpu), ops::matmul(a, b), 5e-3, 5e-3))
        << a.description() << " x " << b.description();
  }
}

TEST_P(CudaMatmul, Float64MatchesTheCpu) {
  for (const auto& [a, b] : operand_pairs(DType::f64)) {
    EXPECT_TRUE(test::all_close(ops::matmul(gpu(a), gpu(b)).to(Device::cpu), ops::matmul(a, b),
                                1e-12, 1e-12))
        << a.description() << " x " << b.description();
  }
}

TEST_P(CudaMatmul, Bf16InputsGiveBf16OrF32Results) {
  for (const auto& [a, b] : operand_pairs(DType::bf16)) {
    // Same bf16 inputs on both sides, f32 accumulation on both; bf16 output rounds once.
    EXPECT_TRUE(
        test::all_close(ops::matmul(gpu(a), gpu(b)).to(Device::cpu), ops::matmul(a, b), 2e-2, 2e-2))
        << a.description() << " x " << b.description();
    Tensor wide = ops::matmul(gpu(a), gpu(b), DType::f32);
    EXPECT_EQ(wide.dtype(), DType::f32);
    EXPECT_TRUE(test::all_close(wide.to(Device::cpu), ops::matmul(a, b, DType::f32), 1e-5, 1e-5))
        << a.description() << " x " << b.description();
  }
}

TEST_P(CudaLinear, FusedBiasMatchesTheCpu) {
  test::NumericMode strict(true);
  Tensor x = test::random_uniform({4, 6, 40}, 20), weight = test::random_uniform({24, 40}, 21);
  Tensor bias = test::random_uniform({24}, 22);
  EXPECT_TRUE(test::all_close(ops::linear(gpu(x), gpu(weight), gpu(bias)).to(Device::cpu),
                              ops::linear(x, weight, bias), 1e-5, 1e-5));
  EXPECT_TRUE(test::all_close(ops::linear(gpu(x), gpu(weight)).to(Device::cpu),
                              ops::linear(x, weight), 1e-5, 1e-5));
  Tensor x_transposed = ops::transpose(test::random_uniform({40, 9}, 23), 0, 1);
  EXPECT_TRUE(
      test::all_close(ops::linear(gpu(x_transposed), gpu(weight), gpu(bias)).to(Device::cpu),
                      ops::linear(x_transposed, weight, bias), 1e-5, 1e-5));
  // bf16 weights and inputs, with a bf16 bias (bf16 output) or an f32 bias (f32 output).
  Tensor x16 = x.to(DType::bf16), weight16 = weight.to(DType::bf16);
  EXPECT_TRUE(test::all_close(
      ops::linear(gpu(x16), gpu(weight16), gpu(bias.to(DType::bf16))).to(Device::cpu),
      ops::linear(x16, weight16, bias.to(DType::bf16)), 2e-2, 2e-2));
  EXPECT_TRUE(
      test::all_close(ops::linear(gpu(x16), gpu(weight16), gpu(bias), DType::f32).to(Device::cpu),
                      ops::linear(x16, weight16, bias, DType::f32), 1e-5, 1e-5));
}

TEST_P(CudaLinear, FusedBiasInTf32AndF64AndAtAnOffset) {
  Tensor x = test::random_uniform({5, 7, 33}, 24), weight = test::random_uniform({19, 33}, 25);
  Tensor bias = test::random_uniform({19}, 26);
  {
    test::NumericMode tf32(false);
    EXPECT_TRUE(test::all_close(ops::linear(gpu(x), gpu(weight), gpu(bias)).to(Device::cpu),
                                ops::linear(x, weight, bias), 5e-3, 5e-3))
        << "TF32";
  }
  // The bias epilogue under CUBLAS_COMPUTE_64F.
  Tensor x64 = x.to(DType::f64), weight64 = weight.to(DType::f64), bias64 = bias.to(DType::f64);
  EXPECT_TRUE(test::all_close(ops::linear(gpu(x64), gpu(weight64), gpu(bias64)).to(Device::cpu),
                              ops::linear(x64, weight64, bias64), 1e-12, 1e-12))
      << "f64";
  // A bias 4 bytes into its storage: gemm copies it to an aligned block for the epilogue.
  test::NumericMode strict(true);
  Tensor longer = test::random_uniform({20}, 27);
  Tensor shifted = ops::narrow(longer, 0, 1, 19);
  EXPECT_TRUE(test::all_close(
      ops::linear(gpu(x), gpu(weight), ops::narrow(gpu(longer), 0, 1, 19)).to(Device::cpu),
      ops::linear(x, weight, shifted), 1e-5, 1e-5))
      << "bias at an offset";
}

TEST_P(CudaLinear, ARepeatedShapeReusesItsPlanWithTheNewBias) {
  test::NumericMode strict(true);
  Tensor x = gpu(test::random_uniform({16, 32}, 30)),
         weight = gpu(test::random_uniform({8, 32}, 31));
  Tensor first_bias = Tensor::zeros({8}, DType::f32, Device::cuda);
  Tensor second_bias = Tensor::full({8}, 5.0, DType::f32, Device::cuda);
  Tensor first = ops::linear(x, weight, first_bias).to(Device::cpu);
  Tensor again = ops::linear(x, weight, first_bias).to(Device::cpu);
  Tensor second = ops::linear(x, weight, second_bias).to(Device::cpu);
  // Same algorithm for the same problem: bitwise equal (deterministic mode relies on it).
  EXPECT_TRUE(test::all_close(again, first, 0, 0));
  EXPECT_TRUE(test::all_close(second, ops::add_scalar(first, 5.0), 1e-6, 1e-5));
}

TEST_P(CudaMatmul, GradientsMatchTheCpu) {
  test::NumericMode strict(true);
  Tensor x = test::random_uniform({3, 5, 12}, 40), weight = test::random_uniform({7, 12}, 41);
  Tensor bias = test::random_uniform({7}, 42), m = test::random_uniform({2, 1, 7, 4}, 43);
  auto run = [&](Device device) {
    std::vector<Tensor> leaves = {x.to(device), weight.to(device), bias.to(device), m.to(device)};
    for (Tensor& leaf : leaves) leaf.set_requires_grad(true);
    backward(sum(square(matmul(linear(leaves[0], leaves[1], leaves[2]), leaves[3]))));
    return leaves;
  };
  std::vector<Tensor> on_cpu = run(Device::cpu), on_gpu = run(Device::cuda);
  for (size_t i = 0; i < on_cpu.size(); ++i)
    EXPECT_TRUE(test::all_close(on_gpu[i].grad().to(Device::cpu), on_cpu[i].grad(), 1e-5, 1e-4))
        << "input " << i;
}

HG_INSTANTIATE_CUDA_TEST(CudaMatmul);
HG_INSTANTIATE_CUDA_TEST(CudaLinear);

}  // namespace
}  // namespace hg
