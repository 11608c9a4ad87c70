// Strided copy with conversion, and fill: the kernels behind contiguous(), to(dtype), clone()
// and Tensor::full on the GPU. CPU reference: tensor/cpu/copy.h.
//
// Thread mapping: a grid-stride loop, one output element per iteration; each thread turns its
// linear index into an offset in the source and in the destination (either may be a view).
#include "cuda/check.h"
#include "cuda/convert.h"
#include "cuda/copy.h"
#include "cuda/grid_stride.h"

namespace hg::cuda {

template <typename Source, typename Destination>
__global__ void copy_cast_kernel(const Source* source, StridedIndex source_index,
                                 Destination* destination, StridedIndex destination_index,
                                 int64_t count) {
  HG_GRID_STRIDE_LOOP(i, count)
  destination[destination_index.offset(i)] = convert<Destination>(source[source_index.offset(i)]);
}

template <typename Source, typename Destination>
void copy_cast(const Source* source, StridedIndex source_index, Destination* destination,
               StridedIndex destination_index, int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  copy_cast_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
      source, source_index, destination, destination_index, count);
  CUDA_CHECK_LAUNCH();
}

template <typename T>
__global__ void fill_kernel(T* destination, T value, int64_t count) {
  HG_GRID_STRIDE_LOOP(i, count) destination[i] = value;
}

template <typename T>
void fill(T* destination, T value, int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  fill_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(destination, value, count);
  CUDA_CHECK_LAUNCH();
}

HG_INSTANTIATE_COPY_AND_FILL()

}  // namespace hg::cuda
