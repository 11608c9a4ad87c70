// The autograd engine: accumulation, shared subgraphs, no-grad mode, detach, views, reductions,
// and the error messages of misuse.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "autograd/gradient_ready.h"
#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using test::f64;

TEST(Autograd, ChainRuleOnAHandComputedExample) {
  // L = Σ (x·w + 1)², x = [1, 2], w = [3, -1]. By hand: xw + 1 = [4, -1], L = 17,
  // ∂L/∂x = 2(xw + 1)·w = [24, 2],  ∂L/∂w = 2(xw + 1)·x = [8, -4].
  Tensor x = f64({1, 2}, {2}).set_requires_grad(true);
  Tensor w = f64({3, -1}, {2}).set_requires_grad(true);
  Tensor loss = sum(square(x * w + 1.0));
  EXPECT_DOUBLE_EQ(loss.item<double>(), 17.0);
  backward(loss);
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{24, 2}));
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{8, -4}));
}

// Which of an op's gradients its backward computed when called with the mask record() made.
std::vector<bool> computed_gradients(const Tensor& output) {
  const Node& node = *output.autograd_meta()->grad_fn;
  Gradients gradients =
      node.backward(Tensor::ones(output.shape(), output.dtype()), node.needs_gradient);
  std::vector<bool> computed;
  for (const Tensor& gradient : gradients) computed.push_back(gradient.defined());
  return computed;
}

// record() hands every backward the mask of the inputs that need a gradient, and each op
// computes those alone: x · w with a constant x computes ∂L/∂w only.
TEST(Autograd, BackwardsComputeOnlyTheGradientsTheirMaskAsksFor) {
  Tensor x = test::f32({1, 2}, {2});
  Tensor w = test::f32({3, 4}, {2}).set_requires_grad(true);
  Tensor y = mul(x, w);
  const Node& node = *y.autograd_meta()->grad_fn;
  EXPECT_EQ(node.needs_gradient, (GradientMask{false, true}));
  Gradients gradients = node.backward(Tensor::ones({2}), node.needs_gradient);
  ASSERT_EQ(gradients.size(), 2u);
  EXPECT_FALSE(gradients[0].defined());
  EXPECT_TRUE(test::all_close(gradients[1], x, 0, 0));

  Tensor constant = test::random_uniform({2, 3}, 1, -1, 1);
  Tensor parameter = test::random_uniform({3, 3}, 2, -1, 1).set_requires_grad(true);
  Tensor bias = test::random_uniform({3}, 3, -1, 1).set_requires_grad(true);
  EXPECT_EQ(computed_gradients(matmul(constant, parameter)), (std::vector<bool>{false, true}));
  EXPECT_EQ(computed_gradients(linear(constant, parameter, bias)),
            (std::vector<bool>{false, true, true}));
  EXPECT_EQ(computed_gradients(linear(constant, parameter.detach(), bias)),
            (std::vector<bool>{false, false, true}));
  Tensor image = test::random_uniform({1, 2, 4, 4}, 4, -1, 1).set_requires_grad(true);
  Tensor kernel = test::random_uniform({3, 2, 3, 3}, 5, -1, 1);
  EXPECT_EQ(computed_gradients(conv2d(image, kernel, bias.detach())),
            (std::vector<bool>{true, false, false}));
  Tensor condition = test::f32({1, 0, 1}, {3});
  EXPECT_EQ(computed_gradients(where(condition, bias, bias.detach())),
            (std::vector<bool>{false, true, false}));
  EXPECT_EQ(computed_gradients(concat({constant, parameter}, 0)), (std::vector<bool>{false, true}));
  EXPECT_EQ(computed_gradients(stack({bias.detach(), bias}, 0)), (std::vector<bool>{false, true}));
  Tensor scores_bias = test::random_uniform({1, 2, 2}, 6, -1, 1);
  Tensor q = test::random_uniform({1, 1, 2, 4}, 7, -1, 1).set_requires_grad(true);
  EXPECT_FALSE(computed_gradients(window_attention(q, q.detach(), q.detach(), scores_bias))[3]);
}

// Under NoGradGuard no input needs a gradient, so nothing is recorded and nothing is saved.
TEST(Autograd, NoInputNeedsAGradientWithGradModeOff) {
  Tensor w = test::f32({3, 4}, {2}).set_requires_grad(true);
  EXPECT_TRUE(needs_gradient(w));
  NoGradGuard no_grad;
  EXPECT_FALSE(needs_gradient(w));
  EXPECT_FALSE(mul(w, w).requires_grad());
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCallsUntilZeroed) {
  Tensor x = f64({1, 2}, {2}).set_requires_grad(true);
  backward(sum(x * 3.0));
  backward(sum(x * 3.0));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{6, 6}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, ATensorUsedTwiceGetsBothContributions) {
  // y = x·x + x  →  dy/dx = 2x + 1
  Tensor x = f64({3}, {1}).set_requires_grad(true);
  Tensor y = x * x + x;
  backward(sum(y));
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 7.0);
}

// The leaf hook of data-parallel training: each leaf is reported once, when nothing more will
// reach it, and then already holds its final gradient; the leaf used late in the graph (w2,
// consumed only by the last op) is reported before the one used early and late (w1).
TEST(Autograd, LeafHookReportsEachLeafOnceWithItsFinalGradient) {
  Tensor x = f64({1, 2}, {2});
  Tensor w1 = f64({3, -1}, {2}).set_requires_grad(true);
  Tensor w2 = f64({0.5, 2}, {2}).set_requires_grad(true);
  Tensor unused = f64({1}, {1}).set_requires_grad(true);
  Tensor h = x * w1;
  Tensor loss = sum(square(h + 1.0) * w2 + h * w1);
  std::vector<std::string> reported;
  std::map<std::string, std::vector<double>> at_report;
  backward_with_leaf_hook(loss, Tensor(), [&](const AutogradMeta& leaf) {
    const std::string name = &leaf == w1.autograd_meta().get()   ? "w1"
                             : &leaf == w2.autograd_meta().get() ? "w2"
                                                                 : "other";
    reported.push_back(name);
    at_report[name] = leaf.grad->to_vector<double>();
  });
  EXPECT_EQ(reported, (std::vector<std::string>{"w2", "w1"}));
  EXPECT_EQ(at_report["w1"], w1.grad().to_vector<double>());
  EXPECT_EQ(at_report["w2"], w2.grad().to_vector<double>());
  // ∂L/∂w2 = (xw1 + 1)² = [16, 1]; ∂L/∂w1 = 2(xw1 + 1)·w2·x + 2·x·w1 = [10, -12].
  EXPECT_EQ(w2.grad().to_vector<double>(), (std::vector<double>{16, 1}));
  EXPECT_EQ(w1.grad().to_vector<double>(), (std::vector<double>{10, -12}));
  EXPECT_FALSE(unused.grad().defined());
}

TEST(Autograd, NoGradGuardAndDetachStopRecording) {
  Tensor x = f64({1}, {1}).set_requires_grad(true);
  {
    NoGradGuard no_grad;
    EXPECT_FALSE((x * 2.0).requires_grad());
  }
  EXPECT_TRUE((x * 2.0).requires_grad());
  EXPECT_FALSE(x.detach().requires_grad());
  EXPECT_EQ(x.detach().storage(), x.storage());
}

TEST(Autograd, MisuseGivesActionableErrors) {
  Tensor x = f64({1, 2}, {2}).set_requires_grad(true);
  Tensor y = x * 2.0;
  try {
    backward(y);
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(
        error.what(),
        "backward: f64[2] cpu is not a scalar; pass the gradient of the output explicitly");
  }
  Tensor loss = sum(y);
  backward(loss);
  EXPECT_THROW(backward(loss), Error);                // the graph was freed by the first backward
  EXPECT_THROW(backward(sum(f64({1}, {1}))), Error);  // nothing requires a gradient
  EXPECT_THROW(Tensor::zeros({2}, DType::i64).set_requires_grad(true), Error);
}

TEST(Autograd, BackwardWithAnExplicitOutputGradient) {
  Tensor x = f64({1, 2, 3}, {3}).set_requires_grad(true);
  backward(x * x, f64({1, 0, -1}, {3}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 0, -6}));
}

TEST(Autograd, GradcheckCatchesAWrongBackward) {
  // An op whose recorded derivative is 2x instead of 3x² must fail the check.
  auto wrong_cube = [](const std::vector<Tensor>& in) {
    Tensor y = ops::mul(ops::mul(in[0], in[0]), in[0]);
    Tensor x = in[0].detach();
    return record("wrong_cube", y, {in[0]}, [x](const Tensor& grad, const GradientMask&) {
      return std::vector<Tensor>{ops::mul(grad, ops::mul_scalar(x, 2.0))};
    });
  };
  Tensor x = test::random_uniform({4}, 10, 0.5, 1.5, DType::f64).set_requires_grad(true);
  GradcheckResult result = gradcheck(wrong_cube, {x});
  EXPECT_FALSE(result.passed);
  EXPECT_GT(result.max_abs_error, 0.1);
}

TEST(Autograd, GradcheckViews) {
  Tensor x = test::random_uniform({2, 3, 4}, 11, -1, 1, DType::f64).set_requires_grad(true);
  auto check = [&](std::function<Tensor(const Tensor&)> view) {
    GradcheckResult result =
        gradcheck([&](const std::vector<Tensor>& in) { return view(in[0]) * view(in[0]); }, {x});
    EXPECT_TRUE(result.passed) << result.report;
  };
  check([](const Tensor& t) { return reshape(t, {6, 4}); });
  check([](const Tensor& t) { return permute(t, {2, 0, 1}); });
  check([](const Tensor& t) { return transpose(t, 0, 2); });
  check([](const Tensor& t) { return narrow(t, 2, 1, 2); });
  check([](const Tensor& t) { return expand(narrow(t, 0, 0, 1), {3, 3, 4}); });
  check([](const Tensor& t) { return unsqueeze(flatten(t, 1), 0); });
  check([](const Tensor& t) { return contiguous(transpose(t, 1, 2)); });
}

TEST(Autograd, GradcheckReductions) {
  Tensor x = test::random_uniform({3, 4, 2}, 12, -1, 1, DType::f64).set_requires_grad(true);
  using Reduction = std::function<Tensor(const Tensor&)>;
  std::vector<Reduction> reductions = {
      [](const Tensor& t) { return sum(t); },
      [](const Tensor& t) {
        return sum(t, {0, 2}, true);
      },
      [](const Tensor& t) { return mean(t, {1}); },
      [](const Tensor& t) { return var(t, {1}); },
      [](const Tensor& t) { return var(t, {}, false, false); },
      [](const Tensor& t) { return max(t, {1}); },
      [](const Tensor& t) {
        return min(t, {0, 1}, true);
      },
  };
  for (const Reduction& reduction : reductions) {
    GradcheckResult result =
        gradcheck([&](const std::vector<Tensor>& in) { return reduction(in[0]); }, {x});
    EXPECT_TRUE(result.passed) << result.report;
  }
}

TEST(Autograd, ReductionsMatchHandValues) {
  Tensor x = f64({1, 5, 3, 2, 8, 4}, {2, 3});
  EXPECT_EQ(ops::sum(x, {1}).to_vector<double>(), (std::vector<double>{9, 14}));
  EXPECT_EQ(ops::mean(x, {0}).to_vector<double>(), (std::vector<double>{1.5, 6.5, 3.5}));
  EXPECT_EQ(ops::max(x, {1}, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(ops::argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(ops::argmin(x, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0}));
  // var([1,5,3]) = ((−2)² + 2² + 0²)/2 = 4
  EXPECT_DOUBLE_EQ(ops::var(x, {1}).to_vector<double>()[0], 4.0);
  EXPECT_EQ(ops::sum_to(x, {1, 3}).to_vector<double>(), (std::vector<double>{3, 13, 7}));
}

TEST(Autograd, MaxSplitsTheGradientAmongTies) {
  Tensor x = f64({2, 7, 7}, {3}).set_requires_grad(true);
  backward(max(x));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 0.5, 0.5}));
}

}  // namespace
}  // namespace hg
