// Differentiable indexing and joining (the raw ops and their formulas: tensor/indexing.h).
// Gradients flow to the data operands, never to indices or conditions.
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace hg {

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
// Not differentiable (its input is integer labels); here so model code finds it beside the rest.
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1);

}  // namespace hg
