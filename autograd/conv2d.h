// Differentiable 2-D convolution, torch.nn.functional.conv2d on NCHW tensors (square stride,
// padding and dilation; any kernel height × width; groups, depthwise included). The formula is in
// cuda/conv2d.h, the raw ops in tensor/conv2d.h.
#pragma once

#include "tensor/tensor.h"

namespace hg {

// input [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or undefined → [N, O, OH, OW] with
// OH = floor((H + 2·padding − dilation·(kH − 1) − 1) / stride) + 1, and OW likewise.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride = 1,
              int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1);

}  // namespace hg
