// LayerNorm module: parameters as torch initialises them, and the forward.
#include "layers/layer_norm.h"

#include "autograd/normalization.h"

namespace hg {

LayerNorm::LayerNorm(Shape normalized_shape, double epsilon, bool elementwise_affine)
    : normalized_shape_(std::move(normalized_shape)), epsilon_(epsilon) {
  HG_CHECK(!normalized_shape_.empty() && shape_numel(normalized_shape_) > 0,
           "LayerNorm: normalized shape ", shape_string(normalized_shape_),
           " must have at least one dim and one element");
  if (elementwise_affine) {
    weight_ = register_parameter("weight", Tensor::ones(normalized_shape_));
    bias_ = register_parameter("bias", Tensor::zeros(normalized_shape_));
  }
}

Tensor LayerNorm::forward(const Tensor& input) {
  return layer_norm(input, normalized_shape_, weight_, bias_, epsilon_);
}

}  // namespace hg
