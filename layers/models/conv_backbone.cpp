// ConvBackbone's forward and the size arithmetic its builders use (see conv_backbone.h).
#include "layers/models/conv_backbone.h"

#include <utility>

#include "autograd/views.h"

namespace hg {

ConvBackbone::ConvBackbone(std::string name, Parts parts, int64_t in_channels,
                           int64_t required_size, int64_t feature_dim)
    : name_(std::move(name)),
      parts_(std::move(parts)),
      in_channels_(in_channels),
      required_size_(required_size),
      feature_dim_(feature_dim) {
  HG_CHECK(parts_.features && parts_.classifier, name_, ": features and classifier are required");
  register_module("features", parts_.features);
  if (parts_.attention) register_module("attention", parts_.attention);
  if (parts_.avgpool) register_module("avgpool", parts_.avgpool);
  register_module("classifier", parts_.classifier);
}

Tensor ConvBackbone::forward(const Tensor& input) {
  check_defined(input, name_.c_str());
  HG_CHECK(input.dim() == 4 && input.size(1) == in_channels_, name_, ": expected images [N, ",
           in_channels_, ", H, W], got ", input.description());
  HG_CHECK(
      required_size_ == 0 || (input.size(2) == required_size_ && input.size(3) == required_size_),
      name_, ": this model was built for ", required_size_, "×", required_size_,
      " images (BackboneOptions::image_size), got ", input.description());
  Tensor map = parts_.features->forward(input);
  if (parts_.attention) map = parts_.attention->forward(map);
  if (parts_.avgpool) map = parts_.avgpool->forward(map);
  return parts_.classifier->forward(flatten(map, 1));
}

int64_t window_output_size(const char* model, int64_t size, int64_t kernel, int64_t stride,
                           int64_t padding) {
  const int64_t padded = size + 2 * padding;
  HG_CHECK(padded >= kernel, model, ": a feature map of side ", size,
           " is too small for a window of ", kernel, " (padding ", padding,
           "); use larger images (BackboneOptions::image_size)");
  return (padded - kernel) / stride + 1;
}

}  // namespace hg
