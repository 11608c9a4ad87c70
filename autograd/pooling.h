// Differentiable 2-D pooling over [N, C, H, W] (or [C, H, W]) tensors: the fixed-window and
// adaptive ops of tensor/pooling.h, and global pooling over each whole plane.
#pragma once

#include "cuda/pooling.h"
#include "tensor/tensor.h"

namespace hg {

Tensor max_pool2d(const Tensor& x, const PoolWindow& window);
// count_include_pad: divide by the whole window, padded zeros included (torch's default), or by
// the number of input elements the window covers.
Tensor avg_pool2d(const Tensor& x, const PoolWindow& window, bool count_include_pad = true);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

// Mean / max over each H×W plane: [N, C, H, W] → [N, C, 1, 1] (keepdim) or [N, C]. Global max
// shares the gradient evenly among tied maxima (hg::max's rule).
Tensor global_avg_pool2d(const Tensor& x, bool keepdim = true);
Tensor global_max_pool2d(const Tensor& x, bool keepdim = true);

}  // namespace hg
