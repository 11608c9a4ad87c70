// Patch embedding (timm's PatchEmbed with Swin's patch norm): cut the image into p × p patches
// and project each to C channels with one convolution of kernel = stride = p, then LayerNorm
// over the channels of each token. Children "proj" (Conv2d) and "norm" (LayerNorm), as timm.
#pragma once

#include <memory>

#include "layers/conv2d.h"
#include "layers/layer_norm.h"
#include "layers/module.h"

namespace hg {

class PatchEmbed : public Module {
 public:
  PatchEmbed(int64_t in_channels, int64_t embed_dim, int64_t patch_size);
  // images [N, C_in, H, W] (H, W multiples of p) → tokens [N, (H/p)·(W/p), C], row-major over
  // the (H/p) × (W/p) grid of patches.
  Tensor forward(const Tensor& input) override;

  int64_t patch_size() const { return patch_size_; }

 private:
  int64_t patch_size_;
  std::shared_ptr<Conv2d> proj_;
  std::shared_ptr<LayerNorm> norm_;
};

}  // namespace hg
