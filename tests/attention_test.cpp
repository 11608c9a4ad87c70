// The attention blocks (CBAM, squeeze-excitation, DANet's position / channel / dual attention):
// against PyTorch (tests/fixtures/fixtures_cnn.py: forward, input gradient, every parameter's
// gradient, float32 at rtol 1e-5), by central differences in f64, and their names, shapes and
// the attention factory.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "autograd/ops.h"
#include "layers/attention/attention.h"
#include "layers/attention/cbam.h"
#include "layers/attention/dual_attention.h"
#include "layers/attention/squeeze_excitation.h"
#include "tensor/ops.h"
#include "tests/cnn_fixture_support.h"
#include "tests/test_support.h"

namespace hg {
namespace {

using test::entry;
using test::Fixture;

std::vector<std::string> parameter_names(const Module& module) {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : module.named_parameters()) names.push_back(name);
  return names;
}

// rtol 1e-5, and an absolute tolerance of 1e-5 of the tensor's root mean square: gradients
// that sum many float32 products (CAM's X·Xᵀ over every position) carry rounding errors of that
// size in their small elements.
::testing::AssertionResult close_to_torch(const Tensor& actual, const Tensor& expected) {
  const double rms = test::norm(expected) / std::sqrt(static_cast<double>(expected.numel()));
  return test::all_close(actual, expected, 1e-5, 1e-5 * rms);
}

// Loads torch's parameters for `block` from "<block>.state.*", runs it on "<block>.input",
// backpropagates "<block>.grad_output" and compares output and every gradient with torch's.
void expect_block_matches_torch(const Fixture& fixture, const std::string& block_name,
                                Module& block) {
  Fixture state;
  for (const auto& [name, tensor] : block.named_parameters())
    state[name] = entry(fixture, block_name + ".state." + name);
  block.load_state_dict(state);
  Tensor x = entry(fixture, block_name + ".input").clone().set_requires_grad(true);
  Tensor y = block(x);
  EXPECT_TRUE(close_to_torch(y, entry(fixture, block_name + ".output"))) << block_name;
  backward(y, entry(fixture, block_name + ".grad_output"));
  EXPECT_TRUE(close_to_torch(x.grad(), entry(fixture, block_name + ".grad_input")))
      << block_name << ": input gradient";
  const Fixture parameters(block.state_dict());
  for (const auto& [name, parameter] : block.named_parameters()) {
    if (test::is_key_bias(name)) {
      // float32: rounding noise of the energies' sums, ~1e-7 of the weight gradient's size
      test::expect_zero_key_bias_gradient(parameter, parameters.at(test::key_weight_name(name)),
                                          1e-5);
      continue;
    }
    EXPECT_TRUE(close_to_torch(parameter.grad(), entry(fixture, block_name + ".grad." + name)))
        << block_name << ": gradient of " << name;
  }
}

TEST(AttentionFixture, CbamMatchesTorch) {
  Fixture fixture = test::load_fixture("cnn_attention");
  Cbam block(32);
  expect_block_matches_torch(fixture, "cbam", block);
}

TEST(AttentionFixture, SqueezeExcitationMatchesTorch) {
  Fixture fixture = test::load_fixture("cnn_attention");
  SqueezeExcitation block(32);
  expect_block_matches_torch(fixture, "se", block);
}

TEST(AttentionFixture, PositionChannelAndDualAttentionMatchTorch) {
  Fixture fixture = test::load_fixture("cnn_attention");
  PositionAttention position(16);
  expect_block_matches_torch(fixture, "pam", position);
  ChannelSelfAttention channel;
  expect_block_matches_torch(fixture, "cam", channel);
  DualAttention dual(16);
  expect_block_matches_torch(fixture, "dual", dual);
}

// Moves every parameter to f64 so gradcheck can perturb it; returns them, each requiring grad.
std::vector<Tensor> parameters_in_f64(Module& module) {
  std::vector<Tensor> parameters = module.parameters();
  for (Tensor& parameter : parameters) parameter.set_data(parameter.to(DType::f64));
  return parameters;
}

// Central differences on x ~ U(−range, range) and every parameter of `block` (f64, tiny map).
void expect_gradcheck_passes(Module& block, const Shape& shape, uint64_t seed, double range = 2) {
  std::vector<Tensor> inputs = parameters_in_f64(block);
  inputs.insert(
      inputs.begin(),
      test::random_uniform(shape, seed, -range, range, DType::f64).set_requires_grad(true));
  GradcheckResult result =
      gradcheck([&](const std::vector<Tensor>& values) { return block(values[0]); }, inputs);
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(AttentionGradcheck, Cbam) {
  Cbam block(8, 4, 3);  // hidden 2, 3×3 spatial conv
  expect_gradcheck_passes(block, {2, 8, 3, 4}, 11);
}

TEST(AttentionGradcheck, SqueezeExcitation) {
  SqueezeExcitation block(8, 4);
  expect_gradcheck_passes(block, {2, 8, 3, 3}, 12);
}

TEST(AttentionGradcheck, PositionAttention) {
  PositionAttention block(8);      // query width 1
  ops::fill_(block.gamma(), 0.8);  // away from 0, so the attention path is differentiated
  expect_gradcheck_passes(block, {2, 8, 2, 3}, 13);
}

TEST(AttentionGradcheck, ChannelSelfAttention) {
  ChannelSelfAttention block;
  ops::fill_(block.gamma(), -0.6);
  // Small values: E = X·Xᵀ grows with the square of the input, and a saturated softmax would
  // leave nothing to check.
  expect_gradcheck_passes(block, {2, 5, 2, 3}, 14, 0.5);
}

TEST(Attention, ParametersHaveTheReferenceImplementationsNames) {
  EXPECT_EQ(
      parameter_names(Cbam(32)),
      (std::vector<std::string>{"channel_attention.fc1.weight", "channel_attention.fc2.weight",
                                "spatial_attention.conv1.weight"}));
  EXPECT_EQ(parameter_names(SqueezeExcitation(32)),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(parameter_names(DualAttention(16)),
            // A module's own parameters come before its children's, as in torch.
            (std::vector<std::string>{
                "pam.gamma", "pam.query_conv.weight", "pam.query_conv.bias", "pam.key_conv.weight",
                "pam.key_conv.bias", "pam.value_conv.weight", "pam.value_conv.bias", "cam.gamma"}));
  // Reduction 16 on 64 channels: hidden 4; on 8 channels at least 1 unit is kept.
  Cbam cbam(64);
  EXPECT_EQ(cbam.state_dict().at("channel_attention.fc1.weight").shape(), (Shape{4, 64, 1, 1}));
  EXPECT_EQ(cbam.state_dict().at("spatial_attention.conv1.weight").shape(), (Shape{1, 2, 7, 7}));
  EXPECT_EQ(SqueezeExcitation(8).state_dict().at("fc1.weight").shape(), (Shape{1, 8, 1, 1}));
}

TEST(Attention, DanetBlocksStartAsTheIdentity) {
  // γ = β = 0 at construction: y = x (and the dual block sums two copies of x).
  Tensor x = test::random_uniform({2, 16, 3, 4}, 21);
  EXPECT_TRUE(test::all_close(PositionAttention(16)(x), x, 0, 0));
  EXPECT_TRUE(test::all_close(ChannelSelfAttention()(x), x, 0, 0));
  EXPECT_TRUE(test::all_close(DualAttention(16)(x), x * 2.0, 0, 0));
}

TEST(Attention, ChannelGateWeighsTheMapByHand) {
  // One channel, hidden width 1: with fc1 = a and fc2 = b (1×1, no bias), the gate is
  // σ(b·relu(a·mean) + b·relu(a·max)); check against that formula directly.
  ChannelAttention gate(1, 1);
  Fixture state{{"fc1.weight", Tensor::full({1, 1, 1, 1}, 0.5)},
                {"fc2.weight", Tensor::full({1, 1, 1, 1}, -2.0)}};
  gate.load_state_dict(state);
  Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 6}, {1, 1, 2, 2});
  const double mean = 3, maximum = 6;
  const double expected = 1 / (1 + std::exp(-(-2 * 0.5 * mean + -2 * 0.5 * maximum)));
  EXPECT_NEAR(gate(x).item<float>(), expected, 1e-7);
}

TEST(Attention, FactoryParsesNamesAndBuildsEachBlock) {
  EXPECT_EQ(parse_attention_kind("mixed"), AttentionKind::mixed);
  for (AttentionKind kind : {AttentionKind::none, AttentionKind::cbam, AttentionKind::mixed,
                             AttentionKind::se, AttentionKind::dual})
    EXPECT_EQ(parse_attention_kind(attention_kind_name(kind)), kind);
  try {
    parse_attention_kind("sk");
    FAIL() << "no exception";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("known: none, cbam, mixed, se, dual"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(make_attention(AttentionKind::none, 32), nullptr);
  // The mixed attention of attention-ADSH is CBAM itself (DESIGN §8).
  EXPECT_NE(dynamic_cast<SemanticMixedAttention*>(make_attention(AttentionKind::mixed, 32).get()),
            nullptr);
  Tensor x = test::random_uniform({2, 32, 4, 4}, 22);
  for (AttentionKind kind : {AttentionKind::cbam, AttentionKind::se, AttentionKind::dual})
    EXPECT_EQ(make_attention(kind, 32)->forward(x).shape(), x.shape()) << attention_kind_name(kind);
}

TEST(Attention, RejectsAMapWithTheWrongChannelCount) {
  Tensor x = test::random_uniform({2, 8, 4, 4}, 23);
  // Every block with weights over channels names itself and both counts.
  EXPECT_EQ(test::error_message([&] { Cbam(16)(x); }),
            "Cbam: input f32[2, 8, 4, 4] cpu has 8 channels, the module was made for 16");
  EXPECT_EQ(
      test::error_message([&] { ChannelAttention(16)(x); }),
      "ChannelAttention: input f32[2, 8, 4, 4] cpu has 8 channels, the module was made for 16");
  EXPECT_EQ(
      test::error_message([&] { SqueezeExcitation(16)(x); }),
      "SqueezeExcitation: input f32[2, 8, 4, 4] cpu has 8 channels, the module was made for 16");
  EXPECT_EQ(
      test::error_message([&] { PositionAttention(16)(x); }),
      "PositionAttention: input f32[2, 8, 4, 4] cpu has 8 channels, the module was made for 16");
  EXPECT_EQ(test::error_message([&] {
              ChannelSelfAttention()(test::random_uniform({8, 4, 4}, 24));
            }),
            "ChannelSelfAttention: expected a feature map [N, C, H, W], got f32[8, 4, 4] cpu");
}

}  // namespace
}  // namespace hg
