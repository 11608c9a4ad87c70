// CBAM, the convolutional block attention module (Woo et al., ECCV 2018): a channel gate, then a
// spatial gate, each re-weighting the feature map x [N, C, H, W].
//
//   channel:  M_c = σ(MLP(avgpool_HW(x)) + MLP(maxpool_HW(x)))                     [N, C, 1, 1]
//             MLP = 1×1 conv C→C/r, ReLU, 1×1 conv C/r→C, no biases, shared by both descriptors
//             x' = M_c ⊙ x
//   spatial:  M_s = σ(conv_k×k([mean_C(x'); max_C(x')]))  2→1 channels, padding k/2, no bias
//             y  = M_s ⊙ x'                                                          [N, 1, H, W]
//
// Layout and names follow the widely copied PyTorch re-implementation: ChannelAttention with
// fc1 / fc2 as bias-free 1×1 convolutions, SpatialAttention with conv1, so a block's parameters
// are channel_attention.fc1.weight, channel_attention.fc2.weight, spatial_attention.conv1.weight.
// The authors' own code computes the same gates with small differences we leave out: Linear
// layers with biases for the MLP, BatchNorm after the spatial conv, and [max; mean] stacked in
// that order.
//
// attention-ADSH's "semantic-guided mixed attention" has no public formula; DESIGN §8 fixes it as
// CBAM with average+max descriptor fusion, which is CBAM exactly as defined above (both gates fuse
// the average- and max-pooled descriptors). So it is this class under another name,
// SemanticMixedAttention, and the attention kind "mixed" (layers/attention/attention.h).
#pragma once

#include <memory>

#include "layers/conv2d.h"
#include "layers/module.h"

namespace hg {

// M_c(x) [N, C, 1, 1], the channel gate's weights (not yet multiplied into x).
class ChannelAttention : public Module {
 public:
  // Hidden width max(1, channels / reduction): narrow layers keep at least one unit.
  explicit ChannelAttention(int64_t channels, int64_t reduction = 16);
  Tensor forward(const Tensor& input) override;

 private:
  int64_t channels_;
  std::shared_ptr<Conv2d> fc1_, fc2_;
};

// M_s(x) [N, 1, H, W], the spatial gate's weights.
class SpatialAttention : public Module {
 public:
  // kernel_size odd, so padding kernel_size/2 keeps H and W.
  explicit SpatialAttention(int64_t kernel_size = 7);
  Tensor forward(const Tensor& input) override;

 private:
  std::shared_ptr<Conv2d> conv1_;
};

class Cbam : public Module {
 public:
  explicit Cbam(int64_t channels, int64_t reduction = 16, int64_t spatial_kernel_size = 7);
  // x [N, C, H, W] → M_s(x') ⊙ x' with x' = M_c(x) ⊙ x, same shape.
  Tensor forward(const Tensor& input) override;

 private:
  int64_t channels_;
  std::shared_ptr<ChannelAttention> channel_attention_;
  std::shared_ptr<SpatialAttention> spatial_attention_;
};

using SemanticMixedAttention = Cbam;

}  // namespace hg
