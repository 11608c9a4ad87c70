// The backbones against PyTorch (tests/fixtures/fixtures_cnn.py, models written in plain torch.nn
// with torchvision's structure):
//   - smallcnn, cnn5 + mixed attention and a narrow resnet18 (width 4, CIFAR stem) + dual
//     attention, in training mode and in float64 on both sides, on every device: output, input
//     gradient and every parameter's gradient, to 1e-9. The weights are not stored; both sides
//     compute them from each parameter's name (the formula below mirrors deterministic_values in
//     the script), so a name that differs from torch's gives different weights and fails the
//     comparison.
//   - a ResNet18 state dict saved by PyTorch loads by name (non-strict, skipping fc) and gives
//     torch's evaluation-mode features.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "autograd/ops.h"
#include "layers/models/backbone.h"
#include "tensor/ops.h"
#include "tests/cnn_fixture_support.h"
#include "tests/device_test.h"

namespace hg {
namespace {

using test::entry;
using test::Fixture;
using test::norm;

// Σ (i + 1)·byte_i mod 1000, as name_code in fixtures_cnn.py.
int64_t name_code(const std::string& name) {
  int64_t code = 0;
  for (size_t i = 0; i < name.size(); ++i)
    code += static_cast<int64_t>(i + 1) * static_cast<unsigned char>(name[i]);
  return code % 1000;
}

// value_k = amplitude · sin(0.001·code(name) + 0.5 + 1.3·k): fixtures_cnn.py's
// deterministic_values, in the same double arithmetic, rounded to f32 at the end.
Tensor deterministic_values(const std::string& name, const Shape& shape) {
  const int64_t numel = shape_numel(shape);
  const double phase = 0.001 * static_cast<double>(name_code(name)) + 0.5;
  const bool is_vector = shape.size() < 2;
  const bool is_scale = is_vector && name.size() >= 6 && name.substr(name.size() - 6) == "weight";
  const double amplitude = std::sqrt(2.0 / static_cast<double>(numel / shape[0]));
  std::vector<float> values(static_cast<size_t>(numel));
  for (int64_t k = 0; k < numel; ++k) {
    const double wave = std::sin(phase + 1.3 * static_cast<double>(k));
    const double value = !is_vector ? wave * amplitude : is_scale ? 1 + 0.2 * wave : 0.1 * wave;
    values[static_cast<size_t>(k)] = static_cast<float>(value);
  }
  return Tensor::from_vector(values, shape);
}

void fill_deterministically(Module& model) {
  for (const auto& [name, parameter] : model.named_parameters())
    ops::copy_(parameter, deterministic_values(name, parameter.shape()));
}

// Σ_k g_k · cos(0.7·k), as gradient_projection in the script.
double gradient_projection(const Tensor& gradient) {
  std::vector<double> values = gradient.to(DType::f64).to_vector<double>();
  double projection = 0;
  for (size_t k = 0; k < values.size(); ++k)
    projection += values[k] * std::cos(0.7 * static_cast<double>(k));
  return projection;
}

// Both sides compute in float64, so only summation order separates them.
constexpr double kRtol = 1e-9;

::testing::AssertionResult close_to_torch(const Tensor& actual, const Tensor& expected) {
  return test::all_close(actual, expected, kRtol, kRtol * norm(expected));
}

void expect_training_step_matches(const Fixture& fixture, const std::string& prefix, Module& model,
                                  Device device) {
  model.to(DType::f64);
  fill_deterministically(model);
  model.to(device);
  model.train();
  Tensor x =
      entry(fixture, prefix + ".input").to(DType::f64).clone().to(device).set_requires_grad(true);
  Tensor y = model(x);
  EXPECT_TRUE(close_to_torch(y, entry(fixture, prefix + ".output"))) << prefix << ": output";
  backward(y, entry(fixture, prefix + ".grad_output").to(DType::f64).to(device));
  EXPECT_TRUE(close_to_torch(x.grad(), entry(fixture, prefix + ".grad_input")))
      << prefix << ": input gradient";
  const Fixture parameters(model.state_dict());
  for (const auto& [name, parameter] : model.named_parameters()) {
    ASSERT_TRUE(parameter.grad().defined()) << prefix << ": no gradient for " << name;
    if (test::is_key_bias(name)) {
      test::expect_zero_key_bias_gradient(parameter, parameters.at(test::key_weight_name(name)),
                                          kRtol);
      continue;
    }
    auto full = fixture.find(prefix + ".grad." + name);
    if (full != fixture.end()) {
      EXPECT_TRUE(close_to_torch(parameter.grad(), full->second))
          << prefix << ": gradient of " << name;
      continue;
    }
    // Large gradients are stored as their norm and a projection.
    const double expected_norm = entry(fixture, prefix + ".grad_norm." + name).item<double>();
    const double expected_projection =
        entry(fixture, prefix + ".grad_projection." + name).item<double>();
    EXPECT_NEAR(norm(parameter.grad()), expected_norm, kRtol * expected_norm)
        << prefix << ": gradient norm of " << name;
    EXPECT_NEAR(gradient_projection(parameter.grad()), expected_projection, kRtol * expected_norm)
        << prefix << ": gradient projection of " << name;
  }
}

BackboneOptions options(int64_t in_channels, int64_t image_size, AttentionKind attention) {
  BackboneOptions result;
  result.in_channels = in_channels;
  result.image_size = image_size;
  result.attention = attention;
  return result;
}

class BackbonesFixture : public test::DeviceTest {};

TEST_P(BackbonesFixture, SmallCnnTrainingStepMatchesTorch) {
  Fixture fixture = test::load_fixture("cnn_backbones");
  BackboneOptions settings = options(1, 28, AttentionKind::none);
  settings.feature_dim = 32;
  expect_training_step_matches(fixture, "smallcnn", *make_backbone("smallcnn", settings).module,
                               device());
}

TEST_P(BackbonesFixture, Cnn5WithMixedAttentionTrainingStepMatchesTorch) {
  Fixture fixture = test::load_fixture("cnn_backbones");
  BackboneOptions settings = options(1, 28, AttentionKind::mixed);
  settings.feature_dim = 32;
  expect_training_step_matches(fixture, "cnn5", *make_backbone("cnn5", settings).module, device());
}

TEST_P(BackbonesFixture, NarrowResNet18WithDualAttentionTrainingStepMatchesTorch) {
  Fixture fixture = test::load_fixture("cnn_backbones");
  BackboneOptions settings = options(3, 32, AttentionKind::dual);
  settings.width = 4;
  expect_training_step_matches(fixture, "resnet18", *make_backbone("resnet18", settings).module,
                               device());
}

HG_INSTANTIATE_DEVICE_TEST(BackbonesFixture);

TEST(BackbonesStateDict, PyTorchResNet18StateDictLoadsByName) {
  Fixture weights = test::load_fixture("cnn_resnet18_weights");
  Fixture check = test::load_fixture("cnn_resnet18_weights_check");
  BackboneOptions settings = options(3, 32, AttentionKind::none);
  settings.width = 2;
  Backbone backbone = make_backbone("resnet18", settings);

  // Every tensor of ours is in torch's file; the file's only extras are the classifier's.
  std::set<std::string> extras;
  for (const auto& [name, tensor] : weights) extras.insert(name);
  for (const auto& [name, tensor] : backbone.module->state_dict())
    EXPECT_EQ(extras.erase(name), 1u) << name << " is not in PyTorch's state dict";
  EXPECT_EQ(extras, (std::set<std::string>{"fc.bias", "fc.weight"}));

  EXPECT_THROW(backbone.module->load_state_dict(weights), Error);  // strict: fc is unexpected
  backbone.module->load_state_dict(weights, false);
  EXPECT_EQ(backbone.module->state_dict().at("layer3.0.bn1.num_batches_tracked").item<int64_t>(),
            17);
  backbone.module->eval();
  NoGradGuard no_grad;
  Tensor features = backbone.module->forward(entry(check, "input"));
  EXPECT_EQ(backbone.feature_dim, 16);
  EXPECT_TRUE(test::all_close(features, entry(check, "features"), 1e-5, 1e-6));
}

}  // namespace
}  // namespace hg
