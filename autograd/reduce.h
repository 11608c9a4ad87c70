// Differentiable reductions. An empty `dims` list reduces every dim.
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace hg {

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor var(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false,
           bool unbiased = true);
// The gradient of max/min is split evenly among tied extremes (torch.amax's rule).
Tensor max(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor min(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);

}  // namespace hg
