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

#define HG_INSTANTIATE_COPY_TO(Destination, Source)                                       \
  template void copy_cast<Source, Destination>(const Source*, StridedIndex, Destination*, \
                                               StridedIndex, int64_t, cudaStream_t);
#define HG_INSTANTIATE_COPY_FROM(Source)     \
  HG_INSTANTIATE_COPY_TO(float, Source)      \
  HG_INSTANTIATE_COPY_TO(double, Source)     \
  HG_INSTANTIATE_COPY_TO(::hg::bf16, Source) \
  HG_INSTANTIATE_COPY_TO(int32_t, Source)    \
  HG_INSTANTIATE_COPY_TO(int64_t, Source)    \
  HG_INSTANTIATE_COPY_TO(uint8_t, Source)    \
  HG_INSTANTIATE_COPY_TO(uint64_t, Source)
HG_FOR_EACH_TYPE(HG_INSTANTIATE_COPY_FROM)

#define HG_INSTANTIATE_FILL(T) template void fill<T>(T*, T, int64_t, cudaStream_t);
HG_FOR_EACH_TYPE(HG_INSTANTIATE_FILL)

}  // namespace hg::cuda
