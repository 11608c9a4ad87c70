// linear and matmul against PyTorch (tests/fixtures/matmul_linear.safetensors, written by
// tests/fixtures/make_fixtures.py): the chain x → linear(x, W, b) → matmul with broadcast batch
// dims → Σ squares, forward values and every gradient, in float64, on every device.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "tests/device_test.h"

namespace hg {
namespace {

constexpr double kTolerance = 1e-12;  // float64 on both sides; only summation order differs

class MatmulFixture : public test::DeviceTest {
 protected:
  // The fixture's tensor `name` on device(), a leaf that records its gradient.
  Tensor leaf(const test::Fixture& fixture, const std::string& name) const {
    return fixture.at(name).clone().to(device()).set_requires_grad(true);
  }
};

TEST_P(MatmulFixture, LinearThenBatchedMatmulMatchesPyTorch) {
  test::Fixture fixture = test::load_fixture("matmul_linear");
  Tensor x = leaf(fixture, "x");
  Tensor weight = leaf(fixture, "weight");
  Tensor bias = leaf(fixture, "bias");
  Tensor m = leaf(fixture, "m");

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

TEST_P(MatmulFixture, MatmulAloneGivesPyTorchsGradientOfItsInput) {
  // The intermediate gradient ∂L/∂hidden: the batched matmul's backward on its own, summed over
  // the batch dim that broadcast hidden [2, 3, 4] to [3, 2, 3, 4].
  test::Fixture fixture = test::load_fixture("matmul_linear");
  Tensor hidden = leaf(fixture, "hidden");
  backward(sum(square(matmul(hidden, fixture.at("m").to(device())))));
  EXPECT_TRUE(test::all_close(hidden.grad(), fixture.at("grad_hidden"), kTolerance, kTolerance));
}

HG_INSTANTIATE_DEVICE_TEST(MatmulFixture);

}  // namespace
}  // namespace hg
