// One stage of a Swin backbone (timm 0.6's BasicLayer): `depth` Swin blocks on an H × W token
// map, alternating W-MSA (even blocks) and SW-MSA shifted by window / 2 (odd blocks), then
// optionally a PatchMerging that halves the map and doubles the channels. Children
// "blocks.<i>" and "downsample", as timm.
#pragma once

#include <memory>

#include "layers/module.h"
#include "layers/sequential.h"
#include "layers/transformer/patch_merging.h"
#include "layers/transformer/swin_block.h"

namespace hg {

class SwinStage : public Module {
 public:
  // `block` gives heads, window, MLP ratio and the mixed-attention choice; its shift_size is
  // ignored (the stage alternates 0 and window / 2).
  SwinStage(int64_t dim, int64_t height, int64_t width, int64_t depth,
            const SwinBlockOptions& block, bool downsample);
  // tokens [B, H·W, C] → [B, H·W, C], or [B, (H/2)·(W/2), 2C] with downsampling
  Tensor forward(const Tensor& input) override;

 private:
  std::shared_ptr<Sequential> blocks_;
  std::shared_ptr<PatchMerging> downsample_;  // null in the last stage
};

}  // namespace hg
