// Raw reductions over any set of dims, with keepdim (no autograd; see autograd/reduce.h).
// An empty `dims` list means all dims.
#pragma once

#include <vector>

#include "cuda/reduce.h"
#include "tensor/tensor.h"

namespace hg::ops {

using Dims = std::vector<int64_t>;

Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Variance with Bessel's correction when `unbiased` (torch.var's default).
Tensor var(const Tensor& x, const Dims& dims = {}, bool keepdim = false, bool unbiased = true);
Tensor max(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor min(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Index (i64) of the first maximum / minimum along one dim.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);

// Sums `x` down to `shape`, the inverse of broadcasting `shape` up to x's shape: the backward
// of every broadcasting op.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace hg::ops
