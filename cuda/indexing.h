// Gather, scatter-add and where: the kernels behind tensor/indexing.h. CPU twins:
// tensor/cpu/indexing.h. IndexedAccess is plain data shared by both paths; the launchers throw in a
// CPU-only build (cuda/without_cuda/).
#pragma once

#include <cstdint>

#include "core/host_device.h"
#include "cuda/strided_index.h"

namespace hg {

// Where position p (linear, row-major over the index tensor's shape) of an index tensor points
// inside a data tensor, for gather and scatter-add along dim d:
//
//   offset(p) = Σ_{k≠d} coordinate_k(p)·data_stride_k  +  index[p]·data_stride_d
//
// `fiber` is the data tensor read at the index's coordinates with the stride of d set to 0
// (the first term); `position` finds index[p] inside the index tensor (which may be a view,
// e.g. an expanded 1-D index for index_select).
struct IndexedAccess {
  StridedIndex fiber;
  int64_t dim_stride = 0;
  StridedIndex position;

  HG_HOST_DEVICE int64_t offset(int64_t linear, const int64_t* index) const {
    return offset_at(fiber.offset(linear), position.offset(linear), index);
  }
  // The same, from the two terms' offsets when a loop already has them (the CPU's row walk).
  HG_HOST_DEVICE int64_t offset_at(int64_t fiber_offset, int64_t position_offset,
                                   const int64_t* index) const {
    return fiber_offset + index[position_offset] * dim_stride;
  }
};

}  // namespace hg

#include "cuda/stream.h"

namespace hg::cuda {

// output[p] = input[access.offset(p)] for p < count (output contiguous, of the index's shape).
template <typename T>
void gather(const T* input, IndexedAccess access, const int64_t* index, T* output, int64_t count,
            Stream stream);

// output[access.offset(p)] += source[source_index.offset(p)] for p < count = the index's numel.
// Not deterministic: atomicAdd, one thread per p. Deterministic: one thread per fiber (the
// positions that differ only in coordinate d, the dim of size `dim_size`, with `inner` the
// product of the index's sizes after d), adding in increasing coordinate d like the CPU.
template <typename T>
void scatter_add(T* output, IndexedAccess access, const int64_t* index, const T* source,
                 StridedIndex source_index, int64_t count, int64_t dim_size, int64_t inner,
                 bool deterministic, Stream stream);

// output[p] = condition[condition_index(p)] ≠ 0 ? a[a_index(p)] : b[b_index(p)].
template <typename T>
void where(const uint8_t* condition, StridedIndex condition_index, const T* a, StridedIndex a_index,
           const T* b, StridedIndex b_index, T* output, int64_t count, Stream stream);

}  // namespace hg::cuda
