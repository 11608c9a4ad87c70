// Convolution dispatch: shapes, dtypes and devices are checked here, then the CPU im2col + GEMM
// path (tensor/cpu/conv2d.h) or cuDNN (cuda/conv2d.h) runs on packed operands.
//
// bf16 operands (bf16 mixed precision, autograd/mixed_precision.h) give a bf16 result whose
// sums ran in f32: on CUDA cuDNN's bf16 convolution; on the CPU, its reference, the f32 kernel
// on the operands widened to f32 (exactly) with the result rounded once to bf16. The two differ
// only by the order of the f32 sums (by one bf16 step where that moves a sum across a rounding
// boundary).
//
// Layout. The CPU kernels and cuDNN in f32 and f64 read packed NCHW. A bf16 convolution on the
// GPU whose first operand (the input; ∂L/∂y for the backward ops) is channels-last, as autograd's
// bf16 lowering makes it (tensor/channels_last.h), runs in NHWC: its other operands are made
// channels-last where they are not, and its result is channels-last.
#include "tensor/conv2d.h"

#include "core/profiler.h"
#include "cuda/conv2d.h"
#include "tensor/channels_last.h"
#include "tensor/copy.h"
#include "tensor/cpu/conv2d.h"
#include "tensor/reduce.h"
#include "tensor/views.h"

namespace hg::ops {

namespace {

// Checks input and weight shapes against each other and the hyper-parameters, and returns the
// convolution's geometry. Messages name both shapes: which one is wrong depends on the intent.
Conv2dShape convolution_shape(const Shape& input, const Shape& weight, int64_t stride,
                              int64_t padding, int64_t dilation, int64_t groups, const char* op) {
  HG_CHECK(input.size() == 4, op, ": expected an input [N, C, H, W], got ", shape_string(input),
           " (weight ", shape_string(weight), ")");
  HG_CHECK(weight.size() == 4, op, ": expected a weight [out_channels, in_channels / groups, kH, ",
           "kW], got ", shape_string(weight), " (input ", shape_string(input), ")");
  // An empty batch is fine; an empty plane is not (with padding it would give an output of the
  // bias alone, which cuDNN refuses).
  HG_CHECK(input[2] > 0 && input[3] > 0, op, ": input ", shape_string(input),
           " has an empty plane (H or W is 0)");
  HG_CHECK(stride >= 1 && dilation >= 1 && padding >= 0 && groups >= 1, op, ": stride ", stride,
           ", dilation ", dilation, " and groups ", groups, " must be at least 1 and padding ",
           padding, " at least 0");
  HG_CHECK(input[1] % groups == 0 && weight[0] % groups == 0, op, ": groups = ", groups,
           " must divide the ", input[1], " channels of input ", shape_string(input), " and the ",
           weight[0], " output channels of weight ", shape_string(weight));
  HG_CHECK(weight[1] * groups == input[1], op, ": input ", shape_string(input), " has ", input[1],
           " channels but weight ", shape_string(weight), " with groups = ", groups, " expects ",
           weight[1] * groups);
  HG_CHECK(weight[0] > 0 && weight[1] > 0 && weight[2] > 0 && weight[3] > 0, op, ": weight ",
           shape_string(weight), " has an empty dim (input ", shape_string(input), ")");
  Conv2dShape shape;
  shape.batch = input[0];
  shape.in_channels = input[1];
  shape.in_h = input[2];
  shape.in_w = input[3];
  shape.out_channels = weight[0];
  shape.kernel_h = weight[2];
  shape.kernel_w = weight[3];
  shape.stride = stride;
  shape.padding = padding;
  shape.dilation = dilation;
  shape.groups = groups;
  shape.out_h = conv_output_size(shape.in_h, shape.kernel_h, stride, padding, dilation);
  shape.out_w = conv_output_size(shape.in_w, shape.kernel_w, stride, padding, dilation);
  HG_CHECK(shape.out_h >= 1 && shape.out_w >= 1, op, ": the ", shape.kernel_h, "×", shape.kernel_w,
           " kernel of weight ", shape_string(weight), " with dilation ", dilation, " spans ",
           dilation * (shape.kernel_h - 1) + 1, "×", dilation * (shape.kernel_w - 1) + 1,
           ", more than input ", shape_string(input), " padded by ", padding, " on each side");
  return shape;
}

Shape output_shape(const Conv2dShape& shape) {
  return {shape.batch, shape.out_channels, shape.out_h, shape.out_w};
}

void check_dtype(const Tensor& x, const char* op) {
  HG_CHECK(x.dtype() == DType::f32 || x.dtype() == DType::f64 || x.dtype() == DType::bf16, op,
           ": dtype ", dtype_name(x.dtype()), " is not supported (f32, f64 or bf16)");
}

// The CPU's bf16 convolution: the f32 kernel's reference arithmetic (see the file comment).
bool bf16_on_cpu(const Tensor& x) { return x.dtype() == DType::bf16 && !x.is_cuda(); }
Tensor widened(const Tensor& x) { return x.to(DType::f32); }

template <typename T>
struct IsConvolutionType
    : std::bool_constant<std::is_same_v<T, float> || std::is_same_v<T, double> ||
                         std::is_same_v<T, bf16>> {};

// body(T{}) for T = float, double or bf16; bf16 reaches only the CUDA kernels (the CPU widens it).
template <typename Body>
void dispatch_convolution(DType dtype, const char* op, Body&& body) {
  dispatch_if<IsConvolutionType>(dtype, op, "expected f32, f64 or bf16", body);
}

// The layout of a convolution whose first operand is `first` (see the file comment). A tensor
// that is both contiguous and channels-last (one channel, or a 1 × 1 plane) runs as NCHW.
cuda::Conv2dLayout layout_for(const Tensor& first) {
  const bool nhwc = first.is_cuda() && first.dtype() == DType::bf16 && is_channels_last(first) &&
                    !first.is_contiguous();
  return nhwc ? cuda::Conv2dLayout::nhwc : cuda::Conv2dLayout::nchw;
}

// An operand packed in `layout`, and a result to be written in it.
Tensor packed(const Tensor& x, cuda::Conv2dLayout layout) {
  return layout == cuda::Conv2dLayout::nhwc ? channels_last(x, x.dtype()) : x.contiguous();
}
Tensor empty_packed(const Shape& shape, const Tensor& like, cuda::Conv2dLayout layout) {
  return layout == cuda::Conv2dLayout::nhwc
             ? empty_channels_last(shape, like.dtype(), like.device())
             : Tensor::empty(shape, like.dtype(), like.device());
}

// The two tensor operands of an op: defined, on one device, of one supported dtype.
void check_pair(const Tensor& x, const Tensor& other, const char* op) {
  check_defined(x, op);
  check_defined(other, op);
  check_same_device_and_dtype(x, other, op);
  check_dtype(x, op);
}

// ∂L/∂output must have the output shape that input and weight give.
void check_gradient(const Tensor& grad, const Conv2dShape& shape, const Shape& input_shape,
                    const Shape& weight_shape, const char* op) {
  HG_CHECK(grad.shape() == output_shape(shape), op, ": gradient ", shape_string(grad.shape()),
           " does not match the output shape ", shape_string(output_shape(shape)), " of input ",
           shape_string(input_shape), " and weight ", shape_string(weight_shape));
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride,
              int64_t padding, int64_t dilation, int64_t groups) {
  const char* op = "conv2d";
  check_pair(input, weight, op);
  const Conv2dShape shape =
      convolution_shape(input.shape(), weight.shape(), stride, padding, dilation, groups, op);
  if (bias.defined()) {
    HG_CHECK(input.dtype() != DType::bf16, op,
             ": a bf16 convolution takes no bias (add the f32 bias to its widened result, as "
             "autograd's conv2d does)");
    check_same_device_and_dtype(input, bias, op);
    HG_CHECK(bias.dim() == 1 && bias.size(0) == shape.out_channels, op, ": bias ",
             shape_string(bias.shape()), " does not match the ", shape.out_channels,
             " output channels of weight ", shape_string(weight.shape()));
  }
  if (bf16_on_cpu(input))
    return conv2d(widened(input), widened(weight), Tensor(), stride, padding, dilation, groups)
        .to(DType::bf16);
  const cuda::Conv2dLayout layout = layout_for(input);
  Tensor y = empty_packed(output_shape(shape), input, layout);
  if (y.numel() == 0) return y;
  Tensor x = packed(input, layout), w = packed(weight, layout);
  Tensor b = bias.defined() ? bias.contiguous() : bias;
  profiler::Scope scope(op, input.is_cuda());
  dispatch_convolution(input.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    const T* bias_data = b.defined() ? b.data<T>() : nullptr;
    if (input.is_cuda()) {
      cuda::conv2d_forward<T>(x.data<T>(), w.data<T>(), bias_data, y.data<T>(), shape, layout,
                              cuda::current_stream());
    } else if constexpr (!std::is_same_v<T, bf16>) {
      cpu::conv2d_forward<T>(x.data<T>(), w.data<T>(), bias_data, y.data<T>(), shape);
    }
  });
  return y;
}

Tensor conv2d_backward_input(const Tensor& grad, const Tensor& weight, const Shape& input_shape,
                             int64_t stride, int64_t padding, int64_t dilation, int64_t groups) {
  const char* op = "conv2d_backward_input";
  check_pair(grad, weight, op);
  const Conv2dShape shape =
      convolution_shape(input_shape, weight.shape(), stride, padding, dilation, groups, op);
  check_gradient(grad, shape, input_shape, weight.shape(), op);
  if (bf16_on_cpu(grad))
    return conv2d_backward_input(widened(grad), widened(weight), input_shape, stride, padding,
                                 dilation, groups)
        .to(DType::bf16);
  const cuda::Conv2dLayout layout = layout_for(grad);
  Tensor grad_input = empty_packed(input_shape, grad, layout);
  if (grad_input.numel() == 0) return grad_input;
  Tensor g = packed(grad, layout), w = packed(weight, layout);
  profiler::Scope scope(op, grad.is_cuda());
  dispatch_convolution(grad.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (grad.is_cuda()) {
      cuda::conv2d_backward_input<T>(g.data<T>(), w.data<T>(), grad_input.data<T>(), shape, layout,
                                     cuda::current_stream());
    } else if constexpr (!std::is_same_v<T, bf16>) {
      cpu::conv2d_backward_input<T>(g.data<T>(), w.data<T>(), grad_input.data<T>(), shape);
    }
  });
  return grad_input;
}

Tensor conv2d_backward_weight(const Tensor& grad, const Tensor& input, const Shape& weight_shape,
                              int64_t stride, int64_t padding, int64_t dilation, int64_t groups) {
  const char* op = "conv2d_backward_weight";
  check_pair(grad, input, op);
  const Conv2dShape shape =
      convolution_shape(input.shape(), weight_shape, stride, padding, dilation, groups, op);
  check_gradient(grad, shape, input.shape(), weight_shape, op);
  if (bf16_on_cpu(grad))
    return conv2d_backward_weight(widened(grad), widened(input), weight_shape, stride, padding,
                                  dilation, groups)
        .to(DType::bf16);
  const cuda::Conv2dLayout layout = layout_for(grad);
  Tensor grad_weight = empty_packed(weight_shape, grad, layout);
  if (shape.batch == 0) {  // an empty sum
    fill_(grad_weight, 0);
    return grad_weight;
  }
  Tensor g = packed(grad, layout), x = packed(input, layout);
  profiler::Scope scope(op, grad.is_cuda());
  dispatch_convolution(grad.dtype(), op, [&](auto zero) {
    using T = decltype(zero);
    if (grad.is_cuda()) {
      cuda::conv2d_backward_weight<T>(g.data<T>(), x.data<T>(), grad_weight.data<T>(), shape,
                                      layout, cuda::current_stream());
    } else if constexpr (!std::is_same_v<T, bf16>) {
      cpu::conv2d_backward_weight<T>(g.data<T>(), x.data<T>(), grad_weight.data<T>(), shape);
    }
  });
  return grad_weight;
}

Tensor conv2d_backward_bias(const Tensor& grad) {
  const char* op = "conv2d_backward_bias";
  check_defined(grad, op);
  HG_CHECK(grad.dim() == 4, op, ": expected a gradient [N, O, OH, OW], got ", grad.description());
  // Each plane first (a reduction of the innermost, contiguous dim, one pass over the gradient),
  // then the small [N, O] over the batch.
  Tensor planes =
      reshape(grad.contiguous(), {grad.size(0), grad.size(1), grad.size(2) * grad.size(3)});
  return sum(sum(planes, {2}), {0});
}

}  // namespace hg::ops
