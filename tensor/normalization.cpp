// Normalisation dispatch: layouts and operands are checked here, then the CPU reference
// (tensor/cpu/normalization.h) or the CUDA kernels (cuda/normalization.cu) run.
#include "tensor/normalization.h"

#include <algorithm>

#include "core/profiler.h"
#include "tensor/cpu/normalization.h"

namespace hg::ops {

namespace {

const char* layer_name(const NormalizationLayout& layout, bool backward) {
  if (layout.affine_axis == AffineAxis::group)
    return backward ? "batch_norm_backward" : "batch_norm";
  return backward ? "layer_norm_backward" : "layer_norm";
}

// An optional operand (undefined is fine) must sit beside x and have `count` elements.
void check_operand(const Tensor& operand, const Tensor& x, int64_t count, const char* what,
                   const char* op) {
  if (!operand.defined()) return;
  check_same_device_and_dtype(operand, x, op);
  HG_CHECK(operand.numel() == count, op, ": ", what, " ", operand.description(), " must have ",
           count, " elements for input ", x.description());
}

int64_t parameter_count(const NormalizationLayout& layout) {
  return layout.affine_axis == AffineAxis::group ? layout.groups : layout.inner;
}

void check_layout(const Tensor& x, const NormalizationLayout& layout, const char* op) {
  check_defined(x, op);
  HG_CHECK(layout.outer * layout.groups * layout.inner == x.numel(), op, ": layout [", layout.outer,
           ", ", layout.groups, ", ", layout.inner, "] does not cover input ", x.description());
}

template <typename T>
T* data_or_null(const Tensor& tensor) {
  return tensor.defined() ? tensor.data<T>() : nullptr;
}

Tensor packed_or_undefined(const Tensor& tensor) {
  return tensor.defined() ? tensor.contiguous() : Tensor();
}

}  // namespace

NormalizationLayout batch_norm_layout(const Tensor& x) {
  check_defined(x, "batch_norm");
  HG_CHECK(x.dim() >= 2, "batch_norm: expected an input [N, C, ...], got ", x.description());
  NormalizationLayout layout;
  layout.outer = x.shape()[0];
  layout.groups = x.shape()[1];
  for (int64_t d = 2; d < x.dim(); ++d) layout.inner *= x.shape()[d];
  layout.affine_axis = AffineAxis::group;
  return layout;
}

NormalizationLayout layer_norm_layout(const Tensor& x, const Shape& normalized_shape) {
  check_defined(x, "layer_norm");
  size_t lead = x.shape().size() - std::min(x.shape().size(), normalized_shape.size());
  HG_CHECK(!normalized_shape.empty() && normalized_shape.size() <= x.shape().size() &&
               Shape(x.shape().begin() + lead, x.shape().end()) == normalized_shape,
           "layer_norm: normalized shape ", shape_string(normalized_shape),
           " must be the trailing dims of input ", x.description());
  NormalizationLayout layout;
  layout.inner = shape_numel(normalized_shape);
  layout.groups = layout.inner == 0 ? 0 : x.numel() / layout.inner;
  layout.affine_axis = AffineAxis::inner;
  return layout;
}

NormalizationForward normalization_forward(const Tensor& x, const NormalizationLayout& layout,
                                           const Tensor& weight, const Tensor& bias, double epsilon,
                                           const Tensor& mean, const Tensor& var) {
  const char* op = layer_name(layout, false);
  check_layout(x, layout, op);
  HG_CHECK(epsilon >= 0, op, ": epsilon ", epsilon, " must be non-negative");
  check_operand(weight, x, parameter_count(layout), "weight", op);
  check_operand(bias, x, parameter_count(layout), "bias", op);
  HG_CHECK(mean.defined() == var.defined(), op, ": give both mean and var, or neither");
  check_operand(mean, x, layout.groups, "mean", op);
  check_operand(var, x, layout.groups, "var", op);
  const bool compute_statistics = !mean.defined();
  NormalizationForward result;
  result.output = Tensor::empty(x.shape(), x.dtype(), x.device());
  result.mean = compute_statistics ? Tensor::empty({layout.groups}, x.dtype(), x.device())
                                   : mean.contiguous();
  result.var =
      compute_statistics ? Tensor::empty({layout.groups}, x.dtype(), x.device()) : var.contiguous();
  Tensor packed = x.contiguous(), weight_packed = packed_or_undefined(weight),
         bias_packed = packed_or_undefined(bias);
  profiler::Scope scope(op, x.is_cuda());
  dispatch_floating(x.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    const T* weight_data = data_or_null<T>(weight_packed);
    const T* bias_data = data_or_null<T>(bias_packed);
    if (x.is_cuda()) {
      cuda::normalization_forward<T>(packed.data<T>(), weight_data, bias_data, layout, epsilon,
                                     compute_statistics, result.mean.data<T>(),
                                     result.var.data<T>(), result.output.data<T>(),
                                     cuda::current_stream());
    } else {
      cpu::normalization_forward<T>(packed.data<T>(), weight_data, bias_data, layout, epsilon,
                                    compute_statistics, result.mean.data<T>(), result.var.data<T>(),
                                    result.output.data<T>());
    }
  });
  return result;
}

NormalizationGradients normalization_backward(const Tensor& grad, const Tensor& x,
                                              const NormalizationLayout& layout,
                                              const Tensor& weight, const Tensor& mean,
                                              const Tensor& var, double epsilon,
                                              bool batch_statistics, bool weight_gradient,
                                              bool bias_gradient) {
  const char* op = layer_name(layout, true);
  check_layout(x, layout, op);
  check_same_device_and_dtype(grad, x, op);
  HG_CHECK(grad.shape() == x.shape(), op, ": gradient ", grad.description(),
           " does not match input ", x.description());
  HG_CHECK(mean.defined() && var.defined(), op, ": needs the forward's mean and var");
  check_operand(weight, x, parameter_count(layout), "weight", op);
  check_operand(mean, x, layout.groups, "mean", op);
  check_operand(var, x, layout.groups, "var", op);
  Shape parameter_shape{parameter_count(layout)};
  NormalizationGradients result;
  result.input = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (weight_gradient) result.weight = Tensor::empty(parameter_shape, x.dtype(), x.device());
  if (bias_gradient) result.bias = Tensor::empty(parameter_shape, x.dtype(), x.device());
  Tensor grad_packed = grad.contiguous(), x_packed = x.contiguous(),
         weight_packed = packed_or_undefined(weight), mean_packed = mean.contiguous(),
         var_packed = var.contiguous();
  profiler::Scope scope(op, x.is_cuda());
  dispatch_floating(x.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (x.is_cuda()) {
      cuda::normalization_backward<T>(grad_packed.data<T>(), x_packed.data<T>(),
                                      data_or_null<T>(weight_packed), mean_packed.data<T>(),
                                      var_packed.data<T>(), layout, epsilon, batch_statistics,
                                      result.input.data<T>(), data_or_null<T>(result.weight),
                                      data_or_null<T>(result.bias), cuda::current_stream());
    } else {
      cpu::normalization_backward<T>(
          grad_packed.data<T>(), x_packed.data<T>(), data_or_null<T>(weight_packed),
          mean_packed.data<T>(), var_packed.data<T>(), layout, epsilon, batch_statistics,
          result.input.data<T>(), data_or_null<T>(result.weight), data_or_null<T>(result.bias));
    }
  });
  return result;
}

}  // namespace hg::ops
