// LayerNorm (torch.nn.LayerNorm): normalise over the trailing dims `normalized_shape` of each
// sample, then scale by γ ("weight", ones) and shift by β ("bias", zeros), both of that shape.
// The formulas: autograd/normalization.h and cuda/normalization.h.
#pragma once

#include "layers/module.h"

namespace hg {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double epsilon = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;

  const Shape& normalized_shape() const { return normalized_shape_; }
  const Tensor& weight() const { return weight_; }  // undefined without elementwise_affine
  const Tensor& bias() const { return bias_; }

 private:
  Shape normalized_shape_;
  double epsilon_;
  Tensor weight_, bias_;
};

}  // namespace hg
