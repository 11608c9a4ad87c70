// Sums over one thread block, for kernels that give a block to each row or group and need the
// row's total in every thread (normalisation statistics, softmax denominators). CUDA only.
#pragma once

#include <cstdint>

namespace hg::cuda {

// The smallest power of two ≥ count, between a warp and `max_threads`: short rows do not leave
// most of a block idle, long rows get the whole block.
inline int block_threads_for(int64_t count, int max_threads) {
  int threads = 32;
  while (threads < max_threads && threads < count) threads *= 2;
  return threads;
}

// Σ of `value` over the block, returned to every thread. blockDim.x must be a power of two and
// `shared` hold blockDim.x elements. The tree adds in a fixed order: same result every run.
template <typename T>
__device__ T block_sum(T value, T* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) shared[threadIdx.x] += shared[threadIdx.x + half];
    __syncthreads();
  }
  T result = shared[0];
  __syncthreads();  // `shared` may be reused by the next call
  return result;
}

// max of `value` over the block, returned to every thread (softmax's shift); same rules as
// block_sum.
template <typename T>
__device__ T block_max(T value, T* shared) {
  shared[threadIdx.x] = value;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half && shared[threadIdx.x + half] > shared[threadIdx.x])
      shared[threadIdx.x] = shared[threadIdx.x + half];
    __syncthreads();
  }
  T result = shared[0];
  __syncthreads();
  return result;
}

}  // namespace hg::cuda
