// Raw views: new shape/strides/offset over the same Storage, no data moved (reshape of a
// non-contiguous tensor is the one exception: it copies, as torch.reshape does).
#pragma once

#include "tensor/tensor.h"

namespace hg::ops {

// One size may be -1 (inferred). Views when the tensor is contiguous, copies otherwise.
Tensor reshape(const Tensor& x, Shape shape);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& order);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
// Elements [start, start + length) along `dim`.
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
// Sizes 1 (or missing leading dims) become `shape` with stride 0.
Tensor expand(const Tensor& x, const Shape& shape);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x, int64_t dim);

}  // namespace hg::ops
