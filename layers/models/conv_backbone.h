// ConvBackbone: the shape AlexNet, VGG and the small CNNs share, with torchvision's names:
//   features (Sequential of convs and pools) → attention (optional) → avgpool (optional) →
//   flatten → classifier (Sequential ending in the feature layer) → [N, F]
// The builders in alexnet.h, vgg.h and small_cnn.h fill it; this file owns the forward and the
// input checks.
#pragma once

#include <memory>
#include <string>

#include "layers/models/backbone.h"
#include "layers/sequential.h"

namespace hg {

class ConvBackbone : public Module {
 public:
  struct Parts {
    std::shared_ptr<Sequential> features;
    std::shared_ptr<Module> attention;  // null: none
    std::shared_ptr<Module> avgpool;    // null: the classifier takes the feature map as it is
    std::shared_ptr<Sequential> classifier;
  };
  // `name` for error messages; `required_size` is the input side the classifier was sized for
  // (0 when the avgpool makes any large enough size fit).
  ConvBackbone(std::string name, Parts parts, int64_t in_channels, int64_t required_size,
               int64_t feature_dim);

  Tensor forward(const Tensor& input) override;
  int64_t feature_dim() const { return feature_dim_; }
  const Sequential& features() const { return *parts_.features; }
  const Sequential& classifier() const { return *parts_.classifier; }

 private:
  std::string name_;
  Parts parts_;
  int64_t in_channels_, required_size_, feature_dim_;
};

// The side of a conv's or pool's output (floor mode, as torch's defaults):
//   ⌊(size + 2·padding − kernel) / stride⌋ + 1
// Throws, naming `model`, when the window no longer fits: the image is too small for the model.
int64_t window_output_size(const char* model, int64_t size, int64_t kernel, int64_t stride,
                           int64_t padding = 0);

}  // namespace hg
