// Row reduction kernel. CPU reference: tensor/cpu/reduce.h.
//
//   values[r] = Σ_j x[r, j]   (sum)      or   max_j / min_j x[r, j]  with its index j
//
// Thread mapping: one block per row (grid-stride over rows); each thread folds the columns
// j = threadIdx.x, threadIdx.x + blockDim.x, ... then the block combines the per-thread
// partials in shared memory by halving. No atomics, so the result is the same every run.
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
__global__ void reduce_rows_kernel(ReduceOp op, const T* input, int64_t outer, int64_t inner,
                                   T* values, int64_t* indices) {
  __shared__ T shared_values[kReduceThreads];
  __shared__ int64_t shared_indices[kReduceThreads];
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* row_input = input + row * inner;
    Partial<T> partial{T(0), -1};
    for (int64_t j = threadIdx.x; j < inner; j += blockDim.x)
      partial = combine(op, partial, Partial<T>{row_input[j], j});
    shared_values[threadIdx.x] = partial.value;
    shared_indices[threadIdx.x] = partial.index;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) {
        Partial<T> merged =
            combine(op, Partial<T>{shared_values[threadIdx.x], shared_indices[threadIdx.x]},
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

}  // namespace

template <typename T>
void reduce_rows(ReduceOp op, const T* input, int64_t outer, int64_t inner, T* values,
                 int64_t* indices, cudaStream_t stream) {
  if (outer == 0) return;
  unsigned int blocks = static_cast<unsigned int>(outer < 65535 * 16 ? outer : 65535 * 16);
  reduce_rows_kernel<<<blocks, kReduceThreads, 0, stream>>>(op, input, outer, inner, values,
                                                            indices);
  CUDA_CHECK_LAUNCH();
}

template void reduce_rows<float>(ReduceOp, const float*, int64_t, int64_t, float*, int64_t*, cudaStream_t);
template void reduce_rows<double>(ReduceOp, const double*, int64_t, int64_t, double*, int64_t*, cudaStream_t);
template void reduce_rows<int32_t>(ReduceOp, const int32_t*, int64_t, int64_t, int32_t*, int64_t*, cudaStream_t);
template void reduce_rows<int64_t>(ReduceOp, const int64_t*, int64_t, int64_t, int64_t*, int64_t*, cudaStream_t);

}  // namespace hg::cuda
