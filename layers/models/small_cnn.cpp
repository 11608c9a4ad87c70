// The small CNNs' builder (see small_cnn.h).
#include "layers/models/small_cnn.h"

#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/pooling.h"

namespace hg {

ConvStages dsbh_cnn_stages() { return {{32}, {64}, {128}}; }

ConvStages adsh_cnn5_stages() { return {{32, 32}, {64, 64}, {128}}; }

std::shared_ptr<ConvBackbone> small_cnn(const ConvStages& stages, const BackboneOptions& options,
                                        const std::string& name) {
  HG_CHECK(!stages.empty(), name, ": needs at least one stage");
  HG_CHECK(options.feature_dim > 0, name, ": feature_dim must be positive, got ",
           options.feature_dim);
  auto features = std::make_shared<Sequential>();
  int64_t channels = options.in_channels, side = options.image_size;
  for (const std::vector<int64_t>& stage : stages) {
    HG_CHECK(!stage.empty(), name, ": a stage needs at least one conv");
    for (int64_t out_channels : stage) {
      features->push_back(std::make_shared<Conv2d>(
          Conv2dOptions(channels, out_channels, 3).with_padding(1).without_bias()));
      features->push_back(std::make_shared<BatchNorm2d>(out_channels));
      features->push_back(std::make_shared<ReLU>());
      channels = out_channels;
    }
    features->push_back(std::make_shared<MaxPool2d>(2));
    side = window_output_size(name.c_str(), side, 2, 2);
  }
  auto classifier = std::make_shared<Sequential>();
  classifier->push_back(std::make_shared<Linear>(channels * side * side, options.feature_dim));
  classifier->push_back(std::make_shared<ReLU>());
  return std::make_shared<ConvBackbone>(
      name,
      ConvBackbone::Parts{features, make_attention(options.attention, channels), nullptr,
                          classifier},
      options.in_channels, options.image_size, options.feature_dim);
}

}  // namespace hg
