// Pooling modules: each forwards to its differentiable op.
#include "layers/pooling.h"

#include "autograd/pooling.h"

namespace hg {

Tensor MaxPool2d::forward(const Tensor& input) { return max_pool2d(input, window_); }

Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, window_, count_include_pad_);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
  return adaptive_avg_pool2d(input, out_h_, out_w_);
}

}  // namespace hg
