// Raw 2-D pooling over the last two dims of [N, C, H, W] or [C, H, W] tensors (no autograd; see
// autograd/pooling.h). The window rules and the adaptive rule are in cuda/pooling.h.
#pragma once

#include "cuda/pooling.h"
#include "tensor/tensor.h"

namespace hg::ops {

// Throws unless x is an image batch [N, C, H, W] or [C, H, W] with a nonempty plane (windows over
// an empty plane, and a global pool of one, would see nothing at all). `op` names the caller.
void check_image_batch(const Tensor& x, const char* op);

// Max or average pooling with a fixed window. Padding must be at most half the kernel (torch's
// rule: every window then holds at least one input element).
Tensor pool2d(PoolMode mode, const Tensor& x, const PoolWindow& window);
// ∂L/∂x from ∂L/∂y. Max pooling reads x and the forward's output y to find each window's
// winner (the first maximum; on the GPU cuDNN picks among exact ties); average pooling needs
// only their shapes.
Tensor pool2d_backward(PoolMode mode, const Tensor& grad, const Tensor& x, const Tensor& y,
                       const PoolWindow& window);

// Average pooling to an out_h × out_w grid whatever the input size (torch's AdaptiveAvgPool2d).
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& grad, const Shape& input_shape);

}  // namespace hg::ops
