// The Swin parts on hand-computed cases (window order, relative position index, shifted-window
// mask), their gradients by central differences in f64 (window attention with
// a mask, a shifted block, the mixed-attention block, patch merging, patch embedding, CAB),
// timm's initialisation, the factory's configs and the errors a user can run into. Then the Swin
// parts and the swin_micro backbone on CUDA against the CPU reference, strict fp32: the same
// parameters, input and upstream gradient; outputs, input gradients and every parameter gradient
// compared. Parts at rtol 1e-5; the whole backbone at 1e-4, as a dozen layers of GEMMs, softmaxes
// and LayerNorms sum in different orders on the two devices. (The parts against PyTorch run on
// every device in swin_fixture_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "layers/models/swin.h"
#include "layers/transformer/channel_attention.h"
#include "layers/transformer/init.h"
#include "layers/transformer/patch_embed.h"
#include "layers/transformer/patch_merging.h"
#include "layers/transformer/swin_block.h"
#include "layers/transformer/window_attention.h"
#include "layers/transformer/windows.h"
#include "tensor/random.h"
#include "tests/device_test.h"
#include "tests/numeric_mode.h"

namespace hg {
namespace {

TEST(Swin, WindowOrderCutsRowMajorWindowsOfTheRolledMap) {
  // 4 × 4 map, tokens numbered row-major. Unshifted: window 1 (top right) holds 2, 3, 6, 7.
  EXPECT_EQ(window_order(4, 4, 2).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}));
  // Rolled by −1 in both dims, the map's (i, j) is token ((i + 1) mod 4, (j + 1) mod 4).
  EXPECT_EQ(window_order(4, 4, 2, 1).to_vector<int64_t>(),
            (std::vector<int64_t>{5, 6, 9, 10, 7, 4, 11, 8, 13, 14, 1, 2, 15, 12, 3, 0}));
  // A 2 × 6 map in windows of 2: three windows side by side.
  EXPECT_EQ(window_order(2, 6, 2).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11}));
  EXPECT_THROW(window_order(4, 6, 4), Error);
  EXPECT_THROW(window_order(4, 4, 2, 2), Error);
}

TEST(Swin, InversePermutationUndoesIt) {
  EXPECT_EQ(inverse_permutation(Tensor::from_vector(std::vector<int64_t>{2, 0, 1}, {3}))
                .to_vector<int64_t>(),
            (std::vector<int64_t>{1, 2, 0}));
  EXPECT_THROW(inverse_permutation(Tensor::from_vector(std::vector<int64_t>{0, 0}, {2})), Error);
}

TEST(Swin, RelativePositionIndexOfATwoByTwoWindow) {
  // Tokens (0,0), (0,1), (1,0), (1,1); row (dy + 1)·3 + (dx + 1) of the 3 × 3 offset table.
  EXPECT_EQ(relative_position_index(2).to_vector<int64_t>(),
            (std::vector<int64_t>{4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4}));
}

TEST(Swin, ShiftedWindowMaskSeparatesTheWrappedRegions) {
  // 4 × 4 map, window 2, shift 1: rows and columns fall in regions 0 (0, 1), 1 (2) and 2 (3).
  Tensor mask = shifted_window_mask(4, 4, 2, 1);
  ASSERT_EQ(mask.shape(), (Shape{4, 4, 4}));
  std::vector<float> values = mask.to_vector<float>();
  auto window = [&](int w) {
    return std::vector<float>(values.begin() + 16 * w, values.begin() + 16 * (w + 1));
  };
  const float o = -100;
  // Window 0: one region, nothing masked.
  EXPECT_EQ(window(0), std::vector<float>(16, 0));
  // Window 1 (rows 0-1, columns 2-3): columns 2 and 3 are different regions.
  EXPECT_EQ(window(1), (std::vector<float>{0, o, 0, o, o, 0, o, 0, 0, o, 0, o, o, 0, o, 0}));
  // Window 2 (rows 2-3, columns 0-1): rows 2 and 3 are different regions.
  EXPECT_EQ(window(2), (std::vector<float>{0, 0, o, o, 0, 0, o, o, o, o, 0, 0, o, o, 0, 0}));
  // Window 3: four tokens from four regions, only the diagonal attends.
  EXPECT_EQ(window(3), (std::vector<float>{0, o, o, o, o, 0, o, o, o, o, 0, o, o, o, o, 0}));
  EXPECT_THROW(shifted_window_mask(4, 4, 2, 2), Error);
}

// Moves every floating parameter and buffer of `module` to f64 (in place, so the module's own
// handles see it) and returns the parameters, for gradcheck to perturb.
std::vector<Tensor> to_f64(Module& module) {
  for (auto& [name, buffer] : module.named_buffers())
    if (buffer.dtype() == DType::f32) buffer.set_data(buffer.to(DType::f64));
  std::vector<Tensor> parameters;
  for (auto& [name, parameter] : module.named_parameters()) {
    // Well away from timm's std 0.02, so that every path carries a visible gradient.
    parameter.set_data(
        test::random_uniform(parameter.shape(), 100 + parameters.size(), -0.6, 0.6, DType::f64));
    parameters.push_back(parameter);
  }
  return parameters;
}

// gradcheck of `call` with respect to x and every parameter of `module`.
void expect_gradcheck_passes(Module& module, const Tensor& x,
                             const std::function<Tensor(const Tensor&)>& call) {
  std::vector<Tensor> inputs = to_f64(module);
  inputs.insert(inputs.begin(), x);
  GradcheckResult result =
      gradcheck([&](const std::vector<Tensor>& in) { return call(in[0]); }, inputs);
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(Swin, GradcheckWindowAttentionWithMask) {
  WindowAttention attention(4, 2, 2);
  Tensor mask = shifted_window_mask(4, 4, 2, 1).to(DType::f64);
  Tensor x = test::random_uniform({8, 4, 4}, 1, -1, 1, DType::f64).set_requires_grad(true);
  expect_gradcheck_passes(attention, x,
                          [&](const Tensor& input) { return attention.forward(input, mask); });
}

TEST(Swin, GradcheckShiftedSwinBlock) {
  SwinBlockOptions options;
  options.num_heads = 2;
  options.window_size = 2;
  options.shift_size = 1;
  SwinBlock block(4, 4, 4, options);
  Tensor x = test::random_uniform({2, 16, 4}, 2, -1, 1, DType::f64).set_requires_grad(true);
  expect_gradcheck_passes(block, x, [&](const Tensor& input) { return block(input); });
}

TEST(Swin, GradcheckMixedAttentionSwinBlock) {
  SwinBlockOptions options;
  options.num_heads = 2;
  options.window_size = 2;
  options.shift_size = 1;
  options.mixed_attention = true;
  options.squeeze_factor = 3;
  options.conv_scale = 1;  // so the CAB's gradients are not 100 times below the tolerance
  SwinBlock block(6, 4, 4, options);
  Tensor x = test::random_uniform({1, 16, 6}, 3, -1, 1, DType::f64).set_requires_grad(true);
  expect_gradcheck_passes(block, x, [&](const Tensor& input) { return block(input); });
}

TEST(Swin, GradcheckPatchMerging) {
  PatchMerging merging(2, 4, 2);
  Tensor x = test::random_uniform({2, 8, 2}, 4, -1, 1, DType::f64).set_requires_grad(true);
  expect_gradcheck_passes(merging, x, [&](const Tensor& input) { return merging(input); });
}

TEST(Swin, GradcheckPatchEmbed) {
  PatchEmbed embed(2, 4, 2);
  Tensor x = test::random_uniform({2, 2, 4, 6}, 5, -1, 1, DType::f64).set_requires_grad(true);
  expect_gradcheck_passes(embed, x, [&](const Tensor& input) { return embed(input); });
}

TEST(Swin, GradcheckChannelAttentionBlock) {
  ChannelAttentionBlock block(6, 3, 3);
  Tensor x = test::random_uniform({2, 6, 3, 4}, 6, -1, 1, DType::f64).set_requires_grad(true);
  expect_gradcheck_passes(block, x, [&](const Tensor& input) { return block(input); });
}

TEST(Swin, PatchMergingConcatenatesNeighboursInTimmsOrder) {
  // With γ = 1, β = 0 and reduction = identity rows, the output shows the merged vector's
  // order: x(2i, 2j), x(2i + 1, 2j), x(2i, 2j + 1), x(2i + 1, 2j + 1), LayerNorm'd.
  PatchMerging merging(1, 2, 2);
  // reduction rows pick slots 0 and 1
  Tensor eye = Tensor::from_vector(std::vector<float>{1, 0, 0, 0, 0, 1, 0, 0}, {2, 4});
  merging.load_state_dict({{"reduction.weight", eye},
                           {"norm.weight", Tensor::ones({4})},
                           {"norm.bias", Tensor::zeros({4})}});
  // Tokens row-major: (0,0) = 1, (0,1) = 2, (1,0) = 3, (1,1) = 4 → merged [1, 3, 2, 4].
  Tensor y = merging(Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {1, 4, 1}));
  // LayerNorm of [1, 3, 2, 4]: mean 2.5, variance 1.25.
  const double s = std::sqrt(1.25 + 1e-5);
  EXPECT_NEAR(y.to_vector<float>()[0], (1 - 2.5) / s, 1e-5);
  EXPECT_NEAR(y.to_vector<float>()[1], (3 - 2.5) / s, 1e-5);
}

TEST(Swin, InitialisationFollowsTimm) {
  manual_seed(7);
  auto model = make_swin_backbone("swin_micro");
  for (const auto& [name, parameter] : model->named_parameters()) {
    std::vector<float> values = parameter.to_vector<float>();
    double sum = 0, squares = 0;
    for (float v : values) {
      sum += v;
      squares += double(v) * v;
    }
    const double n = static_cast<double>(values.size());
    const bool layer_norm = name.find("norm") != std::string::npos;
    const bool linear =
        name.find("qkv") != std::string::npos || name.find("proj") != std::string::npos ||
        name.find("fc") != std::string::npos || name.find("reduction") != std::string::npos;
    const bool bias = name.size() > 5 && name.substr(name.size() - 5) == ".bias";
    if (name.rfind("patch_embed.proj", 0) == 0) continue;  // a Conv2d: torch's default init
    if (layer_norm) {
      EXPECT_EQ(sum, bias ? 0.0 : n) << name;
      EXPECT_EQ(squares, bias ? 0.0 : n) << name;
    } else if (bias && linear) {
      EXPECT_EQ(squares, 0.0) << name << ": Linear biases start at zero";
    } else if (n > 1000) {  // Linear weights and bias tables: std 0.02 within sampling error
      EXPECT_NEAR(std::sqrt(squares / n), 0.02, 0.1 * 0.02) << name;
      EXPECT_NEAR(sum / n, 0.0, 0.1 * 0.02) << name;
    }
  }
}

TEST(Swin, TruncNormalStaysWithinItsBounds) {
  manual_seed(3);
  Tensor tensor = Tensor::empty({20000});
  init::trunc_normal(tensor, 1.0, -0.5, 0.5);
  std::vector<float> values = tensor.to_vector<float>();
  double squares = 0;
  for (float v : values) {
    ASSERT_GE(v, -0.5f);
    ASSERT_LE(v, 0.5f);
    squares += double(v) * v;
  }
  // The variance of N(0, 1) truncated to ±a is 1 − 2a·φ(a)/(2Φ(a) − 1) = 0.0806 at a = 0.5.
  EXPECT_NEAR(squares / values.size(), 0.0806, 0.003);
}

TEST(Swin, MicroConfigsForCifarAndFashionMnist) {
  SwinBackboneOptions cifar;
  SwinConfig config = swin_config("swin_micro", cifar);
  EXPECT_EQ(config.image_size, 32);
  EXPECT_EQ(config.window_size, 4);
  SwinBackboneOptions fashion;
  fashion.image_size = 28;
  fashion.in_channels = 1;
  fashion.mixed_attention = true;
  auto model = make_swin_backbone("swin_micro", fashion);
  EXPECT_EQ(model->config().window_size, 7);
  EXPECT_EQ(model->feature_dim(), 96);
  NoGradGuard no_grad;
  EXPECT_EQ((*model)(Tensor::zeros({2, 1, 28, 28})).shape(), (Shape{2, 96}));
  EXPECT_TRUE(model->state_dict().count("layers.0.blocks.1.conv_block.cab.3.attention.1.weight"));
  EXPECT_TRUE(model->state_dict().count("layers.0.blocks.1.attn_mask"));
  // The 7 × 7 second stage is a single window: no shift, so no mask.
  EXPECT_FALSE(model->state_dict().count("layers.1.blocks.1.attn_mask"));
}

TEST(Swin, ErrorsNameTheProblem) {
  EXPECT_THROW(make_swin_backbone("swin_huge"), Error);
  auto model = make_swin_backbone("swin_micro");
  EXPECT_THROW((*model)(Tensor::zeros({1, 3, 28, 28})), Error);  // built for 32 × 32
  SwinBlockOptions options;
  options.window_size = 4;
  EXPECT_THROW(SwinBlock(8, 6, 6, options), Error);  // 4 does not tile 6 × 6
  options.mixed_attention = true;
  EXPECT_THROW(SwinBlock(8, 8, 8, options), Error);  // 8 channels squeezed by 30
  EXPECT_THROW(WindowAttention(10, 2, 3), Error);    // 10 channels in 3 heads
  WindowAttention attention(4, 2, 2);
  EXPECT_THROW(attention(Tensor::zeros({2, 9, 4})), Error);  // 9 tokens, window of 4
  EXPECT_THROW(PatchMerging(4, 3, 4), Error);
}

// CUDA against the CPU, part by part and for the swin_micro backbone.
class CudaSwin : public test::DeviceTest {};

// Runs `call` (which uses `module`) on the CPU, then moves the module to the GPU and runs it
// again on the same input with the same upstream gradient.
void expect_devices_agree(const std::string& what, Module& module, const Tensor& input,
                          const std::function<Tensor(const Tensor&)>& call, double rtol = 1e-5,
                          double atol = 1e-6) {
  test::NumericMode strict(true);
  module.to(Device::cpu);
  module.zero_grad();
  Tensor cpu_x = input.clone().set_requires_grad(true);
  Tensor cpu_y = call(cpu_x);
  Tensor grad = test::random_uniform(cpu_y.shape(), 77);
  backward(cpu_y, grad);
  std::map<std::string, Tensor> cpu_grads;
  for (const auto& [name, parameter] : module.named_parameters())
    cpu_grads[name] = parameter.grad().clone();

  module.zero_grad();
  module.to(Device::cuda);
  Tensor gpu_x = input.to(Device::cuda).set_requires_grad(true);
  Tensor gpu_y = call(gpu_x);
  EXPECT_TRUE(gpu_y.is_cuda()) << what;
  EXPECT_TRUE(test::all_close(gpu_y, cpu_y, rtol, atol)) << what << ": output";
  backward(gpu_y, grad.to(Device::cuda));
  EXPECT_TRUE(test::all_close(gpu_x.grad(), cpu_x.grad(), rtol, atol))
      << what << ": input gradient";
  for (const auto& [name, parameter] : module.named_parameters())
    EXPECT_TRUE(test::all_close(parameter.grad(), cpu_grads[name], rtol, atol))
        << what << ": gradient of " << name;
}

TEST_P(CudaSwin, WindowAttentionWithMaskMatchesCpu) {
  manual_seed(1);
  WindowAttention attention(8, 3, 2);
  Tensor mask = shifted_window_mask(6, 6, 3, 1);
  expect_devices_agree("window attention", attention, test::random_uniform({8, 9, 8}, 1),
                       [&](const Tensor& x) { return attention.forward(x, mask.to(x.device())); });
}

TEST_P(CudaSwin, MixedAttentionShiftedBlockMatchesCpu) {
  manual_seed(2);
  SwinBlockOptions options;
  options.num_heads = 3;
  options.window_size = 4;
  options.shift_size = 2;
  options.mixed_attention = true;
  SwinBlock block(48, 8, 8, options);
  expect_devices_agree("mixed block", block, test::random_uniform({2, 64, 48}, 2),
                       [&](const Tensor& x) { return block(x); });
}

TEST_P(CudaSwin, PatchEmbedAndPatchMergingMatchCpu) {
  manual_seed(3);
  PatchEmbed embed(3, 16, 2);
  expect_devices_agree("patch embed", embed, test::random_uniform({2, 3, 8, 12}, 3),
                       [&](const Tensor& x) { return embed(x); });
  PatchMerging merging(16, 4, 6);
  expect_devices_agree("patch merging", merging, test::random_uniform({2, 24, 16}, 4),
                       [&](const Tensor& x) { return merging(x); });
  ChannelAttentionBlock cab(30);
  expect_devices_agree("CAB", cab, test::random_uniform({2, 30, 5, 7}, 5),
                       [&](const Tensor& x) { return cab(x); });
}

TEST_P(CudaSwin, SwinMicroBackboneMatchesCpu) {
  manual_seed(4);
  SwinBackboneOptions options;
  options.mixed_attention = true;
  auto model = make_swin_backbone("swin_micro", options);
  expect_devices_agree(
      "swin_micro", *model, test::random_uniform({4, 3, 32, 32}, 6),
      [&](const Tensor& x) { return (*model)(x); }, 1e-4, 1e-5);
}

HG_INSTANTIATE_CUDA_TEST(CudaSwin);

}  // namespace
}  // namespace hg
