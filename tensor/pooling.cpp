// Pooling dispatch: shapes and windows are checked here, then the CPU reference
// (tensor/cpu/pooling.h) or the CUDA path (cuda/pooling.cu) runs on the packed [planes, H, W].
#include "tensor/pooling.h"

#include <string>

#include "core/profiler.h"
#include "tensor/cpu/pooling.h"

namespace hg::ops {

namespace {

// x's shape with the last two dims replaced by (out_h, out_w).
Shape pooled_shape(const Shape& input_shape, int64_t out_h, int64_t out_w) {
  Shape shape = input_shape;
  shape[shape.size() - 2] = out_h;
  shape[shape.size() - 1] = out_w;
  return shape;
}

PoolShape plane_shape(const Shape& input_shape, int64_t out_h, int64_t out_w) {
  int64_t in_h = input_shape[input_shape.size() - 2], in_w = input_shape[input_shape.size() - 1];
  // adaptive_avg_pool2d_backward's input_shape is checked only against the gradient's shape.
  int64_t planes = in_h * in_w == 0 ? 0 : shape_numel(input_shape) / (in_h * in_w);
  return PoolShape{planes, in_h, in_w, out_h, out_w};
}

// floor((in + 2·padding − kernel) / stride) + 1, after checking the window along one dim.
int64_t pooled_size(const Tensor& x, int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                    const char* axis, const char* op) {
  HG_CHECK(kernel > 0 && stride > 0 && padding >= 0, op, ": kernel ", kernel, ", stride ", stride,
           " and padding ", padding, " along ", axis, " must be positive (padding ≥ 0)");
  HG_CHECK(2 * padding <= kernel, op, ": padding ", padding, " along ", axis,
           " must be at most half the kernel ", kernel);
  HG_CHECK(in + 2 * padding >= kernel, op, ": kernel ", kernel, " with padding ", padding,
           " does not fit the ", axis, " = ", in, " of input ", x.description());
  return (in + 2 * padding - kernel) / stride + 1;
}

PoolShape window_shape(const Tensor& x, const PoolWindow& window, const char* op) {
  check_image_batch(x, op);
  int64_t out_h =
      pooled_size(x, x.size(-2), window.kernel_h, window.stride_h, window.padding_h, "height", op);
  int64_t out_w =
      pooled_size(x, x.size(-1), window.kernel_w, window.stride_w, window.padding_w, "width", op);
  return plane_shape(x.shape(), out_h, out_w);
}

}  // namespace

void check_image_batch(const Tensor& x, const char* op) {
  check_defined(x, op);
  HG_CHECK(x.dim() == 3 || x.dim() == 4, op, ": expected an input [N, C, H, W] or [C, H, W], got ",
           x.description());
  // An empty batch pools to an empty output, but padding around an empty plane would make
  // windows that see nothing at all.
  HG_CHECK(x.size(-2) > 0 && x.size(-1) > 0, op, ": input ", x.description(),
           " has an empty plane (H or W is 0)");
}

Tensor pool2d(PoolMode mode, const Tensor& x, const PoolWindow& window) {
  const char* op = pool_name(mode);
  PoolShape shape = window_shape(x, window, op);
  Tensor packed = x.contiguous();
  Tensor y =
      Tensor::empty(pooled_shape(x.shape(), shape.out_h, shape.out_w), x.dtype(), x.device());
  profiler::Scope scope(op, x.is_cuda());
  dispatch_floating(x.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (x.is_cuda()) {
      cuda::pool2d<T>(mode, packed.data<T>(), y.data<T>(), shape, window, cuda::current_stream());
    } else {
      cpu::pool2d<T>(mode, packed.data<T>(), y.data<T>(), shape, window);
    }
  });
  return y;
}

Tensor pool2d_backward(PoolMode mode, const Tensor& grad, const Tensor& x, const Tensor& y,
                       const PoolWindow& window) {
  const std::string name = std::string(pool_name(mode)) + "_backward";
  const char* op = name.c_str();
  PoolShape shape = window_shape(x, window, op);
  check_same_device_and_dtype(grad, x, op);
  check_same_device_and_dtype(y, x, op);
  Shape expected = pooled_shape(x.shape(), shape.out_h, shape.out_w);
  HG_CHECK(grad.shape() == expected && y.shape() == expected, op, ": gradient ", grad.description(),
           " and output ", y.description(), " must have the pooled shape ", shape_string(expected),
           " of input ", x.description());
  Tensor grad_packed = grad.contiguous(), x_packed = x.contiguous(), y_packed = y.contiguous();
  Tensor grad_x = Tensor::empty(x.shape(), x.dtype(), x.device());
  profiler::Scope scope(op, x.is_cuda());
  dispatch_floating(x.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (x.is_cuda()) {
      cuda::pool2d_backward<T>(mode, grad_packed.data<T>(), x_packed.data<T>(), y_packed.data<T>(),
                               grad_x.data<T>(), shape, window, cuda::current_stream());
    } else {
      cpu::pool2d_backward<T>(mode, grad_packed.data<T>(), x_packed.data<T>(), grad_x.data<T>(),
                              shape, window);
    }
  });
  return grad_x;
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  const char* op = "adaptive_avg_pool2d";
  check_image_batch(x, op);
  HG_CHECK(out_h > 0 && out_w > 0, op, ": output size ", out_h, " × ", out_w, " must be positive");
  HG_CHECK(x.size(-2) > 0 && x.size(-1) > 0, op, ": input ", x.description(),
           " has an empty plane");
  PoolShape shape = plane_shape(x.shape(), out_h, out_w);
  Tensor packed = x.contiguous();
  Tensor y = Tensor::empty(pooled_shape(x.shape(), out_h, out_w), x.dtype(), x.device());
  profiler::Scope scope(op, x.is_cuda());
  dispatch_floating(x.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (x.is_cuda()) {
      cuda::adaptive_avg_pool2d<T>(packed.data<T>(), y.data<T>(), shape, cuda::current_stream());
    } else {
      cpu::adaptive_avg_pool2d<T>(packed.data<T>(), y.data<T>(), shape);
    }
  });
  return y;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad, const Shape& input_shape) {
  const char* op = "adaptive_avg_pool2d_backward";
  check_image_batch(grad, op);
  HG_CHECK(input_shape.size() == grad.shape().size() &&
               pooled_shape(input_shape, grad.size(-2), grad.size(-1)) == grad.shape(),
           op, ": gradient ", grad.description(), " does not match input shape ",
           shape_string(input_shape));
  PoolShape shape = plane_shape(input_shape, grad.size(-2), grad.size(-1));
  Tensor grad_packed = grad.contiguous();
  Tensor grad_x = Tensor::empty(input_shape, grad.dtype(), grad.device());
  profiler::Scope scope(op, grad.is_cuda());
  dispatch_floating(grad.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (grad.is_cuda()) {
      cuda::adaptive_avg_pool2d_backward<T>(grad_packed.data<T>(), grad_x.data<T>(), shape,
                                            cuda::current_stream());
    } else {
      cpu::adaptive_avg_pool2d_backward<T>(grad_packed.data<T>(), grad_x.data<T>(), shape);
    }
  });
  return grad_x;
}

}  // namespace hg::ops
