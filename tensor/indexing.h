// Raw indexing and joining ops (no autograd; see autograd/indexing.h). Index tensors are i64;
// an index outside its dim is an hg::Error that names the value and the size, on every device.
//
//   concat(xs, d)             xs joined along existing dim d
//   stack(xs, d)              xs joined along a new dim d
//   index_select(x, d, idx)   y[.., j, ..] = x[.., idx[j], ..]           (idx 1-D)
//   gather(x, d, idx)         y[p] = x[p with coordinate d replaced by idx[p]]   (y has idx's
//   shape) scatter_add(x, d, idx, s) y = x; then y[p with coordinate d replaced by idx[p]] += s[p]
//   index_add(x, d, idx, s)   y = x; then y[.., idx[j], ..] += s[.., j, ..]   (idx 1-D)
//   where(c, a, b)            y = c ≠ 0 ? a : b, broadcast over all three
//   one_hot(labels, n)        y[.., k] = 1 if labels[..] = k else 0  (f32, shape labels + [n])
#pragma once

#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace hg::ops {

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// index has x's number of dims and index.size(k) ≤ x.size(k) for every k ≠ dim (PyTorch's rule).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// index.size(k) ≤ source.size(k) for every k, and ≤ x.size(k) for k ≠ dim; positions of source
// outside index's shape are ignored (PyTorch's rule). Several positions may add into one element.
// On CUDA the adds are atomic, so with repeated indices the order of the float additions (and
// the last bits of the result) can change from run to run; with cuda::set_deterministic(true)
// each output fiber is summed by one thread in index order, giving the CPU's exact result.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source);
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source);
// index_add in place on a contiguous x: only the indexed slices are touched (a training step
// updating B rows of a code table costs B rows, not a copy of the table).
void index_add_(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
// num_classes −1 means max(labels) + 1.
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1);

// Throws unless every value of `index` (i64) lies in [0, size). The message names `op`, the
// first offending extreme and `what` the index addresses ("dim 1 of f32[3, 5] cpu").
void check_index_range(const Tensor& index, int64_t size, const char* op, const std::string& what);

}  // namespace hg::ops
