// Conv2d layer (see conv2d.h).
#include "layers/conv2d.h"

#include <cmath>

#include "autograd/conv2d.h"
#include "tensor/random.h"

namespace hg {

Conv2d::Conv2d(const Conv2dOptions& options) : options_(options) {
  const auto& [in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias] =
      options;
  HG_CHECK(in_channels > 0 && out_channels > 0 && kernel_size > 0, "Conv2d: in_channels ",
           in_channels, ", out_channels ", out_channels, " and kernel_size ", kernel_size,
           " must be positive");
  HG_CHECK(stride >= 1 && dilation >= 1 && padding >= 0, "Conv2d: stride ", stride,
           " and dilation ", dilation, " must be at least 1 and padding ", padding, " at least 0");
  HG_CHECK(groups >= 1 && in_channels % groups == 0 && out_channels % groups == 0,
           "Conv2d: groups = ", groups, " must divide in_channels ", in_channels,
           " and out_channels ", out_channels);
  const int64_t fan_in = in_channels / groups * kernel_size * kernel_size;
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  weight_ = register_parameter(
      "weight",
      ops::uniform({out_channels, in_channels / groups, kernel_size, kernel_size}, -bound, bound));
  if (bias) bias_ = register_parameter("bias", ops::uniform({out_channels}, -bound, bound));
}

Tensor Conv2d::forward(const Tensor& input) {
  return conv2d(input, weight_, bias_, options_.stride, options_.padding, options_.dilation,
                options_.groups);
}

}  // namespace hg
