// Patch merging (timm's PatchMerging): the downsampling between Swin stages. Each 2 × 2
// neighbourhood of the H × W token map becomes one token of 4C channels, in timm's order
//   [x(2i, 2j), x(2i + 1, 2j), x(2i, 2j + 1), x(2i + 1, 2j + 1)],
// then LayerNorm(4C) ("norm") and a Linear 4C → 2C without bias ("reduction").
#pragma once

#include <memory>

#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/module.h"

namespace hg {

class PatchMerging : public Module {
 public:
  PatchMerging(int64_t dim, int64_t height, int64_t width);
  // tokens [B, H·W, C] → [B, (H/2)·(W/2), 2C]
  Tensor forward(const Tensor& input) override;

 private:
  int64_t dim_, height_, width_;
  std::shared_ptr<LayerNorm> norm_;
  std::shared_ptr<Linear> reduction_;
};

}  // namespace hg
