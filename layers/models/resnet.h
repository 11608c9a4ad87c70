// ResNet18 (He et al., CVPR 2016) as torchvision builds it, minus the final fc: features [N, 8·w]
// from the global average pool (w = 64: 512 features, 11,176,512 parameters; torchvision's
// resnet18 has 11,689,512 with its 1000-class fc).
//
//   conv1    7×7 stride 2 padding 3, C→w, no bias;  bn1; relu; maxpool 3×3 stride 2 padding 1
//   layer1   BasicBlock(w → w)   × 2
//   layer2   BasicBlock(w → 2w, stride 2), BasicBlock(2w → 2w)
//   layer3   BasicBlock(2w → 4w, stride 2), BasicBlock(4w → 4w)
//   layer4   BasicBlock(4w → 8w, stride 2), BasicBlock(8w → 8w)
//   attention (optional; DAHP's dual attention goes here)
//   avgpool  adaptive average to 1×1, flattened
// BasicBlock: y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), 3×3 convs without bias,
// conv1 carrying the stride; shortcut = x, or downsample.0 (1×1 conv with the stride) and
// downsample.1 (BatchNorm) when the shape changes. Names as torchvision: layer2.0.conv1.weight,
// layer2.0.downsample.0.weight, ...; its initialisation: convs Kaiming normal (fan_out, ReLU),
// BatchNorm γ = 1 and β = 0.
//
// Small inputs (28×28, 32×32): the CIFAR stem of He et al.'s section 4.2 — conv1 is 3×3 with
// stride 1 and padding 1 and there is no maxpool, so layer1 sees the full 32×32 map.
// `width` (BackboneOptions) scales every stage; narrow widths take the same code path (tests use
// w = 4 to keep PyTorch fixtures small).
#pragma once

#include <memory>

#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/models/backbone.h"
#include "layers/sequential.h"

namespace hg {

class BasicBlock : public Module {
 public:
  BasicBlock(int64_t in_channels, int64_t out_channels, int64_t stride);
  Tensor forward(const Tensor& input) override;

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<Sequential> downsample_;  // null: the identity shortcut
};

class ResNet18 : public Module {
 public:
  explicit ResNet18(const BackboneOptions& options);
  // images [N, C, H, W] → features [N, 8·width]
  Tensor forward(const Tensor& input) override;
  int64_t feature_dim() const { return feature_dim_; }

 private:
  int64_t in_channels_, feature_dim_;
  std::shared_ptr<Conv2d> conv1_;
  std::shared_ptr<BatchNorm2d> bn1_;
  std::shared_ptr<Module> maxpool_;  // null in the small-input stem
  std::shared_ptr<Sequential> layer1_, layer2_, layer3_, layer4_;
  std::shared_ptr<Module> attention_;  // null: none
};

}  // namespace hg
