// Conv2d: torch.nn.Conv2d with its parameter names ("weight" [out, in/groups, k, k], "bias"
// [out]) and its default initialisation. The op and its formula: autograd/conv2d.h,
// cuda/conv2d.h.
#pragma once

#include "layers/module.h"

namespace hg {

// Conv2d's arguments by name, as torch::nn::Conv2dOptions spells them in C++: the three that
// every convolution needs, then what differs from torch's defaults, e.g.
//   Conv2dOptions(64, 128, 3).with_stride(2).with_padding(1).without_bias()
struct Conv2dOptions {
  Conv2dOptions(int64_t in, int64_t out, int64_t kernel)
      : in_channels(in), out_channels(out), kernel_size(kernel) {}
  Conv2dOptions& with_stride(int64_t value) {
    stride = value;
    return *this;
  }
  Conv2dOptions& with_padding(int64_t value) {
    padding = value;
    return *this;
  }
  Conv2dOptions& with_dilation(int64_t value) {
    dilation = value;
    return *this;
  }
  Conv2dOptions& with_groups(int64_t value) {
    groups = value;
    return *this;
  }
  Conv2dOptions& without_bias() {
    bias = false;
    return *this;
  }

  int64_t in_channels, out_channels, kernel_size;
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  // Weight and bias drawn from U(−1/√fan_in, 1/√fan_in), fan_in = in_channels/groups · k · k, by
  // the global generator (torch's kaiming_uniform(a=√5) bound for the weight, and its bias rule).
  explicit Conv2d(const Conv2dOptions& options);
  // [N, in_channels, H, W] → [N, out_channels, OH, OW]
  Tensor forward(const Tensor& input) override;

  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }  // undefined when built without bias
  const Conv2dOptions& options() const { return options_; }

 private:
  Conv2dOptions options_;
  Tensor weight_, bias_;
};

}  // namespace hg
