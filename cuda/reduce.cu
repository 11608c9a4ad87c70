// Middle-axis reduction kernels. CPU reference: tensor/cpu/reduce.h.
//
//   values[o, i] = Σ_r x[o, r, i]   (sum)    or   max_r / min_r x[o, r, i]  with its index r
//
// Two thread mappings, chosen by the shape:
// - inner = 1 (the reduced axis is the last one, contiguous): one block per row o; each thread
//   folds r = threadIdx.x, threadIdx.x + blockDim.x, ... and the block combines the partials
//   in shared memory by halving.
// - inner > 1: one thread per output (o, i), folding r in order. Neighbouring threads read
//   neighbouring i, so every load of a warp is one coalesced transaction.
// No atomics either way, so results are the same on every run.
#include "cuda/grid_stride.h"
#include "cuda/reduce.h"

namespace hg::cuda {

namespace {

constexpr int kReduceThreads = 256;

template <typename T>
struct Partial {
  T value;
  int64_t index;
};

// Combine two partials; on ties the smaller index wins, so argmax returns the first maximum.
template <typename T>
__device__ Partial<T> combine(ReduceOp op, Partial<T> a, Partial<T> b) {
  if (op == ReduceOp::sum) return {a.value + b.value, 0};
  if (a.index < 0) return b;
  if (b.index < 0) return a;
  bool take_b = op == ReduceOp::max ? (b.value > a.value) : (b.value < a.value);
  if (b.value == a.value) take_b = b.index < a.index;
  return take_b ? b : a;
}

template <typename T>
__global__ void reduce_rows_kernel(ReduceOp op, const T* input, int64_t outer, int64_t length,
                                   T* values, int64_t* indices) {
  __shared__ T shared_values[kReduceThreads];
  __shared__ int64_t shared_indices[kReduceThreads];
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* row_input = input + row * length;
    Partial<T> partial{T(0), -1};
    for (int64_t r = threadIdx.x; r < length; r += blockDim.x)
      partial = combine(op, partial, Partial<T>{row_input[r], r});
    shared_values[threadIdx.x] = partial.value;
    shared_indices[threadIdx.x] = partial.index;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) {
        Partial<T> merged = combine(
            op, Partial<T>{shared_values[threadIdx.x], shared_indices[threadIdx.x]},
            Partial<T>{shared_values[threadIdx.x + half], shared_indices[threadIdx.x + half]});
        shared_values[threadIdx.x] = merged.value;
        shared_indices[threadIdx.x] = merged.index;
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      values[row] = shared_values[0];
      if (indices != nullptr) indices[row] = shared_indices[0];
    }
    __syncthreads();
  }
}

template <typename T>
__global__ void reduce_columns_kernel(ReduceOp op, const T* input, int64_t outer, int64_t length,
                                      int64_t inner, T* values, int64_t* indices) {
  HG_GRID_STRIDE_LOOP(output, outer * inner) {
    int64_t o = output / inner, i = output % inner;
    const T* column = input + o * length * inner + i;
    Partial<T> partial{T(0), -1};
    for (int64_t r = 0; r < length; ++r)
      partial = combine(op, partial, Partial<T>{column[r * inner], r});
    values[output] = partial.value;
    if (indices != nullptr) indices[output] = partial.index;
  }
}

}  // namespace

template <typename T>
void reduce_middle(ReduceOp op, const T* input, int64_t outer, int64_t length, int64_t inner,
                   T* values, int64_t* indices, cudaStream_t stream) {
  if (outer * inner == 0) return;
  if (inner == 1) {
    unsigned int blocks = static_cast<unsigned int>(outer < 65535 * 16 ? outer : 65535 * 16);
    reduce_rows_kernel<<<blocks, kReduceThreads, 0, stream>>>(op, input, outer, length, values,
                                                              indices);
  } else {
    reduce_columns_kernel<<<blocks_for(outer * inner), kThreadsPerBlock, 0, stream>>>(
        op, input, outer, length, inner, values, indices);
  }
  CUDA_CHECK_LAUNCH();
}

#define HG_INSTANTIATE_REDUCE(T)                                                              \
  template void reduce_middle<T>(ReduceOp, const T*, int64_t, int64_t, int64_t, T*, int64_t*, \
                                 cudaStream_t);
HG_INSTANTIATE_REDUCE(float)
HG_INSTANTIATE_REDUCE(double)
HG_INSTANTIATE_REDUCE(int32_t)
HG_INSTANTIATE_REDUCE(int64_t)

}  // namespace hg::cuda
