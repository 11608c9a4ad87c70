// Softmax, log-softmax and cross-entropy on the CPU: hand-computed values, stability with huge
// logits, every dim and layout, gradchecks, and the errors a user sees.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using test::all_close;
using test::error_message;
using test::f32;

TEST(Softmax, MatchesHandComputedValues) {
  // e^1, e^2, e^3 over their sum 30.19287485: 0.09003057, 0.24472847, 0.66524096.
  Tensor x = f32({1, 2, 3}, {3});
  EXPECT_TRUE(all_close(ops::softmax(x, 0), f32({0.09003057f, 0.24472847f, 0.66524096f}, {3})));
  // log of the same: x − 3 − log(1 + e^-1 + e^-2) = x − 3.40760596.
  EXPECT_TRUE(
      all_close(ops::log_softmax(x, -1), f32({-2.40760596f, -1.40760596f, -0.40760596f}, {3})));
}

TEST(Softmax, RunsAlongAnyDim) {
  // Along dim 0: column 0 holds (1, 1) -> (1/2, 1/2); column 1 holds (0, ln 3) -> (1/4, 3/4).
  Tensor x = f32({1, 0, 1, std::log(3.0f)}, {2, 2});
  EXPECT_TRUE(all_close(ops::softmax(x, 0), f32({0.5f, 0.25f, 0.5f, 0.75f}, {2, 2})));
  // A middle dim of a 3-D tensor (inner > 1) against the formula spelt out with other ops.
  Tensor cube = test::random_uniform({2, 5, 3}, 7, -4, 4);
  Tensor shifted = ops::sub(cube, ops::max(cube, {1}, true));
  Tensor expected = ops::div(ops::exp(shifted), ops::sum(ops::exp(shifted), {1}, true));
  EXPECT_TRUE(all_close(ops::softmax(cube, 1), expected));
  EXPECT_TRUE(all_close(ops::log_softmax(cube, 1), ops::log(expected), 1e-5, 1e-5));
}

TEST(Softmax, AcceptsViews) {
  Tensor x = test::random_uniform({4, 3}, 3);
  Tensor transposed = ops::transpose(x, 0, 1);  // not contiguous
  EXPECT_TRUE(all_close(ops::softmax(transposed, 1), ops::transpose(ops::softmax(x, 0), 0, 1)));
}

TEST(Softmax, IsStableForHugeLogits) {
  // Without subtracting the max, e^1000 overflows to inf and inf/inf is NaN.
  EXPECT_TRUE(all_close(ops::softmax(f32({1000, 1000}, {2}), 0), f32({0.5f, 0.5f}, {2})));
  EXPECT_TRUE(all_close(ops::log_softmax(f32({-1000, 0}, {2}), 0), f32({-1000, 0}, {2})));
  EXPECT_TRUE(all_close(ops::softmax(f32({-1000, 0}, {2}), 0), f32({0, 1}, {2})));
}

TEST(Softmax, HandlesScalarsAndEmptyDims) {
  EXPECT_EQ(ops::softmax(Tensor::scalar(5), 0).item<float>(), 1.0f);
  EXPECT_EQ(ops::log_softmax(Tensor::zeros({3, 0}), 1).shape(), (Shape{3, 0}));
}

TEST(Softmax, GradcheckEveryDim) {
  for (int64_t dim : {0, 1, -1}) {
    Tensor x = test::random_uniform({3, 4, 2}, 11 + dim, -2, 2, DType::f64).set_requires_grad(true);
    GradcheckResult soft =
        gradcheck([dim](const std::vector<Tensor>& in) { return softmax(in[0], dim); }, {x});
    EXPECT_TRUE(soft.passed) << "softmax dim " << dim << ": " << soft.report;
    GradcheckResult log_soft =
        gradcheck([dim](const std::vector<Tensor>& in) { return log_softmax(in[0], dim); }, {x});
    EXPECT_TRUE(log_soft.passed) << "log_softmax dim " << dim << ": " << log_soft.report;
  }
}

TEST(CrossEntropy, MatchesHandComputedLossAndGradient) {
  // Both rows are (1, 2, 3): −log p = 0.40760596 for class 2 and 2.40760596 for class 0.
  Tensor logits = f32({1, 2, 3, 1, 2, 3}, {2, 3}).set_requires_grad(true);
  Tensor targets = Tensor::from_vector(std::vector<int64_t>{2, 0}, {2});
  Tensor loss = cross_entropy(logits, targets);
  EXPECT_NEAR(loss.item<float>(), (0.40760596 + 2.40760596) / 2, 1e-6);
  backward(loss);
  // ∂L/∂logits = (softmax − one_hot(targets)) / N.
  Tensor expected = f32({0.09003057f / 2, 0.24472847f / 2, (0.66524096f - 1) / 2,
                         (0.09003057f - 1) / 2, 0.24472847f / 2, 0.66524096f / 2},
                        {2, 3});
  EXPECT_TRUE(all_close(logits.grad(), expected));
}

TEST(CrossEntropy, Gradcheck) {
  Tensor logits = test::random_uniform({5, 4}, 21, -3, 3, DType::f64).set_requires_grad(true);
  Tensor targets = Tensor::from_vector(std::vector<int64_t>{3, 0, 1, 3, 2}, {5});
  GradcheckResult result = gradcheck(
      [&](const std::vector<Tensor>& in) { return cross_entropy(in[0], targets); }, {logits});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(Softmax, ErrorsNameTheProblem) {
  Tensor x = Tensor::zeros({2, 3});
  EXPECT_EQ(error_message([&] { ops::softmax(x, 2); }),
            "softmax: dim 2 is out of range for a tensor with 2 dims");
  EXPECT_EQ(error_message([&] { ops::softmax(Tensor::zeros({2}, DType::i64), 0); }),
            "softmax: expected a floating tensor (f32 or f64), got i64");
  EXPECT_EQ(error_message([&] {
              cross_entropy(x, Tensor::from_vector(std::vector<int64_t>{1, 3}, {2}));
            }),
            "cross_entropy: index 3 is out of range for the 3 classes of logits f32[2, 3] cpu "
            "(valid indices are 0 to 2)");
  EXPECT_EQ(error_message([&] {
              cross_entropy(x, Tensor::from_vector(std::vector<int64_t>{-1, 0}, {2}));
            }),
            "cross_entropy: index -1 is out of range for the 3 classes of logits f32[2, 3] cpu "
            "(valid indices are 0 to 2)");
  EXPECT_EQ(error_message([&] { cross_entropy(x, Tensor::zeros({3}, DType::i64)); }),
            "cross_entropy: targets i64[3] cpu must be [N] for logits f32[2, 3] cpu");
  EXPECT_EQ(error_message([&] { cross_entropy(x, Tensor::zeros({2}, DType::i32)); }),
            "cross_entropy: indices must be i64, got i32[2] cpu");
}

}  // namespace
}  // namespace hg
