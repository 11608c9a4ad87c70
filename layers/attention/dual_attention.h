// DANet's dual attention (Fu et al., CVPR 2019): self-attention over positions and over channels
// of a feature map x [N, C, H, W], each added back to x through a learnable scale that starts at
// 0 (so a pretrained backbone's features pass unchanged at first). Names as in the authors'
// PAM_Module / CAM_Module: query_conv, key_conv, value_conv, gamma.
//
// Position attention (PAM), with P = H·W positions:
//   Q = query_conv(x), K = key_conv(x)   1×1 convs C→C/8, viewed as [N, C/8, P]
//   V = value_conv(x)                    1×1 conv C→C,    viewed as [N, C, P]
//   A = softmax_j(Qᵀ K)                  [N, P, P], A_ij: how much position i attends to j
//   y = γ · (V Aᵀ) + x                   (V Aᵀ)_ci = Σ_j V_cj A_ij
// Channel attention (CAM), with X = x viewed as [N, C, P]:
//   E = X Xᵀ                             [N, C, C]
//   A = softmax_j(max_j' E_ij' − E_ij)   the authors' form; softmax ignores the per-row shift, so
//                                        this is softmax(−E), which we compute: channels that
//                                        are LESS similar get more weight
//   y = β · (A X) + x
// DualAttention runs both on the same x and sums them, as DANet's head (and DAHP after ResNet's
// last stage) does: y = PAM(x) + CAM(x), which is 2x while γ and β are still 0.
#pragma once

#include <memory>

#include "layers/conv2d.h"
#include "layers/module.h"

namespace hg {

class PositionAttention : public Module {
 public:
  // Query/key width max(1, channels / 8).
  explicit PositionAttention(int64_t channels);
  Tensor forward(const Tensor& input) override;
  const Tensor& gamma() const { return gamma_; }

 private:
  int64_t channels_;
  std::shared_ptr<Conv2d> query_conv_, key_conv_, value_conv_;
  Tensor gamma_;
};

class ChannelSelfAttention : public Module {
 public:
  ChannelSelfAttention();
  Tensor forward(const Tensor& input) override;
  const Tensor& gamma() const { return gamma_; }

 private:
  Tensor gamma_;
};

class DualAttention : public Module {
 public:
  explicit DualAttention(int64_t channels);
  Tensor forward(const Tensor& input) override;

 private:
  std::shared_ptr<PositionAttention> position_;
  std::shared_ptr<ChannelSelfAttention> channel_;
};

}  // namespace hg
