// The Swin parts and backbones against the plain-torch mirror of timm's Swin
// (tests/fixtures/fixtures_swin.py): the same parameters, input and upstream gradient give
// torch's output, input gradient and every parameter gradient in strict fp32 on every device (rtol
// 1e-5; the whole backbone on CUDA 1e-4, as a dozen layers of GEMMs, softmaxes and LayerNorms sum
// in another order there); our buffers (relative position indices, shifted-window masks) equal
// torch's exactly; Swin-T has timm's state-dict names, shapes and parameter count.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <sstream>

#include "autograd/ops.h"
#include "layers/models/swin.h"
#include "layers/transformer/channel_attention.h"
#include "layers/transformer/patch_embed.h"
#include "layers/transformer/patch_merging.h"
#include "layers/transformer/swin_block.h"
#include "layers/transformer/window_attention.h"
#include "layers/transformer/windows.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg {
namespace {

using test::entry;
using test::Fixture;
using test::load_fixture;

// Loads torch's `<prefix>.state.*` into `module` by name. Buffers torch recorded must equal
// ours before they are loaded; buffers it left out (the model case) keep our values. The
// strict load then fails on any name one side has and the other lacks.
void load_torch_state(Module& module, const Fixture& fixture, const std::string& prefix) {
  const std::string state_prefix = prefix + ".state.";
  Fixture state;
  for (const auto& [name, tensor] : fixture)
    if (name.rfind(state_prefix, 0) == 0) state[name.substr(state_prefix.size())] = tensor;
  for (const auto& [name, buffer] : module.named_buffers()) {
    auto found = state.find(name);
    if (found == state.end()) {
      state[name] = buffer;
      continue;
    }
    EXPECT_TRUE(test::all_close(buffer, found->second, 0, 0)) << prefix << ": buffer " << name;
  }
  module.load_state_dict(state);
}

class SwinFixture : public test::DeviceTest {
 protected:
  // Runs `call` on `<prefix>.input` with `module` on device(), backpropagates
  // `<prefix>.grad_output`, and compares the output, the input gradient and the gradient of every
  // parameter of `module` with torch's.
  void expect_matches_torch(const Fixture& fixture, const std::string& prefix, Module& module,
                            const std::function<Tensor(const Tensor&)>& call, double rtol = 1e-5,
                            double atol = 1e-6) const;

 private:
  test::NumericMode strict_{true};
};

void SwinFixture::expect_matches_torch(const Fixture& fixture, const std::string& prefix,
                                       Module& module,
                                       const std::function<Tensor(const Tensor&)>& call,
                                       double rtol, double atol) const {
  load_torch_state(module, fixture, prefix);
  module.to(device());
  Tensor x = entry(fixture, prefix + ".input").clone().to(device()).set_requires_grad(true);
  Tensor y = call(x);
  EXPECT_TRUE(test::all_close(y, entry(fixture, prefix + ".output"), rtol, atol))
      << prefix << ": output";
  backward(y, entry(fixture, prefix + ".grad_output").to(device()));
  EXPECT_TRUE(test::all_close(x.grad(), entry(fixture, prefix + ".grad_input"), rtol, atol))
      << prefix << ": input gradient";
  for (const auto& [name, parameter] : module.named_parameters())
    EXPECT_TRUE(
        test::all_close(parameter.grad(), entry(fixture, prefix + ".grad." + name), rtol, atol))
        << prefix << ": gradient of " << name;
}

TEST(SwinFixtureCpu, WindowOrderIsTorchsRollAndWindowPartition) {
  Fixture fixture = load_fixture("swin_parts");
  Tensor x = reshape(entry(fixture, "shift.input"), {2, 36, 3});
  Tensor windows = reshape(index_select(x, 1, window_order(6, 6, 3, 1)), {-1, 3, 3, 3});
  EXPECT_TRUE(test::all_close(windows, entry(fixture, "shift.windows"), 0, 0));
}

TEST_P(SwinFixture, WindowAttentionWithShiftMaskMatchesTorch) {
  Fixture fixture = load_fixture("swin_parts");
  const Tensor& mask = entry(fixture, "window_attention.mask");
  EXPECT_TRUE(test::all_close(shifted_window_mask(6, 6, 3, 1), mask, 0, 0));
  WindowAttention attention(8, 3, 2);
  expect_matches_torch(fixture, "window_attention", attention,
                       [&](const Tensor& x) { return attention.forward(x, mask.to(device())); });
}

TEST_P(SwinFixture, ShiftedSwinBlockMatchesTorch) {
  Fixture fixture = load_fixture("swin_parts");
  SwinBlockOptions options;
  options.num_heads = 2;
  options.window_size = 3;
  options.shift_size = 1;
  SwinBlock block(8, 6, 6, options);
  ASSERT_TRUE(block.attention_mask().defined());
  // atol 2e-6: the fused window attention sums in double where torch sums in f32, and fc2's
  // weight gradient, a sum over every token of the batch, then differs by up to 1.2e-6.
  expect_matches_torch(
      fixture, "block_shifted", block, [&](const Tensor& x) { return block(x); }, 1e-5, 2e-6);
}

TEST_P(SwinFixture, MixedAttentionSwinBlockMatchesTorch) {
  Fixture fixture = load_fixture("swin_parts");
  SwinBlockOptions options;
  options.num_heads = 2;
  options.window_size = 3;
  options.shift_size = 1;
  options.mixed_attention = true;
  options.compress_ratio = 3;
  options.squeeze_factor = 6;
  SwinBlock block(12, 6, 6, options);
  expect_matches_torch(fixture, "block_mixed", block, [&](const Tensor& x) { return block(x); });
}

TEST_P(SwinFixture, PatchMergingMatchesTorch) {
  Fixture fixture = load_fixture("swin_parts");
  PatchMerging merging(4, 4, 6);
  expect_matches_torch(fixture, "patch_merging", merging,
                       [&](const Tensor& x) { return merging(x); });
}

TEST_P(SwinFixture, PatchEmbedMatchesTorch) {
  Fixture fixture = load_fixture("swin_parts");
  PatchEmbed embed(3, 8, 2);
  expect_matches_torch(fixture, "patch_embed", embed, [&](const Tensor& x) { return embed(x); });
}

TEST_P(SwinFixture, ChannelAttentionBlockMatchesTorch) {
  Fixture fixture = load_fixture("swin_parts");
  ChannelAttentionBlock block(12, 3, 6);
  expect_matches_torch(fixture, "cab", block, [&](const Tensor& x) { return block(x); });
}

TEST_P(SwinFixture, MixedAttentionSwinBackboneMatchesTorch) {
  Fixture fixture = load_fixture("swin_model");
  SwinConfig config;
  config.image_size = 32;
  config.patch_size = 2;
  config.embed_dim = 6;
  config.depths = {2, 2};
  config.num_heads = {2, 4};
  config.window_size = 4;
  config.mixed_attention = true;
  config.compress_ratio = 3;
  config.squeeze_factor = 4;
  SwinTransformer model(config);
  EXPECT_EQ(model.feature_dim(), 12);
  const double rtol = device() == Device::cpu ? 1e-5 : 1e-4;
  expect_matches_torch(
      fixture, "micro", model, [&](const Tensor& x) { return model(x); }, rtol, rtol / 10);
}

HG_INSTANTIATE_DEVICE_TEST(SwinFixture);

TEST(SwinFixtureCpu, SwinMicroParameterCountsMatchTorch) {
  Fixture fixture = load_fixture("swin_model");
  EXPECT_EQ(make_swin_backbone("swin_micro")->parameter_count(),
            entry(fixture, "micro48.parameter_count").item<int64_t>());
  SwinBackboneOptions options;
  options.mixed_attention = true;
  EXPECT_EQ(make_swin_backbone("swin_micro", options)->parameter_count(),
            entry(fixture, "micro48_mixed.parameter_count").item<int64_t>());
}

// "name:d0xd1" for each tensor of a state dict, as the fixture writes them.
std::set<std::string> state_dict_entries(const std::map<std::string, Tensor>& state) {
  std::set<std::string> entries;
  for (const auto& [name, tensor] : state) {
    std::ostringstream entry;
    entry << name << ":";
    for (int64_t d = 0; d < tensor.dim(); ++d) entry << (d ? "x" : "") << tensor.size(d);
    entries.insert(entry.str());
  }
  return entries;
}

TEST(SwinFixtureCpu, SwinTinyHasTimmsNamesShapesAndParameterCount) {
  Fixture fixture = load_fixture("swin_model");
  auto model = make_swin_backbone("swin_tiny");
  // timm's count includes its classifier head, Linear(768, 1000), which our backbone leaves out.
  const int64_t head_parameters = 768 * 1000 + 1000;
  EXPECT_EQ(model->parameter_count() + head_parameters,
            entry(fixture, "tiny.parameter_count").item<int64_t>());
  EXPECT_EQ(model->parameter_count() + head_parameters, 28288354);
  EXPECT_EQ(model->feature_dim(), 768);

  std::vector<uint8_t> bytes = entry(fixture, "tiny.state_dict_keys").to_vector<uint8_t>();
  std::set<std::string> expected;
  std::istringstream keys(std::string(bytes.begin(), bytes.end()));
  for (std::string key; std::getline(keys, key, ';');) expected.insert(key);
  std::set<std::string> ours = state_dict_entries(model->state_dict());
  std::vector<std::string> missing, unexpected;
  std::set_difference(expected.begin(), expected.end(), ours.begin(), ours.end(),
                      std::back_inserter(missing));
  std::set_difference(ours.begin(), ours.end(), expected.begin(), expected.end(),
                      std::back_inserter(unexpected));
  EXPECT_TRUE(missing.empty()) << missing.size() << " of timm's entries missing, first "
                               << missing.front();
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " entries timm lacks, first "
                                  << unexpected.front();
  EXPECT_EQ(ours.size(), expected.size());
}

TEST(SwinFixtureCpu, SwinTinyForwardGivesPooledFeatures) {
  auto model = make_swin_backbone("swin_tiny");
  model->eval();
  NoGradGuard no_grad;
  auto start = std::chrono::steady_clock::now();
  Tensor features = (*model)(test::random_uniform({1, 3, 224, 224}, 3));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(features.shape(), (Shape{1, 768}));
  // The final LayerNorm has γ = 1, β = 0, so each token has mean 0 over its 768 channels; the
  // mean over tokens keeps that.
  EXPECT_NEAR(mean(features).item<float>(), 0.0f, 1e-5);
  std::printf("swin_tiny forward, 1 x 3 x 224 x 224 on the CPU: %.3f s\n", seconds);
}

}  // namespace
}  // namespace hg
