// Conv2d: torch.nn.Conv2d with its parameter names ("weight" [out, in/groups, k, k], "bias"
// [out]) and its default initialisation. The op and its formula: autograd/conv2d.h,
// cuda/conv2d.h.
#pragma once

#include "layers/module.h"

namespace hg {

class Conv2d : public Module {
 public:
  // Weight and bias drawn from U(−1/√fan_in, 1/√fan_in), fan_in = in_channels/groups · k · k, by
  // the global generator (torch's kaiming_uniform(a=√5) bound for the weight, and its bias rule).
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1,
         int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1, bool bias = true);
  // [N, in_channels, H, W] → [N, out_channels, OH, OW]
  Tensor forward(const Tensor& input) override;

  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }  // undefined when built with bias = false
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  int64_t kernel_size() const { return kernel_size_; }
  int64_t stride() const { return stride_; }
  int64_t padding() const { return padding_; }
  int64_t dilation() const { return dilation_; }
  int64_t groups() const { return groups_; }

 private:
  int64_t in_channels_, out_channels_, kernel_size_, stride_, padding_, dilation_, groups_;
  Tensor weight_, bias_;
};

}  // namespace hg
