// Backward of indexing: each op's gradient routes ∂L/∂y back to where the values came from.
//   concat:       ∂L/∂x_i = the slice of g that x_i filled (narrow)
//   index_select: ∂L/∂x = zeros, then += g rows at index (index_add; repeated rows add up)
//   gather:       ∂L/∂x = zeros, then scatter_add g at index
//   scatter_add:  ∂L/∂x = g,  ∂L/∂source = gather(g, index) (zeros outside index's shape)
//   stack:        ∂L/∂x_i = g[.., i, ..] (the i-th slice along the new dim)
//   where:        ∂L/∂a = g where c ≠ 0, ∂L/∂b = g where c = 0, each summed to its shape
#include "autograd/indexing.h"

#include "autograd/node.h"
#include "tensor/copy.h"
#include "tensor/indexing.h"
#include "tensor/reduce.h"
#include "tensor/views.h"

namespace hg {

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim) {
  Tensor y = ops::concat(tensors, dim);
  std::vector<int64_t> lengths;
  for (const Tensor& tensor : tensors) lengths.push_back(tensor.size(dim));
  return record("concat", y, tensors,
                [lengths, dim](const Tensor& grad, const GradientMask& needs) {
                  Gradients gradients(lengths.size());
                  int64_t start = 0;
                  for (size_t i = 0; i < lengths.size(); ++i) {
                    if (needs[i])
                      gradients[i] = ops::narrow(grad, dim, start, lengths[i]).contiguous();
                    start += lengths[i];
                  }
                  return gradients;
                });
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  Tensor y = ops::stack(tensors, dim);
  int d = normalize_dim(dim, y.dim(), "stack");
  size_t count = tensors.size();
  return record("stack", y, tensors, [count, d](const Tensor& grad, const GradientMask& needs) {
    Gradients gradients(count);
    for (size_t i = 0; i < count; ++i)
      if (needs[i])
        gradients[i] =
            ops::squeeze(ops::narrow(grad, d, static_cast<int64_t>(i), 1), d).contiguous();
    return gradients;
  });
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor y = ops::index_select(x, dim, index);
  Shape input_shape = x.shape();
  return record(
      "index_select", y, {x, index},
      [input_shape, dim, index = index.detach()](const Tensor& grad, const GradientMask&) {
        Tensor zeros = Tensor::zeros(input_shape, grad.dtype(), grad.device());
        return Gradients{ops::index_add(zeros, dim, index, grad), Tensor()};
      });
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor y = ops::gather(x, dim, index);
  Shape input_shape = x.shape();
  return record(
      "gather", y, {x, index},
      [input_shape, dim, index = index.detach()](const Tensor& grad, const GradientMask&) {
        Tensor zeros = Tensor::zeros(input_shape, grad.dtype(), grad.device());
        return Gradients{ops::scatter_add(zeros, dim, index, grad), Tensor()};
      });
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source) {
  Tensor y = ops::scatter_add(x, dim, index, source);
  Shape source_shape = source.shape();
  return record(
      "scatter_add", y, {x, index, source},
      [dim, index = index.detach(), source_shape](const Tensor& grad, const GradientMask& needs) {
        if (!needs[2]) return Gradients{grad, Tensor(), Tensor()};
        Tensor picked = ops::gather(grad, dim, index);
        if (picked.shape() == source_shape) return Gradients{grad, Tensor(), picked};
        // source was larger than index: its extra elements were never read.
        Tensor source_grad = Tensor::zeros(source_shape, grad.dtype(), grad.device());
        Tensor block = source_grad;
        for (int64_t k = 0; k < picked.dim(); ++k)
          block = ops::narrow(block, k, 0, picked.shape()[k]);
        ops::copy_(block, picked);
        return Gradients{grad, Tensor(), source_grad};
      });
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  Tensor y = ops::where(condition, a, b);
  Shape a_shape = a.shape(), b_shape = b.shape();
  return record("where", y, {condition, a, b},
                [condition = condition.detach(), a_shape, b_shape](const Tensor& grad,
                                                                   const GradientMask& needs) {
                  Tensor zero = Tensor::zeros({}, grad.dtype(), grad.device());
                  Gradients gradients(3);
                  if (needs[1])
                    gradients[1] = ops::sum_to(ops::where(condition, grad, zero), a_shape);
                  if (needs[2])
                    gradients[2] = ops::sum_to(ops::where(condition, zero, grad), b_shape);
                  return gradients;
                });
}

Tensor one_hot(const Tensor& labels, int64_t num_classes) {
  return ops::one_hot(labels, num_classes);
}

}  // namespace hg
