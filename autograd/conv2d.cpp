// Backward of the convolution, beside its forward. y = conv(x, W) + b is linear in x and in W:
//   ∂L/∂x = the transposed convolution of ∂L/∂y with W   (ops::conv2d_backward_input)
//   ∂L/∂W = the correlation of x with ∂L/∂y over N, OH, OW (ops::conv2d_backward_weight)
//   ∂L/∂b = Σ_{n, oh, ow} ∂L/∂y[n, o, oh, ow]
// Each operand is saved only when the other's gradient needs it. Under bf16 mixed precision
// (autograd/mixed_precision.h) the three convolutions read x, W and ∂L/∂y rounded to bf16 and
// accumulate in f32; the bias and its gradient stay f32.
#include "autograd/conv2d.h"

#include "autograd/mixed_precision.h"
#include "autograd/node.h"
#include "tensor/conv2d.h"

namespace hg {

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride,
              int64_t padding, int64_t dilation, int64_t groups) {
  // The convolution kernels compute in f32 or f64 only: bf16 operands keep f32 storage.
  const Precision precision = current_precision();
  Tensor input_lowered = lowered_operand(input, precision, false);
  Tensor weight_lowered = lowered_operand(weight, precision, false);
  Tensor y = ops::conv2d(input_lowered, weight_lowered, bias, stride, padding, dilation, groups);
  Tensor saved_input = needs_gradient(weight) ? input_lowered.detach() : Tensor();
  Tensor saved_weight = needs_gradient(input) ? weight_lowered.detach() : Tensor();
  return record("conv2d", y, {input, weight, bias},
                [saved_input, saved_weight, input_shape = input.shape(),
                 weight_shape = weight.shape(), stride, padding, dilation, groups,
                 precision](const Tensor& grad, const GradientMask& needs) {
                  std::vector<Tensor> gradients(3);
                  Tensor grad_lowered = lowered_operand(grad, precision, false);
                  if (needs[0])
                    gradients[0] = ops::conv2d_backward_input(
                        grad_lowered, saved_weight, input_shape, stride, padding, dilation, groups);
                  if (needs[1])
                    gradients[1] = ops::conv2d_backward_weight(
                        grad_lowered, saved_input, weight_shape, stride, padding, dilation, groups);
                  if (needs[2]) gradients[2] = ops::conv2d_backward_bias(grad);
                  return gradients;
                });
}

}  // namespace hg
