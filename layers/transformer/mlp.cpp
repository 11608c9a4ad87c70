// Transformer MLP (see mlp.h).
#include "layers/transformer/mlp.h"

#include "autograd/elementwise.h"
#include "layers/transformer/init.h"

namespace hg {

Mlp::Mlp(int64_t in_features, int64_t hidden_features) {
  fc1_ = register_module("fc1", std::make_shared<Linear>(in_features, hidden_features));
  fc2_ = register_module("fc2", std::make_shared<Linear>(hidden_features, in_features));
  init::timm_linear(*fc1_);
  init::timm_linear(*fc2_);
}

Tensor Mlp::forward(const Tensor& input) { return (*fc2_)(gelu((*fc1_)(input))); }

}  // namespace hg
