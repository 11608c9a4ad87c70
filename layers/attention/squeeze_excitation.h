// Squeeze-and-excitation (Hu et al., CVPR 2018): re-weight each channel of x [N, C, H, W] by a
// gate computed from the whole map,
//   s = σ(W₂ · relu(W₁ · avgpool_HW(x) + b₁) + b₂)      W₁: C→C/r, W₂: C/r→C       [N, C, 1, 1]
//   y = s ⊙ x
// Laid out as torchvision.ops.SqueezeExcitation: the two fully connected layers are 1×1
// convolutions with biases named fc1 and fc2, so its weights load by name.
#pragma once

#include <memory>

#include "layers/conv2d.h"
#include "layers/module.h"

namespace hg {

class SqueezeExcitation : public Module {
 public:
  // Squeeze width max(1, channels / reduction).
  explicit SqueezeExcitation(int64_t channels, int64_t reduction = 16);
  Tensor forward(const Tensor& input) override;

 private:
  int64_t channels_;
  std::shared_ptr<Conv2d> fc1_, fc2_;
};

}  // namespace hg
