// Swin backbones and their configs (see swin.h).
#include "layers/models/swin.h"

#include "autograd/reduce.h"
#include "layers/transformer/swin_stage.h"

namespace hg {

SwinTransformer::SwinTransformer(const SwinConfig& config) : config_(config) {
  const size_t stages = config.depths.size();
  HG_CHECK(stages > 0 && config.num_heads.size() == stages, "SwinTransformer: ", stages,
           " stage depths but ", config.num_heads.size(), " head counts; give one per stage");
  HG_CHECK(config.patch_size > 0 && config.image_size % config.patch_size == 0,
           "SwinTransformer: image size ", config.image_size,
           " is not a multiple of the patch size ", config.patch_size);
  patch_embed_ = register_module(
      "patch_embed",
      std::make_shared<PatchEmbed>(config.in_channels, config.embed_dim, config.patch_size));
  layers_ = register_module("layers", std::make_shared<Sequential>());
  int64_t dim = config.embed_dim, side = config.image_size / config.patch_size;
  for (size_t i = 0; i < stages; ++i) {
    SwinBlockOptions block;
    block.num_heads = config.num_heads[i];
    block.window_size = config.window_size;
    block.mlp_ratio = config.mlp_ratio;
    block.mixed_attention = config.mixed_attention;
    block.compress_ratio = config.compress_ratio;
    block.squeeze_factor = config.squeeze_factor;
    const bool downsample = i + 1 < stages;
    layers_->push_back(
        std::make_shared<SwinStage>(dim, side, side, config.depths[i], block, downsample));
    if (downsample) {
      dim *= 2;
      side /= 2;
    }
  }
  feature_dim_ = dim;
  norm_ = register_module("norm", std::make_shared<LayerNorm>(Shape{dim}));
}

Tensor SwinTransformer::forward(const Tensor& input) {
  HG_CHECK(input.dim() == 4 && input.size(1) == config_.in_channels &&
               input.size(2) == config_.image_size && input.size(3) == config_.image_size,
           "SwinTransformer: expected images [N, ", config_.in_channels, ", ", config_.image_size,
           ", ", config_.image_size, "], got ", input.description(),
           " (the backbone is built for one input size: set image_size when making it)");
  Tensor tokens = (*layers_)((*patch_embed_)(input));
  return mean((*norm_)(tokens), {1});
}

SwinConfig swin_config(const std::string& name, const SwinBackboneOptions& options) {
  SwinConfig config;  // swin_tiny_patch4_window7_224
  if (name == "swin_micro") {
    config.image_size = 32;
    config.patch_size = 2;
    config.embed_dim = 48;
    config.depths = {2, 2};
    config.num_heads = {3, 6};
    config.window_size = 4;
  } else {
    HG_CHECK(name == "swin_tiny" || name == "swin_tiny_patch4_window7_224",
             "make_swin_backbone: unknown Swin '", name,
             "'; known: swin_tiny (swin_tiny_patch4_window7_224), swin_micro");
  }
  if (options.image_size > 0) config.image_size = options.image_size;
  // 28 × 28 images give swin_micro a 14 × 14 map, which windows of 4 do not tile.
  if (name == "swin_micro" && (config.image_size / config.patch_size) % 4 != 0)
    config.window_size = 7;
  config.in_channels = options.in_channels;
  config.mixed_attention = options.mixed_attention;
  return config;
}

std::shared_ptr<SwinTransformer> make_swin_backbone(const std::string& name,
                                                    const SwinBackboneOptions& options) {
  return std::make_shared<SwinTransformer>(swin_config(name, options));
}

}  // namespace hg
