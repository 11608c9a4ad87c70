// Seeded random kernels. CPU reference: tensor/cpu/random.h; the formulas: cuda/random.h.
//
//   random_fill: output[i] = sample(distribution, a, b, seed, offset + i)
//   bernoulli:   output[i] = 1 if u(seed, offset + i) < p[i] else 0
//   randperm:    the indices sorted by key(seed, offset + i)
//
// Thread mapping: a grid-stride loop, one element per iteration; each element's Philox block
// depends only on its own counter, so the threads share no state. `offset` is the DrawStart's
// offset plus its device base, read by every thread (a captured draw's base changes between
// replays). randperm sorts (key, index)
// pairs with CUB's radix sort, which is stable: ties keep index order, as on the CPU.
#include <algorithm>
#include <cub/device/device_radix_sort.cuh>

#include "cuda/check.h"
#include "cuda/convert.h"
#include "cuda/grid_stride.h"
#include "cuda/random.h"
#include "cuda/scratch_buffer.h"

namespace hg::cuda {

namespace {

// The counter of element i of the draw.
__device__ uint64_t counter(const DrawStart& start, int64_t i) {
  const uint64_t base = start.device_base != nullptr ? *start.device_base : 0;
  return base + start.offset + static_cast<uint64_t>(i);
}

template <typename T>
__global__ void random_fill_kernel(Distribution distribution, T a, T b, T* output, int64_t count,
                                   DrawStart start) {
  HG_GRID_STRIDE_LOOP(i, count)
  output[i] = sample<T>(distribution, a, b, start.seed, counter(start, i));
}

template <typename T>
__global__ void bernoulli_kernel(const T* probabilities, StridedIndex probability_index, T* output,
                                 int64_t count, DrawStart start) {
  HG_GRID_STRIDE_LOOP(i, count)
  output[i] = bernoulli_sample<T>(probabilities[probability_index.offset(i)], start.seed,
                                  counter(start, i));
}

__global__ void permutation_keys_kernel(uint64_t* keys, int64_t* indices, int64_t n,
                                        DrawStart start) {
  HG_GRID_STRIDE_LOOP(i, n) {
    keys[i] = permutation_key(start.seed, counter(start, i));
    indices[i] = i;
  }
}

}  // namespace

template <typename T>
void random_fill(Distribution distribution, T a, T b, T* output, int64_t count, DrawStart start,
                 cudaStream_t stream) {
  if (count == 0) return;
  random_fill_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(distribution, a, b, output,
                                                                         count, start);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void bernoulli(const T* probabilities, StridedIndex probability_index, T* output, int64_t count,
               DrawStart start, cudaStream_t stream) {
  if (count == 0) return;
  bernoulli_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
      probabilities, probability_index, output, count, start);
  CUDA_CHECK_LAUNCH();
}

void randperm(int64_t* output, int64_t n, DrawStart start, cudaStream_t stream) {
  if (n == 0) return;
  HG_CHECK(n <= INT32_MAX, "randperm: n = ", n, " is above the 2^31 − 1 the CUDA sort handles");
  int count = static_cast<int>(n);
  size_t bytes = static_cast<size_t>(n) * sizeof(uint64_t);
  ScratchBuffer keys(bytes), sorted_keys(bytes), indices(static_cast<size_t>(n) * sizeof(int64_t));
  permutation_keys_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(
      static_cast<uint64_t*>(keys.data), static_cast<int64_t*>(indices.data), n, start);
  CUDA_CHECK_LAUNCH();
  size_t scratch_bytes = 0;
  CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      nullptr, scratch_bytes, static_cast<const uint64_t*>(keys.data),
      static_cast<uint64_t*>(sorted_keys.data), static_cast<const int64_t*>(indices.data), output,
      count, 0, 64, stream));
  // A null scratch pointer would turn the second call into another size query.
  ScratchBuffer scratch(std::max<size_t>(scratch_bytes, 1));
  CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      scratch.data, scratch_bytes, static_cast<const uint64_t*>(keys.data),
      static_cast<uint64_t*>(sorted_keys.data), static_cast<const int64_t*>(indices.data), output,
      count, 0, 64, stream));
}

#define HG_INSTANTIATE_RANDOM(T)                                                          \
  template void random_fill<T>(Distribution, T, T, T*, int64_t, DrawStart, cudaStream_t); \
  template void bernoulli<T>(const T*, StridedIndex, T*, int64_t, DrawStart, cudaStream_t);
HG_FOR_EACH_FLOATING(HG_INSTANTIATE_RANDOM)

}  // namespace hg::cuda
