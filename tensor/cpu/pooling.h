// CPU reference for 2-D pooling. CUDA twin: cuda/pooling.cu (cuDNN for the fixed windows, our
// kernels for adaptive pooling). Inputs and outputs are packed [planes, H, W]; the window
// geometry and the adaptive rule are in cuda/pooling.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cuda/pooling.h"

namespace hg::cpu {

// The part of the window of output cell (oh, ow) that lies inside the input.
struct WindowBounds {
  int64_t h_begin, h_end, w_begin, w_end;
};

inline WindowBounds window_bounds(const PoolShape& shape, const PoolWindow& window, int64_t oh,
                                  int64_t ow) {
  int64_t h0 = oh * window.stride_h - window.padding_h,
          w0 = ow * window.stride_w - window.padding_w;
  return {std::max<int64_t>(h0, 0), std::min(h0 + window.kernel_h, shape.in_h),
          std::max<int64_t>(w0, 0), std::min(w0 + window.kernel_w, shape.in_w)};
}

// The window of output cell (oh, ow) under adaptive pooling (the rule in cuda/pooling.h).
inline WindowBounds adaptive_window_bounds(const PoolShape& shape, int64_t oh, int64_t ow) {
  return {adaptive_start(oh, shape.out_h, shape.in_h), adaptive_end(oh, shape.out_h, shape.in_h),
          adaptive_start(ow, shape.out_w, shape.in_w), adaptive_end(ow, shape.out_w, shape.in_w)};
}

// Adds `share` to every position of the window: an average's gradient, scattered.
template <typename T>
void spread_over_window(T* plane, const PoolShape& shape, const WindowBounds& bounds, T share) {
  for (int64_t h = bounds.h_begin; h < bounds.h_end; ++h)
    for (int64_t w = bounds.w_begin; w < bounds.w_end; ++w) plane[h * shape.in_w + w] += share;
}

// Position (h·W + w) of the window's maximum: the first one in row-major order, or the first
// NaN, which then propagates (torch's rule).
template <typename T>
int64_t window_argmax(const T* plane, const PoolShape& shape, const WindowBounds& bounds) {
  int64_t best = bounds.h_begin * shape.in_w + bounds.w_begin;
  for (int64_t h = bounds.h_begin; h < bounds.h_end; ++h)
    for (int64_t w = bounds.w_begin; w < bounds.w_end; ++w) {
      int64_t at = h * shape.in_w + w;
      if (std::isnan(plane[at])) return at;
      if (plane[at] > plane[best]) best = at;
    }
  return best;
}

// What an average window divides by.
inline int64_t window_divisor(PoolMode mode, const PoolWindow& window, const WindowBounds& bounds) {
  if (mode == PoolMode::average_include_padding) return window.kernel_h * window.kernel_w;
  return (bounds.h_end - bounds.h_begin) * (bounds.w_end - bounds.w_begin);
}

// y[p, oh, ow] = max or mean of plane p over the window of (oh, ow).
template <typename T>
void pool2d(PoolMode mode, const T* x, T* y, PoolShape shape, PoolWindow window) {
#pragma omp parallel for if (shape.planes * shape.out_h * shape.out_w > 4096)
  for (int64_t p = 0; p < shape.planes; ++p) {
    const T* plane = x + p * shape.in_h * shape.in_w;
    T* out = y + p * shape.out_h * shape.out_w;
    for (int64_t oh = 0; oh < shape.out_h; ++oh)
      for (int64_t ow = 0; ow < shape.out_w; ++ow) {
        WindowBounds bounds = window_bounds(shape, window, oh, ow);
        if (mode == PoolMode::max) {
          out[oh * shape.out_w + ow] = plane[window_argmax(plane, shape, bounds)];
          continue;
        }
        double total = 0;
        for (int64_t h = bounds.h_begin; h < bounds.h_end; ++h)
          for (int64_t w = bounds.w_begin; w < bounds.w_end; ++w)
            total += plane[h * shape.in_w + w];
        out[oh * shape.out_w + ow] =
            static_cast<T>(total / static_cast<double>(window_divisor(mode, window, bounds)));
      }
  }
}

// ∂L/∂x: each output cell hands grad[oh, ow] to its window's maximum (max), or
// grad[oh, ow] / divisor to every position of its window (average). Overlapping windows add up.
// Planes are independent, so they are the unit of parallelism and the scatter needs no locks.
template <typename T>
void pool2d_backward(PoolMode mode, const T* grad, const T* x, T* grad_x, PoolShape shape,
                     PoolWindow window) {
#pragma omp parallel for if (shape.planes * shape.in_h * shape.in_w > 4096)
  for (int64_t p = 0; p < shape.planes; ++p) {
    const T* plane = x + p * shape.in_h * shape.in_w;
    const T* grad_plane = grad + p * shape.out_h * shape.out_w;
    T* grad_x_plane = grad_x + p * shape.in_h * shape.in_w;
    std::fill(grad_x_plane, grad_x_plane + shape.in_h * shape.in_w, T(0));
    for (int64_t oh = 0; oh < shape.out_h; ++oh)
      for (int64_t ow = 0; ow < shape.out_w; ++ow) {
        WindowBounds bounds = window_bounds(shape, window, oh, ow);
        T g = grad_plane[oh * shape.out_w + ow];
        if (mode == PoolMode::max) {
          grad_x_plane[window_argmax(plane, shape, bounds)] += g;
          continue;
        }
        spread_over_window(grad_x_plane, shape, bounds,
                           g / static_cast<T>(window_divisor(mode, window, bounds)));
      }
  }
}

template <typename T>
void adaptive_avg_pool2d(const T* x, T* y, PoolShape shape) {
#pragma omp parallel for if (shape.planes * shape.out_h * shape.out_w > 4096)
  for (int64_t p = 0; p < shape.planes; ++p)
    for (int64_t oh = 0; oh < shape.out_h; ++oh)
      for (int64_t ow = 0; ow < shape.out_w; ++ow)
        y[(p * shape.out_h + oh) * shape.out_w + ow] =
            adaptive_average_at(x + p * shape.in_h * shape.in_w, shape, oh, ow);
}

// ∂L/∂x as a scatter, like pool2d_backward: each output cell hands grad[oh, ow] / area to every
// position of its window, and overlapping windows add up. The GPU gathers per input element
// instead (adaptive_average_gradient_at): the same sums in another order. A gather per element
// on the CPU spent its time in the integer divisions that find each element's cells, ten times
// the forward's cost for a global pool.
template <typename T>
void adaptive_avg_pool2d_backward(const T* grad, T* grad_x, PoolShape shape) {
#pragma omp parallel for if (shape.planes * shape.in_h * shape.in_w > 4096)
  for (int64_t p = 0; p < shape.planes; ++p) {
    const T* grad_plane = grad + p * shape.out_h * shape.out_w;
    T* grad_x_plane = grad_x + p * shape.in_h * shape.in_w;
    std::fill(grad_x_plane, grad_x_plane + shape.in_h * shape.in_w, T(0));
    for (int64_t oh = 0; oh < shape.out_h; ++oh)
      for (int64_t ow = 0; ow < shape.out_w; ++ow) {
        WindowBounds bounds = adaptive_window_bounds(shape, oh, ow);
        const int64_t area = (bounds.h_end - bounds.h_begin) * (bounds.w_end - bounds.w_begin);
        spread_over_window(grad_x_plane, shape, bounds,
                           grad_plane[oh * shape.out_w + ow] / static_cast<T>(area));
      }
  }
}

}  // namespace hg::cpu
