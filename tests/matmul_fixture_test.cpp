// linear and matmul against PyTorch (tests/fixtures/matmul_linear.safetensors, written by
// tests/fixtures/make_fixtures.py): the chain x → linear(x, W, b) → matmul with broadcast batch
// dims → Σ squares, forward values and every gradient, in float64.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

constexpr double kTolerance = 1e-12;  // float64 on both sides; only summation order differs

TEST(MatmulFixture, LinearThenBatchedMatmulMatchesPyTorch) {
  test::Fixture fixture = test::load_fixture("matmul_linear");
  Tensor x = fixture.at("x").set_requires_grad(true);
  Tensor weight = fixture.at("weight").set_requires_grad(true);
  Tensor bias = fixture.at("bias").set_requires_grad(true);
  Tensor m = fixture.at("m").set_requires_grad(true);

  Tensor hidden = linear(x, weight, bias);
  Tensor output = matmul(hidden, m);
  Tensor loss = sum(square(output));
  EXPECT_TRUE(test::all_close(hidden, fixture.at("hidden"), kTolerance, kTolerance));
  EXPECT_TRUE(test::all_close(output, fixture.at("output"), kTolerance, kTolerance));
  EXPECT_TRUE(test::all_close(loss, fixture.at("loss"), kTolerance, kTolerance));

  backward(loss);
  EXPECT_TRUE(test::all_close(x.grad(), fixture.at("grad_x"), kTolerance, kTolerance));
  EXPECT_TRUE(test::all_close(weight.grad(), fixture.at("grad_weight"), kTolerance, kTolerance));
  EXPECT_TRUE(test::all_close(bias.grad(), fixture.at("grad_bias"), kTolerance, kTolerance));
  EXPECT_TRUE(test::all_close(m.grad(), fixture.at("grad_m"), kTolerance, kTolerance));
}

TEST(MatmulFixture, MatmulAloneGivesPyTorchsGradientOfItsInput) {
  // The intermediate gradient ∂L/∂hidden: the batched matmul's backward on its own, summed over
  // the batch dim that broadcast hidden [2, 3, 4] to [3, 2, 3, 4].
  test::Fixture fixture = test::load_fixture("matmul_linear");
  Tensor hidden = fixture.at("hidden").set_requires_grad(true);
  backward(sum(square(matmul(hidden, fixture.at("m")))));
  EXPECT_TRUE(test::all_close(hidden.grad(), fixture.at("grad_hidden"), kTolerance, kTolerance));
}

}  // namespace
}  // namespace hg
