// 2-D pooling on the GPU. CPU reference: tensor/cpu/pooling.h; the shared rules: cuda/pooling.h.
//
// Max and average pooling with a fixed window go through cuDNN (cudnnPoolingForward /
// cudnnPoolingBackward), which has tuned kernels for exactly these; each plane of N·C is handed
// to cuDNN as one image of one channel. cuDNN 9's pooling has been seen to answer
// CUDNN_STATUS_NOT_SUPPORTED from a batch of 65,536 images (N·C for VGG's 512 channels at batch
// 128), so the planes go through in parts of at most 65,535.
//
// Adaptive average pooling is our own pair of kernels:
//   forward:  y[p, oh, ow] = mean of x[p] over the adaptive window of (oh, ow)
//   backward: ∂x[p, h, w]  = Σ_{cells (oh, ow) whose window holds (h, w)} g[p, oh, ow] / area
// Thread mapping: a grid-stride loop with one thread per output element (forward) or per input
// element (backward). The backward gathers from the few cells that cover its element instead
// of scattering, so there are no atomics and the result is the same every run.
#include <algorithm>

#include "cuda/check.h"
#include "cuda/convert.h"
#include "cuda/cudnn_descriptor.h"
#include "cuda/grid_stride.h"
#include "cuda/handles.h"
#include "cuda/pooling.h"
#include "cuda/runtime.h"

namespace hg::cuda {

namespace {

cudnnPoolingMode_t cudnn_mode(PoolMode mode) {
  switch (mode) {
    case PoolMode::max:
      // The plain max mode may split ties differently from run to run in its backward.
      return deterministic() ? CUDNN_POOLING_MAX_DETERMINISTIC : CUDNN_POOLING_MAX;
    case PoolMode::average_include_padding:
      return CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING;
    case PoolMode::average_exclude_padding:
      return CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
  }
  return CUDNN_POOLING_MAX;
}

// The largest batch of planes one cuDNN pooling call is given (see the file comment).
constexpr int64_t kMaxPlanesPerCall = 65535;

int checked_int(int64_t value, const char* what) { return cudnn_int(value, "pool2d", what); }

// The three descriptors of one pooling call: input [planes, 1, in_h, in_w], output
// [planes, 1, out_h, out_w] and the window.
template <typename T>
struct PoolingSetup {
  TensorDescriptor input, output;
  PoolingDescriptor pooling;

  PoolingSetup(PoolMode mode, const PoolShape& shape, const PoolWindow& window) {
    checked_int(shape.planes * shape.in_h * shape.in_w, "the input's element count");
    int planes = checked_int(shape.planes, "N·C");
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(input.get(), CUDNN_TENSOR_NCHW, cudnn_data_type<T>(),
                                           planes, 1, static_cast<int>(shape.in_h),
                                           static_cast<int>(shape.in_w)));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(output.get(), CUDNN_TENSOR_NCHW, cudnn_data_type<T>(),
                                           planes, 1, static_cast<int>(shape.out_h),
                                           static_cast<int>(shape.out_w)));
    CUDNN_CHECK(cudnnSetPooling2dDescriptor(
        pooling.get(), cudnn_mode(mode), CUDNN_PROPAGATE_NAN,
        checked_int(window.kernel_h, "kernel_h"), checked_int(window.kernel_w, "kernel_w"),
        checked_int(window.padding_h, "padding_h"), checked_int(window.padding_w, "padding_w"),
        checked_int(window.stride_h, "stride_h"), checked_int(window.stride_w, "stride_w")));
  }
};

// Calls call(setup, first) for each part of at most kMaxPlanesPerCall of shape's planes: `first`
// its first plane, `setup` its descriptors.
template <typename T, typename Call>
void for_each_plane_part(PoolMode mode, const PoolShape& shape, const PoolWindow& window,
                         Call&& call) {
  for (int64_t first = 0; first < shape.planes; first += kMaxPlanesPerCall) {
    PoolShape part = shape;
    part.planes = std::min(kMaxPlanesPerCall, shape.planes - first);
    call(PoolingSetup<T>(mode, part, window), first);
  }
}

template <typename T>
__global__ void adaptive_avg_pool2d_kernel(const T* x, T* y, PoolShape shape) {
  const int64_t count = shape.planes * shape.out_h * shape.out_w;
  HG_GRID_STRIDE_LOOP(i, count) {
    int64_t ow = i % shape.out_w, oh = (i / shape.out_w) % shape.out_h;
    int64_t plane = i / (shape.out_w * shape.out_h);
    y[i] = adaptive_average_at(x + plane * shape.in_h * shape.in_w, shape, oh, ow);
  }
}

template <typename T>
__global__ void adaptive_avg_pool2d_backward_kernel(const T* grad, T* grad_x, PoolShape shape) {
  const int64_t count = shape.planes * shape.in_h * shape.in_w;
  HG_GRID_STRIDE_LOOP(i, count) {
    int64_t w = i % shape.in_w, h = (i / shape.in_w) % shape.in_h;
    int64_t plane = i / (shape.in_w * shape.in_h);
    grad_x[i] = adaptive_average_gradient_at(grad + plane * shape.out_h * shape.out_w, shape, h, w);
  }
}

}  // namespace

template <typename T>
void pool2d(PoolMode mode, const T* x, T* y, PoolShape shape, PoolWindow window,
            cudaStream_t stream) {
  if (shape.planes * shape.out_h * shape.out_w == 0) return;
  CUDNN_CHECK(cudnnSetStream(cudnn_handle(), stream));
  const T one = 1, zero = 0;  // y = 1·pool(x) + 0·y
  const int64_t in_plane = shape.in_h * shape.in_w, out_plane = shape.out_h * shape.out_w;
  for_each_plane_part<T>(mode, shape, window, [&](const PoolingSetup<T>& setup, int64_t first) {
    CUDNN_CHECK(cudnnPoolingForward(cudnn_handle(), setup.pooling.get(), &one, setup.input.get(),
                                    x + first * in_plane, &zero, setup.output.get(),
                                    y + first * out_plane));
  });
}

template <typename T>
void pool2d_backward(PoolMode mode, const T* grad, const T* x, const T* y, T* grad_x,
                     PoolShape shape, PoolWindow window, cudaStream_t stream) {
  if (shape.planes * shape.in_h * shape.in_w == 0) return;
  CUDNN_CHECK(cudnnSetStream(cudnn_handle(), stream));
  const T one = 1, zero = 0;  // grad_x = 1·∂L/∂x + 0·grad_x
  const int64_t in_plane = shape.in_h * shape.in_w, out_plane = shape.out_h * shape.out_w;
  for_each_plane_part<T>(mode, shape, window, [&](const PoolingSetup<T>& setup, int64_t first) {
    CUDNN_CHECK(cudnnPoolingBackward(
        cudnn_handle(), setup.pooling.get(), &one, setup.output.get(), y + first * out_plane,
        setup.output.get(), grad + first * out_plane, setup.input.get(), x + first * in_plane,
        &zero, setup.input.get(), grad_x + first * in_plane));
  });
}

template <typename T>
void adaptive_avg_pool2d(const T* x, T* y, PoolShape shape, cudaStream_t stream) {
  int64_t count = shape.planes * shape.out_h * shape.out_w;
  if (count == 0) return;
  adaptive_avg_pool2d_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(x, y, shape);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void adaptive_avg_pool2d_backward(const T* grad, T* grad_x, PoolShape shape, cudaStream_t stream) {
  int64_t count = shape.planes * shape.in_h * shape.in_w;
  if (count == 0) return;
  adaptive_avg_pool2d_backward_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
      grad, grad_x, shape);
  CUDA_CHECK_LAUNCH();
}

#define HG_INSTANTIATE_POOLING(T)                                                         \
  template void pool2d<T>(PoolMode, const T*, T*, PoolShape, PoolWindow, cudaStream_t);   \
  template void pool2d_backward<T>(PoolMode, const T*, const T*, const T*, T*, PoolShape, \
                                   PoolWindow, cudaStream_t);                             \
  template void adaptive_avg_pool2d<T>(const T*, T*, PoolShape, cudaStream_t);            \
  template void adaptive_avg_pool2d_backward<T>(const T*, T*, PoolShape, cudaStream_t);
HG_FOR_EACH_FLOATING(HG_INSTANTIATE_POOLING)

}  // namespace hg::cuda
