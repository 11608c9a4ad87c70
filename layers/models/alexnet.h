// AlexNet as torchvision builds it (the "one weird trick" single-GPU variant, 61.1 M parameters
// with its 1000-class head), minus the last Linear: features [N, 4096] after classifier.5, the
// ReLU of fc7. Names: features.0/3/6/8/10 (convs), classifier.1/4 (Linear); torch's default
// initialisation, as torchvision applies no other.
//
//   features.0  conv 11×11 stride 4 padding 2, C→64     ReLU, max-pool 3 stride 2
//   features.3  conv 5×5 padding 2, 64→192              ReLU, max-pool 3 stride 2
//   features.6  conv 3×3 padding 1, 192→384             ReLU
//   features.8  conv 3×3 padding 1, 384→256             ReLU
//   features.10 conv 3×3 padding 1, 256→256             ReLU, max-pool 3 stride 2
//   avgpool     adaptive average to 6×6
//   classifier  dropout, Linear 9216→4096, ReLU, dropout, Linear 4096→4096, ReLU
//
// Small inputs (28×28, 32×32): an 11×11 stride-4 first conv would leave nothing after the third
// pool, so features.0 becomes a 5×5 conv with stride 1 and padding 2 (32 → 32 → 15 → 7 → 3;
// 28 → 28 → 13 → 6 → 2), there is no avgpool and classifier.1 takes the 256·s·s map as it is.
// Every other layer, and every name, stays.
#pragma once

#include <memory>

#include "layers/models/conv_backbone.h"

namespace hg {

std::shared_ptr<ConvBackbone> alexnet(const BackboneOptions& options);

}  // namespace hg
