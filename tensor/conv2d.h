// Raw 2-D convolution (no autograd; see autograd/conv2d.h): torch.nn.functional.conv2d on NCHW
// tensors with square stride, padding and dilation and any kernel height × width. The formula is
// in cuda/conv2d.h. CPU: im2col + the blocked GEMM (tensor/cpu/conv2d.h); CUDA: cuDNN with a
// plan per shape (cuda/conv2d.h). dtypes f32, f64 and bf16: bf16 operands sum in f32 and give a
// bf16 result, with no bias (bf16 mixed precision; tensor/conv2d.cpp says how the CPU computes it).
#pragma once

#include "tensor/tensor.h"

namespace hg::ops {

// input [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] or undefined → [N, O, OH, OW].
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride = 1,
              int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1);

// ∂L/∂input [input_shape] from grad = ∂L/∂output and the weight.
Tensor conv2d_backward_input(const Tensor& grad, const Tensor& weight, const Shape& input_shape,
                             int64_t stride = 1, int64_t padding = 0, int64_t dilation = 1,
                             int64_t groups = 1);

// ∂L/∂weight [weight_shape] from grad = ∂L/∂output and the input.
Tensor conv2d_backward_weight(const Tensor& grad, const Tensor& input, const Shape& weight_shape,
                              int64_t stride = 1, int64_t padding = 0, int64_t dilation = 1,
                              int64_t groups = 1);

// ∂L/∂bias [O] = Σ_{n, oh, ow} grad[n, o, oh, ow].
Tensor conv2d_backward_bias(const Tensor& grad);

}  // namespace hg::ops
