// Elementwise dispatch: shapes and dtypes are checked here, then the CPU reference
// (tensor/cpu/elementwise.h) or the CUDA kernel (cuda/elementwise.cu) runs.
#include "tensor/elementwise.h"

#include "core/profiler.h"
#include "cuda/elementwise.h"
#include "tensor/cpu/elementwise.h"
#include "tensor/reduce.h"

namespace hg::ops {

namespace {

StridedIndex index_of(const Tensor& x, const Shape& target) {
  return broadcast_index(x.shape(), x.strides(), target);
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x, double alpha, double beta) {
  check_defined(x, op_name(op));
  profiler::Scope scope(op_name(op), x.is_cuda());
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  dispatch_floating(x.dtype(), op_name(op), [&](auto zero) {
    using T = decltype(zero);
    StridedIndex x_index = index_of(x, x.shape());
    if (x.is_cuda()) {
      cuda::unary<T>(op, x.data<T>(), x_index, y.data<T>(), y.numel(), T(alpha), T(beta),
                     cuda::current_stream());
    } else {
      cpu::unary<T>(op, x.data<T>(), x_index, y.data<T>(), y.numel(), T(alpha), T(beta));
    }
  });
  return y;
}

Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y,
                      double alpha, double beta) {
  check_same_device_and_dtype(grad, x, op_name(op));
  check_same_device_and_dtype(y, x, op_name(op));
  HG_CHECK(grad.shape() == x.shape() && y.shape() == x.shape(), op_name(op), " backward: gradient ",
           grad.description(), " does not match input ", x.description());
  profiler::Scope scope(op_name(op), x.is_cuda());
  Tensor grad_packed = grad.contiguous(), y_packed = y.contiguous();
  Tensor result = Tensor::empty(x.shape(), x.dtype(), x.device());
  dispatch_floating(x.dtype(), op_name(op), [&](auto zero) {
    using T = decltype(zero);
    StridedIndex x_index = index_of(x, x.shape());
    if (x.is_cuda()) {
      cuda::unary_backward<T>(op, grad_packed.data<T>(), x.data<T>(), x_index, y_packed.data<T>(),
                              result.data<T>(), result.numel(), T(alpha), T(beta),
                              cuda::current_stream());
    } else {
      cpu::unary_backward<T>(op, grad_packed.data<T>(), x.data<T>(), x_index, y_packed.data<T>(),
                             result.data<T>(), result.numel(), T(alpha), T(beta));
    }
  });
  return result;
}

namespace {

// Integer division by zero has no value (on the CPU it ends the process with SIGFPE), so it is
// refused before any kernel runs. The check costs a reduction and, on the GPU, a wait: integer
// division is rare enough for that.
void check_integer_divisor(BinaryOp op, const Tensor& b) {
  if (op != BinaryOp::div || is_floating(b.dtype()) || b.numel() == 0) return;
  Tensor zeros = binary(BinaryOp::eq, b, Tensor::scalar(0, b.dtype(), b.device())).to(DType::i64);
  HG_CHECK(max(zeros).item<int64_t>() == 0, "div: the integer divisor ", b.description(),
           " holds a zero; divide floating-point tensors, or replace the zeros first");
}

// Shared by binary and binary_: result (contiguous, of the broadcast shape) = f(a, b).
void binary_into(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& result) {
  check_integer_divisor(op, b);
  const Shape& target = result.shape();
  dispatch_numeric(a.dtype(), op_name(op), [&](auto zero) {
    using T = decltype(zero);
    StridedIndex a_index = index_of(a, target), b_index = index_of(b, target);
    if (result.is_cuda()) {
      cuda::binary<T>(op, a.data<T>(), a_index, b.data<T>(), b_index, result.data<T>(),
                      result.numel(), cuda::current_stream());
    } else {
      cpu::binary<T>(op, a.data<T>(), a_index, b.data<T>(), b_index, result.data<T>(),
                     result.numel());
    }
  });
}

}  // namespace

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_same_device_and_dtype(a, b, op_name(op));
  Shape target = broadcast_shapes(a.shape(), b.shape(), op_name(op));
  profiler::Scope scope(op_name(op), a.is_cuda());
  Tensor result = Tensor::empty(target, a.dtype(), a.device());
  binary_into(op, a, b, result);
  return result;
}

void binary_(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_same_device_and_dtype(a, b, op_name(op));
  HG_CHECK(a.is_contiguous(), op_name(op), "_: in-place target ", a.description(),
           " must be contiguous");
  Shape target = broadcast_shapes(a.shape(), b.shape(), op_name(op));
  HG_CHECK(target == a.shape(), op_name(op), "_: ", b.description(),
           " does not broadcast to the in-place target ", a.description());
  check_no_partial_overlap(a, b, (std::string(op_name(op)) + "_").c_str());
  profiler::Scope scope(op_name(op), a.is_cuda());
  // Each output element reads only the same element of a, so writing over a is safe.
  binary_into(op, a, b, a);
}

Tensor binary_backward(BinaryOp op, const Tensor& grad, const Tensor& a, const Tensor& b,
                       bool with_respect_to_b) {
  check_same_device_and_dtype(a, b, op_name(op));
  check_same_device_and_dtype(grad, a, op_name(op));
  Shape target = broadcast_shapes(a.shape(), b.shape(), op_name(op));
  HG_CHECK(grad.shape() == target, op_name(op), " backward: gradient ", grad.description(),
           " does not match the output shape ", shape_string(target));
  profiler::Scope scope(op_name(op), a.is_cuda());
  Tensor grad_packed = grad.contiguous();
  Tensor result = Tensor::empty(target, a.dtype(), a.device());
  dispatch_floating(a.dtype(), op_name(op), [&](auto zero) {
    using T = decltype(zero);
    StridedIndex a_index = index_of(a, target), b_index = index_of(b, target);
    if (a.is_cuda()) {
      cuda::binary_backward<T>(op, with_respect_to_b, grad_packed.data<T>(), a.data<T>(), a_index,
                               b.data<T>(), b_index, result.data<T>(), result.numel(),
                               cuda::current_stream());
    } else {
      cpu::binary_backward<T>(op, with_respect_to_b, grad_packed.data<T>(), a.data<T>(), a_index,
                              b.data<T>(), b_index, result.data<T>(), result.numel());
    }
  });
  return result;
}

}  // namespace hg::ops
