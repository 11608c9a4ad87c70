// BatchNorm and LayerNorm: outputs against the definitions written out as plain loops in this
// file, the running-statistics update, evaluation mode, gradchecks in f64 and error messages.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "layers/batch_norm.h"
#include "layers/layer_norm.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

// y[o, g, i] = γ·(x − μ_g)/√(σ²_g + ε) + β with μ_g, σ²_g (biased) over all (o, i) of group g;
// γ, β indexed by g (per_group) or by i. The test's own reading of the definition.
std::vector<double> reference_normalization(const std::vector<double>& x, int64_t outer,
                                            int64_t groups, int64_t inner,
                                            const std::vector<double>& gamma,
                                            const std::vector<double>& beta, bool per_group,
                                            double epsilon) {
  std::vector<double> y(x.size());
  for (int64_t g = 0; g < groups; ++g) {
    double mean = 0, var = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) mean += x[(o * groups + g) * inner + i];
    mean /= outer * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i)
        var += std::pow(x[(o * groups + g) * inner + i] - mean, 2);
    var /= outer * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t at = (o * groups + g) * inner + i, p = per_group ? g : i;
        y[at] = gamma[p] * (x[at] - mean) / std::sqrt(var + epsilon) + beta[p];
      }
  }
  return y;
}

TEST(Normalization, BatchNormHandExampleAndRunningStatistics) {
  // One channel, x = 1, 2, 3, 4: μ = 2.5, σ² = 1.25, unbiased 5/3.
  BatchNorm1d layer(1);
  Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {4, 1});
  Tensor y = layer(x);
  const double inverse_std = 1 / std::sqrt(1.25 + 1e-5);
  std::vector<float> expected;
  for (double value : {1.0, 2.0, 3.0, 4.0})
    expected.push_back(static_cast<float>((value - 2.5) * inverse_std));
  EXPECT_TRUE(test::all_close(y, Tensor::from_vector(expected, {4, 1}), 1e-6, 1e-7));
  EXPECT_NEAR(layer.running_mean().item<float>(), 0.1 * 2.5, 1e-7);
  EXPECT_NEAR(layer.running_var().item<float>(), 0.9 * 1 + 0.1 * 5.0 / 3, 1e-6);
  EXPECT_EQ(layer.num_batches_tracked().item<int64_t>(), 1);
  layer(x);
  EXPECT_NEAR(layer.running_mean().item<float>(), 0.9 * 0.25 + 0.1 * 2.5, 1e-6);
  EXPECT_EQ(layer.num_batches_tracked().item<int64_t>(), 2);
}

TEST(Normalization, BatchNorm2dTrainingMatchesTheDefinition) {
  Tensor x = test::random_uniform({3, 4, 5, 6}, 1, -2, 3, DType::f64);
  Tensor gamma = test::random_uniform({4}, 2, 0.5, 1.5, DType::f64);
  Tensor beta = test::random_uniform({4}, 3, -1, 1, DType::f64);
  Tensor y = batch_norm(x, Tensor(), Tensor(), gamma, beta, true, 0.1, 1e-5);
  std::vector<double> expected =
      reference_normalization(x.to_vector<double>(), 3, 4, 30, gamma.to_vector<double>(),
                              beta.to_vector<double>(), true, 1e-5);
  EXPECT_TRUE(test::all_close(y, Tensor::from_vector(expected, x.shape()), 1e-12, 1e-13));
}

TEST(Normalization, BatchNormEvaluationUsesTheRunningStatistics) {
  BatchNorm2d layer(2);
  layer.load_state_dict({{"weight", Tensor::from_vector(std::vector<float>{2, 3}, {2})},
                         {"bias", Tensor::from_vector(std::vector<float>{1, -1}, {2})},
                         {"running_mean", Tensor::from_vector(std::vector<float>{0.5, -1}, {2})},
                         {"running_var", Tensor::from_vector(std::vector<float>{4, 0.25}, {2})},
                         {"num_batches_tracked", Tensor::scalar(7, DType::i64)}});
  layer.eval();
  Tensor x = Tensor::from_vector(std::vector<float>{1.5f, 2.5f, 0, -2}, {1, 2, 2, 1});
  // Channel 0: 2·(x − 0.5)/√(4 + ε) + 1; channel 1: 3·(x + 1)/√(0.25 + ε) − 1.
  auto channel0 = [](double v) {
    return static_cast<float>(2 * (v - 0.5) / std::sqrt(4 + 1e-5) + 1);
  };
  auto channel1 = [](double v) {
    return static_cast<float>(3 * (v + 1) / std::sqrt(0.25 + 1e-5) - 1);
  };
  Tensor expected = Tensor::from_vector(
      std::vector<float>{channel0(1.5), channel0(2.5), channel1(0), channel1(-2)}, {1, 2, 2, 1});
  EXPECT_TRUE(test::all_close(layer(x), expected, 1e-6, 1e-6));
  EXPECT_EQ(layer.running_mean().to_vector<float>(), (std::vector<float>{0.5, -1}));
  EXPECT_EQ(layer.num_batches_tracked().item<int64_t>(), 7);
}

TEST(Normalization, LayerNormMatchesTheDefinition) {
  Tensor x = test::random_uniform({2, 3, 4, 5}, 4, -2, 3, DType::f64);
  Tensor gamma = test::random_uniform({4, 5}, 5, 0.5, 1.5, DType::f64);
  Tensor beta = test::random_uniform({4, 5}, 6, -1, 1, DType::f64);
  Tensor y = layer_norm(x, {4, 5}, gamma, beta, 1e-5);
  std::vector<double> expected =
      reference_normalization(x.to_vector<double>(), 1, 6, 20, gamma.to_vector<double>(),
                              beta.to_vector<double>(), false, 1e-5);
  EXPECT_TRUE(test::all_close(y, Tensor::from_vector(expected, x.shape()), 1e-12, 1e-13));
  // Without affine parameters every row comes out with mean 0 and (biased) variance ≈ 1.
  Tensor plain = layer_norm(x, {5}, Tensor(), Tensor(), 0);
  EXPECT_TRUE(
      test::all_close(ops::mean(plain, {-1}), Tensor::zeros({2, 3, 4}, DType::f64), 0, 1e-12));
  EXPECT_TRUE(test::all_close(ops::var(plain, {-1}, false, false),
                              Tensor::ones({2, 3, 4}, DType::f64), 1e-10, 0));
}

TEST(Normalization, GradcheckBatchNormAndLayerNorm) {
  auto f64 = [](const Shape& shape, uint64_t seed, double low, double high) {
    return test::random_uniform(shape, seed, low, high, DType::f64).set_requires_grad(true);
  };
  Tensor x4 = f64({3, 2, 3, 2}, 10, -2, 2), x2 = f64({5, 3}, 11, -2, 2),
         x3 = f64({2, 3, 4}, 12, -2, 2);
  Tensor gamma2 = f64({2}, 13, 0.5, 1.5), beta2 = f64({2}, 14, -1, 1);
  Tensor gamma3 = f64({3}, 15, 0.5, 1.5), beta3 = f64({3}, 16, -1, 1);
  Tensor gamma34 = f64({3, 4}, 17, 0.5, 1.5), beta34 = f64({3, 4}, 18, -1, 1);
  Tensor running_mean = test::random_uniform({2}, 19, -1, 1, DType::f64);
  Tensor running_var = test::random_uniform({2}, 20, 0.5, 2, DType::f64);
  auto check = [](const char* what, std::function<Tensor(const std::vector<Tensor>&)> function,
                  std::vector<Tensor> inputs) {
    GradcheckResult result = gradcheck(function, inputs);
    EXPECT_TRUE(result.passed) << what << ": " << result.report;
  };
  check("batch_norm 2d training",
        [](const std::vector<Tensor>& in) {
          return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true);
        },
        {x4, gamma2, beta2});
  check("batch_norm 2d evaluation",
        [&](const std::vector<Tensor>& in) {
          return batch_norm(in[0], running_mean, running_var, in[1], in[2], false);
        },
        {x4, gamma2, beta2});
  check("batch_norm 1d without affine",
        [](const std::vector<Tensor>& in) {
          return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
        },
        {x2});
  check("batch_norm 1d [N, C, L]",
        [](const std::vector<Tensor>& in) {
          return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true);
        },
        {x3, gamma3, beta3});
  check("layer_norm over 2 dims",
        [](const std::vector<Tensor>& in) {
          return layer_norm(in[0], {3, 4}, in[1], in[2]);
        },
        {x3, gamma34, beta34});
  check("layer_norm without affine",
        [](const std::vector<Tensor>& in) { return layer_norm(in[0], {4}, Tensor(), Tensor()); },
        {x3});
}

TEST(Normalization, ModulesNameTheirStateAsTorchDoes) {
  BatchNorm2d batch_norm_layer(8);
  std::map<std::string, Tensor> state = batch_norm_layer.state_dict();
  std::vector<std::string> names;
  for (const auto& [name, tensor] : state) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"bias", "num_batches_tracked", "running_mean",
                                             "running_var", "weight"}));
  EXPECT_EQ(state["num_batches_tracked"].dtype(), DType::i64);
  EXPECT_EQ(state["num_batches_tracked"].dim(), 0);
  EXPECT_EQ(batch_norm_layer.parameter_count(), 16);
  EXPECT_EQ(BatchNorm1d(8, 1e-5, 0.1, false).parameter_count(), 0);
  LayerNorm layer_norm_layer({3, 4});
  EXPECT_EQ(layer_norm_layer.weight().shape(), (Shape{3, 4}));
  EXPECT_EQ(layer_norm_layer.state_dict().size(), 2u);
}

// Module::to(DType), on the module with every kind of state: parameters, floating running
// statistics and an integer counter.
TEST(Normalization, ModuleToDTypeConvertsParametersAndFloatingBuffersOnly) {
  BatchNorm2d layer(3);
  for (const auto& [name, parameter] : layer.named_parameters())
    if (name == "weight") ops::fill_(parameter, 1.5);
  layer.train();
  layer(test::random_uniform({2, 3, 4, 4}, 5));  // moves the running statistics, counts a batch
  const std::map<std::string, Tensor> before = layer.state_dict();
  layer.to(DType::f64);
  for (const auto& [name, parameter] : layer.named_parameters()) {
    EXPECT_EQ(parameter.dtype(), DType::f64) << name;
    EXPECT_TRUE(parameter.requires_grad()) << name;
  }
  for (const auto& [name, tensor] : layer.state_dict()) {
    EXPECT_EQ(tensor.dtype(), name == "num_batches_tracked" ? DType::i64 : DType::f64) << name;
    EXPECT_TRUE(test::all_close(tensor.to(DType::f64), before.at(name).to(DType::f64), 0, 0))
        << name;
  }
  EXPECT_EQ(layer(test::random_uniform({2, 3, 4, 4}, 6, -1, 1, DType::f64)).dtype(), DType::f64);
  EXPECT_EQ(test::error_message([&] { layer.to(DType::i32); }),
            "Module::to: i32 is not a floating dtype");
}

TEST(Normalization, MisuseGivesActionableErrors) {
  BatchNorm2d layer(3);
  try {
    layer(Tensor::zeros({2, 4, 5, 5}));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "BatchNorm2d: input f32[2, 4, 5, 5] cpu has 4 channels, the layer was made for 3");
  }
  try {
    BatchNorm1d(3)(Tensor::zeros({1, 3}));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "batch_norm: training needs more than one value per channel, got "
                 "input f32[1, 3] cpu");
  }
  EXPECT_THROW(layer(Tensor::zeros({2, 3})), Error);
  try {
    LayerNorm({4})(Tensor::zeros({2, 5}));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "layer_norm: normalized shape [4] must be the trailing dims of "
                 "input f32[2, 5] cpu");
  }
}

}  // namespace
}  // namespace hg
