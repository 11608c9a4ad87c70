// Backbones: the networks that turn images [N, C, H, W] into feature vectors [N, F], on which a
// hash head (hashing/) sits. Each keeps torchvision's state-dict names, so ImageNet weights a
// PyTorch user saved as safetensors load by name; the classifier's last Linear is left out
// (load with strict = false to skip it), so the features are the penultimate layer's:
//
//   name       model (file)                                  features          F
//   smallcnn   DSBH's 3-stage CNN (small_cnn.h)                FC + ReLU          feature_dim
//   cnn5       ADSH's five-conv CNN (small_cnn.h)              FC + ReLU          feature_dim
//   alexnet    torchvision AlexNet (alexnet.h)                 fc7 after ReLU     4096
//   vgg16      torchvision VGG16 (vgg.h)                       fc7 after dropout  4096
//   vgg16_bn   torchvision VGG16 with BatchNorm (vgg.h)        fc7 after dropout  4096
//   resnet18   torchvision ResNet18 (resnet.h)                 global avg pool    8·width (512)
//   swin_tiny  timm swin_tiny_patch4_window7_224 (swin.h)      mean of tokens     768
//   swin_micro a Swin for 28×28 / 32×32 images (swin.h)        mean of tokens     96
//
// Sizes: every model takes 224×224 ImageNet-style inputs; below 64 pixels (28×28 Fashion-MNIST,
// 32×32 CIFAR) alexnet, vgg and resnet switch to the small-input variants their files describe.
// The optional attention block (layers/attention/attention.h) goes after the last conv stage,
// where attention-ADSH, AM-VGGH and DAHP put theirs; its parameters are named "attention.*".
// For the Swin models attention "mixed" is the channel-attention branch inside every block.
#pragma once

#include <memory>
#include <string>

#include "layers/attention/attention.h"
#include "layers/module.h"

namespace hg {

struct BackboneOptions {
  int64_t in_channels = 3;   // 1 for Fashion-MNIST
  int64_t image_size = 224;  // side of the square inputs
  AttentionKind attention = AttentionKind::none;
  int64_t feature_dim = 512;  // smallcnn, cnn5: width of the FC layer that makes the features
  int64_t width = 64;         // resnet18: channels of the first stage (torchvision's is 64)

  // 28×28 and 32×32 images get variants with smaller strides (see each model's file).
  bool small_input() const { return image_size < 64; }
};

struct Backbone {
  std::shared_ptr<Module> module;
  int64_t feature_dim = 0;
};

// One of the names above; throws, listing them, for any other.
Backbone make_backbone(const std::string& name, const BackboneOptions& options = {});

}  // namespace hg
