// The convolutional channel-attention branch of the Swin hashing method's mixed attention
// (DESIGN.md §8), as HAT defines it (Chen et al., "Activating More Pixels in Image
// Super-Resolution Transformer", CVPR 2023) and with HAT's parameter names:
//
//   HatChannelAttention:  x · sigmoid(conv1×1(ReLU(conv1×1(GAP(x)))))   C → C/squeeze → C
//     (squeeze-and-excitation in HAT's layout and names, "attention.1"/"attention.3"; SE with
//     torchvision's names is layers/attention/squeeze_excitation.h)
//   ChannelAttentionBlock (HAT's CAB), children "cab.0" .. "cab.3":
//     conv3×3 (C → C/compress), GELU, conv3×3 (C/compress → C), HatChannelAttention
//
// DESIGN's defaults are HAT's: compress 3, squeeze 30 (so C must be at least 30). Convolutions
// keep torch's default initialisation, as in HAT.
#pragma once

#include <memory>

#include "layers/module.h"
#include "layers/sequential.h"

namespace hg {

class HatChannelAttention : public Module {
 public:
  HatChannelAttention(int64_t channels, int64_t squeeze_factor);
  // x [N, C, H, W] → x scaled per (image, channel) by a weight in (0, 1).
  Tensor forward(const Tensor& input) override;

 private:
  std::shared_ptr<Sequential> attention_;  // GAP, conv 1×1, ReLU, conv 1×1, sigmoid
};

class ChannelAttentionBlock : public Module {
 public:
  explicit ChannelAttentionBlock(int64_t channels, int64_t compress_ratio = 3,
                                 int64_t squeeze_factor = 30);
  // x [N, C, H, W] → [N, C, H, W]
  Tensor forward(const Tensor& input) override { return (*cab_)(input); }

 private:
  std::shared_ptr<Sequential> cab_;
};

}  // namespace hg
