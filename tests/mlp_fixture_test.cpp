// The foundation's op chain against PyTorch: a two-layer MLP with softmax cross-entropy,
// forward and every gradient, in strict fp32 (tests/fixtures/make_fixtures.py,
// "mlp_cross_entropy").
#include <gtest/gtest.h>

#include "autograd/matmul.h"
#include "autograd/ops.h"
#include "autograd/softmax.h"
#include "tests/test_support.h"

namespace hg {
namespace {

TEST(MlpFixture, ForwardAndEveryGradientMatchPyTorch) {
  test::Fixture f = test::load_fixture("mlp_cross_entropy");
  Tensor x = f.at("x").set_requires_grad(true), w1 = f.at("w1").set_requires_grad(true),
         b1 = f.at("b1").set_requires_grad(true), w2 = f.at("w2").set_requires_grad(true),
         b2 = f.at("b2").set_requires_grad(true);
  Tensor logits = linear(relu(linear(x, w1, b1)), w2, b2);
  Tensor loss = cross_entropy(logits, f.at("targets"));
  EXPECT_TRUE(test::all_close(logits, f.at("logits"), 1e-5, 1e-6));
  EXPECT_TRUE(test::all_close(loss, f.at("loss"), 1e-5, 1e-6));
  backward(loss);
  EXPECT_TRUE(test::all_close(x.grad(), f.at("grad_x"), 1e-5, 1e-6));
  EXPECT_TRUE(test::all_close(w1.grad(), f.at("grad_w1"), 1e-5, 1e-6));
  EXPECT_TRUE(test::all_close(b1.grad(), f.at("grad_b1"), 1e-5, 1e-6));
  EXPECT_TRUE(test::all_close(w2.grad(), f.at("grad_w2"), 1e-5, 1e-6));
  EXPECT_TRUE(test::all_close(b2.grad(), f.at("grad_b2"), 1e-5, 1e-6));
}

}  // namespace
}  // namespace hg
