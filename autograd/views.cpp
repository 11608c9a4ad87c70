// Backward of each view: the gradient, put back in the input's shape.
#include "autograd/views.h"

#include "autograd/node.h"
#include "tensor/copy.h"
#include "tensor/reduce.h"
#include "tensor/views.h"

namespace hg {

namespace {
// Views whose backward is "reshape the gradient to the input's shape".
Tensor reshaping(const char* name, const Tensor& x, const Tensor& y) {
  Shape input_shape = x.shape();
  return record(name, y, {x}, [input_shape](const Tensor& grad, const GradientMask&) {
    return Gradients{ops::reshape(grad, input_shape)};
  });
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  return reshaping("reshape", x, ops::reshape(x, shape));
}
Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  return reshaping("flatten", x, ops::flatten(x, start_dim, end_dim));
}
Tensor unsqueeze(const Tensor& x, int64_t dim) {
  return reshaping("unsqueeze", x, ops::unsqueeze(x, dim));
}
Tensor squeeze(const Tensor& x, int64_t dim) {
  return reshaping("squeeze", x, ops::squeeze(x, dim));
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& order) {
  Tensor y = ops::permute(x, order);
  // The inverse permutation: input dim order[i] came from output dim i.
  std::vector<int64_t> inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i)
    inverse[normalize_dim(order[i], x.dim(), "permute")] = static_cast<int64_t>(i);
  return record("permute", y, {x}, [inverse](const Tensor& grad, const GradientMask&) {
    return Gradients{ops::permute(grad, inverse)};
  });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  Tensor y = ops::transpose(x, dim0, dim1);
  return record("transpose", y, {x}, [dim0, dim1](const Tensor& grad, const GradientMask&) {
    return Gradients{ops::transpose(grad, dim0, dim1)};
  });
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  Tensor y = ops::narrow(x, dim, start, length);
  Shape input_shape = x.shape();
  return record("narrow", y, {x},
                [input_shape, dim, start, length](const Tensor& grad, const GradientMask&) {
                  Tensor full = Tensor::zeros(input_shape, grad.dtype(), grad.device());
                  ops::copy_(ops::narrow(full, dim, start, length), grad);
                  return Gradients{full};
                });
}

Tensor expand(const Tensor& x, const Shape& shape) {
  Tensor y = ops::expand(x, shape);
  Shape input_shape = x.shape();
  return record("expand", y, {x}, [input_shape](const Tensor& grad, const GradientMask&) {
    return Gradients{ops::sum_to(grad, input_shape)};
  });
}

Tensor contiguous(const Tensor& x) {
  if (x.is_contiguous()) return x;
  return record("contiguous", x.contiguous(), {x},
                [](const Tensor& grad, const GradientMask&) { return Gradients{grad}; });
}

Tensor to(const Tensor& x, Device device) {
  if (x.device() == device) return x;
  Device source = x.device();
  return record("to_device", x.to(device), {x}, [source](const Tensor& grad, const GradientMask&) {
    return Gradients{grad.to(source)};
  });
}

Tensor to(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  DType source = x.dtype();
  return record("to_dtype", x.to(dtype), {x}, [source](const Tensor& grad, const GradientMask&) {
    return Gradients{grad.to(source)};
  });
}

}  // namespace hg
