// The Swin parts and the swin_micro backbone on CUDA against the CPU reference, strict fp32:
// the same parameters, input and upstream gradient; outputs, input gradients and every
// parameter gradient compared. Parts at rtol 1e-5; the whole backbone at 1e-4, as a dozen
// layers of GEMMs, softmaxes and LayerNorms sum in different orders on the two devices.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "autograd/ops.h"
#include "cuda/runtime.h"
#include "layers/models/swin.h"
#include "layers/transformer/channel_attention.h"
#include "layers/transformer/patch_embed.h"
#include "layers/transformer/patch_merging.h"
#include "layers/transformer/swin_block.h"
#include "layers/transformer/window_attention.h"
#include "layers/transformer/windows.h"
#include "tensor/random.h"
#include "tests/numeric_mode.h"
#include "tests/test_support.h"

namespace hg {
namespace {

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

TEST(CudaSwin, WindowAttentionWithMaskMatchesCpu) {
  HG_REQUIRE_CUDA();
  manual_seed(1);
  WindowAttention attention(8, 3, 2);
  Tensor mask = shifted_window_mask(6, 6, 3, 1);
  expect_devices_agree("window attention", attention, test::random_uniform({8, 9, 8}, 1),
                       [&](const Tensor& x) { return attention.forward(x, mask.to(x.device())); });
}

TEST(CudaSwin, MixedAttentionShiftedBlockMatchesCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaSwin, PatchEmbedAndPatchMergingMatchCpu) {
  HG_REQUIRE_CUDA();
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

TEST(CudaSwin, SwinMicroBackboneMatchesCpu) {
  HG_REQUIRE_CUDA();
  manual_seed(4);
  SwinBackboneOptions options;
  options.mixed_attention = true;
  auto model = make_swin_backbone("swin_micro", options);
  expect_devices_agree(
      "swin_micro", *model, test::random_uniform({4, 3, 32, 32}, 6),
      [&](const Tensor& x) { return (*model)(x); }, 1e-4, 1e-5);
}

}  // namespace
}  // namespace hg
