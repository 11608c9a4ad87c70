// Swin transformer backbones (Liu et al., ICCV 2021) with timm's names, and the Swin hashing
// method's mixed-attention variant (DESIGN.md §8) as a flag.
//
//   images [N, C_in, S, S] → PatchEmbed → stages (Swin blocks, PatchMerging between stages)
//   → LayerNorm "norm" → mean over tokens → features [N, F],  F = embed_dim · 2^(stages − 1)
//
// The classification head of timm ("head") is not part of the backbone: hashing heads and
// classifiers sit on the features (hashing/). The state dict is timm 0.6's (the original
// Microsoft checkpoints') without "head.*", so those weights load by name (strict = false skips
// the head); timm ≥ 0.9 moved the downsample to the start of the next stage and renames it when
// loading old checkpoints.
//
// Configs (make_swin_backbone's names):
//   swin_tiny   timm's swin_tiny_patch4_window7_224: patch 4, embed 96, depths 2-2-6-2, heads
//               3-6-12-24, window 7, 224 × 224 input; 27,519,354 parameters (28,288,354 with
//               timm's 1000-class head), F = 768.
//   swin_micro  small enough to train on 32 × 32 (CIFAR) or 28 × 28 (Fashion-MNIST) images:
//               patch 2, embed 48, depths 2-2, heads 3-6, window 4 (7 for 28 × 28, whose
//               14 × 14 token map 4 does not divide; the 7 × 7 second stage is then one
//               unshifted window); 300,834 parameters at 32 × 32 RGB, 441,098 with mixed
//               attention; F = 96. Stage 1 attends 16 × 16 tokens in 4 × 4 windows, stage 2
//               8 × 8 tokens in 2 × 2 windows, both shifted every second block.
// Initialisation as timm: Linear weights and bias tables trunc normal std 0.02, Linear biases
// 0, LayerNorm 1 / 0, convolutions torch's default.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/module.h"
#include "layers/sequential.h"
#include "layers/transformer/patch_embed.h"

namespace hg {

struct SwinConfig {
  int64_t image_size = 224;
  int64_t patch_size = 4;
  int64_t in_channels = 3;
  int64_t embed_dim = 96;
  std::vector<int64_t> depths = {2, 2, 6, 2};
  std::vector<int64_t> num_heads = {3, 6, 12, 24};  // one per stage
  int64_t window_size = 7;
  double mlp_ratio = 4;
  // DESIGN §8's channel-attention branch in every block, with HAT's sizes.
  bool mixed_attention = false;
  int64_t compress_ratio = 3;
  int64_t squeeze_factor = 30;
};

class SwinTransformer : public Module {
 public:
  explicit SwinTransformer(const SwinConfig& config);
  // images [N, in_channels, image_size, image_size] → pooled features [N, feature_dim()]
  Tensor forward(const Tensor& input) override;

  int64_t feature_dim() const { return feature_dim_; }
  const SwinConfig& config() const { return config_; }

 private:
  SwinConfig config_;
  int64_t feature_dim_;
  std::shared_ptr<PatchEmbed> patch_embed_;
  std::shared_ptr<Sequential> layers_;
  std::shared_ptr<LayerNorm> norm_;
};

// What a caller may change about a named config. 0 keeps the config's own value.
struct SwinBackboneOptions {
  int64_t image_size = 0;
  int64_t in_channels = 3;
  bool mixed_attention = false;
};

// The config of "swin_tiny" (also "swin_tiny_patch4_window7_224") or "swin_micro" with the
// options applied; an unknown name throws an hg::Error listing the known ones.
SwinConfig swin_config(const std::string& name, const SwinBackboneOptions& options = {});
std::shared_ptr<SwinTransformer> make_swin_backbone(const std::string& name,
                                                    const SwinBackboneOptions& options = {});

}  // namespace hg
