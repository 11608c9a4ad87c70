// Elementwise kernels: the formulas of cuda/elementwise_math.h, one thread per element.
// CPU reference: tensor/cpu/elementwise.h.
//
// Thread mapping: a grid-stride loop over the output's linear index i; operands that are views
// (broadcast, transposed) are read at StridedIndex::offset(i). The op is a kernel argument: the
// switch on it is uniform across a warp, so it costs a jump, not divergence.
#include "cuda/check.h"
#include "cuda/convert.h"
#include "cuda/elementwise.h"
#include "cuda/grid_stride.h"

namespace hg::cuda {

template <typename T>
__global__ void unary_kernel(UnaryOp op, const T* x, StridedIndex x_index, T* y, int64_t count,
                             T alpha, T beta) {
  HG_GRID_STRIDE_LOOP(i, count) y[i] = apply_unary(op, x[x_index.offset(i)], alpha, beta);
}

template <typename T>
__global__ void unary_backward_kernel(UnaryOp op, const T* grad, const T* x, StridedIndex x_index,
                                      const T* y, T* result, int64_t count, T alpha, T beta) {
  HG_GRID_STRIDE_LOOP(i, count)
  result[i] = grad[i] * unary_derivative(op, x[x_index.offset(i)], y[i], alpha, beta);
}

template <typename T>
__global__ void binary_kernel(BinaryOp op, const T* a, StridedIndex a_index, const T* b,
                              StridedIndex b_index, T* result, int64_t count) {
  HG_GRID_STRIDE_LOOP(i, count)
  result[i] = apply_binary(op, a[a_index.offset(i)], b[b_index.offset(i)]);
}

template <typename T>
__global__ void binary_backward_kernel(BinaryOp op, bool with_respect_to_b, const T* grad,
                                       const T* a, StridedIndex a_index, const T* b,
                                       StridedIndex b_index, T* result, int64_t count) {
  HG_GRID_STRIDE_LOOP(i, count)
  result[i] = grad[i] *
              binary_derivative(op, a[a_index.offset(i)], b[b_index.offset(i)], with_respect_to_b);
}

template <typename T>
void unary(UnaryOp op, const T* x, StridedIndex x_index, T* y, int64_t count, T alpha, T beta,
           cudaStream_t stream) {
  if (count == 0) return;
  unary_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(op, x, x_index, y, count, alpha,
                                                                   beta);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void unary_backward(UnaryOp op, const T* grad, const T* x, StridedIndex x_index, const T* y,
                    T* result, int64_t count, T alpha, T beta, cudaStream_t stream) {
  if (count == 0) return;
  unary_backward_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
      op, grad, x, x_index, y, result, count, alpha, beta);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void binary(BinaryOp op, const T* a, StridedIndex a_index, const T* b, StridedIndex b_index,
            T* result, int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  binary_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(op, a, a_index, b, b_index,
                                                                    result, count);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void binary_backward(BinaryOp op, bool with_respect_to_b, const T* grad, const T* a,
                     StridedIndex a_index, const T* b, StridedIndex b_index, T* result,
                     int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  binary_backward_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
      op, with_respect_to_b, grad, a, a_index, b, b_index, result, count);
  CUDA_CHECK_LAUNCH();
}

#define HG_INSTANTIATE_FLOATING(T)                                                             \
  template void unary<T>(UnaryOp, const T*, StridedIndex, T*, int64_t, T, T, cudaStream_t);    \
  template void unary_backward<T>(UnaryOp, const T*, const T*, StridedIndex, const T*, T*,     \
                                  int64_t, T, T, cudaStream_t);                                \
  template void binary_backward<T>(BinaryOp, bool, const T*, const T*, StridedIndex, const T*, \
                                   StridedIndex, T*, int64_t, cudaStream_t);
HG_FOR_EACH_FLOATING(HG_INSTANTIATE_FLOATING)

#define HG_INSTANTIATE_BINARY(T)                                                                 \
  template void binary<T>(BinaryOp, const T*, StridedIndex, const T*, StridedIndex, T*, int64_t, \
                          cudaStream_t);
HG_INSTANTIATE_BINARY(float)
HG_INSTANTIATE_BINARY(double)
HG_INSTANTIATE_BINARY(int32_t)
HG_INSTANTIATE_BINARY(int64_t)
HG_INSTANTIATE_BINARY(uint8_t)
HG_INSTANTIATE_BINARY(uint64_t)

}  // namespace hg::cuda
