// The small modules: activations, Flatten, Identity, Sequential (names, modes, chaining) and
// Dropout (scaling, seeding, gradient, evaluation mode).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/pooling.h"
#include "layers/sequential.h"
#include "tensor/ops.h"
#include "tests/test_support.h"

namespace hg {
namespace {

TEST(Layers, ActivationsApplyTheirFunction) {
  Tensor x = Tensor::from_vector(std::vector<double>{-2, -0.5, 0, 1.5}, {4});
  EXPECT_EQ(ReLU()(x).to_vector<double>(), (std::vector<double>{0, 0, 0, 1.5}));
  std::vector<double> sigmoid_values = Sigmoid()(x).to_vector<double>();
  std::vector<double> tanh_values = Tanh()(x).to_vector<double>();
  std::vector<double> gelu_values = GELU()(x).to_vector<double>();
  std::vector<double> inputs{-2, -0.5, 0, 1.5};
  for (size_t i = 0; i < inputs.size(); ++i) {
    double v = inputs[i];
    EXPECT_NEAR(sigmoid_values[i], 1 / (1 + std::exp(-v)), 1e-15);
    EXPECT_NEAR(tanh_values[i], std::tanh(v), 1e-15);
    EXPECT_NEAR(gelu_values[i], 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))), 1e-15);
  }
}

TEST(Layers, FlattenKeepsTheBatchDimAndIdentityPassesThrough) {
  Tensor x = test::random_uniform({2, 3, 4, 5}, 1);
  EXPECT_EQ(Flatten()(x).shape(), (Shape{2, 60}));
  EXPECT_EQ(Flatten(0, 1)(x).shape(), (Shape{6, 4, 5}));
  EXPECT_TRUE(Identity()(x).same(x));
}

TEST(Layers, SequentialNamesChildrenByPositionAndChainsThem) {
  Sequential model{std::make_shared<MaxPool2d>(2), std::make_shared<BatchNorm2d>(3),
                   std::make_shared<ReLU>()};
  auto flatten = model.push_back(std::make_shared<Flatten>());
  EXPECT_EQ(model.size(), 4u);
  EXPECT_EQ(model[3].get(), flatten.get());
  std::vector<std::string> names;
  for (const auto& [name, tensor] : model.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"1.weight", "1.bias"}));
  names.clear();
  for (const auto& [name, tensor] : model.named_buffers()) names.push_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"}));

  model.eval();  // evaluation: BatchNorm uses its running statistics, so both forwards agree
  EXPECT_FALSE(model[1]->is_training());
  Tensor x = test::random_uniform({2, 3, 4, 4}, 2);
  Tensor by_hand = flatten->forward(relu(model[1]->forward(max_pool2d(x, PoolWindow::square(2)))));
  EXPECT_EQ(by_hand.shape(), (Shape{2, 12}));
  EXPECT_TRUE(test::all_close(model(x), by_hand, 0, 0));
  model.train();
  EXPECT_TRUE(model[1]->is_training());
  EXPECT_THROW(model[4], Error);
}

TEST(Layers, DropoutScalesKeptElementsAndIsSeeded) {
  Tensor x = Tensor::ones({100, 100});
  manual_seed(7);
  Tensor y = dropout(x, 0.3, true);
  std::vector<float> values = y.to_vector<float>();
  int kept = 0;
  for (float value : values) {
    EXPECT_TRUE(value == 0.0f || std::abs(value - 1 / 0.7f) < 1e-6f) << value;
    kept += value != 0.0f;
  }
  // 10,000 Bernoulli(0.7) draws: mean 7,000, standard deviation ≈ 46.
  EXPECT_NEAR(kept, 7000, 230);
  manual_seed(7);
  EXPECT_EQ(dropout(x, 0.3, true).to_vector<float>(), values);
  EXPECT_NE(dropout(x, 0.3, true).to_vector<float>(), values);  // the generator moved on
}

TEST(Layers, DropoutGradientUsesTheSameMask) {
  Tensor x = test::random_uniform({50}, 3).set_requires_grad(true);
  Tensor y = dropout(x, 0.5, true);
  backward(sum(y));
  std::vector<float> outputs = y.to_vector<float>(), inputs = x.to_vector<float>(),
                     grads = x.grad().to_vector<float>();
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_FLOAT_EQ(grads[i], outputs[i] == 0.0f ? 0.0f : 2.0f);
    EXPECT_FLOAT_EQ(outputs[i], inputs[i] * grads[i]);
  }
}

TEST(Layers, GradcheckDropoutWithAFixedMask) {
  // Reseeding inside the function gives every evaluation the same mask.
  Tensor x = test::random_uniform({6, 7}, 5, -1, 1, DType::f64).set_requires_grad(true);
  GradcheckResult result = gradcheck(
      [](const std::vector<Tensor>& in) {
        manual_seed(11);
        return dropout(in[0], 0.3, true);
      },
      {x});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(Layers, DropoutIsTheIdentityInEvaluationAndZeroesEverythingAtOne) {
  Tensor x = test::random_uniform({4, 5}, 4);
  Dropout layer(0.5);
  layer.eval();
  EXPECT_TRUE(layer(x).same(x));
  EXPECT_TRUE(dropout(x, 0, true).same(x));
  EXPECT_EQ(dropout(x, 1, true).to_vector<float>(), std::vector<float>(20, 0.0f));
  EXPECT_THROW(Dropout(1.5), Error);
}

}  // namespace
}  // namespace hg
