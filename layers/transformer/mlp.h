// The transformer's feed-forward block (timm's Mlp): y = fc2(GELU(fc1(x))), hidden width
// usually 4 × the input's. Linear weights trunc normal std 0.02, biases zero (timm).
#pragma once

#include <memory>

#include "layers/linear.h"
#include "layers/module.h"

namespace hg {

class Mlp : public Module {
 public:
  Mlp(int64_t in_features, int64_t hidden_features);
  // x [..., in] → [..., in]
  Tensor forward(const Tensor& input) override;

 private:
  std::shared_ptr<Linear> fc1_, fc2_;
};

}  // namespace hg
