// Gather, scatter-add and where kernels. CPU reference: tensor/cpu/indexing.h.
//
//   gather:      output[p] = input[offset(p)]
//   scatter_add: output[offset(p)] += source[p]
//   where:       output[p] = condition[p] ≠ 0 ? a[p] : b[p]
// with offset(p) = Σ_{k≠d} coordinate_k(p)·stride_k + index[p]·stride_d (IndexedAccess).
//
// Thread mapping: a grid-stride loop, one position p of the index (or output) per iteration,
// except deterministic scatter-add, which gives each thread one fiber along d (see below).
#include "cuda/check.h"
#include "cuda/convert.h"
#include "cuda/grid_stride.h"
#include "cuda/indexing.h"

namespace hg::cuda {

namespace {

template <typename T>
__global__ void gather_kernel(const T* input, IndexedAccess access, const int64_t* index, T* output,
                              int64_t count) {
  HG_GRID_STRIDE_LOOP(p, count) output[p] = input[access.offset(p, index)];
}

// Two positions with the same target race, hence atomicAdd; the order in which the adds land
// is up to the scheduler, so float results may differ in the last bits between runs.
template <typename T>
__global__ void scatter_add_atomic_kernel(T* output, IndexedAccess access, const int64_t* index,
                                          const T* source, StridedIndex source_index,
                                          int64_t count) {
  HG_GRID_STRIDE_LOOP(p, count)
  atomicAdd(output + access.offset(p, index), source[source_index.offset(p)]);
}

// Positions that differ only in coordinate d write into the same output fiber, and positions of
// different fibers never write to the same element (their other coordinates differ). So one
// thread per fiber, walking d in increasing order, needs no atomics and adds in the CPU's order.
// Fiber f = (outer part f / inner, inner part f % inner); its k-th position is
//   p = (f / inner)·dim_size·inner + k·inner + f % inner.
template <typename T>
__global__ void scatter_add_by_fiber_kernel(T* output, IndexedAccess access, const int64_t* index,
                                            const T* source, StridedIndex source_index,
                                            int64_t fibers, int64_t dim_size, int64_t inner) {
  HG_GRID_STRIDE_LOOP(fiber, fibers) {
    int64_t first = (fiber / inner) * dim_size * inner + fiber % inner;
    for (int64_t k = 0; k < dim_size; ++k) {
      int64_t p = first + k * inner;
      output[access.offset(p, index)] += source[source_index.offset(p)];
    }
  }
}

template <typename T>
__global__ void where_kernel(const uint8_t* condition, StridedIndex condition_index, const T* a,
                             StridedIndex a_index, const T* b, StridedIndex b_index, T* output,
                             int64_t count) {
  HG_GRID_STRIDE_LOOP(p, count)
  output[p] =
      condition[condition_index.offset(p)] != 0 ? a[a_index.offset(p)] : b[b_index.offset(p)];
}

}  // namespace

template <typename T>
void gather(const T* input, IndexedAccess access, const int64_t* index, T* output, int64_t count,
            cudaStream_t stream) {
  if (count == 0) return;
  gather_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(input, access, index, output,
                                                                    count);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void scatter_add(T* output, IndexedAccess access, const int64_t* index, const T* source,
                 StridedIndex source_index, int64_t count, int64_t dim_size, int64_t inner,
                 bool deterministic, cudaStream_t stream) {
  if (count == 0) return;
  if (deterministic) {
    int64_t fibers = count / dim_size;
    scatter_add_by_fiber_kernel<<<blocks_for(fibers), kThreadsPerBlock, 0, stream>>>(
        output, access, index, source, source_index, fibers, dim_size, inner);
  } else {
    scatter_add_atomic_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
        output, access, index, source, source_index, count);
  }
  CUDA_CHECK_LAUNCH();
}

template <typename T>
void where(const uint8_t* condition, StridedIndex condition_index, const T* a, StridedIndex a_index,
           const T* b, StridedIndex b_index, T* output, int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  where_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
      condition, condition_index, a, a_index, b, b_index, output, count);
  CUDA_CHECK_LAUNCH();
}

#define HG_INSTANTIATE_GATHER_WHERE(T)                                                         \
  template void gather<T>(const T*, IndexedAccess, const int64_t*, T*, int64_t, cudaStream_t); \
  template void where<T>(const uint8_t*, StridedIndex, const T*, StridedIndex, const T*,       \
                         StridedIndex, T*, int64_t, cudaStream_t);
HG_FOR_EACH_TYPE(HG_INSTANTIATE_GATHER_WHERE)

#define HG_INSTANTIATE_SCATTER_ADD(T)                                                              \
  template void scatter_add<T>(T*, IndexedAccess, const int64_t*, const T*, StridedIndex, int64_t, \
                               int64_t, int64_t, bool, cudaStream_t);
HG_FOR_EACH_FLOATING(HG_INSTANTIATE_SCATTER_ADD)

}  // namespace hg::cuda
