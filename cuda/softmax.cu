// Softmax and log-softmax kernels. CPU reference: tensor/cpu/softmax.h.
//
//   forward:  m = max_j x_j,  s = Σ_j e^{x_j − m},
//             softmax y_j = e^{x_j − m} / s,   log-softmax y_j = x_j − m − log s
//   backward: softmax ∂x_j = y_j (g_j − Σ_k g_k y_k),   log-softmax ∂x_j = g_j − e^{y_j} Σ_k g_k
//
// Thread mapping: the input is packed as [outer, size, inner]; one block per row (o, i)
// (grid-stride over the outer·inner rows). Each thread folds the elements j = threadIdx.x,
// threadIdx.x + blockDim.x, ... of its row, the block combines the partials in shared memory
// by halving, and every thread then writes its own elements. No atomics: same result every run.
// Sums accumulate in double, as the CPU reference's do: in f32 the denominator's rounding grows
// with the row's length, and the backward's g_j − Σ_k g_k y_k cancels when g_j ≈ the sum.
#include "cuda/block_reduce.h"
#include "cuda/check.h"
#include "cuda/elementwise_math.h"
#include "cuda/softmax.h"

namespace hg::cuda {

namespace {

constexpr int kMaxSoftmaxThreads = 256;

template <typename T>
__global__ void softmax_kernel(const T* x, T* y, int64_t outer, int64_t size, int64_t inner,
                               bool logarithmic) {
  __shared__ T shared_max[kMaxSoftmaxThreads];
  __shared__ double shared_sum[kMaxSoftmaxThreads];
  for (int64_t row = blockIdx.x; row < outer * inner; row += gridDim.x) {
    const int64_t base = (row / inner) * size * inner + row % inner;
    T largest = x[base];
    for (int64_t j = threadIdx.x; j < size; j += blockDim.x) {
      T value = x[base + j * inner];
      largest = value > largest ? value : largest;
    }
    largest = block_max(largest, shared_max);
    double total = 0;
    for (int64_t j = threadIdx.x; j < size; j += blockDim.x)
      total += math_exp(x[base + j * inner] - largest);
    total = block_sum(total, shared_sum);
    const T log_total = static_cast<T>(math_log(total)),
            inverse_total = static_cast<T>(1.0 / total);
    for (int64_t j = threadIdx.x; j < size; j += blockDim.x) {
      T shifted = x[base + j * inner] - largest;
      y[base + j * inner] = logarithmic ? shifted - log_total : math_exp(shifted) * inverse_total;
    }
  }
}

template <typename T>
__global__ void softmax_backward_kernel(const T* grad, const T* y, T* result, int64_t outer,
                                        int64_t size, int64_t inner, bool logarithmic) {
  __shared__ double shared[kMaxSoftmaxThreads];
  for (int64_t row = blockIdx.x; row < outer * inner; row += gridDim.x) {
    const int64_t base = (row / inner) * size * inner + row % inner;
    double total = 0;
    for (int64_t j = threadIdx.x; j < size; j += blockDim.x) {
      int64_t at = base + j * inner;
      total += logarithmic ? grad[at] : grad[at] * y[at];
    }
    const T dot = static_cast<T>(block_sum(total, shared));
    for (int64_t j = threadIdx.x; j < size; j += blockDim.x) {
      int64_t at = base + j * inner;
      result[at] = logarithmic ? grad[at] - math_exp(y[at]) * dot : y[at] * (grad[at] - dot);
    }
  }
}

unsigned int row_blocks(int64_t rows) {
  return static_cast<unsigned int>(rows < 65535LL * 16 ? rows : 65535LL * 16);
}

}  // namespace

template <typename T>
void softmax(const T* x, T* y, int64_t outer, int64_t size, int64_t inner, bool logarithmic,
             cudaStream_t stream) {
  if (outer * size * inner == 0) return;
  softmax_kernel<<<row_blocks(outer * inner), block_threads_for(size, kMaxSoftmaxThreads), 0,
                   stream>>>(x, y, outer, size, inner, logarithmic);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void softmax_backward(const T* grad, const T* y, T* result, int64_t outer, int64_t size,
                      int64_t inner, bool logarithmic, cudaStream_t stream) {
  if (outer * size * inner == 0) return;
  softmax_backward_kernel<<<row_blocks(outer * inner), block_threads_for(size, kMaxSoftmaxThreads),
                            0, stream>>>(grad, y, result, outer, size, inner, logarithmic);
  CUDA_CHECK_LAUNCH();
}

#define HG_INSTANTIATE_SOFTMAX(T)                                                            \
  template void softmax<T>(const T*, T*, int64_t, int64_t, int64_t, bool, cudaStream_t);     \
  template void softmax_backward<T>(const T*, const T*, T*, int64_t, int64_t, int64_t, bool, \
                                    cudaStream_t);
HG_INSTANTIATE_SOFTMAX(float)
HG_INSTANTIATE_SOFTMAX(double)

}  // namespace hg::cuda
