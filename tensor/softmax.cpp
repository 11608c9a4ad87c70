// Softmax dispatch: pack the input as [outer, size, inner] around the softmax dim, then run
// tensor/cpu/softmax.h or cuda/softmax.cu.
#include "tensor/softmax.h"

#include "core/profiler.h"
#include "cuda/softmax.h"
#include "tensor/cpu/softmax.h"

namespace hg::ops {

namespace {

// The sizes of a tensor around `dim`: elements before it, along it, after it.
struct Layout {
  int64_t outer = 1, size = 1, inner = 1;
};

Layout layout_around(const Tensor& x, int64_t dim, const char* op) {
  int d = normalize_dim(dim, x.dim(), op);
  Layout layout;
  if (x.dim() == 0) return layout;  // a scalar is a softmax over one element
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < d) layout.outer *= x.shape()[i];
    if (i > d) layout.inner *= x.shape()[i];
  }
  layout.size = x.shape()[d];
  return layout;
}

Tensor forward(const Tensor& x, int64_t dim, bool logarithmic, const char* op) {
  check_defined(x, op);
  Layout layout = layout_around(x, dim, op);
  Tensor packed = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (y.numel() == 0) return y;  // also covers an empty softmax dim, which has no max
  profiler::Scope scope(op, x.is_cuda());
  dispatch_floating(x.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (x.is_cuda()) {
      cuda::softmax<T>(packed.data<T>(), y.data<T>(), layout.outer, layout.size, layout.inner,
                       logarithmic, cuda::current_stream());
    } else {
      cpu::softmax<T>(packed.data<T>(), y.data<T>(), layout.outer, layout.size, layout.inner,
                      logarithmic);
    }
  });
  return y;
}

Tensor backward(const Tensor& grad, const Tensor& y, int64_t dim, bool logarithmic,
                const char* op) {
  check_same_device_and_dtype(grad, y, op);
  HG_CHECK(grad.shape() == y.shape(), op, ": gradient ", grad.description(),
           " does not match the output ", y.description());
  Layout layout = layout_around(y, dim, op);
  Tensor grad_packed = grad.contiguous(), y_packed = y.contiguous();
  Tensor result = Tensor::empty(y.shape(), y.dtype(), y.device());
  if (result.numel() == 0) return result;
  profiler::Scope scope(op, y.is_cuda());
  dispatch_floating(y.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (y.is_cuda()) {
      cuda::softmax_backward<T>(grad_packed.data<T>(), y_packed.data<T>(), result.data<T>(),
                                layout.outer, layout.size, layout.inner, logarithmic,
                                cuda::current_stream());
    } else {
      cpu::softmax_backward<T>(grad_packed.data<T>(), y_packed.data<T>(), result.data<T>(),
                               layout.outer, layout.size, layout.inner, logarithmic);
    }
  });
  return result;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return forward(x, dim, false, "softmax"); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return forward(x, dim, true, "log_softmax"); }

Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim) {
  return backward(grad, y, dim, false, "softmax_backward");
}
Tensor log_softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim) {
  return backward(grad, y, dim, true, "log_softmax_backward");
}

}  // namespace hg::ops
