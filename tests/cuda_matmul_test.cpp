// cuBLASLt matrix products against the CPU GEMM: strict fp32 (rtol 1e-5), TF32 (5e-3), bf16
// inputs with bf16 or f32 output (2e-2), f64; transposed views (batched too), broadcast batches,
// a view one element into its storage, views that must be packed, the fused-bias linear in
// every mode (with a bias at an offset) and its plan cache, and gradients on the GPU.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "tensor/ops.h"
#include "tests/numeric_mode.h"
#include "tests/test_support.h"

namespace hg {
namespace {

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

TEST(CudaMatmul, StrictFp32MatchesTheCpu) {
  HG_REQUIRE_CUDA();
  test::NumericMode strict(true);
  for (const auto& [a, b] : operand_pairs(DType::f32)) {
    EXPECT_TRUE(
        test::all_close(ops::matmul(gpu(a), gpu(b)).to(Device::cpu), ops::matmul(a, b), 1e-5, 1e-5))
        << a.description() << " x " << b.description();
  }
}

TEST(CudaMatmul, Tf32IsWithinItsTolerance) {
  HG_REQUIRE_CUDA();
  test::NumericMode tf32(false);
  for (const auto& [a, b] : operand_pairs(DType::f32)) {
    EXPECT_TRUE(
        test::all_close(ops::matmul(gpu(a), gpu(b)).to(Device::cpu), ops::matmul(a, b), 5e-3, 5e-3))
        << a.description() << " x " << b.description();
  }
}

TEST(CudaMatmul, Float64MatchesTheCpu) {
  HG_REQUIRE_CUDA();
  for (const auto& [a, b] : operand_pairs(DType::f64)) {
    EXPECT_TRUE(test::all_close(ops::matmul(gpu(a), gpu(b)).to(Device::cpu), ops::matmul(a, b),
                                1e-12, 1e-12))
        << a.description() << " x " << b.description();
  }
}

TEST(CudaMatmul, Bf16InputsGiveBf16OrF32Results) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLinear, FusedBiasMatchesTheCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLinear, FusedBiasInTf32AndF64AndAtAnOffset) {
  HG_REQUIRE_CUDA();
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

TEST(CudaLinear, ARepeatedShapeReusesItsPlanWithTheNewBias) {
  HG_REQUIRE_CUDA();
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

TEST(CudaMatmul, GradientsMatchTheCpu) {
  HG_REQUIRE_CUDA();
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

}  // namespace
}  // namespace hg
