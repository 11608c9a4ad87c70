// Middle-axis reduction kernels. CPU reference: tensor/cpu/reduce.h.
//
//   values[o, i] = Σ_r x[o, r, i]   (sum)    or   max_r / min_r x[o, r, i]  with its index r
//
// Floating values are folded in double, as on the CPU: a float running sum over a long axis
// drifts further than a CPU-vs-GPU test's 1e-5 allows, and the loads, not the adds, set the pace.
//
// Two thread mappings, chosen by the shape:
// - inner = 1 (the reduced axis is the last one, contiguous): one block per row o (a power of
//   two of threads, at most 256, fitted to the row); each thread folds r = threadIdx.x,
//   threadIdx.x + blockDim.x, ... and the block combines the partials in shared memory by
//   halving.
// - inner > 1: one thread per output (o, i), folding r in order. Neighbouring threads read
//   neighbouring i, so every load of a warp is one coalesced transaction.
// When the outputs alone are too few to fill the GPU (a full sum is one row; a bias gradient
// folds 200k rows into 96 outputs) the axis is cut into chunks: a first pass folds each chunk
// into a partial (value and index), a second folds each output's partials in chunk order.
// No atomics either way, so results are the same on every run.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "cuda/block_reduce.h"
#include "cuda/check.h"
#include "cuda/elementwise_math.h"
#include "cuda/grid_stride.h"
#include "cuda/reduce.h"
#include "cuda/scratch_buffer.h"

namespace hg::cuda {

namespace {

constexpr int kReduceThreads = 256;
// Work items that keep every SM of a large GPU busy (an H100: 132 SMs × 2048 threads).
constexpr int64_t kBusyBlocks = 1024, kBusyThreads = int64_t(1) << 18;

template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, T>;

template <typename T>
struct Partial {
  T value;
  int64_t index;
};

// Combine two partials in the CPU's order (ranks_above: NaN first); on ties, NaN with NaN
// included, the smaller index wins, so argmax returns the first maximum. Index −1 marks a partial
// that has seen no element.
template <typename T>
__device__ Partial<T> combine(ReduceOp op, Partial<T> a, Partial<T> b) {
  if (op == ReduceOp::sum) return {a.value + b.value, 0};
  if (a.index < 0) return b;
  if (b.index < 0) return a;
  const bool largest = op == ReduceOp::max;
  if (ranks_above(largest, b.value, a.value)) return b;
  if (ranks_above(largest, a.value, b.value)) return a;
  return b.index < a.index ? b : a;
}

// Both kernels fold chunk c = [c·chunk_length, (c+1)·chunk_length) ∩ [0, length) of the axis
// into values[o, c, i]. An element enters with index r, or with input_indices at its position
// when the input is a first pass's partials (whose axis is the chunks).

// One block per item (o, c), o < outer, c < chunks.
template <typename Input, typename Output>
__global__ void reduce_rows_kernel(ReduceOp op, const Input* input, const int64_t* input_indices,
                                   int64_t outer, int64_t length, int64_t chunks,
                                   int64_t chunk_length, Output* values, int64_t* indices) {
  using Value = Accumulator<Input>;
  __shared__ Value shared_values[kReduceThreads];
  __shared__ int64_t shared_indices[kReduceThreads];
  for (int64_t item = blockIdx.x; item < outer * chunks; item += gridDim.x) {
    const int64_t row_start = (item / chunks) * length, begin = (item % chunks) * chunk_length;
    const int64_t end = begin + chunk_length < length ? begin + chunk_length : length;
    Partial<Value> partial{Value(0), -1};
    for (int64_t r = begin + threadIdx.x; r < end; r += blockDim.x) {
      const int64_t at = row_start + r;
      partial = combine(op, partial,
                        Partial<Value>{Value(input[at]), input_indices ? input_indices[at] : r});
    }
    shared_values[threadIdx.x] = partial.value;
    shared_indices[threadIdx.x] = partial.index;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
      if (threadIdx.x < half) {
        Partial<Value> merged = combine(
            op, Partial<Value>{shared_values[threadIdx.x], shared_indices[threadIdx.x]},
            Partial<Value>{shared_values[threadIdx.x + half], shared_indices[threadIdx.x + half]});
        shared_values[threadIdx.x] = merged.value;
        shared_indices[threadIdx.x] = merged.index;
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      values[item] = static_cast<Output>(shared_values[0]);
      if (indices != nullptr) indices[item] = shared_indices[0];
    }
    __syncthreads();
  }
}

// One thread per item (o, c, i), o < outer, c < chunks, i < inner.
template <typename Input, typename Output>
__global__ void reduce_columns_kernel(ReduceOp op, const Input* input, const int64_t* input_indices,
                                      int64_t outer, int64_t length, int64_t inner, int64_t chunks,
                                      int64_t chunk_length, Output* values, int64_t* indices) {
  using Value = Accumulator<Input>;
  HG_GRID_STRIDE_LOOP(item, outer * chunks * inner) {
    const int64_t column_start = (item / (chunks * inner)) * length * inner + item % inner;
    const int64_t begin = (item / inner % chunks) * chunk_length;
    const int64_t end = begin + chunk_length < length ? begin + chunk_length : length;
    Partial<Value> partial{Value(0), -1};
    for (int64_t r = begin; r < end; ++r) {
      const int64_t at = column_start + r * inner;
      partial = combine(op, partial,
                        Partial<Value>{Value(input[at]), input_indices ? input_indices[at] : r});
    }
    values[item] = static_cast<Output>(partial.value);
    if (indices != nullptr) indices[item] = partial.index;
  }
}

// One pass: values[o, c, i] for every chunk c, with the mapping the shape calls for.
template <typename Input, typename Output>
void reduce_pass(ReduceOp op, const Input* input, const int64_t* input_indices, int64_t outer,
                 int64_t length, int64_t inner, int64_t chunks, int64_t chunk_length,
                 Output* values, int64_t* indices, cudaStream_t stream) {
  const int64_t items = outer * chunks * inner;
  if (inner == 1) {
    // Short rows (argmax over ten classes) get a warp, not a block of idle threads.
    unsigned int blocks = static_cast<unsigned int>(std::min<int64_t>(items, 65535LL * 16));
    reduce_rows_kernel<<<blocks, block_threads_for(chunk_length, kReduceThreads), 0, stream>>>(
        op, input, input_indices, outer, length, chunks, chunk_length, values, indices);
  } else {
    reduce_columns_kernel<<<blocks_for(items), kThreadsPerBlock, 0, stream>>>(
        op, input, input_indices, outer, length, inner, chunks, chunk_length, values, indices);
  }
  CUDA_CHECK_LAUNCH();
}

// The chunk length that turns `units` parallel work items into about `busy` (the whole axis
// when the units alone are enough), never shorter than `shortest`.
int64_t chunk_length_for(int64_t length, int64_t units, int64_t busy, int64_t shortest) {
  const int64_t wanted_chunks = std::max<int64_t>(1, busy / units);
  return std::max({(length + wanted_chunks - 1) / wanted_chunks, shortest, int64_t(1)});
}

}  // namespace

template <typename T>
void reduce_middle(ReduceOp op, const T* input, int64_t outer, int64_t length, int64_t inner,
                   T* values, int64_t* indices, cudaStream_t stream) {
  if (outer * inner == 0) return;
  // A block's threads each take at least 16 elements of a chunk; a column thread takes at
  // least √length, so that neither pass runs a long serial loop.
  const int64_t chunk_length =
      inner == 1
          ? chunk_length_for(length, outer, kBusyBlocks, 16 * kReduceThreads)
          : chunk_length_for(
                length, outer * inner, kBusyThreads,
                std::max<int64_t>(64, static_cast<int64_t>(std::ceil(std::sqrt(double(length))))));
  // Counted from the chunk length, not the other way round, so that no chunk is empty (an
  // empty chunk's partial would enter the second pass as a value when indices are not kept).
  const int64_t chunks = std::max<int64_t>(1, (length + chunk_length - 1) / chunk_length);
  if (chunks == 1) {
    reduce_pass(op, input, nullptr, outer, length, inner, 1, length, values, indices, stream);
    return;
  }
  using Value = Accumulator<T>;
  const size_t partials = static_cast<size_t>(outer * chunks * inner);
  ScratchBuffer partial_values(partials * sizeof(Value));
  ScratchBuffer partial_indices(indices != nullptr ? partials * sizeof(int64_t) : 0);
  Value* chunk_values = static_cast<Value*>(partial_values.data);
  int64_t* chunk_indices = static_cast<int64_t*>(partial_indices.data);  // null: not wanted
  reduce_pass(op, input, nullptr, outer, length, inner, chunks, chunk_length, chunk_values,
              chunk_indices, stream);
  reduce_pass(op, static_cast<const Value*>(chunk_values), chunk_indices, outer, chunks, inner, 1,
              chunks, values, indices, stream);
}

#define HG_INSTANTIATE_REDUCE(T)                                                              \
  template void reduce_middle<T>(ReduceOp, const T*, int64_t, int64_t, int64_t, T*, int64_t*, \
                                 cudaStream_t);
HG_INSTANTIATE_REDUCE(float)
HG_INSTANTIATE_REDUCE(double)
HG_INSTANTIATE_REDUCE(int32_t)
HG_INSTANTIATE_REDUCE(int64_t)

}  // namespace hg::cuda
