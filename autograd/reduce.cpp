// Backward of reductions: broadcast the output gradient back over the reduced dims.
//   sum:  ∂L/∂x = g (broadcast)        mean: g / count
//   var:  ∂L/∂x = g · 2 (x − mean) / (count − unbiased)
//   max:  ∂L/∂x = g · 1[x = max] / #ties
#include "autograd/reduce.h"

#include "autograd/node.h"
#include "tensor/elementwise.h"
#include "tensor/reduce.h"
#include "tensor/views.h"

namespace hg {

namespace {
// The shape the output has with keepdim, so a gradient can broadcast against the input.
Shape keepdim_shape(const Tensor& x, const std::vector<int64_t>& dims) {
  Shape shape = x.shape();
  if (dims.empty()) return Shape(x.dim(), 1);
  for (int64_t dim : dims) shape[normalize_dim(dim, x.dim(), "reduce")] = 1;
  return shape;
}

Tensor extreme(const char* name, bool is_max, const Tensor& x, const std::vector<int64_t>& dims,
               bool keepdim) {
  Tensor y = is_max ? ops::max(x, dims, keepdim) : ops::min(x, dims, keepdim);
  Shape kept = keepdim_shape(x, dims);
  return record(
      name, y, {x},
      [x = x.detach(), y = y.detach(), kept, dims](const Tensor& grad, const GradientMask&) {
        Tensor mask = ops::binary(BinaryOp::eq, x, ops::reshape(y, kept));
        Tensor ties = ops::sum(mask, dims, true);
        Tensor share = ops::div(ops::reshape(grad, kept), ties);
        return Gradients{ops::mul(mask, share)};
      });
}
}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor y = ops::sum(x, dims, keepdim);
  Shape input_shape = x.shape(), kept = keepdim_shape(x, dims);
  return record("sum", y, {x}, [input_shape, kept](const Tensor& grad, const GradientMask&) {
    return Gradients{ops::expand(ops::reshape(grad, kept), input_shape).contiguous()};
  });
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor y = ops::mean(x, dims, keepdim);
  Shape input_shape = x.shape(), kept = keepdim_shape(x, dims);
  double scale =
      static_cast<double>(y.numel()) / static_cast<double>(std::max<int64_t>(x.numel(), 1));
  return record("mean", y, {x},
                [input_shape, kept, scale](const Tensor& grad, const GradientMask&) {
                  return Gradients{
                      ops::mul_scalar(ops::expand(ops::reshape(grad, kept), input_shape), scale)};
                });
}

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool unbiased) {
  Tensor y = ops::var(x, dims, keepdim, unbiased);
  Shape kept = keepdim_shape(x, dims);
  int64_t count = x.numel() / std::max<int64_t>(y.numel(), 1);
  double scale = 2.0 / static_cast<double>(unbiased ? count - 1 : count);
  return record(
      "var", y, {x}, [x = x.detach(), dims, kept, scale](const Tensor& grad, const GradientMask&) {
        Tensor centered = ops::sub(x, ops::mean(x, dims, true));
        return Gradients{ops::mul(centered, ops::mul_scalar(ops::reshape(grad, kept), scale))};
      });
}

Tensor max(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme("max", true, x, dims, keepdim);
}

Tensor min(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme("min", false, x, dims, keepdim);
}

}  // namespace hg
