// Backward of the convolution, beside its forward. y = conv(x, W) + b is linear in x and in W:
//   ∂L/∂x = the transposed convolution of ∂L/∂y with W   (ops::conv2d_backward_input)
//   ∂L/∂W = the correlation of x with ∂L/∂y over N, OH, OW (ops::conv2d_backward_weight)
//   ∂L/∂b = Σ_{n, oh, ow} ∂L/∂y[n, o, oh, ow]
// Each operand is saved only when the other's gradient needs it. Under bf16 mixed precision
// (autograd/mixed_precision.h) the three convolutions read x, W and ∂L/∂y as bf16, sum in f32 and
// write bf16 (cuDNN's bf16 convolution; tensor/conv2d.h has its CPU reference), which is widened
// to f32 at once; the bias is added in f32 and its gradient is summed from the f32 ∂L/∂y. The
// saved operands are the bf16 copies. On the GPU those copies are channels-last, made in the
// pass that rounds them, so cuDNN's bf16 kernels run in NHWC without transposing; the widening
// copy of each result transposes it back to NCHW in the same way.
#include "autograd/conv2d.h"

#include "autograd/mixed_precision.h"
#include "autograd/node.h"
#include "core/profiler.h"
#include "tensor/conv2d.h"
#include "tensor/elementwise.h"
#include "tensor/views.h"

namespace hg {

namespace {

// The bf16 conversions around the convolutions (operands rounded and, on the GPU, packed
// channels-last; results widened back to packed NCHW f32) are timed under a name of their own,
// so a profile (HASHGRAD_PROFILE=1) shows what bf16 adds beside the convolutions themselves.
constexpr const char* kConversions = "conv2d_bf16_conversion";

// An operand as the convolution reads it under `precision` (autograd/mixed_precision.h).
Tensor lowered(const Tensor& x, Precision precision) {
  if (precision != Precision::bf16) return x;
  profiler::Scope scope(kConversions, x.is_cuda());
  return lowered_operand(x, precision, x.is_cuda());
}

// A lowered convolution's bf16 result in f32, where the rest of the graph computes.
Tensor widened(const Tensor& x) {
  if (x.dtype() != DType::bf16) return x;
  profiler::Scope scope(kConversions, x.is_cuda());
  return x.to(DType::f32);
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride,
              int64_t padding, int64_t dilation, int64_t groups) {
  const Precision precision = current_precision();
  Tensor input_lowered = lowered(input, precision);
  Tensor weight_lowered = lowered(weight, precision);
  // A bf16 convolution takes no bias (its result is bf16): the bias is added to the widened one.
  const bool bias_after = input_lowered.dtype() == DType::bf16 && bias.defined();
  Tensor y = widened(ops::conv2d(input_lowered, weight_lowered, bias_after ? Tensor() : bias,
                                 stride, padding, dilation, groups));
  if (bias_after) ops::add_(y, ops::reshape(bias, {1, bias.numel(), 1, 1}));
  Tensor saved_input = needs_gradient(weight) ? input_lowered.detach() : Tensor();
  Tensor saved_weight = needs_gradient(input) ? weight_lowered.detach() : Tensor();
  return record(
      "conv2d", y, {input, weight, bias},
      [saved_input, saved_weight, input_shape = input.shape(), weight_shape = weight.shape(),
       stride, padding, dilation, groups,
       precision](const Tensor& grad, const GradientMask& needs) {
        std::vector<Tensor> gradients(3);
        Tensor grad_lowered = lowered(grad, precision);
        if (needs[0])
          gradients[0] = widened(ops::conv2d_backward_input(grad_lowered, saved_weight, input_shape,
                                                            stride, padding, dilation, groups));
        if (needs[1])
          gradients[1] = widened(ops::conv2d_backward_weight(
              grad_lowered, saved_input, weight_shape, stride, padding, dilation, groups));
        if (needs[2]) gradients[2] = ops::conv2d_backward_bias(grad);
        return gradients;
      });
}

}  // namespace hg
