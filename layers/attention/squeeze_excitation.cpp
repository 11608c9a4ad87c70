// Squeeze-and-excitation gate (see squeeze_excitation.h).
#include "layers/attention/squeeze_excitation.h"

#include <algorithm>

#include "autograd/elementwise.h"
#include "autograd/pooling.h"
#include "layers/attention/attention.h"

namespace hg {

SqueezeExcitation::SqueezeExcitation(int64_t channels, int64_t reduction) : channels_(channels) {
  HG_CHECK(channels > 0 && reduction > 0,
           "SqueezeExcitation: channels and reduction must be "
           "positive, got ",
           channels, " and ", reduction);
  const int64_t squeeze = std::max<int64_t>(1, channels / reduction);
  fc1_ = register_module("fc1", std::make_shared<Conv2d>(Conv2dOptions(channels, squeeze, 1)));
  fc2_ = register_module("fc2", std::make_shared<Conv2d>(Conv2dOptions(squeeze, channels, 1)));
}

Tensor SqueezeExcitation::forward(const Tensor& input) {
  check_feature_map(input, channels_, "SqueezeExcitation");
  Tensor scale = sigmoid(fc2_->forward(relu(fc1_->forward(global_avg_pool2d(input)))));
  return scale * input;
}

}  // namespace hg
