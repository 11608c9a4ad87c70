// 2-D convolution over NCHW tensors: the geometry both paths share, and the cuDNN calls (CUDA
// builds only). CPU twin: tensor/cpu/conv2d.h.
//
// With x [N, C, H, W], weight [O, C/groups, kH, kW], stride s, padding p and dilation d (the same
// along height and width), output channel o of group g = o / (O/groups) reads only input channels
// [g·C/groups, (g + 1)·C/groups), and
//   y[n, o, oh, ow] = bias[o] + Σ_{c, i, j} weight[o, c, i, j] · x[n, g·C/groups + c,
//                                                                 oh·s − p + i·d, ow·s − p + j·d]
// where positions outside the input read 0 (torch's cross-correlation, which deep learning calls
// convolution). Along each dim the output size is floor((in + 2p − d·(k − 1) − 1) / s) + 1.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hg {

// Every size and hyper-parameter of one convolution, as the kernels need them.
struct Conv2dShape {
  int64_t batch = 0, in_channels = 0, in_h = 0, in_w = 0;
  int64_t out_channels = 0, kernel_h = 0, kernel_w = 0, out_h = 0, out_w = 0;
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;

  int64_t group_in_channels() const { return in_channels / groups; }
  int64_t group_out_channels() const { return out_channels / groups; }
  // What one output element sums over: (input channel of its group, kernel row, kernel column).
  int64_t patch_size() const { return group_in_channels() * kernel_h * kernel_w; }
  int64_t in_plane() const { return in_h * in_w; }
  int64_t out_plane() const { return out_h * out_w; }
};

// floor((in + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1; callers check it is ≥ 1.
inline int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                                int64_t dilation) {
  return (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

}  // namespace hg

#include "cuda/stream.h"

namespace hg::cuda {

// How every operand of one call is packed: NCHW (weight OIHW), or channels-last NHWC (weight
// OHWI; tensor/channels_last.h), which cuDNN's bf16 tensor-core kernels read without a transpose.
enum class Conv2dLayout { nchw, nhwc };

// All operands packed in `layout`. T is float, double or bf16; bf16 operands sum in f32 and the
// result is rounded once to bf16 (bf16 convolutions take no bias: the caller adds it in f32).
// bias may be null.
// y = conv(x, weight) (+ bias): cudnnConvolutionForward, then cudnnAddTensor for the bias.
template <typename T>
void conv2d_forward(const T* x, const T* weight, const T* bias, T* y, const Conv2dShape& shape,
                    Conv2dLayout layout, Stream stream);
// grad_x = ∂L/∂x from grad_y = ∂L/∂y: cudnnConvolutionBackwardData.
template <typename T>
void conv2d_backward_input(const T* grad_y, const T* weight, T* grad_x, const Conv2dShape& shape,
                           Conv2dLayout layout, Stream stream);
// grad_weight = ∂L/∂weight: cudnnConvolutionBackwardFilter.
template <typename T>
void conv2d_backward_weight(const T* grad_y, const T* x, T* grad_weight, const Conv2dShape& shape,
                            Conv2dLayout layout, Stream stream);

// What the plan cache holds, for tests and the profiler-minded.
struct Conv2dPlanStats {
  int64_t plans = 0;              // distinct (shape, dtype, layout, math mode, determinism) keys
  int64_t algorithm_choices = 0;  // heuristic queries made, one per plan and direction used
  size_t workspace_bytes = 0;     // the shared workspace's current size
  size_t largest_need_bytes = 0;  // the largest workspace any chosen algorithm needs
};
Conv2dPlanStats conv2d_plan_stats();

}  // namespace hg::cuda
