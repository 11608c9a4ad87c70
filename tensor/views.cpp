// Views only rewrite (shape, strides, offset); see views.h.
#include "tensor/views.h"

#include <algorithm>

namespace hg::ops {

Tensor reshape(const Tensor& x, Shape shape) {
  check_defined(x, "reshape");
  int64_t inferred = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      HG_CHECK(inferred < 0, "reshape: only one size may be -1, got ", shape_string(shape));
      inferred = static_cast<int64_t>(i);
    } else {
      HG_CHECK(shape[i] >= 0, "reshape: invalid size in ", shape_string(shape));
      known *= shape[i];
    }
  }
  if (inferred >= 0) {
    HG_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot reshape ", x.description(),
             " to ", shape_string(shape));
    shape[inferred] = x.numel() / known;
  }
  HG_CHECK(shape_numel(shape) == x.numel(), "reshape: cannot reshape ", x.description(), " (",
           x.numel(), " elements) to ", shape_string(shape), " (", shape_numel(shape),
           " elements)");
  Tensor source = x.contiguous();
  return Tensor::from_storage(source.storage(), shape, contiguous_strides(shape), source.offset(),
                              source.dtype());
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  int start = normalize_dim(start_dim, x.dim(), "flatten");
  int end = normalize_dim(end_dim, x.dim(), "flatten");
  HG_CHECK(start <= end, "flatten: start_dim ", start_dim, " is after end_dim ", end_dim);
  Shape shape(x.shape().begin(), x.shape().begin() + start);
  int64_t merged = 1;
  for (int d = start; d <= end; ++d) merged *= x.shape()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), x.shape().begin() + end + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& order) {
  check_defined(x, "permute");
  HG_CHECK(static_cast<int64_t>(order.size()) == x.dim(), "permute: order has ", order.size(),
           " dims, tensor ", x.description(), " has ", x.dim());
  Shape shape(order.size()), strides(order.size());
  std::vector<bool> seen(order.size(), false);
  for (size_t i = 0; i < order.size(); ++i) {
    int d = normalize_dim(order[i], x.dim(), "permute");
    HG_CHECK(!seen[d], "permute: dim ", order[i], " appears twice");
    seen[d] = true;
    shape[i] = x.shape()[d];
    strides[i] = x.strides()[d];
  }
  return Tensor::from_storage(x.storage(), shape, strides, x.offset(), x.dtype());
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  std::vector<int64_t> order(x.dim());
  for (int64_t i = 0; i < x.dim(); ++i) order[i] = i;
  std::swap(order[normalize_dim(dim0, x.dim(), "transpose")],
            order[normalize_dim(dim1, x.dim(), "transpose")]);
  return permute(x, order);
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  check_defined(x, "narrow");
  int d = normalize_dim(dim, x.dim(), "narrow");
  HG_CHECK(start >= 0 && length >= 0 && start + length <= x.shape()[d], "narrow: range [", start,
           ", ", start + length, ") is outside dim ", dim, " of ", x.description());
  Shape shape = x.shape();
  shape[d] = length;
  return Tensor::from_storage(x.storage(), shape, x.strides(), x.offset() + start * x.strides()[d],
                              x.dtype());
}

Tensor expand(const Tensor& x, const Shape& shape) {
  check_defined(x, "expand");
  HG_CHECK(shape.size() >= x.shape().size(), "expand: cannot expand ", x.description(), " to ",
           shape_string(shape));
  StridedIndex index = broadcast_index(x.shape(), x.strides(), shape);
  for (size_t i = 0; i < shape.size(); ++i) {
    size_t lead = shape.size() - x.shape().size();
    HG_CHECK(i < lead || x.shape()[i - lead] == shape[i] || x.shape()[i - lead] == 1,
             "expand: cannot expand ", x.description(), " to ", shape_string(shape));
  }
  Shape strides(index.strides, index.strides + shape.size());
  return Tensor::from_storage(x.storage(), shape, strides, x.offset(), x.dtype());
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  int d = normalize_dim(dim, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape(), strides = x.strides();
  int64_t stride = d < x.dim() ? x.strides()[d] * x.shape()[d] : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return Tensor::from_storage(x.storage(), shape, strides, x.offset(), x.dtype());
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  int d = normalize_dim(dim, x.dim(), "squeeze");
  HG_CHECK(x.shape()[d] == 1, "squeeze: dim ", dim, " of ", x.description(), " is not 1");
  Shape shape = x.shape(), strides = x.strides();
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return Tensor::from_storage(x.storage(), shape, strides, x.offset(), x.dtype());
}

}  // namespace hg::ops
