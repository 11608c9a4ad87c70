// Pooling over the H×W planes of NCHW tensors: what both paths share, and the CUDA launchers
// (stubs that throw in a CPU-only build: cuda/without_cuda/). CPU twins: tensor/cpu/pooling.h.
//
// Fixed windows (MaxPool2d, AvgPool2d): output cell (oh, ow) covers input rows
// oh·stride_h − padding_h + [0, kernel_h) and the matching columns; positions outside the input
// are padding. The output size is floor((in + 2·padding − kernel) / stride) + 1 (torch's
// ceil_mode=False). On CUDA these run through cuDNN.
//
// Adaptive average (AdaptiveAvgPool2d): output cell i of `out` along a dim of input size `in`
// covers [start(i), end(i)) with
//   start(i) = floor(i·in / out),   end(i) = ceil((i + 1)·in / out)
// (torch's rule), so the windows tile the input, overlapping by one when out does not divide in.
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace hg {

enum class PoolMode {
  max,                      // y = max over the window; padding never wins; NaN propagates
  average_include_padding,  // y = Σ window / (kernel_h·kernel_w): padded zeros count (torch
                            // default)
  average_exclude_padding,  // y = Σ window / (number of window positions inside the input)
};

// The op a mode belongs to, as the profiler, errors and autograd nodes name it.
inline const char* pool_name(PoolMode mode) {
  return mode == PoolMode::max ? "max_pool2d" : "avg_pool2d";
}

struct PoolWindow {
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, padding_h = 0, padding_w = 0;

  // A square window; stride 0 means stride = kernel (torch's stride=None).
  static PoolWindow square(int64_t kernel, int64_t stride = 0, int64_t padding = 0) {
    int64_t step = stride == 0 ? kernel : stride;
    return PoolWindow{kernel, kernel, step, step, padding, padding};
  }
};

// `planes` = N·C independent in_h × in_w images, each pooled to out_h × out_w.
struct PoolShape {
  int64_t planes = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
};

HG_HOST_DEVICE int64_t adaptive_start(int64_t index, int64_t out, int64_t in) {
  return (index * in) / out;
}
HG_HOST_DEVICE int64_t adaptive_end(int64_t index, int64_t out, int64_t in) {
  return ((index + 1) * in + out - 1) / out;
}

// Output element (oh, ow) of one plane: the mean of its adaptive window (summed in double).
template <typename T>
HG_HOST_DEVICE T adaptive_average_at(const T* plane, const PoolShape& shape, int64_t oh,
                                     int64_t ow) {
  int64_t h_begin = adaptive_start(oh, shape.out_h, shape.in_h);
  int64_t h_end = adaptive_end(oh, shape.out_h, shape.in_h);
  int64_t w_begin = adaptive_start(ow, shape.out_w, shape.in_w);
  int64_t w_end = adaptive_end(ow, shape.out_w, shape.in_w);
  double total = 0;
  for (int64_t h = h_begin; h < h_end; ++h)
    for (int64_t w = w_begin; w < w_end; ++w)
      total += static_cast<double>(plane[h * shape.in_w + w]);
  return static_cast<T>(total / static_cast<double>((h_end - h_begin) * (w_end - w_begin)));
}

// ∂L/∂x at input element (h, w) of one plane: Σ over the output cells whose window holds it of
// grad[oh, ow] / area(oh, ow). Solving start(oh) ≤ h < end(oh) for oh gives exactly
//   oh ∈ [floor(h·out / in), ceil((h + 1)·out / in))
// — the same rule with in and out swapped — so each input element gathers from its own few
// cells: no scatter, no atomics.
template <typename T>
HG_HOST_DEVICE T adaptive_average_gradient_at(const T* grad_plane, const PoolShape& shape,
                                              int64_t h, int64_t w) {
  double total = 0;
  for (int64_t oh = adaptive_start(h, shape.in_h, shape.out_h);
       oh < adaptive_end(h, shape.in_h, shape.out_h); ++oh) {
    int64_t rows =
        adaptive_end(oh, shape.out_h, shape.in_h) - adaptive_start(oh, shape.out_h, shape.in_h);
    for (int64_t ow = adaptive_start(w, shape.in_w, shape.out_w);
         ow < adaptive_end(w, shape.in_w, shape.out_w); ++ow) {
      int64_t columns =
          adaptive_end(ow, shape.out_w, shape.in_w) - adaptive_start(ow, shape.out_w, shape.in_w);
      total += static_cast<double>(grad_plane[oh * shape.out_w + ow]) /
               static_cast<double>(rows * columns);
    }
  }
  return static_cast<T>(total);
}

}  // namespace hg

#include "cuda/stream.h"

namespace hg::cuda {

// y = pool(x) through cudnnPoolingForward; x and y packed [planes, H, W].
template <typename T>
void pool2d(PoolMode mode, const T* x, T* y, PoolShape shape, PoolWindow window, Stream stream);

// grad_x = ∂L/∂x through cudnnPoolingBackward (max pooling reads x and y to find the winner).
template <typename T>
void pool2d_backward(PoolMode mode, const T* grad, const T* x, const T* y, T* grad_x,
                     PoolShape shape, PoolWindow window, Stream stream);

template <typename T>
void adaptive_avg_pool2d(const T* x, T* y, PoolShape shape, Stream stream);

template <typename T>
void adaptive_avg_pool2d_backward(const T* grad, T* grad_x, PoolShape shape, Stream stream);

}  // namespace hg::cuda
