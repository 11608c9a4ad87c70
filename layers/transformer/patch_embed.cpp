// Patch embedding (see patch_embed.h).
#include "layers/transformer/patch_embed.h"

#include "autograd/views.h"

namespace hg {

PatchEmbed::PatchEmbed(int64_t in_channels, int64_t embed_dim, int64_t patch_size)
    : patch_size_(patch_size) {
  HG_CHECK(patch_size > 0, "PatchEmbed: patch size ", patch_size, " must be positive");
  proj_ = register_module(
      "proj", std::make_shared<Conv2d>(
                  Conv2dOptions(in_channels, embed_dim, patch_size).with_stride(patch_size)));
  norm_ = register_module("norm", std::make_shared<LayerNorm>(Shape{embed_dim}));
}

Tensor PatchEmbed::forward(const Tensor& input) {
  HG_CHECK(input.dim() == 4 && input.size(2) % patch_size_ == 0 && input.size(3) % patch_size_ == 0,
           "PatchEmbed: expected images [N, C, H, W] with H and W multiples of the patch size ",
           patch_size_, ", got ", input.description());
  // [N, C, H/p, W/p] → [N, C, L] → [N, L, C]
  Tensor tokens = transpose(flatten((*proj_)(input), 2), 1, 2);
  return (*norm_)(tokens);
}

}  // namespace hg
