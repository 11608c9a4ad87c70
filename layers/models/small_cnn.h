// The small CNNs that deep-hashing papers train from scratch on 28×28 and 32×32 images:
// stages of [3×3 conv (padding 1, no bias: BatchNorm's β is the shift), BatchNorm, ReLU] × k,
// each stage closed by a 2×2 max-pool (floor: 28 → 14 → 7 → 3), then the optional attention
// block, then one Linear + ReLU to the feature vector.
//   smallcnn  DSBH's 3-layer CNN:   stages {32} {64} {128}
//   cnn5      the five-conv CNN of the ADSH reference that attention-ADSH trains on
//             Fashion-MNIST:         stages {32, 32} {64, 64} {128}
// Names as torch.nn.Sequential gives them: features.0 (conv), features.1 (BatchNorm), ...,
// classifier.0 (Linear); torch's default initialisation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/models/conv_backbone.h"

namespace hg {

// Output channels of each conv, one list per stage.
using ConvStages = std::vector<std::vector<int64_t>>;

ConvStages dsbh_cnn_stages();
ConvStages adsh_cnn5_stages();

// Features [N, options.feature_dim] from images [N, in_channels, image_size, image_size].
std::shared_ptr<ConvBackbone> small_cnn(const ConvStages& stages, const BackboneOptions& options,
                                        const std::string& name = "small_cnn");

}  // namespace hg
