// Pooling: hand-computed forward and backward values, central-difference gradchecks in f64,
// global pooling, the modules, and the errors a wrong window gives.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "layers/pooling.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

// A 4×4 image with its maxima scattered, so a wrong window or a wrong winner shows.
//    1  9  2  4
//    3  0  8  5
//    7  6 -1 10
//   -2 12 13  3
Tensor sample_image(DType dtype = DType::f32) {
  return Tensor::from_vector(
             std::vector<double>{1, 9, 2, 4, 3, 0, 8, 5, 7, 6, -1, 10, -2, 12, 13, 3}, {1, 1, 4, 4})
      .to(dtype);
}

TEST(Pooling, MaxPoolPicksEachWindowsMaximumAndRoutesTheGradientThere) {
  Tensor x = sample_image().set_requires_grad(true);
  Tensor y = max_pool2d(x, PoolWindow::square(2));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{9, 8, 12, 13}));
  backward(y, Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {1, 1, 2, 2}));
  // The winners sit at (0,1), (1,2), (3,1), (3,2).
  EXPECT_EQ(x.grad().to_vector<float>(),
            (std::vector<float>{0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 3, 4, 0}));
}

TEST(Pooling, MaxPoolWithPaddingNeverPicksThePadding) {
  Tensor x = ops::mul_scalar(sample_image(), -1);  // all-negative windows: a padded 0 would win
  Tensor y = ops::pool2d(PoolMode::max, ops::add_scalar(x, -20), PoolWindow::square(3, 2, 1));
  // Windows rows×cols {0,1}×{0,1}, {0,1}×{1,2,3}, {1,2,3}×{0,1}, {1,2,3}×{1,2,3} of −x − 20:
  // their smallest x are 0, 0, −2, −1; a padded zero would have given 0 everywhere.
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{-20, -20, -18, -19}));
}

TEST(Pooling, AveragePoolCountsPaddingOnlyWhenAsked) {
  // kernel 3, stride 2, padding 1: window sums 13, 28, 26, 56 over 4, 6, 6, 9 input elements.
  Tensor x = sample_image(DType::f64);
  PoolWindow window = PoolWindow::square(3, 2, 1);
  EXPECT_TRUE(test::all_close(
      avg_pool2d(x, window, true),
      Tensor::from_vector(std::vector<double>{13.0 / 9, 28.0 / 9, 26.0 / 9, 56.0 / 9},
                          {1, 1, 2, 2}),
      1e-12, 0));
  EXPECT_TRUE(test::all_close(
      avg_pool2d(x, window, false),
      Tensor::from_vector(std::vector<double>{13.0 / 4, 28.0 / 6, 26.0 / 6, 56.0 / 9},
                          {1, 1, 2, 2}),
      1e-12, 0));
  // Backward of a sum: each element gets 1/9 per window that covers it ((1,1) lies in all four).
  Tensor input = x.clone().set_requires_grad(true);
  backward(sum(avg_pool2d(input, window, true)));
  std::vector<double> grad = input.grad().to_vector<double>();
  EXPECT_NEAR(grad[0], 1.0 / 9, 1e-15);
  EXPECT_NEAR(grad[5], 4.0 / 9, 1e-15);
  EXPECT_NEAR(grad[7], 2.0 / 9, 1e-15);
}

TEST(Pooling, AdaptiveAveragePoolUsesTorchsOverlappingWindows) {
  // Rows 5 → 3: windows [0, 2), [1, 4), [3, 5); columns 2 → 1: [0, 2).
  Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 1, 5, 2})
                 .set_requires_grad(true);
  Tensor y = adaptive_avg_pool2d(x, 3, 1);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{2.5, 5.5, 8.5}));
  backward(sum(y));
  std::vector<double> expected_rows{1.0 / 4, 1.0 / 4 + 1.0 / 6, 1.0 / 6, 1.0 / 6 + 1.0 / 4,
                                    1.0 / 4};
  std::vector<double> grad = x.grad().to_vector<double>();
  for (int row = 0; row < 5; ++row) {
    EXPECT_NEAR(grad[2 * row], expected_rows[row], 1e-15) << "row " << row;
    EXPECT_NEAR(grad[2 * row + 1], expected_rows[row], 1e-15) << "row " << row;
  }
}

TEST(Pooling, AdaptiveToTheInputSizeIsTheIdentityAndToOneIsTheMean) {
  Tensor x = test::random_uniform({2, 3, 5, 7}, 1, -1, 1, DType::f64);
  EXPECT_TRUE(test::all_close(adaptive_avg_pool2d(x, 5, 7), x, 0, 0));
  EXPECT_TRUE(
      test::all_close(adaptive_avg_pool2d(x, 1, 1), ops::mean(x, {2, 3}, true), 1e-12, 1e-15));
}

TEST(Pooling, GlobalPoolingReducesEachPlane) {
  Tensor x = sample_image();
  EXPECT_EQ(global_max_pool2d(x).shape(), (Shape{1, 1, 1, 1}));
  EXPECT_EQ(global_max_pool2d(x).item<float>(), 13.0f);
  EXPECT_EQ(global_avg_pool2d(x, false).shape(), (Shape{1, 1}));
  EXPECT_FLOAT_EQ(global_avg_pool2d(x, false).item<float>(), 80.0f / 16);
}

TEST(Pooling, ThreeDimensionalInputsPoolEachChannel) {
  Tensor x = test::random_uniform({3, 6, 6}, 2);
  Tensor batched = ops::unsqueeze(x, 0);
  EXPECT_TRUE(test::all_close(ops::unsqueeze(max_pool2d(x, PoolWindow::square(2)), 0),
                              max_pool2d(batched, PoolWindow::square(2)), 0, 0));
  EXPECT_EQ(adaptive_avg_pool2d(x, 4, 2).shape(), (Shape{3, 4, 2}));
}

TEST(Pooling, GradcheckEveryPool) {
  Tensor x = test::random_uniform({2, 3, 7, 6}, 3, -1, 1, DType::f64).set_requires_grad(true);
  auto check = [&](const char* what, std::function<Tensor(const Tensor&)> pool) {
    GradcheckResult result =
        gradcheck([&](const std::vector<Tensor>& in) { return pool(in[0]); }, {x});
    EXPECT_TRUE(result.passed) << what << ": " << result.report;
  };
  check("max 3/2/1", [](const Tensor& t) { return max_pool2d(t, PoolWindow::square(3, 2, 1)); });
  check("max 2/1/0 (overlapping)",
        [](const Tensor& t) { return max_pool2d(t, PoolWindow::square(2, 1)); });
  check("max 3x2 rectangular", [](const Tensor& t) {
    return max_pool2d(t, PoolWindow{3, 2, 2, 1, 1, 0});
  });
  check("avg include padding",
        [](const Tensor& t) { return avg_pool2d(t, PoolWindow::square(3, 2, 1)); });
  check("avg exclude padding",
        [](const Tensor& t) { return avg_pool2d(t, PoolWindow::square(3, 2, 1), false); });
  check("adaptive 3x4", [](const Tensor& t) { return adaptive_avg_pool2d(t, 3, 4); });
  check("adaptive up 9x8", [](const Tensor& t) { return adaptive_avg_pool2d(t, 9, 8); });
  check("global avg", [](const Tensor& t) { return global_avg_pool2d(t); });
  check("global max", [](const Tensor& t) { return global_max_pool2d(t, false); });
}

TEST(Pooling, ModulesForwardToTheirOps) {
  Tensor x = test::random_uniform({2, 4, 8, 8}, 4);
  EXPECT_TRUE(
      test::all_close(MaxPool2d(3, 2, 1)(x), max_pool2d(x, PoolWindow::square(3, 2, 1)), 0, 0));
  EXPECT_EQ(MaxPool2d(2)(x).shape(), (Shape{2, 4, 4, 4}));  // stride defaults to the kernel
  EXPECT_TRUE(test::all_close(AvgPool2d(2, 2, 1, false)(x),
                              avg_pool2d(x, PoolWindow::square(2, 2, 1), false), 0, 0));
  EXPECT_EQ(AdaptiveAvgPool2d(3)(x).shape(), (Shape{2, 4, 3, 3}));
  EXPECT_EQ(MaxPool2d(2).parameter_count(), 0);
}

TEST(Pooling, BadWindowsGiveActionableErrors) {
  Tensor x = Tensor::zeros({1, 2, 4, 4});
  try {
    ops::pool2d(PoolMode::max, x, PoolWindow::square(2, 1, 2));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "max_pool2d: padding 2 along height must be at most half the kernel 2");
  }
  try {
    ops::pool2d(PoolMode::average_include_padding, x, PoolWindow::square(5));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "avg_pool2d: kernel 5 with padding 0 does not fit the height = 4 of input "
                 "f32[1, 2, 4, 4] cpu");
  }
  EXPECT_THROW(max_pool2d(Tensor::zeros({4, 4}), PoolWindow::square(2)), Error);
  EXPECT_THROW(adaptive_avg_pool2d(x, 0, 2), Error);
  // Padding around an empty plane would give windows over nothing.
  EXPECT_EQ(test::error_message([] {
              max_pool2d(Tensor::zeros({1, 1, 0, 5}), PoolWindow::square(2, 1, 1));
            }),
            "max_pool2d: input f32[1, 1, 0, 5] cpu has an empty plane (H or W is 0)");
  // A global pool of an empty plane would average nothing (0/0) or find no maximum.
  EXPECT_EQ(test::error_message([] {
              global_avg_pool2d(Tensor::zeros({2, 3, 4, 0}));
            }),
            "global_avg_pool2d: input f32[2, 3, 4, 0] cpu has an empty plane (H or W is 0)");
  EXPECT_EQ(test::error_message([] {
              global_max_pool2d(Tensor::zeros({3, 0, 4}));
            }),
            "global_max_pool2d: input f32[3, 0, 4] cpu has an empty plane (H or W is 0)");
  EXPECT_EQ(max_pool2d(Tensor::zeros({0, 2, 4, 4}), PoolWindow::square(2)).shape(),
            (Shape{0, 2, 2, 2}));
  // The backward is named after its op (pool_name), here for a gradient of the wrong shape.
  EXPECT_EQ(test::error_message([&] {
              ops::pool2d_backward(PoolMode::average_exclude_padding, Tensor::zeros({1, 2, 3, 3}),
                                   x, Tensor::zeros({1, 2, 2, 2}), PoolWindow::square(2));
            }).rfind("avg_pool2d_backward: gradient", 0),
            0u);
}

// The autograd node of each pooling mode carries its op's name (what the profiler shows).
TEST(Pooling, NodesAreNamedAfterTheirOp) {
  Tensor x = sample_image().set_requires_grad(true);
  EXPECT_EQ(max_pool2d(x, PoolWindow::square(2)).autograd_meta()->grad_fn->name,
            "max_pool2d.backward");
  EXPECT_EQ(avg_pool2d(x, PoolWindow::square(2), false).autograd_meta()->grad_fn->name,
            "avg_pool2d.backward");
}

}  // namespace
}  // namespace hg
