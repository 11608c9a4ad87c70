// VGG16 (Simonyan & Zisserman 2015, configuration D) as torchvision builds it, with or without
// BatchNorm, minus the last Linear: features [N, 4096] after classifier.5, fc7's dropout (the
// cut of classifier[:-1] that DPSH-style code makes). 138.4 M parameters with the 1000-class
// head (vgg16), 138.4 M + 8,448 BatchNorm ones (vgg16_bn).
//
//   features    13 convs 3×3 padding 1 (64 64 M 128 128 M 256 256 256 M 512 512 512 M
//               512 512 512 M, M = max-pool 2), each conv followed by [BatchNorm,] ReLU;
//               names features.N by position (vgg16: convs at 0, 2, 5, ...; vgg16_bn: 0, 3, 7, ...)
//   avgpool     adaptive average to 7×7
//   classifier  Linear 25088→4096, ReLU, dropout, Linear 4096→4096, ReLU, dropout
// torchvision's initialisation: convs Kaiming normal (fan_out, ReLU) with zero bias, BatchNorm
// γ = 1 and β = 0, Linear N(0, 0.01²) with zero bias.
//
// Small inputs (32×32): five pools leave a 512×1×1 map, so there is no avgpool and classifier.0
// takes those 512 values (512·s·s for larger small inputs). 28×28 is too small (28 → 0).
#pragma once

#include <memory>

#include "layers/models/conv_backbone.h"

namespace hg {

std::shared_ptr<ConvBackbone> vgg16(const BackboneOptions& options, bool batch_norm);

}  // namespace hg
